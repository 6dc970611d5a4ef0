package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// Each dialect has its own numbered files: migrations/sqlite and migrations/postgres.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

var (
	allMigrations      = mustLoadMigrations("migrations/sqlite")
	postgresMigrations = mustLoadMigrations("migrations/postgres")
)

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// mustLoadMigrations reads the embedded files; numbering gaps or duplicates are a build mistake,
// caught by the first test that opens a store.
func mustLoadMigrations(dir string) []migration {
	entries, err := migrationFiles.ReadDir(dir)
	if err != nil {
		panic(err)
	}
	var ms []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		v, _ := strconv.Atoi(m[1])
		body, err := migrationFiles.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			panic(err)
		}
		ms = append(ms, migration{version: v, name: m[2], sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			panic(fmt.Sprintf("store: migration %04d_%s is out of sequence (want %04d)", m.version, m.name, i+1))
		}
	}
	return ms
}

// LatestVersion is the schema version this build writes to a SQLite file.
func LatestVersion() int { return len(allMigrations) }

// LatestVersion is the schema version this build writes to the store's database (each dialect
// numbers its own migrations).
func (s *Store) LatestVersion() int {
	if s.r.pg {
		return len(postgresMigrations)
	}
	return len(allMigrations)
}

// SchemaVersion reads the database's schema version.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.r.QueryRowContext(ctx, s.r.pick("PRAGMA user_version",
		"SELECT coalesce(max(version), 0) FROM schema_migrations")).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// migrate applies every migration above the database's version, up to upTo, each in its own
// transaction together with the version bump, so a crash leaves the database at a whole version.
// It returns how many it applied; with nothing to do it writes nothing.
func migrate(ctx context.Context, db *sql.DB, upTo int) (int, error) {
	var current int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	if current > len(allMigrations) {
		return 0, fmt.Errorf("store: schema version %d is newer than this build's %d", current, len(allMigrations))
	}
	applied := 0
	for _, m := range allMigrations[:upTo] {
		done, err := applyMigration(ctx, db, m)
		if err != nil {
			return applied, fmt.Errorf("store: migration %04d_%s: %w", m.version, m.name, err)
		}
		if done {
			applied++
		}
	}
	return applied, nil
}

func applyMigration(ctx context.Context, db *sql.DB, m migration) (bool, error) {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (writer DSN)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var current int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return false, err
	}
	if current >= m.version {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.version, m.name, time.Now().UnixMilli()); err != nil {
		return false, err
	}
	// Header pragmas are transactional in SQLite: they commit or roll back with the migration.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
