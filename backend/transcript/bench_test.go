package transcript_test

import (
	"slices"
	"testing"
	"time"

	"vouchdesk/backend/transcript"
)

// The figure to meet: rendering the transcript of a 1,000-message chat in under 50 ms. Each
// benchmark also reports the median and 99th percentile of the single operations it timed.
// Results and the command are in docs/transcripts.md.

func BenchmarkRenderHTML1000(b *testing.B) {
	tr := generated(1000)
	doc, err := transcript.HTML(tr)
	if err != nil {
		b.Fatal(err)
	}
	measure(b, func() error { _, err := transcript.HTML(tr); return err })
	b.ReportMetric(float64(len(doc))/1024, "KiB")
}

func BenchmarkRenderText1000(b *testing.B) {
	tr := generated(1000)
	measure(b, func() error { transcript.Text(tr); return nil })
	b.ReportMetric(float64(len(transcript.Text(tr)))/1024, "KiB")
}

// BenchmarkLoad1000 reads a 1,000-message chat from a SQLite file (warm cache: the desktop has
// just written it, or opened it to show it).
func BenchmarkLoad1000(b *testing.B) {
	f := newFixture(b, "Acme Outdoor Supplies", "Website chat", "Olive Ortega")
	c := f.storeGenerated(1000)
	measure(b, func() error {
		tr, err := transcript.Load(ctx, f.st, f.org.ID, c.ID)
		if err == nil && len(tr.Messages) != 1000 {
			b.Fatalf("Load() read %d messages, want 1000", len(tr.Messages))
		}
		return err
	})
}

// BenchmarkEmail1000 is what a transcript email costs: load, subject, HTML and text.
func BenchmarkEmail1000(b *testing.B) {
	f := newFixture(b, "Acme Outdoor Supplies", "Website chat", "Olive Ortega")
	c := f.storeGenerated(1000)
	measure(b, func() error {
		tr, err := transcript.Load(ctx, f.st, f.org.ID, c.ID)
		if err != nil {
			return err
		}
		if _, err := transcript.Subject(tr); err != nil {
			return err
		}
		if _, err := transcript.HTML(tr); err != nil {
			return err
		}
		transcript.Text(tr)
		return nil
	})
}

// measure runs op b.N times, timing each run, and reports p50 and p99 in milliseconds.
func measure(b *testing.B, op func() error) {
	b.Helper()
	b.ReportAllocs()
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	ms := func(q float64) float64 { return float64(took[int(q*float64(len(took)-1))]) / 1e6 }
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}
