package store

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned by lookups that find no row.
var ErrNotFound = errors.New("store: not found")

// OpenCode classifies why a database could not be opened, so that the desktop and vouchd can tell
// a person what to do about it.
type OpenCode string

const (
	// DataDirUnwritable: the folder cannot be created or written (permissions, read-only disk).
	DataDirUnwritable OpenCode = "data_dir_unwritable"
	// Locked: another process holds the database (another Vouch Desk, vouchd, or a SQLite tool).
	Locked OpenCode = "db_locked"
	// TooNew: the database was written by a newer version of Vouch Desk.
	TooNew OpenCode = "db_too_new"
	// Corrupt: the file is not a SQLite database, or fails its integrity check.
	Corrupt OpenCode = "db_corrupt"
	// UpgradeFailed: migrating an older database failed (it was put back as it was) or it could
	// not be backed up before the upgrade (it was not touched).
	UpgradeFailed OpenCode = "db_upgrade_failed"
	// NeedsMigration: opened read-only, but the schema is older than this build.
	NeedsMigration OpenCode = "db_needs_migration"
	// OtherProblem: anything else (I/O errors and the like).
	OtherProblem OpenCode = "other"
)

// OpenError says why Open failed. The database is never changed when Open fails: a refused file
// is not written at all, and a failed upgrade is undone from the backup taken just before it.
type OpenError struct {
	Code OpenCode
	Path string
	// Msg is one sentence a person can act on.
	Msg string
	Err error
}

func (e *OpenError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s (%s): %v", e.Msg, e.Path, e.Err)
	}
	return fmt.Sprintf("%s (%s)", e.Msg, e.Path)
}

func (e *OpenError) Unwrap() error { return e.Err }

// OpenErrorCode returns the classification of err, or "" when err is not an *OpenError.
func OpenErrorCode(err error) OpenCode {
	var oe *OpenError
	if errors.As(err, &oe) {
		return oe.Code
	}
	return ""
}
