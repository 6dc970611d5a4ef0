// Package testutil gives tests real things to talk to: a fresh SQLite file per test, and (as the
// mail work lands) in-process SMTP and IMAP servers. Nothing here is a mock.
package testutil

import (
	"context"
	"path/filepath"
	"testing"

	"vouchdesk/backend/store"
)

// DBPath returns a path for a database file in a directory the test owns and removes.
func DBPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "vouchdesk.db")
}

// NewStore opens a migrated store on a fresh file and closes it when the test ends.
func NewStore(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), DBPath(t))
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
