package store_test

// BenchmarkBackupWhileWorking (figures in docs/benchmarks.md, "Backup while working", run by
// scripts/bench-contacts.sh) backs up the database the contact benchmarks use
// (backend/testutil/benchdata: VOUCHDESK_BENCH_CONTACTS background contacts, default 20,000; the
// figure uses 1,000,000). That database is built on first use and deleted by TestMain
// (bench_test.go).

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/testutil/benchdata"
)

// BenchmarkBackupWhileWorking backs up the whole benchmark database (Settings → Data → Back up)
// while a stand-in for the desktop keeps making the calls its views make: a contact search, the
// first page of a timeline and a small write, one after another without pause. It reports how long
// the backup took, its size, and the latency of those calls while it ran (the bar: p99
// under 50 ms).
func BenchmarkBackupWhileWorking(b *testing.B) {
	testutil.SkipOnPostgres(b, "Backup copies a SQLite file")
	d, err := benchdata.Load()
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var calls []time.Duration
	var took []time.Duration
	var size int64
	for i := range b.N {
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				var err error
				switch n % 3 {
				case 0:
					_, _, err = d.Store.SearchContacts(ctx, d.Org, "son", 50)
				case 1:
					_, _, err = d.Store.Timeline(ctx, d.Org, d.Timeline, store.TimelineCursor{}, 50)
				default:
					err = d.Store.Write(ctx, func(tx *store.Tx) error {
						return tx.Audit(d.Org, store.AgentActor(d.Agent.ID), "bench.touch", "contacts", d.Survivor, nil)
					})
				}
				el := time.Since(start)
				if err != nil {
					panic(err)
				}
				mu.Lock()
				calls = append(calls, el)
				mu.Unlock()
			}
		}()
		dest := filepath.Join(d.Dir, fmt.Sprintf("backup-%d.vdbackup", i))
		start := time.Now()
		info, err := d.Store.Backup(ctx, dest)
		took = append(took, time.Since(start))
		close(stop)
		<-done
		if err != nil {
			b.Fatal(err)
		}
		size = info.Bytes
		os.Remove(dest)
	}
	b.StopTimer()
	b.ReportMetric(took[len(took)-1].Seconds(), "backup-s")
	b.ReportMetric(float64(size)/(1<<20), "backup-MiB")
	b.ReportMetric(float64(len(calls)), "ui-calls")
	benchdata.Percentiles(b, calls, "ui-")
}
