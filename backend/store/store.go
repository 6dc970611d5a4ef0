// Package store keeps all of Vouch Desk's data in one local SQLite file: it opens the file with
// the pragmas the rest of the code relies on, applies the embedded numbered migrations, and holds
// every query. Methods are named after what they return (ContactByField); writes go through Write,
// which runs one immediate transaction.
//
// A Store holds two pools on the same file: one writer connection (SQLite allows one writer at a
// time; queuing writers in Go instead of in SQLite's busy handler keeps latency predictable) and
// several read-only connections that, thanks to WAL, are never blocked by the writer.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/gofrs/flock"
	sqlite3 "github.com/mattn/go-sqlite3"
)

// ApplicationID marks a SQLite file as a Vouch Desk database ("VDK1"), so that Open can refuse
// some other program's database instead of migrating it.
const ApplicationID = 0x56444B31

// driverName is our registration of mattn's driver, with the per-connection pragmas below.
const driverName = "vouchdesk_sqlite3"

// connectionPragmas run on every new connection (pragmas are per connection in SQLite).
var connectionPragmas = []string{
	// Enforce REFERENCES clauses; SQLite leaves them off by default for backwards compatibility.
	"PRAGMA foreign_keys = ON",
	// Wait up to 5 s for a lock instead of failing at once with SQLITE_BUSY: another process
	// (a backup tool, the sqlite3 shell) may hold the file briefly.
	"PRAGMA busy_timeout = 5000",
	// FULL fsyncs the WAL on every commit: a chat message or a queued email that was acknowledged
	// survives a power cut. NORMAL would be faster but may lose the last commits on power loss.
	"PRAGMA synchronous = FULL",
	// Sorts and temporary indexes in memory: faster, and nothing to clean up on disk after a crash.
	"PRAGMA temp_store = MEMORY",
	// 32 MiB page cache per connection (negative = KiB): the hot indexes of a 1M-contact database
	// (identity lookups, inbox list) stay in memory.
	"PRAGMA cache_size = -32768",
	// No checkpoint inside commits: the store's checkpointer does it in the background
	// (checkpoint.go). Only the writer commits, so only there does this change anything.
	"PRAGMA wal_autocheckpoint = 0",
}

var registerOnce sync.Once

func registerDriver() {
	registerOnce.Do(func() {
		sql.Register(driverName, &sqlite3.SQLiteDriver{
			ConnectHook: func(c *sqlite3.SQLiteConn) error {
				for _, p := range connectionPragmas {
					if _, err := c.Exec(p, nil); err != nil {
						return fmt.Errorf("%s: %w", p, err)
					}
				}
				return nil
			},
		})
	})
}

// Store is the open database. It is safe for concurrent use.
type Store struct {
	path     string
	w        *db // SQLite: the single writer connection, nil when read-only; PostgreSQL: the pool
	r        *db // SQLite: read-only connections; PostgreSQL: the same pool as w
	lock     *flock.Flock
	readOnly bool
	q        *queries
	ckpt     *checkpointer // nil when read-only
	sealer   Sealer        // seals queued secrets (SetSealer); nil when none was set
	node     int64         // this store's key among the nodes sharing the database (nodes.go)
	sess     session       // PostgreSQL: the node's own connection, holding its locks
	wr       *writer       // queues write transactions and commits them in groups (tx.go)
}

// Open opens (creating if needed) the database at path for reading and writing, takes the
// exclusive process lock that makes one engine per database, and applies pending migrations.
// When it fails the file is left untouched and the error is an *OpenError.
//
// A postgres:// URL instead of a path opens a PostgreSQL database (see postgres.go): no file
// lock there (several nodes share one database), the migrations of migrations/postgres.
func Open(ctx context.Context, path string) (*Store, error) {
	if IsPostgresURL(path) {
		return openPostgres(ctx, path, len(postgresMigrations), false)
	}
	return open(ctx, path, len(allMigrations))
}

