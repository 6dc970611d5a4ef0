package store_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// TestFeedReaderMissesNothingUnderConcurrentWriters: several goroutines write contacts at once
// (new ones, renames, two in one transaction, each transaction holding its rows a moment before
// committing), while a reader follows the change feed from its cursor and rebuilds the contacts
// from it, reading each named row in the feed page's snapshot. When the writers stop, the rebuilt
// copy equals the table row for row. A change that committed behind a cursor already handed out
// would leave its row missing or stale in the copy. On PostgreSQL, run with
// VOUCHDESK_TEST_UNLOCKED_WRITES=1 to see this test catch the write lock's absence.
func TestFeedReaderMissesNothingUnderConcurrentWriters(t *testing.T) {
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	if os.Getenv("VOUCHDESK_TEST_UNLOCKED_WRITES") != "" {
		store.UnlockWritesForTest(t)
	}
	const writers, writes = 6, 150
	var done atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			var mine []string
			for n := range writes {
				err := s.Write(ctx, func(tx *store.Tx) error {
					now := time.Now()
					if len(mine) > 0 && rng.IntN(3) == 0 {
						id := mine[rng.IntN(len(mine))]
						if err := tx.SetContactName(org.ID, id, fmt.Sprintf("w%d renamed %d", w, n), now); err != nil {
							return err
						}
					} else {
						for k := range 1 + rng.IntN(2) {
							c := store.Contact{ID: store.NewID(), OrgID: org.ID, Name: fmt.Sprintf("w%d-%d-%d", w, n, k),
								Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
							if err := tx.InsertContact(c); err != nil {
								return err
							}
							mine = append(mine, c.ID)
						}
					}
					// Hold the transaction open a moment, so commits interleave with the reader.
					time.Sleep(time.Duration(rng.IntN(400)) * time.Microsecond)
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); done.Store(true) }()

	replica := map[string]string{}
	var cursor int64
	pages := 0
	follow := func() (int, error) {
		got := 0
		err := s.Read(ctx, func(tx *store.Tx) error {
			changes, err := tx.ChangesAfter(org.ID, cursor, 200)
			if err != nil {
				return err
			}
			for _, c := range changes {
				if c.Seq <= cursor {
					return fmt.Errorf("change %d after cursor %d", c.Seq, cursor)
				}
				cursor = c.Seq
				if c.Entity != "contacts" {
					continue
				}
				row, err := tx.Contact(org.ID, c.EntityID)
				if err != nil {
					return fmt.Errorf("contact %s named by change %d: %w", c.EntityID, c.Seq, err)
				}
				replica[row.ID] = row.Name
			}
			got = len(changes)
			return nil
		})
		return got, err
	}
	for !done.Load() {
		if _, err := follow(); err != nil {
			t.Fatal(err)
		}
		pages++
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for { // the last writes
		n, err := follow()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}

	source := map[string]string{}
	rows, err := testutil.OpenRaw(t, s.Path()).Query(`SELECT id, name FROM contacts WHERE org_id = ?`, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		source[id] = name
	}
	missing, stale := 0, 0
	for id, name := range source {
		got, ok := replica[id]
		switch {
		case !ok:
			missing++
		case got != name:
			stale++
		}
	}
	if missing != 0 || stale != 0 || len(replica) != len(source) {
		t.Errorf("rebuilt from the feed: %d contacts, %d missing, %d stale; the table has %d", len(replica), missing, stale, len(source))
	}
	t.Logf("%d contacts, %d feed pages read while %d writers wrote", len(source), pages, writers)
}
