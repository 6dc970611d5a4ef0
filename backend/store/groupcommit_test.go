package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// TestGroupCommitKeepsEachWriteOnItsOwn: writes from many goroutines at once share commits, and
// still each is kept or not on its own: those whose fn fails leave nothing, the others all stay.
func TestGroupCommitKeepsEachWriteOnItsOwn(t *testing.T) {
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	writes0, commits0 := s.WriteStats()
	const workers, each = 8, 25
	errFails := errors.New("this write fails")
	var wg sync.WaitGroup
	results := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range each {
				results <- s.Write(ctx, func(tx *store.Tx) error {
					now := time.Now()
					c := store.Contact{ID: store.NewID(), OrgID: org.ID, Name: fmt.Sprintf("w%d-%d", w, n), Status: store.ContactActive,
						CreatedAt: now, UpdatedAt: now}
					if err := tx.InsertContact(c); err != nil {
						return err
					}
					if n%3 == 0 {
						return errFails // after writing: its row must not be kept
					}
					return nil
				})
			}
		}()
	}
	wg.Wait()
	close(results)
	failed, kept := 0, 0
	for err := range results {
		switch {
		case errors.Is(err, errFails):
			failed++
		case err != nil:
			t.Fatalf("Write() = %v", err)
		default:
			kept++
		}
	}
	if n := countContacts(t, s); int(n) != kept {
		t.Errorf("contacts = %d, want the %d writes that succeeded (%d failed)", n, kept, failed)
	}
	writes, commits := s.WriteStats()
	writes, commits = writes-writes0, commits-commits0
	if int(writes) != kept || commits >= writes {
		t.Errorf("WriteStats() = %d writes in %d commits; want %d writes sharing fewer commits", writes, commits, kept)
	}
	t.Logf("%d writes in %d commits (%d failed on their own)", writes, commits, failed)
}

// TestGroupCommitAfterAPanic: a write that panics panics in its caller, takes its group with it
// (the others of that group are told, nothing of it is kept), and the store goes on writing.
func TestGroupCommitAfterAPanic(t *testing.T) {
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	before := countContacts(t, s)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic did not reach the caller")
			}
		}()
		s.Write(ctx, func(tx *store.Tx) error {
			now := time.Now()
			tx.InsertContact(store.Contact{ID: store.NewID(), OrgID: org.ID, Name: "Panics", Status: store.ContactActive, CreatedAt: now, UpdatedAt: now})
			panic("a bug in a write")
		})
	}()
	if n := countContacts(t, s); n != before {
		t.Errorf("contacts after the panic = %d, want %d", n, before)
	}
	now := time.Now()
	if err := s.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertContact(store.Contact{ID: store.NewID(), OrgID: org.ID, Name: "After", Status: store.ContactActive, CreatedAt: now, UpdatedAt: now})
	}); err != nil {
		t.Fatalf("Write() after the panic = %v", err)
	}
	if n := countContacts(t, s); n != before+1 {
		t.Errorf("contacts after the next write = %d, want %d", n, before+1)
	}
}
