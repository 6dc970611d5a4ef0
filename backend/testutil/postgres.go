package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver for RawDB
	_ "github.com/mattn/go-sqlite3"    // the "sqlite3" driver for RawDB

	"vouchdesk/backend/store"
)

// PostgresEnv names the server the suites run on when set: the URL of a database on it that the
// tests may connect to as a user allowed to create databases (scripts/postgres.sh writes it).
const PostgresEnv = "VOUCHDESK_TEST_POSTGRES"

// Postgres reports whether this test run's databases are PostgreSQL ones.
func Postgres() bool { return os.Getenv(PostgresEnv) != "" }

// SkipOnPostgres skips a test that is about SQLite itself (its file, its locks, its backups),
// saying why, when the suite runs on PostgreSQL.
func SkipOnPostgres(t testing.TB, why string) {
	t.Helper()
	if Postgres() {
		t.Skip("SQLite only: " + why)
	}
}

var template struct {
	once sync.Once
	name string
	err  error
}

// postgresDatabase creates a database for the test as a copy of a migrated template (made once
// per test binary: CREATE DATABASE ... TEMPLATE copies files, much faster than migrating each
// time) and drops it when the test ends.
func postgresDatabase(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin := os.Getenv(PostgresEnv)
	template.once.Do(func() {
		template.name = "vd_template_" + randomName()
		if template.err = createDatabase(ctx, admin, template.name, ""); template.err != nil {
			return
		}
		s, err := store.Open(ctx, databaseURL(admin, template.name))
		if err != nil {
			template.err = err
			return
		}
		template.err = s.Close()
	})
	if template.err != nil {
		t.Fatalf("PostgreSQL test template: %v", template.err)
	}
	name := "vd_test_" + randomName()
	if err := createDatabase(ctx, admin, name, template.name); err != nil {
		t.Fatalf("PostgreSQL test database: %v", err)
	}
	t.Cleanup(func() {
		if err := execAdmin(ctx, admin, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return databaseURL(admin, name)
}

func createDatabase(ctx context.Context, admin, name, from string) error {
	q := "CREATE DATABASE " + name
	if from != "" {
		q += " TEMPLATE " + from
	}
	return execAdmin(ctx, admin, q)
}

func execAdmin(ctx context.Context, admin, q string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, q)
	return err
}

// databaseURL is the admin URL with another database name.
func databaseURL(admin, name string) string {
	u, err := url.Parse(admin)
	if err != nil {
		panic(fmt.Sprintf("%s is not a URL: %v", PostgresEnv, err))
	}
	u.Path = "/" + name
	return u.String()
}

func randomName() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// RawDB is a side door to a test's database, beside the engine that owns it: for tests that
// inject faults or read what no API shows. Statements use SQLite's `?` parameters on both
// databases (rewritten for PostgreSQL as the store does).
type RawDB struct {
	*sql.DB
	// Postgres says which database it is, for the few statements whose text differs.
	Postgres bool
}

// OpenRaw opens a RawDB on location (DBPath's answer), closed when the test ends.
func OpenRaw(t testing.TB, location string) *RawDB {
	t.Helper()
	var db *sql.DB
	var err error
	pg := store.IsPostgresURL(location)
	if pg {
		db, err = sql.Open("pgx", location)
	} else {
		db, err = sql.Open("sqlite3", "file:"+location+"?_busy_timeout=10000")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &RawDB{DB: db, Postgres: pg}
}

// Exec runs a statement.
func (r *RawDB) Exec(query string, args ...any) (sql.Result, error) {
	return r.DB.Exec(r.rebind(query), args...)
}

// QueryRow runs a query expected to return one row.
func (r *RawDB) QueryRow(query string, args ...any) *sql.Row {
	return r.DB.QueryRow(r.rebind(query), args...)
}

// Query runs a query.
func (r *RawDB) Query(query string, args ...any) (*sql.Rows, error) {
	return r.DB.Query(r.rebind(query), args...)
}

func (r *RawDB) rebind(query string) string {
	if r.Postgres {
		return store.PostgresParams(query)
	}
	return query
}
