package mailbox

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// benchMailbox is the size of the mailbox the benchmarks watch.
const benchMailbox = 10_000

// fillMailbox delivers n small messages.
func fillMailbox(b *testing.B, srv *testServer, n int) {
	b.Helper()
	for i := 0; i < n; i++ {
		srv.deliver("INBOX", fmt.Sprintf("old %d", i), "an old message that is not handed over")
	}
}

// reportPercentiles adds p50 and p99 (in ms) of the samples to the benchmark's output.
func reportPercentiles(b *testing.B, samples []time.Duration) {
	if len(samples) == 0 {
		return
	}
	slices.Sort(samples)
	at := func(p float64) float64 {
		i := int(p * float64(len(samples)-1))
		return float64(samples[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(samples[len(samples)-1])/float64(time.Millisecond), "max-ms")
}

// BenchmarkPollOnceUnchanged measures an incremental pass over an unchanged 10,000-message
// mailbox on a reused connection, with the checkpoint in a real SQLite file: what the safety-net
// poll costs every PollInterval.
func BenchmarkPollOnceUnchanged(b *testing.B) {
	srv := newTestServer(b, serverOptions{})
	fillMailbox(b, srv, benchMailbox)
	_, cp, _ := storeAccount(b)
	w := newTestWatcher(b, srv.config(), cp, newRecorder().handle, nil)
	if _, err := w.PollOnce(context.Background()); err != nil { // connect, first look
		b.Fatal(err)
	}
	var samples []time.Duration
	for b.Loop() {
		start := time.Now()
		n, err := w.PollOnce(context.Background())
		samples = append(samples, time.Since(start))
		if n != 0 || err != nil {
			b.Fatalf("PollOnce() = %d, %v, want 0, nil", n, err)
		}
	}
	reportPercentiles(b, samples)
}

// BenchmarkIdleAppendToHandler measures the time from a message being appended to the watched
// 10,000-message mailbox to the handler being called, with IDLE (the poll interval is a minute,
// so only the push counts), the checkpoint in a real SQLite file.
func BenchmarkIdleAppendToHandler(b *testing.B) {
	srv := newTestServer(b, serverOptions{})
	fillMailbox(b, srv, benchMailbox)
	_, cp, _ := storeAccount(b)
	rec := newRecorder()
	cfg := srv.config()
	cfg.PollInterval = time.Minute
	w := newTestWatcher(b, cfg, cp, rec.handle, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	var samples []time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		waitIdling(b, w)
		b.StartTimer()
		start := time.Now()
		uid := srv.deliver("INBOX", fmt.Sprintf("new %d", i), "verification link")
		m := rec.wait(b, 5*time.Second)
		samples = append(samples, time.Since(start))
		if m.UID != uid {
			b.Fatalf("handled UID %d, want %d", m.UID, uid)
		}
		i++
	}
	reportPercentiles(b, samples)
}
