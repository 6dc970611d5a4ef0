package widget

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyedLimiter is a token bucket per key (an IP, a session), forgotten after idle minutes.
type keyedLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

func newKeyed(perSecond float64, burst int) *keyedLimiter {
	return &keyedLimiter{every: rate.Limit(perSecond), burst: burst, buckets: map[string]*bucket{}, swept: time.Now()}
}

func (k *keyedLimiter) allow(key string) bool {
	now := time.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.swept) > time.Minute {
		for key, b := range k.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(k.buckets, key)
			}
		}
		k.swept = now
	}
	b := k.buckets[key]
	if b == nil {
		b = &bucket{l: rate.NewLimiter(k.every, k.burst)}
		k.buckets[key] = b
	}
	b.seen = now
	return b.l.AllowN(now, 1)
}

// limits are the widget API's throttles (docs/api/widget.md, "Limits and throttling").
type limits struct {
	ip       *keyedLimiter // every API request per client IP
	sessions *keyedLimiter // new sessions per client IP
	messages *keyedLimiter // messages per conversation
	verify   *keyedLimiter // emails and codes typed per conversation
}

func newLimits() *limits {
	return &limits{
		ip:       newKeyed(10, 600), // 600 per minute
		sessions: newKeyed(0.5, 30), // 30 per minute
		messages: newKeyed(2, 20),   // 20 at once, then 2 per second
		verify:   newKeyed(0.2, 10), // 10 at once, then one per 5 s
	}
}