// OpenReadOnly opens an existing, fully migrated database without the process lock, so it can be
// read beside a running engine (vouchd status). It never writes.
func OpenReadOnly(ctx context.Context, path string) (*Store, error) {
	if IsPostgresURL(path) {
		return openPostgres(ctx, path, len(postgresMigrations), true)
	}
	registerDriver()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &OpenError{Code: OtherProblem, Path: path, Msg: "The database path is not valid", Err: err}
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, &OpenError{Code: OtherProblem, Path: abs, Msg: "There is no database here yet", Err: err}
	}
	version, err := inspect(ctx, abs)
	if err != nil {
		return nil, err
	}
	if version < len(allMigrations) {
		return nil, &OpenError{Code: NeedsMigration, Path: abs,
			Msg: fmt.Sprintf("The database is at schema version %d and this build expects %d: run `vouchd migrate` (or start the app) first", version, len(allMigrations))}
	}
	r, err := sql.Open(driverName, readerDSN(abs))
	if err != nil {
		return nil, &OpenError{Code: OtherProblem, Path: abs, Msg: "The database could not be opened", Err: err}
	}
	r.SetMaxOpenConns(readers())
	s := &Store{path: abs, r: &db{DB: r}, readOnly: true}
	if s.q, err = prepareQueries(ctx, s.r); err != nil {
		r.Close()
		return nil, &OpenError{Code: OtherProblem, Path: abs, Msg: "The database could not be read", Err: err}
	}
	return s, nil
}

// open is Open with the migrations applied only up to version upTo (tests build old databases).
func open(ctx context.Context, path string, upTo int) (_ *Store, err error) {
	registerDriver()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &OpenError{Code: OtherProblem, Path: path, Msg: "The database path is not valid", Err: err}
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, &OpenError{Code: DataDirUnwritable, Path: filepath.Dir(abs),
			Msg: "The data folder cannot be created", Err: err}
	}
	lock := flock.New(abs + ".lock")
	locked, err := lock.TryLock()
	if err != nil {
		return nil, &OpenError{Code: DataDirUnwritable, Path: filepath.Dir(abs),
			Msg: "The data folder is not writable", Err: err}
	}
	if !locked {
		return nil, &OpenError{Code: Locked, Path: abs,
			Msg: "Another Vouch Desk (the desktop app or vouchd) is already using this database"}
	}
	defer func() {
		if err != nil {
			lock.Unlock()
		}
	}()

	existing := 0 // the schema version of a database that is there already
	if st, statErr := os.Stat(abs); statErr == nil {
		if st.IsDir() {
			return nil, &OpenError{Code: OtherProblem, Path: abs, Msg: "The database path is a folder"}
		}
		if f, werr := os.OpenFile(abs, os.O_RDWR, 0); werr != nil {
			return nil, &OpenError{Code: DataDirUnwritable, Path: abs, Msg: "The database file is not writable", Err: werr}
		} else {
			f.Close()
		}
		if existing, err = inspect(ctx, abs); err != nil {
			return nil, err
		}
	}

	w, err := sql.Open(driverName, writerDSN(abs))
	if err != nil {
		return nil, &OpenError{Code: OtherProblem, Path: abs, Msg: "The database could not be opened", Err: err}
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &Store{path: abs, w: &db{DB: w}, lock: lock, node: newNodeKey(), wr: newWriter()}
	defer func() {
		if err != nil {
			w.Close()
		}
	}()
	// WAL lets readers run while a write is in progress (a merge never blocks the inbox list) and
	// makes commits cheaper. The setting is stored in the file, so it is set once here.
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return nil, classify(abs, err)
	}
	if mode != "wal" {
		return nil, &OpenError{Code: OtherProblem, Path: abs, Msg: "The database could not be switched to WAL mode (is it on a network share?)"}
	}
	if err := upgrade(ctx, w, abs, existing, upTo); err != nil {
		return nil, err
	}
	r, err := sql.Open(driverName, readerDSN(abs))
	if err != nil {
		return nil, &OpenError{Code: OtherProblem, Path: abs, Msg: "The database could not be opened", Err: err}
	}
	r.SetMaxOpenConns(readers())
	r.SetMaxIdleConns(readers())
	s.r = &db{DB: r}
	if s.q, err = prepareQueries(ctx, s.r); err != nil {
		r.Close()
		return nil, &OpenError{Code: OtherProblem, Path: abs, Msg: "The database could not be read", Err: err}
	}
	if s.ckpt, err = startCheckpointer(abs); err != nil {
		s.q.close()
		r.Close()
		return nil, &OpenError{Code: OtherProblem, Path: abs, Msg: "The database could not be opened", Err: err}
	}
	return s, nil
}

