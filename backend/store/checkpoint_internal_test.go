package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// TestCommitsLeaveCheckpointsToTheBackground: a commit no longer copies the WAL into the database
// file (wal_autocheckpoint is 0 on the writer); the background checkpointer does, and a Loader
// holds it off until it ends.
func TestCommitsLeaveCheckpointsToTheBackground(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vouchdesk.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var auto int
	if err := s.w.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&auto); err != nil {
		t.Fatal(err)
	}
	if auto != 0 {
		t.Fatalf("writer wal_autocheckpoint = %d, want 0", auto)
	}

	// The main file alone (immutable=1 ignores the WAL) shows a table only once a checkpoint
	// copied it there.
	inMainFile := func() bool {
		db, err := sql.Open(driverName, "file:"+path+"?mode=ro&immutable=1")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		return db.QueryRowContext(ctx, "SELECT count(*) FROM checkpoint_probe").Scan(&n) == nil && n == 1
	}
	waitFor := func(what string) {
		deadline := time.Now().Add(20 * checkpointEvery)
		for !inMainFile() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the write never reached the database file", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	l, err := s.NewLoader(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.ckpt.paused.Load(); got != 1 {
		t.Fatalf("checkpointer paused = %d during a load, want 1", got)
	}
	if err := l.Abort(); err != nil {
		t.Fatal(err)
	}
	l.Abort() // a second Abort must not resume twice
	if got := s.ckpt.paused.Load(); got != 0 {
		t.Fatalf("checkpointer paused = %d after the load, want 0", got)
	}

	if _, err := s.w.ExecContext(ctx, "CREATE TABLE checkpoint_probe (x); INSERT INTO checkpoint_probe VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	waitFor("background checkpoint")
}
