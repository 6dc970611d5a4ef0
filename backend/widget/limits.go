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

// Rate is a token bucket: Burst requests at once, then PerSecond.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Limits are the widget API's throttles (docs/api/widget.md, "Limits and throttling"). A zero
// Rate takes the default. Operators behind a proxy that funnels every customer through one
// address, and load tests on loopback, raise IP and Sessions.
type Limits struct {
	IP       Rate // every API request per client IP
	Sessions Rate // new sessions per client IP
	Messages Rate // messages per conversation
	Verify   Rate // emails and codes typed per conversation
	Signin   Rate // sign-in calls (codes asked for and typed, Google credentials) per client IP
	// ServerStarts bounds the chats started (POST /sessions and the sign-ins) and the sign-in
	// codes asked for per server, all clients together: many addresses (a botnet, or one
	// proxy's worth of spoofed sources) cannot flood the database or the outbox either.
	ServerStarts Rate
	Live         LiveCaps
}

// DefaultLimits are the documented throttles.
var DefaultLimits = Limits{
	IP:       Rate{PerSecond: 10, Burst: 600}, // 600 per minute
	Sessions: Rate{PerSecond: 0.5, Burst: 30}, // 30 per minute
	Messages: Rate{PerSecond: 2, Burst: 20},   // 20 at once, then 2 per second
	Verify:   Rate{PerSecond: 0.2, Burst: 10}, // 10 at once, then one per 5 s
	Signin:   Rate{PerSecond: 0.2, Burst: 20}, // 20 at once, then one per 5 s
	// 2,000 at once, then 200 per second: far above a help desk's busiest hour, far below what
	// would fill the disk or the outbox.
	ServerStarts: Rate{PerSecond: 200, Burst: 2000},
	Live:         LiveCaps{PerSession: 4, PerAddress: 200, PerServer: 20000},
}

// limits are the live buckets for Limits.
type limits struct {
	ip       *keyedLimiter // every API request per client IP
	sessions *keyedLimiter // new sessions per client IP
	messages *keyedLimiter // messages per conversation
	verify   *keyedLimiter // emails and codes typed per conversation
	signin   *keyedLimiter // sign-in calls per client IP
	starts   *keyedLimiter // chats started and sign-in codes asked for, per server (one key)
	live     *liveCaps     // live WebSockets open at once
}

func newLimits(l Limits) *limits {
	pick := func(r, def Rate) *keyedLimiter {
		if r.PerSecond <= 0 || r.Burst <= 0 {
			r = def
		}
		return newKeyed(r.PerSecond, r.Burst)
	}
	d := DefaultLimits
	return &limits{
		ip:       pick(l.IP, d.IP),
		sessions: pick(l.Sessions, d.Sessions),
		messages: pick(l.Messages, d.Messages),
		verify:   pick(l.Verify, d.Verify),
		signin:   pick(l.Signin, d.Signin),
		starts:   pick(l.ServerStarts, d.ServerStarts),
		live:     newLiveCaps(l.Live.withDefaults()),
	}
}

// allowStart takes one from the server-wide bucket of chat starts and sign-in codes.
func (l *limits) allowStart() error {
	return allow(l.starts, "", "Too many new chats right now. Wait a minute and try again.")
}
