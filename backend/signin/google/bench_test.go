package google_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"vouchdesk/backend/signin/google"
	"vouchdesk/backend/signin/google/googletest"
)

// BenchmarkVerifyCachedKeys measures one Google token check with the issuer's keys already
// cached (the steady state: a key fetch happens once per rotation). Besides ns/op it reports
// the median and 99th percentile of the individual checks in microseconds; the target is
// p99 < 1 ms. Run it with a fixed count, e.g. -benchtime 20000x -count 5.
func BenchmarkVerifyCachedKeys(b *testing.B) {
	iss := googletest.Start(b)
	v, err := google.New(context.Background(), google.Config{ClientID: clientID, IssuerURL: iss.URL()})
	if err != nil {
		b.Fatal(err)
	}
	token := iss.Sign(iss.Claims(clientID, time.Now()))
	ctx := context.Background()
	if _, err := v.Verify(ctx, token); err != nil { // fetches and caches the keys
		b.Fatal(err)
	}
	requests := iss.JWKSRequests()

	durations := make([]time.Duration, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		_, err := v.Verify(ctx, token)
		durations[i] = time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if got := iss.JWKSRequests(); got != requests {
		b.Fatalf("key requests during the benchmark = %d, want %d (cached)", got, requests)
	}
	slices.Sort(durations)
	b.ReportMetric(micros(durations[len(durations)/2]), "p50-µs")
	b.ReportMetric(micros(durations[len(durations)*99/100]), "p99-µs")
}

func micros(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
