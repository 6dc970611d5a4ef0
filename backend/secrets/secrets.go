// Package secrets keeps mail account passwords out of the database and out of logs. The desktop
// keeps them in the operating system's keyring (Secret Service on Linux, Keychain on macOS,
// Credential Manager on Windows); vouchd reads them from environment variables or files. There is
// deliberately no plain-text fallback: without a keyring the desktop says so and stores nothing.
//
// It also seals what must sit in the database but not be readable from a copy of it (the codes
// and links of queued emails, sealer.go), under a key kept the same way.
package secrets

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/zalando/go-keyring"
)

// Store holds secrets by reference (the secret_ref column).
type Store interface {
	Get(ref string) (string, error)
	Set(ref, value string) error
	Delete(ref string) error
	// Available says whether secrets can be stored, and if not, why (for the UI).
	Available() (bool, string)
}

// ErrNotFound: no secret under that reference.
var ErrNotFound = errors.New("secrets: not found")

// keyringService is the service name entries are filed under in the OS keyring.
const keyringService = "Vouch Desk"

// Keyring is the OS keyring.
type Keyring struct{}

// Get reads a secret.
func (Keyring) Get(ref string) (string, error) {
	v, err := keyring.Get(keyringService, ref)
	if errors.Is(err, keyring.ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("secrets: the system keyring did not answer: %w", err)
	}
	return v, nil
}

// Set stores a secret.
func (Keyring) Set(ref, value string) error {
	if err := keyring.Set(keyringService, ref, value); err != nil {
		return fmt.Errorf("secrets: the system keyring refused to store the password: %w", err)
	}
	return nil
}

// Delete removes a secret; a missing one is fine.
func (Keyring) Delete(ref string) error {
	if err := keyring.Delete(keyringService, ref); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("secrets: the system keyring refused to delete the password: %w", err)
	}
	return nil
}

// Available probes the keyring with a read of an entry that does not exist.
func (Keyring) Available() (bool, string) {
	_, err := keyring.Get(keyringService, "availability-probe")
	if err == nil || errors.Is(err, keyring.ErrNotFound) {
		return true, ""
	}
	return false, "No system keyring is available (on Linux: a Secret Service such as GNOME Keyring or KWallet must be running). Passwords are kept only in the keyring, never in plain text, so none can be saved until one is available."
}

// Env reads secrets from the environment, for vouchd: the reference "smtp" is the variable
// VOUCHD_SMTP_PASSWORD, or the file named by VOUCHD_SMTP_PASSWORD_FILE (one trailing newline is
// dropped). It cannot store anything: an operator sets secrets where the server runs.
type Env struct {
	Getenv   func(string) string          // os.Getenv when nil
	ReadFile func(string) ([]byte, error) // os.ReadFile when nil
}

func (e Env) vars(ref string) (string, string) {
	base := EnvVar(ref)
	return base, base + "_FILE"
}

// EnvVar is the environment variable vouchd reads the secret ref from ("smtp" is
// VOUCHD_SMTP_PASSWORD); the same name with _FILE names a file holding it.
func EnvVar(ref string) string {
	return "VOUCHD_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(ref)) + "_PASSWORD"
}

func (e Env) funcs() (func(string) string, func(string) ([]byte, error)) {
	getenv, readFile := e.Getenv, e.ReadFile
	if getenv == nil {
		getenv = os.Getenv
	}
	if readFile == nil {
		readFile = os.ReadFile
	}
	return getenv, readFile
}

// Get reads the secret for ref.
func (e Env) Get(ref string) (string, error) {
	getenv, readFile := e.funcs()
	name, fileVar := e.vars(ref)
	if v := getenv(name); v != "" {
		return v, nil
	}
	if f := getenv(fileVar); f != "" {
		b, err := readFile(f)
		if err != nil {
			return "", fmt.Errorf("secrets: %s names a file that cannot be read: %w", fileVar, err)
		}
		return strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"), nil
	}
	return "", fmt.Errorf("%w: set %s or %s", ErrNotFound, name, fileVar)
}

// Set refuses: vouchd's secrets are set in its environment.
func (e Env) Set(ref, _ string) error {
	name, fileVar := e.vars(ref)
	return fmt.Errorf("secrets: vouchd reads passwords from %s or %s; set it there", name, fileVar)
}

// Delete refuses likewise.
func (e Env) Delete(ref string) error { return e.Set(ref, "") }

// Available reports that the environment is read-only.
func (Env) Available() (bool, string) {
	return false, "vouchd reads passwords from its environment (VOUCHD_SMTP_PASSWORD, VOUCHD_IMAP_PASSWORD, VOUCHD_BOUNCE_PASSWORD or their _FILE variants)."
}
