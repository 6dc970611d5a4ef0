package replica_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"vouchdesk/backend/agentapi"
	"vouchdesk/backend/replica"
	"vouchdesk/backend/seed"
	"vouchdesk/backend/store"
)

// TestReplicaFigures measures issue 18's replica figures against a real server over loopback
// HTTP (docs/benchmarks.md, "A desktop's replica"). It runs only with VOUCHDESK_FIGURES_REPLICA
// set: the number of contacts to seed for the bootstrap figure (100000 for the size, with
// 10 messages per conversation and a conversation per contact: 1,000,000 messages). The figure
// lines start with FIGURE.
func TestReplicaFigures(t *testing.T) {
	contacts, _ := strconv.Atoi(os.Getenv("VOUCHDESK_FIGURES_REPLICA"))
	if contacts <= 0 {
		t.Skip("a measurement: set VOUCHDESK_FIGURES_REPLICA=100000 to run it")
	}
	ctx := context.Background()
	s := newServer(t)
	conv := s.chat("ada@example.com", "Hello Ada")

	// A change made through the API (what desktop A does) until desktop B's replica applied it.
	b := localStore(t)
	if err := replica.Bootstrap(ctx, b, s.source(), nil); err != nil {
		t.Fatal(err)
	}
	fctx, stop := context.WithCancel(ctx)
	var applied atomic.Int64
	done := make(chan error, 1)
	go func() { done <- replica.Follow(fctx, b, s.source(), func(c int64) { applied.Store(c) }) }()
	var lags []time.Duration
	for i := range 200 {
		start := time.Now()
		if got := s.post(agentapi.Prefix+"conversations/"+conv+"/messages", s.token, map[string]string{"body": "reply " + strconv.Itoa(i)}, nil); got != 200 {
			t.Fatalf("reply = %d", got)
		}
		want := s.cursor()
		for applied.Load() < want {
			if time.Since(start) > 10*time.Second {
				t.Fatalf("reply %d not in the replica after 10 s", i)
			}
			time.Sleep(200 * time.Microsecond)
		}
		lags = append(lags, time.Since(start))
	}
	stop()
	<-done
	slices.Sort(lags)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	t.Logf("FIGURE replica: a reply through the API until another desktop's replica applied it, %d replies: p50 %.1f ms, p99 %.1f ms, max %.1f ms",
		len(lags), ms(lags[len(lags)/2]), ms(lags[len(lags)*99/100]), ms(lags[len(lags)-1]))

	// Catch-up: 10,000 changes made while the desktop was away (each reply is a message and its
	// conversation's touch: two changes).
	from := s.cursor()
	me := s.ws.Me
	for i := 0; s.cursor()-from < 10_000; i++ {
		if _, err := s.e.Chat().AgentSays(ctx, me, conv, "while you were away "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	missed := s.cursor() - from
	target := s.cursor()
	cctx, cstop := context.WithCancel(ctx)
	start := time.Now()
	go func() {
		done <- replica.Follow(cctx, b, s.source(), func(c int64) {
			if c >= target {
				cstop()
			}
		})
	}()
	<-done
	caught := time.Since(start)
	t.Logf("FIGURE replica: catch-up of %d changes: %.2f s", missed, caught.Seconds())

	// Bootstrap of a big organization into a fresh desktop.
	if _, err := seed.Run(ctx, s.e.Store(), seed.Options{Contacts: contacts, Conversations: contacts, MessagesPerConversation: 10, Seed: 18}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "replica.db")
	fresh, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var peak atomic.Int64
	sampling, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() { // the replica's files on disk while it fills: the file and its WAL
		defer close(sampled)
		for sampling.Err() == nil {
			var n int64
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if fi, err := os.Stat(path + suffix); err == nil {
					n += fi.Size()
				}
			}
			if n > peak.Load() {
				peak.Store(n)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	var last replica.Progress
	start = time.Now()
	if err := replica.Bootstrap(ctx, fresh, s.source(), func(p replica.Progress) { last = p }); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	stopSampling()
	<-sampled
	fresh.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("FIGURE replica: bootstrap of %d contacts with a conversation each and about 10 messages each (%d rows, %.0f MiB of JSON): %.1f s (%.0f rows/s); replica file %.0f MiB, peak on disk (file + WAL) %.0f MiB (%.2fx the file)",
		contacts, last.Rows, float64(last.Bytes)/(1<<20), took.Seconds(), float64(last.Rows)/took.Seconds(),
		float64(fi.Size())/(1<<20), float64(peak.Load())/(1<<20), float64(peak.Load())/float64(fi.Size()))
}
