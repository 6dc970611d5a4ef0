// Package testutil gives tests real things to talk to: a fresh database per test (a SQLite file,
// or a PostgreSQL database when VOUCHDESK_TEST_POSTGRES names a server, see postgres.go), and
// in-process SMTP and IMAP servers. Nothing here is a mock.
package testutil

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"vouchdesk/backend/secrets"
	"vouchdesk/backend/store"
)

// DBPath returns where the test's database is: a path for a SQLite file in a directory the test
// owns and removes or, when the suite runs on PostgreSQL, the URL of a fresh database dropped
// when the test ends. store.Open and engine.Config.DatabasePath take either.
func DBPath(t testing.TB) string {
	t.Helper()
	if Postgres() {
		return postgresDatabase(t)
	}
	return SQLitePath(t)
}

// SQLitePath returns a path for a SQLite file in a directory the test owns and removes, whatever
// database the suite runs on: for tests of the file itself (locks, backups, damaged files).
func SQLitePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "vouchdesk.db")
}

// NewStore opens a migrated store on a fresh file and closes it when the test ends. Like the
// engine's, it seals queued codes and links, under a random key of its own (st.Sealer()).
func NewStore(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), DBPath(t))
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	sl, err := secrets.NewSealer(secrets.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	s.SetSealer(sl)
	return s
}

// Clock is a settable clock for code that takes a `now func() time.Time`: tests move it instead
// of sleeping. It is safe for concurrent use (servers read it from their own goroutines).
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock that reads t until moved.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
