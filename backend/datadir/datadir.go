// Package datadir decides where the desktop app keeps its database: the platform's usual place for
// an application's own data, unless VOUCHDESK_DATA_DIR says otherwise.
package datadir

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// EnvOverride names the environment variable that replaces the default folder (tests, portable use).
const EnvOverride = "VOUCHDESK_DATA_DIR"

// DatabaseFile is the name of the database inside the data folder.
const DatabaseFile = "vouchdesk.db"

// Resolve returns the data folder for this machine and user.
func Resolve() (string, error) {
	home, _ := os.UserHomeDir()
	return forOS(runtime.GOOS, os.Getenv, home)
}

// forOS is Resolve with its inputs explicit, so each platform's rule can be tested anywhere:
//   - Linux and other Unix: $XDG_DATA_HOME/vouchdesk, else ~/.local/share/vouchdesk (XDG spec);
//   - macOS: ~/Library/Application Support/Vouch Desk;
//   - Windows: %LOCALAPPDATA%\Vouch Desk (local, not roaming: a database must not roam).
func forOS(goos string, getenv func(string) string, home string) (string, error) {
	if d := getenv(EnvOverride); d != "" {
		return filepath.Clean(d), nil
	}
	switch goos {
	case "windows":
		if d := getenv("LOCALAPPDATA"); d != "" {
			return filepath.Join(d, "Vouch Desk"), nil
		}
		if home != "" {
			return filepath.Join(home, "AppData", "Local", "Vouch Desk"), nil
		}
	case "darwin":
		if home != "" {
			return filepath.Join(home, "Library", "Application Support", "Vouch Desk"), nil
		}
	default:
		if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
			return filepath.Join(d, "vouchdesk"), nil
		}
		if home != "" {
			return filepath.Join(home, ".local", "share", "vouchdesk"), nil
		}
	}
	return "", errors.New("datadir: cannot tell where the home folder is; set " + EnvOverride)
}
