package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Why a backup or a restore did not happen. Each leaves the current data as it was.
var (
	ErrDiskFull      = errors.New("store: the disk is full")
	ErrNotABackup    = errors.New("store: not a Vouch Desk backup")
	ErrBackupDamaged = errors.New("store: the backup is damaged")
	ErrBackupTooNew  = errors.New("store: the backup is from a newer Vouch Desk")
	// ErrBackupOnPostgres: a PostgreSQL database is backed up and restored with PostgreSQL's own
	// tools (pg_dump, pg_restore, or the server's continuous archiving), not by the app.
	ErrBackupOnPostgres = errors.New("store: this database is PostgreSQL: back it up with pg_dump (docs/operations.md)")
)

// BackupInfo describes a finished backup or a backup file about to be restored.
type BackupInfo struct {
	Path          string
	Bytes         int64
	SchemaVersion int
	Organizations int
	Contacts      int
	Conversations int
	Took          time.Duration
}

// Backup writes a consistent copy of the database to dest while the app goes on working: SQLite's
// backup API on a read connection of its own, so readers and the writer are never blocked (WAL).
// The copy is written beside dest under a temporary name and renamed into place when complete,
// so dest is never a partial file; on any failure the partial file is removed. A full disk is
// reported as ErrDiskFull.
func (s *Store) Backup(ctx context.Context, dest string) (BackupInfo, error) {
	if s.r.pg {
		return BackupInfo{}, ErrBackupOnPostgres
	}
	start := time.Now()
	abs, err := filepath.Abs(dest)
	if err != nil {
		return BackupInfo{}, err
	}
	if abs == s.path {
		return BackupInfo{}, errors.New("store: a backup cannot replace the database itself")
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	partial := abs + ".partial-" + hex.EncodeToString(rnd[:])
	src, err := sql.Open(driverName, readerDSN(s.path))
	if err != nil {
		return BackupInfo{}, err
	}
	defer src.Close()
	if err := copyDatabase(ctx, src, partial); err != nil {
		removeDB(partial)
		return BackupInfo{}, diskFull(err)
	}
	// The copy's journal settings are the store's (WAL): make it one self-contained file.
	if err := finishCopy(ctx, partial); err != nil {
		removeDB(partial)
		return BackupInfo{}, diskFull(err)
	}
	if err := os.Rename(partial, abs); err != nil {
		removeDB(partial)
		return BackupInfo{}, diskFull(err)
	}
	info, err := describeBackup(ctx, abs, false)
	if err != nil {
		return BackupInfo{}, err
	}
	info.Took = time.Since(start)
	return info, nil
}

// finishCopy switches a fresh copy out of WAL mode and syncs it, so the file alone is the backup.
func finishCopy(ctx context.Context, path string) error {
	db, err := sql.Open(driverName, "file:"+path+"?_mutex=no")
	if err != nil {
		return err
	}
	defer db.Close()
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode = DELETE").Scan(&mode); err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + suffix)
	}
}

// diskFull marks err as ErrDiskFull when SQLite or the OS ran out of space.
func diskFull(err error) error {
	var se sqlite3.Error
	if (errors.As(err, &se) && se.Code == sqlite3.ErrFull) || errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: %v", ErrDiskFull, err)
	}
	return err
}

// InspectBackup checks that the file at path is a whole Vouch Desk database this version can
// open (not another program's file, not truncated or damaged, not from a newer version) and says
// what it holds. It only reads the file.
func InspectBackup(ctx context.Context, path string) (BackupInfo, error) {
	return describeBackup(ctx, path, true)
}

