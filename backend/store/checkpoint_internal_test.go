package store

import (
	"context"
	"database/sql"
	"math"
	"os"
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

// TestLoaderBoundsTheWAL: a load whose WAL passes loadCheckpointAt copies it into the database file
// between batches, so the WAL stays a fraction of what the same load grows without that (before,
// a 1M-contact seed grew a 7 GB WAL for a 1.3 GB file).
func TestLoaderBoundsTheWAL(t *testing.T) {
	defer func(v int64) { loadCheckpointAt = v }(loadCheckpointAt)
	// load writes the same 6,000 contacts with an email each, in batches of 400 rows, and returns
	// the largest WAL file seen at a batch boundary and how many checkpoints the loader ran.
	load := func(threshold int64) (peak int64, checkpoints int) {
		loadCheckpointAt = threshold
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "vouchdesk.db")
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		now := time.Now()
		org := Organization{ID: NewID(), Name: "Acme", CreatedAt: now, UpdatedAt: now}
		if err := s.Write(ctx, func(tx *Tx) error { return tx.InsertOrganization(org) }); err != nil {
			t.Fatal(err)
		}
		l, err := s.NewLoader(ctx, 400)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 6000 {
			c := Contact{ID: NewID(), OrgID: org.ID, Name: "Customer " + NewID(), Status: ContactActive, CreatedAt: now, UpdatedAt: now}
			email := NewID() + "@example.com"
			if err := l.Contact(c); err != nil {
				t.Fatal(err)
			}
			if err := l.Field(Field{ID: NewID(), OrgID: org.ID, ContactID: c.ID, Kind: FieldEmail, ValueNorm: email, ValueDisplay: email, CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			if (i+1)%200 == 0 { // a batch boundary
				if fi, err := os.Stat(path + "-wal"); err == nil {
					peak = max(peak, fi.Size())
				}
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		return peak, l.checkpoints
	}
	unbounded, n := load(math.MaxInt64)
	if n != 0 {
		t.Fatalf("checkpoints during a load below the threshold = %d, want 0", n)
	}
	bounded, n := load(unbounded / 10)
	if n == 0 {
		t.Fatalf("checkpoints during a load past the threshold = 0, want some (WAL unbounded: %d bytes)", unbounded)
	}
	if bounded > unbounded/2 {
		t.Errorf("largest WAL with a threshold of %d bytes = %d bytes, want at most half of the %d bytes without", unbounded/10, bounded, unbounded)
	}
}
