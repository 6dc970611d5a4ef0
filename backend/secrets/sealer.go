package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a sealing key in bytes (AES-256).
const KeySize = 32

// SealKeyRef is where the desktop keeps the outbox sealing key in the OS keyring.
const SealKeyRef = "outbox-seal-key"

// NewKey returns a fresh random sealing key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic(fmt.Sprintf("secrets: crypto/rand failed: %v", err)) // the OS has no entropy: nothing is safe
	}
	return k
}

// EncodeKey is the text form of a key (standard base64), as kept in a keyring or a file.
func EncodeKey(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

// ParseKey reads the text form of a key: base64 of exactly KeySize bytes; surrounding spaces and
// newlines are ignored.
func ParseKey(s string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(k) != KeySize {
		return nil, fmt.Errorf("secrets: a sealing key is %d random bytes in base64 (44 characters), e.g. from `head -c 32 /dev/urandom | base64`", KeySize)
	}
	return k, nil
}

// Sealer encrypts small secrets that must sit in the database (a queued email's code or link)
// with AES-256-GCM under a key that does not: a copy of the file without the key reads nothing.
// Each seal has a fresh random nonce; the additional data binds a sealed value to the row it
// belongs to, so it cannot be moved into another row.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a sealer for a KeySize-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secrets: a sealing key is %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: sealing key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: sealing key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal returns nonce || ciphertext.
func (s *Sealer) Seal(plain, additional []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secrets: seal: %w", err)
	}
	return s.aead.Seal(nonce, nonce, plain, additional), nil
}

// ErrUnsealable: the value was sealed under another key, belongs to another row, or was altered.
var ErrUnsealable = errors.New("secrets: the sealed value cannot be opened with this key")

// Open reverses Seal.
func (s *Sealer) Open(sealed, additional []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, ErrUnsealable
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], additional)
	if err != nil {
		return nil, ErrUnsealable
	}
	return plain, nil
}

// SealKey returns the sealing key kept in st under SealKeyRef, creating and storing a new one the
// first time. A key that is there but unreadable is an error, not replaced: replacing it would
// make every email still queued unreadable without saying why.
func SealKey(st Store) ([]byte, error) {
	v, err := st.Get(SealKeyRef)
	if errors.Is(err, ErrNotFound) {
		k := NewKey()
		if err := st.Set(SealKeyRef, EncodeKey(k)); err != nil {
			return nil, err
		}
		return k, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseKey(v)
}

// EnvSealKey reads vouchd's sealing key from VOUCHD_OUTBOX_KEY (base64), or from the file named by
// VOUCHD_OUTBOX_KEY_FILE. ok is false when neither is set.
func (e Env) EnvSealKey() (key []byte, ok bool, err error) {
	getenv, readFile := e.funcs()
	if v := getenv("VOUCHD_OUTBOX_KEY"); v != "" {
		k, err := ParseKey(v)
		if err != nil {
			return nil, true, fmt.Errorf("VOUCHD_OUTBOX_KEY: %w", err)
		}
		return k, true, nil
	}
	if f := getenv("VOUCHD_OUTBOX_KEY_FILE"); f != "" {
		b, err := readFile(f)
		if err != nil {
			return nil, true, fmt.Errorf("secrets: VOUCHD_OUTBOX_KEY_FILE names a file that cannot be read: %w", err)
		}
		k, err := ParseKey(string(b))
		if err != nil {
			return nil, true, fmt.Errorf("VOUCHD_OUTBOX_KEY_FILE: %w", err)
		}
		return k, true, nil
	}
	return nil, false, nil
}
