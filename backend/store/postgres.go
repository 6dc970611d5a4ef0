package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// A team's vouchd keeps its data in PostgreSQL (pgx through database/sql, so every statement
// and transaction of the store runs unchanged on either database). The password never comes
// from the URL in a config file: pgx reads PGPASSWORD or the file PGPASSFILE names, as psql does.

// IsPostgresURL reports whether a database location is a PostgreSQL URL rather than a file path.
func IsPostgresURL(location string) bool {
	return strings.HasPrefix(location, "postgres://") || strings.HasPrefix(location, "postgresql://")
}

// RedactURL is a PostgreSQL URL without its password, for messages and logs.
func RedactURL(location string) string {
	u, err := url.Parse(location)
	if err != nil {
		return "(a PostgreSQL URL that does not parse)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "redacted")
	}
	return u.String()
}

// Advisory lock keys (pg_advisory_xact_lock takes any 64-bit number; these spell "VDK1W" and
// "VDK1M"). Held until the transaction ends.
const (
	// writeLockKey serializes the store's write transactions across every connection and every
	// node, as SQLite's single writer does: the domain's check-then-write rules hold unchanged,
	// and change sequence numbers commit in the order they are taken.
	writeLockKey = 0x56444B3157
	// migrateLockKey keeps two nodes starting at once from migrating together.
	migrateLockKey = 0x56444B314D
)

// How many connections a store keeps open to PostgreSQL: writers queue on one lock, so a few
// suffice (one waits on the lock while another commits); readers serve the inbox, the widget and
// the feed.
const (
	postgresWriters = 8
	postgresReaders = 24
	// PostgresConnections is the most connections one store opens to PostgreSQL.
	PostgresConnections = postgresWriters + postgresReaders
)

// postgresPool opens a pool of n connections and checks that the server answers.
func postgresPool(ctx context.Context, location string, readOnly bool, n int) (*sql.DB, error) {
	shown := RedactURL(location)
	cfg, err := pgx.ParseConfig(location)
	if err != nil {
		return nil, &OpenError{Code: OtherProblem, Path: shown, Msg: "The PostgreSQL URL is not valid", Err: err}
	}
	if readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	cfg.RuntimeParams["application_name"] = "vouchdesk"
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pool.PingContext(pingCtx); err != nil {
		pool.Close()
		return nil, &OpenError{Code: OtherProblem, Path: shown, Msg: "PostgreSQL did not answer (is it running, and are the URL and PGPASSWORD right?)", Err: err}
	}
	return pool, nil
}

func openPostgres(ctx context.Context, location string, upTo int, readOnly bool) (*Store, error) {
	shown := RedactURL(location)
	w, err := postgresPool(ctx, location, readOnly, postgresWriters)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			w.Close()
		}
	}()
	// The readers' pool refuses writes (as SQLite's query_only readers do): a write meant for a
	// transaction that took the write lock cannot slip through a connection that did not.
	r, err := postgresPool(ctx, location, true, postgresReaders)
	if err != nil {
		return nil, err
	}
	defer func() {
		if !ok {
			r.Close()
		}
	}()
	d := &db{DB: w, pg: true}
	version, err := postgresVersion(ctx, d)
	if err != nil {
		return nil, &OpenError{Code: OtherProblem, Path: shown, Msg: "The database could not be read", Err: err}
	}
	if version > len(postgresMigrations) {
		return nil, &OpenError{Code: TooNew, Path: shown,
			Msg: fmt.Sprintf("This database was written by a newer Vouch Desk (schema version %d; this version knows up to %d). Install the newer version to open it", version, len(postgresMigrations))}
	}
	if readOnly {
		if version < len(postgresMigrations) {
			return nil, &OpenError{Code: NeedsMigration, Path: shown,
				Msg: fmt.Sprintf("The database is at schema version %d and this build expects %d: run `vouchd migrate` (or start vouchd) first", version, len(postgresMigrations))}
		}
	} else if err := migratePostgres(ctx, d, upTo); err != nil {
		return nil, &OpenError{Code: OtherProblem, Path: shown, Msg: "The database could not be migrated", Err: err}
	}
	s := &Store{path: shown, w: d, r: &db{DB: r, pg: true}, readOnly: readOnly, node: newNodeKey(), wr: newWriter(),
		sess: session{location: location}}
	if readOnly {
		s.w = nil
		w.Close()
	} else if _, err := s.present(ctx); err != nil {
		// Present from the start: every email this node claims is claimed by a live node.
		return nil, &OpenError{Code: OtherProblem, Path: shown, Msg: "The database could not be opened", Err: err}
	}
	if s.q, err = prepareQueries(ctx, s.r); err != nil {
		return nil, &OpenError{Code: OtherProblem, Path: shown, Msg: "The database could not be read", Err: err}
	}
	ok = true
	return s, nil
}

// postgresVersion is the schema version of the database: 0 when it is empty, an error when it
// holds tables but is not a Vouch Desk database (never migrate someone else's data).
func postgresVersion(ctx context.Context, d *db) (int, error) {
	var ours bool
	if err := d.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&ours); err != nil {
		return 0, err
	}
	if !ours {
		var tables int
		if err := d.QueryRowContext(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&tables); err != nil {
			return 0, err
		}
		if tables > 0 {
			return 0, errors.New("this PostgreSQL database holds other tables and is not a Vouch Desk database; give vouchd an empty database of its own")
		}
		return 0, nil
	}
	var v int
	err := d.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// migratePostgres applies the PostgreSQL migrations above the database's version, up to upTo,
// each in one transaction with its schema_migrations row (PostgreSQL's DDL is transactional, so
// a failed migration leaves the previous version whole). A lock keeps two nodes from migrating
// at once; the second finds the work done.
func migratePostgres(ctx context.Context, d *db, upTo int) error {
	for _, m := range postgresMigrations[:min(upTo, len(postgresMigrations))] {
		if err := applyPostgresMigration(ctx, d, m); err != nil {
			return fmt.Errorf("store: migration %04d_%s: %w", m.version, m.name, err)
		}
	}
	return nil
}

func applyPostgresMigration(ctx context.Context, d *db, m migration) error {
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(migrateLockKey)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return err
	}
	var done bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`, m.version).Scan(&done); err != nil {
		return err
	}
	if done {
		return nil
	}
	// The file runs as one simple-protocol batch (several statements, no parameters).
	if _, err := tx.Tx.ExecContext(ctx, m.sql, pgx.QueryExecModeSimpleProtocol); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

// unlockedWritesForTest turns the write lock off, for the test that shows what it prevents.
var unlockedWritesForTest = false

// lockWrites takes the store-wide write lock inside a PostgreSQL write transaction.
func lockWrites(ctx context.Context, tx *sqlTx) error {
	if !tx.pg || unlockedWritesForTest {
		return nil // SQLite's BEGIN IMMEDIATE already took it
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(writeLockKey))
	return err
}

// readOptions are a read transaction's: one snapshot for all its statements on PostgreSQL (its
// default, READ COMMITTED, takes a new snapshot per statement); SQLite's read transactions
// always see one.
func readOptions(pg bool) *sql.TxOptions {
	if pg {
		return &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	return &sql.TxOptions{ReadOnly: true}
}