// describeBackup is InspectBackup; check=false skips reading every page, for a copy this process
// has just written with the backup API (pages copied verbatim from a consistent database).
func describeBackup(ctx context.Context, path string, check bool) (BackupInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, err
	}
	if st.IsDir() || st.Size() == 0 {
		return BackupInfo{}, ErrNotABackup
	}
	// The header says whose file it is even when the rest is damaged: SQLite's magic string, and
	// the application id at byte 68.
	ours := false
	if f, err := os.Open(path); err == nil {
		var h [100]byte
		if n, _ := f.ReadAt(h[:], 0); n == len(h) && string(h[:16]) == "SQLite format 3\x00" {
			ours = binary.BigEndian.Uint32(h[68:72]) == ApplicationID
		}
		f.Close()
	}
	if !ours {
		return BackupInfo{}, ErrNotABackup
	}
	registerDriver()
	version, err := inspect(ctx, path)
	if err != nil {
		switch OpenErrorCode(err) {
		case TooNew:
			return BackupInfo{}, fmt.Errorf("%w (%v)", ErrBackupTooNew, err)
		case Corrupt:
			return BackupInfo{}, fmt.Errorf("%w (%v)", ErrBackupDamaged, err)
		}
		return BackupInfo{}, err
	}
	if version == 0 {
		return BackupInfo{}, ErrNotABackup
	}
	db, err := sql.Open(driverName, "file:"+path+"?mode=ro&immutable=1")
	if err != nil {
		return BackupInfo{}, err
	}
	defer db.Close()
	// quick_check reads every page: a truncated or damaged copy fails here, not after a restore.
	if check {
		var result string
		if err := db.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&result); err != nil || result != "ok" {
			return BackupInfo{}, fmt.Errorf("%w (%s%v)", ErrBackupDamaged, result, errOrNil(err))
		}
	}
	info := BackupInfo{Path: path, Bytes: st.Size(), SchemaVersion: version}
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM organizations),
		(SELECT count(*) FROM contacts WHERE status = 'active'), (SELECT count(*) FROM conversations)`).Scan(
		&info.Organizations, &info.Contacts, &info.Conversations); err != nil {
		return BackupInfo{}, fmt.Errorf("%w (%v)", ErrBackupDamaged, err)
	}
	return info, nil
}

func errOrNil(err error) any {
	if err == nil {
		return ""
	}
	return err
}

// Restore replaces the whole database with the backup at path, after checking it with
// InspectBackup and copying the current data to backups/ first (returned as the second value).
// The replacement goes through the backup API into the open database in one step, so readers
// see either the old data or the new, and an older backup is then migrated like any upgrade.
// The caller reloads whatever it keeps in memory.
func (s *Store) Restore(ctx context.Context, path string) (BackupInfo, string, error) {
	if s.readOnly {
		return BackupInfo{}, "", ErrReadOnly
	}
	if s.w.pg {
		return BackupInfo{}, "", ErrBackupOnPostgres
	}
	info, err := InspectBackup(ctx, path)
	if err != nil {
		return BackupInfo{}, "", err
	}
	safety := filepath.Join(filepath.Dir(s.path), BackupDir,
		fmt.Sprintf("before-restore-%s.db", time.Now().UTC().Format("20060102T150405Z")))
	if err := os.MkdirAll(filepath.Dir(safety), 0o700); err != nil {
		return BackupInfo{}, "", err
	}
	if _, err := s.Backup(ctx, safety); err != nil {
		return BackupInfo{}, "", fmt.Errorf("store: the current data could not be saved first, so nothing was restored: %w", err)
	}
	if err := restoreDatabase(ctx, s.w.DB, path); err != nil {
		// The backup API rolls the destination back when a step fails; the data is as it was.
		return BackupInfo{}, safety, diskFull(err)
	}
	if _, err := migrate(ctx, s.w.DB, len(allMigrations)); err != nil {
		if rerr := restoreDatabase(ctx, s.w.DB, safety); rerr != nil {
			return BackupInfo{}, safety, fmt.Errorf("store: the restored backup could not be upgraded (%v), and putting the data back failed (%v): copy %s over the database", err, rerr, safety)
		}
		return BackupInfo{}, safety, fmt.Errorf("store: the backup could not be upgraded to this version, so the data was put back as it was: %w", err)
	}
	return info, safety, nil
}
