package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// BackupDir is the folder, beside the database, where upgrade backups are kept.
const BackupDir = "backups"

// keepUpgradeBackups is how many upgrade backups stay; older ones are deleted after an upgrade
// succeeds (each is a whole copy of the database).
const keepUpgradeBackups = 2

// copyDatabase writes a consistent copy of src's main database to destPath with SQLite's online
// backup API: page by page under one read transaction, so writers carry on (WAL) and the copy is
// what was committed when it started. Never a file copy: that can catch a live database half
// written. destPath must not exist.
func copyDatabase(ctx context.Context, src *sql.DB, destPath string) error {
	if _, err := os.Stat(destPath); err == nil {
		return fmt.Errorf("store: backup: %s exists already", destPath)
	}
	return backupBetween(ctx, src, "file:"+destPath+"?_mutex=no", false)
}

// restoreDatabase replaces dst's main database with the content of the database file at
// srcPath, through the same backup API (the SQLite way to overwrite a database that is open).
func restoreDatabase(ctx context.Context, dst *sql.DB, srcPath string) error {
	return backupBetween(ctx, dst, "file:"+srcPath+"?mode=ro&_mutex=no", true)
}

// backupBetween copies between the pool db and the file opened by dsn: from db to the file, or
// from the file into db when intoPool.
func backupBetween(ctx context.Context, db *sql.DB, dsn string, intoPool bool) error {
	other, err := sql.Open(driverName, dsn)
	if err != nil {
		return err
	}
	defer other.Close()
	oc, err := other.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	defer oc.Close()
	pc, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	defer pc.Close()
	return pc.Raw(func(p any) error {
		return oc.Raw(func(o any) error {
			src, dst := p.(*sqlite3.SQLiteConn), o.(*sqlite3.SQLiteConn)
			if intoPool {
				src, dst = dst, src
			}
			b, err := dst.Backup("main", src, "main")
			if err != nil {
				return fmt.Errorf("store: backup: %w", err)
			}
			// One step: the whole copy under one read lock, so a write meanwhile (by another
			// connection) cannot make it start over.
			if _, err := b.Step(-1); err != nil {
				b.Finish()
				return fmt.Errorf("store: backup: %w", err)
			}
			return b.Finish()
		})
	})
}

// upgradeBackupPath names the backup taken before upgrading from schema version `from`:
// backups/vouchdesk-v7-20261203T070809Z.db beside the database.
func upgradeBackupPath(dbPath string, from int, now time.Time) string {
	base := strings.TrimSuffix(filepath.Base(dbPath), filepath.Ext(dbPath))
	return filepath.Join(filepath.Dir(dbPath), BackupDir,
		fmt.Sprintf("%s-v%d-%s.db", base, from, now.UTC().Format("20060102T150405Z")))
}

// pruneUpgradeBackups deletes all but the newest keepUpgradeBackups upgrade backups of dbPath.
func pruneUpgradeBackups(dbPath string) {
	base := strings.TrimSuffix(filepath.Base(dbPath), filepath.Ext(dbPath))
	found, _ := filepath.Glob(filepath.Join(filepath.Dir(dbPath), BackupDir, base+"-v*-*Z.db"))
	// The timestamp sorts by name; the version prefix differs, so sort on what follows it.
	slices.SortFunc(found, func(a, b string) int {
		return strings.Compare(a[strings.LastIndex(a, "-"):], b[strings.LastIndex(b, "-"):])
	})
	for len(found) > keepUpgradeBackups {
		os.Remove(found[0])
		found = found[1:]
	}
}

// upgrade migrates w from schema version `from` to upTo. An existing database (from > 0) is backed
// up first; when a migration fails the backup is put back, so the database is as it was, and the
// error says so and where the backup is.
func upgrade(ctx context.Context, w *sql.DB, abs string, from, upTo int) error {
	if from == 0 || from >= upTo {
		if _, err := migrate(ctx, w, upTo); err != nil {
			return &OpenError{Code: OtherProblem, Path: abs, Msg: "The database could not be migrated", Err: err}
		}
		return nil
	}
	backup := upgradeBackupPath(abs, from, time.Now())
	if err := os.MkdirAll(filepath.Dir(backup), 0o700); err != nil {
		return &OpenError{Code: DataDirUnwritable, Path: filepath.Dir(backup), Msg: "The backup folder cannot be created; nothing was upgraded", Err: err}
	}
	if err := copyDatabase(ctx, w, backup); err != nil {
		os.Remove(backup)
		return &OpenError{Code: UpgradeFailed, Path: abs,
			Msg: fmt.Sprintf("The database could not be backed up before its upgrade from schema version %d, so it was left as it is (is the disk full?)", from), Err: err}
	}
	_, merr := migrate(ctx, w, upTo)
	if merr == nil {
		pruneUpgradeBackups(abs)
		return nil
	}
	if rerr := restoreDatabase(ctx, w, backup); rerr != nil {
		return &OpenError{Code: UpgradeFailed, Path: abs,
			Msg: fmt.Sprintf("The upgrade from schema version %d failed and the database could not be restored automatically: copy the backup %s over it", from, backup),
			Err: errors.Join(merr, rerr)}
	}
	return &OpenError{Code: UpgradeFailed, Path: abs,
		Msg: fmt.Sprintf("The upgrade from schema version %d failed; the database was restored to how it was before (a copy is kept at %s)", from, backup), Err: merr}
}