// inspect reads the header of an existing file through a read-only connection, so a corrupt,
// foreign or too-new file is refused before anything writes to it. It returns the schema version.
func inspect(ctx context.Context, abs string) (int, error) {
	// immutable=1 reads the file without creating -wal/-shm beside it, so a refused file is left
	// exactly as it was. When a WAL is already there (a crash left it) its commits must be seen.
	dsn := "file:" + abs + "?mode=ro&immutable=1"
	if _, err := os.Stat(abs + "-wal"); err == nil {
		dsn = "file:" + abs + "?mode=ro"
	}
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		return 0, &OpenError{Code: OtherProblem, Path: abs, Msg: "The database could not be opened", Err: err}
	}
	defer db.Close()
	var version, appID, objects int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return 0, classify(abs, err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return 0, classify(abs, err)
	}
	// Reading the schema parses every table definition: a damaged first page fails here.
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&objects); err != nil {
		return 0, classify(abs, err)
	}
	if objects > 0 && appID != ApplicationID {
		return 0, &OpenError{Code: Corrupt, Path: abs, Msg: "This file is a SQLite database, but not a Vouch Desk database"}
	}
	if version > len(allMigrations) {
		return 0, &OpenError{Code: TooNew, Path: abs,
			Msg: fmt.Sprintf("This database was written by a newer Vouch Desk (schema version %d; this version knows up to %d). Install the newer version to open it", version, len(allMigrations))}
	}
	return version, nil
}

// classify turns a SQLite error met while opening into an OpenError.
func classify(abs string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrNotADB, sqlite3.ErrCorrupt:
			return &OpenError{Code: Corrupt, Path: abs, Msg: "The database file is damaged or is not a database", Err: err}
		case sqlite3.ErrBusy, sqlite3.ErrLocked:
			return &OpenError{Code: Locked, Path: abs, Msg: "Another program holds a lock on the database", Err: err}
		case sqlite3.ErrReadonly, sqlite3.ErrPerm, sqlite3.ErrCantOpen:
			return &OpenError{Code: DataDirUnwritable, Path: abs, Msg: "The database cannot be opened for writing", Err: err}
		}
	}
	return &OpenError{Code: OtherProblem, Path: abs, Msg: "The database could not be opened", Err: err}
}

// writerDSN: _txlock=immediate makes every transaction take the write lock at BEGIN, so two
// writers never deadlock upgrading from a read lock (SQLITE_BUSY mid-transaction).
// _mutex=no (SQLITE_OPEN_NOMUTEX) drops SQLite's per-connection mutex, a lock and unlock around
// every call: database/sql already hands a connection to one goroutine at a time.
// _stmt_cache_size keeps each connection's recent statements prepared: compiling a statement
// against this schema (its many triggers) was a quarter of a short write's CPU time.
func writerDSN(abs string) string {
	return "file:" + abs + "?_txlock=immediate&_mutex=no&_stmt_cache_size=" + stmtCacheSize
}

// readerDSN: query_only turns any accidental write through the read pool into an error.
func readerDSN(abs string) string {
	return "file:" + abs + "?_query_only=1&_mutex=no&_stmt_cache_size=" + stmtCacheSize
}

// stmtCacheSize is per connection: the store runs a few hundred distinct statements.
const stmtCacheSize = "256"

func readers() int { return max(4, runtime.NumCPU()) }

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close releases the connections and the process lock.
func (s *Store) Close() error {
	var errs []error
	if s.q != nil {
		s.q.close()
	}
	if s.w != nil && s.w.pg {
		errs = append(errs, s.closeSession())
	}
	if s.r != nil && s.r != s.w {
		errs = append(errs, s.r.Close())
	}
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.close())
	}
	if s.w != nil {
		if !s.w.pg {
			// Keep the query planner's statistics fresh at a moment nobody waits (SQLite's advice).
			_, _ = s.w.Exec("PRAGMA optimize")
		}
		errs = append(errs, s.w.Close())
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Unlock())
	}
	return errors.Join(errs...)
}
