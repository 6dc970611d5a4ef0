package store_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// feedWriters and feedRate shape BenchmarkChangeFeed's load: feedWriters goroutines, each on a
// connection of the store's write pool, writing feedRate writes per second in all.
const (
	feedWriters = 4
	feedRate    = 1000
)

// BenchmarkChangeFeed measures the change feed under a steady write load: feedWriters goroutines
// write a new contact each (the widget's "a visitor gave an address"), feedRate writes a second in
// all (open loop: each writer keeps its schedule, a late write is sent at once and not skipped),
// through store.Write, while one reader follows the feed with Tx.ChangesAfter from its cursor,
// polling every millisecond when it has caught up. b.N is the number of writes
// (-benchtime 10000x is 10 s at 1,000 writes/s).
//
// Feed lag is commit-to-seen: the time the reader first saw a contact's change minus the time
// right after its Write returned (0 when the reader saw it before Write returned). After the
// writers stop the reader catches up, and every contact written must then have been seen: a
// change committed behind the reader's cursor would never be (the benchmark fails).
//
// The database is the suite's (testutil.DBPath): SQLite, or PostgreSQL with VOUCHDESK_TEST_POSTGRES.
func BenchmarkChangeFeed(b *testing.B) {
	st, err := store.Open(ctx, testutil.DBPath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	org := store.Organization{ID: store.NewID(), Name: "Feed", CreatedAt: now, UpdatedAt: now}
	if err := st.Write(ctx, func(tx *store.Tx) error { return tx.InsertOrganization(org) }); err != nil {
		b.Fatal(err)
	}
	var cursor int64
	if err := st.Read(ctx, func(tx *store.Tx) error {
		cs, err := tx.ChangesAfter(org.ID, 0, 1000)
		if len(cs) > 0 {
			cursor = cs[len(cs)-1].Seq
		}
		return err
	}); err != nil {
		b.Fatal(err)
	}

	var (
		mu        sync.Mutex
		committed = make(map[string]time.Time, b.N) // contact id -> right after its Write returned
		seen      = make(map[string]time.Time, b.N) // contact id -> when the reader first saw it
		writeLat  = make([]time.Duration, 0, b.N)
	)
	stopReader := make(chan struct{})
	readerDone := make(chan error, 1)
	go func() {
		rctx := context.Background()
		caughtUp := func() (bool, error) {
			var cs []store.Change
			err := st.Read(rctx, func(tx *store.Tx) error {
				var err error
				cs, err = tx.ChangesAfter(org.ID, cursor, 1000)
				return err
			})
			if err != nil {
				return false, err
			}
			at := time.Now()
			mu.Lock()
			for _, c := range cs {
				if c.Entity == "contacts" && c.Op == "insert" {
					if _, ok := seen[c.EntityID]; !ok {
						seen[c.EntityID] = at
					}
				}
			}
			mu.Unlock()
			if len(cs) > 0 {
				cursor = cs[len(cs)-1].Seq
			}
			return len(cs) < 1000, nil
		}
		for {
			done, err := caughtUp()
			if err != nil {
				readerDone <- err
				return
			}
			if done {
				select {
				case <-stopReader:
					// The writers are done: one more read sees whatever committed since.
					_, err := caughtUp()
					readerDone <- err
					return
				case <-time.After(time.Millisecond):
				}
			}
		}
	}()

	interval := time.Duration(feedWriters) * time.Second / feedRate
	perWriter := (b.N + feedWriters - 1) / feedWriters
	var wg sync.WaitGroup
	errs := make(chan error, feedWriters)
	b.ResetTimer()
	start := time.Now()
	for w := range feedWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Writers start staggered, so together they write one every 1/feedRate s.
			next := start.Add(time.Duration(w) * time.Second / feedRate)
			for i := 0; i < perWriter && w+i*feedWriters < b.N; i++ {
				if d := time.Until(next); d > 0 {
					time.Sleep(d)
				}
				next = next.Add(interval)
				t := time.Now()
				c := store.Contact{ID: store.NewID(), OrgID: org.ID, Name: "Visitor " + strconv.Itoa(w) + "-" + strconv.Itoa(i),
					Status: store.ContactActive, CreatedAt: t, UpdatedAt: t}
				if err := st.Write(ctx, func(tx *store.Tx) error { return tx.InsertContact(c) }); err != nil {
					errs <- err
					return
				}
				done := time.Now()
				mu.Lock()
				committed[c.ID] = done
				writeLat = append(writeLat, done.Sub(t))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(stopReader)
	if err := <-readerDone; err != nil {
		b.Fatalf("reader: %v", err)
	}
	select {
	case err := <-errs:
		b.Fatalf("write: %v", err)
	default:
	}

	lags := make([]time.Duration, 0, len(committed))
	missed := 0
	for id, c := range committed {
		s, ok := seen[id]
		if !ok {
			missed++
			continue
		}
		lags = append(lags, max(0, s.Sub(c)))
	}
	if missed > 0 {
		b.Fatalf("the reader missed %d of %d writes", missed, len(committed))
	}
	slices.Sort(lags)
	slices.Sort(writeLat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(float64(len(committed))/elapsed.Seconds(), "writes/s")
	b.ReportMetric(ms(percentile(lags, 50)), "lag-p50-ms")
	b.ReportMetric(ms(percentile(lags, 99)), "lag-p99-ms")
	b.ReportMetric(ms(lags[len(lags)-1]), "lag-max-ms")
	b.ReportMetric(ms(percentile(writeLat, 99)), "write-p99-ms")
	b.ReportMetric(float64(missed), "missed")
	if testing.Verbose() {
		fmt.Printf("# feed: %d writes in %.1f s, %d seen\n", len(committed), elapsed.Seconds(), len(seen))
	}
}
