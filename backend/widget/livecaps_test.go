package widget_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/widget"
)

// open lifts the per-IP throttles, for tests that make many calls from loopback.
var open = widget.Rate{PerSecond: 1e6, Burst: 1 << 20}

// dialFrom opens the live endpoint from the loopback address ip (clientIP is the connection's
// source address, and Linux routes all of 127.0.0.0/8 to loopback), says hello for session and
// returns the connection with its first event, or the close error that came instead.
func (e *chatEnv) dialFrom(ip, session string) (*websocket.Conn, liveEvent, error) {
	d := websocket.Dialer{HandshakeTimeout: 30 * time.Second,
		NetDialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext}
	conn, res, err := d.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/api/widget/v1/live", nil)
	if err != nil {
		if res != nil {
			return nil, liveEvent{}, fmt.Errorf("handshake answered %d: %w", res.StatusCode, err)
		}
		return nil, liveEvent{}, err
	}
	if err := conn.WriteJSON(map[string]string{"type": "hello", "session": session}); err != nil {
		conn.Close()
		return nil, liveEvent{}, err
	}
	// Only a guard against a hang: the tests assert what arrives, never how fast.
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	var ev liveEvent
	if err := conn.ReadJSON(&ev); err != nil {
		conn.Close()
		return nil, liveEvent{}, err
	}
	return conn, ev, nil
}

// mustLive dials and wants ready.
func (e *chatEnv) mustLive(ip, session string) *websocket.Conn {
	e.t.Helper()
	conn, ev, err := e.dialFrom(ip, session)
	if err != nil || ev.Type != "ready" {
		e.t.Fatalf("live from %s = %+v, %v; want ready", ip, ev, err)
	}
	conn.SetReadDeadline(time.Time{})
	return conn
}

// closedWith reports whether err is a close frame with code and reason.
func closedWith(err error, code int, reason string) bool {
	var ce *websocket.CloseError
	return errors.As(err, &ce) && ce.Code == code && ce.Text == reason
}

// nextClose reads until the connection ends and returns why.
func nextClose(conn *websocket.Conn) error {
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			return err
		}
	}
}

// waitFor polls cond until it holds; the deadline only guards against a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("still waiting for %s", what)
		}
	}
}

func (e *chatEnv) stats() widget.LiveStats { return e.deps.LiveStats() }

// TestLiveCapPerSessionClosesTheOldest: a chat's connection over PerSession closes the chat's
// oldest with 4001 "replaced by a newer connection"; the newer ones keep receiving.
func TestLiveCapPerSessionClosesTheOldest(t *testing.T) {
	e := newChatEnv(t, widget.Limits{Live: widget.LiveCaps{PerSession: 2}})
	sess := e.start(nil)
	session, conversation := sess["session"].(string), sess["conversation"].(string)
	first := e.mustLive("127.0.0.2", session)
	defer first.Close()
	second := e.mustLive("127.0.0.2", session)
	defer second.Close()
	third := e.mustLive("127.0.0.3", session)
	defer third.Close()
	if err := nextClose(first); !closedWith(err, widget.CloseReplaced, "replaced by a newer connection") {
		t.Errorf("the oldest connection ended with %v, want close 4001 \"replaced by a newer connection\"", err)
	}
	m, err := e.chat.AgentSays(context.Background(), e.ws.Me, conversation, "still there?")
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []*websocket.Conn{second, third} {
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		var ev liveEvent
		if err := c.ReadJSON(&ev); err != nil || ev.Message.ID != m.ID {
			t.Errorf("connection %d after the replacement read %+v, %v; want the agent's message", i+2, ev, err)
		}
	}
	if s := e.stats(); s.Replaced != 1 || s.PeakPerSession != 2 {
		t.Errorf("LiveStats() = %+v, want Replaced 1, PeakPerSession 2", s)
	}
}

// TestLiveCapPerAddressRefuses: over PerAddress the new connection is closed with 4002 and its
// reason; another address still connects, and a freed place is taken again.
func TestLiveCapPerAddressRefuses(t *testing.T) {
	e := newChatEnv(t, widget.Limits{Live: widget.LiveCaps{PerAddress: 2}})
	a, b := e.start(nil)["session"].(string), e.start(nil)["session"].(string)
	c1 := e.mustLive("127.0.0.2", a)
	defer c1.Close()
	c2 := e.mustLive("127.0.0.2", b)
	defer c2.Close()
	if _, ev, err := e.dialFrom("127.0.0.2", a); !closedWith(err, widget.CloseTooMany, "too many connections from this address") {
		t.Errorf("a third connection from 127.0.0.2 = %+v, %v; want close 4002 \"too many connections from this address\"", ev, err)
	}
	other := e.mustLive("127.0.0.3", b)
	defer other.Close()
	c1.Close()
	waitFor(t, "the closed connection to be uncounted", func() bool { return e.stats().Open == 2 })
	again := e.mustLive("127.0.0.2", a)
	defer again.Close()
	if s := e.stats(); s.PeakPerAddress != 2 || s.Refused != 1 {
		t.Errorf("LiveStats() = %+v, want PeakPerAddress 2, Refused 1", s)
	}
}

// TestLiveCapPerServerRefuses: over PerServer a new connection, from any address, is closed
// with 4003 "server busy".
func TestLiveCapPerServerRefuses(t *testing.T) {
	e := newChatEnv(t, widget.Limits{Live: widget.LiveCaps{PerServer: 2}})
	session := e.start(nil)["session"].(string)
	c1 := e.mustLive("127.0.0.2", session)
	defer c1.Close()
	c2 := e.mustLive("127.0.0.3", e.start(nil)["session"].(string))
	defer c2.Close()
	if _, ev, err := e.dialFrom("127.0.0.4", e.start(nil)["session"].(string)); !closedWith(err, widget.CloseServerBusy, "server busy") {
		t.Errorf("a third connection = %+v, %v; want close 4003 \"server busy\"", ev, err)
	}
}

// TestLiveHandshakeCountsInIPThrottle: the upgrade request takes from the per-IP request budget
// like any call; over it the handshake is answered 429 and nothing is upgraded.
func TestLiveHandshakeCountsInIPThrottle(t *testing.T) {
	e := newChatEnv(t, widget.Limits{IP: widget.Rate{PerSecond: 0.001, Burst: 3}})
	session := e.start(nil)["session"].(string) // 1 of 3
	c1 := e.mustLive("127.0.0.1", session)      // 2
	defer c1.Close()
	c2 := e.mustLive("127.0.0.1", session) // 3
	defer c2.Close()
	_, _, err := e.dialFrom("127.0.0.1", session)
	if err == nil || !strings.Contains(err.Error(), "answered 429") {
		t.Errorf("a fourth request's handshake = %v, want answered 429", err)
	}
	if s := e.stats(); s.Open != 2 {
		t.Errorf("LiveStats().Open = %d, want 2 (the throttled handshake is never upgraded)", s.Open)
	}
}

// TestLiveFloodStaysWithinCaps: 3,000 connection attempts, 1,000 from one session and 2,000
// from 40 sessions on four addresses that keep what they get, while a customer in another chat
// sends and receives messages. The open connections never exceed a cap, every refused or
// replaced connection gets its documented close, the customer misses nothing, and goroutines,
// descriptors and heap come back to where they were.
func TestLiveFloodStaysWithinCaps(t *testing.T) {
	caps := widget.LiveCaps{PerSession: 3, PerAddress: 30, PerServer: 100}
	e := newChatEnv(t, widget.Limits{IP: open, Sessions: open, Messages: open, Live: caps})
	ctx := context.Background()
	cust := e.start(nil)
	custSession, custConv := cust["session"].(string), cust["conversation"].(string)
	flooder := e.start(nil)["session"].(string)
	var held []string // sessions that keep their connections
	for range 40 {
		held = append(held, e.start(nil)["session"].(string))
	}

	customer := e.mustLive("127.0.0.9", custSession)
	defer customer.Close()
	// The customer reads everything until the agent's "last"; the ids, in order, are checked
	// against the store at the end.
	received := make(chan []string, 1)
	go func() {
		var ids []string
		for {
			var ev liveEvent
			if err := customer.ReadJSON(&ev); err != nil {
				t.Errorf("the customer's connection ended: %v", err)
				received <- ids
				return
			}
			if ev.Type == "message" {
				ids = append(ids, ev.Message.ID)
				if ev.Message.Body == "last" {
					received <- ids
					return
				}
			}
		}
	}()
	stop := make(chan struct{})
	chatted := make(chan int, 1)
	go func() {
		n := 0
		defer func() { chatted <- n }()
		for ; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			res, out := e.call("POST", "/api/widget/v1/messages", custSession, map[string]string{"clientMsgId": fmt.Sprint("c", n), "body": "hello"})
			if res.StatusCode != 201 {
				t.Errorf("the customer's POST /messages during the flood = %d %v, want 201", res.StatusCode, out)
				return
			}
			if _, err := e.chat.AgentSays(ctx, e.ws.Me, custConv, fmt.Sprint("reply ", n)); err != nil {
				t.Error(err)
				return
			}
		}
	}()

	runtime.GC()
	var before, peak, after runtime.MemStats
	runtime.ReadMemStats(&before)
	baseFDs, baseG := openFDs(t), runtime.NumGoroutine()

	var mu sync.Mutex
	outcomes := map[string]int{}
	var keep []*websocket.Conn
	var readers sync.WaitGroup
	note := func(what string) { mu.Lock(); outcomes[what]++; mu.Unlock() }
	classify := func(err error) string {
		switch {
		case closedWith(err, widget.CloseReplaced, widget.ReasonReplaced):
			return "replaced"
		case closedWith(err, widget.CloseTooMany, widget.ReasonTooMany):
			return "refused: address"
		case closedWith(err, widget.CloseServerBusy, widget.ReasonServerBusy):
			return "refused: server"
		}
		return fmt.Sprintf("unexpected: %v", err)
	}
	// attempt dials once; a connection that gets ready is kept, and read until it is closed.
	attempt := func(ip, session string) {
		conn, ev, err := e.dialFrom(ip, session)
		if err != nil {
			note(classify(err))
			return
		}
		if ev.Type != "ready" {
			note("unexpected first event " + ev.Type)
			conn.Close()
			return
		}
		note("ready")
		mu.Lock()
		keep = append(keep, conn)
		mu.Unlock()
		readers.Add(1)
		go func() {
			defer readers.Done()
			conn.SetReadDeadline(time.Time{})
			for {
				if _, _, err := conn.ReadMessage(); err != nil {
					if what := classify(err); what == "replaced" {
						note("closed later: replaced")
						conn.Close()
					}
					return // or the test closed it
				}
			}
		}()
	}
	// flood makes n attempts, 32 at a time, the i-th from ip(i) for session(i).
	flood := func(n int, ip, session func(i int) string) {
		work := make(chan int)
		var wg sync.WaitGroup
		for range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					attempt(ip(i), session(i))
				}
			}()
		}
		for i := range n {
			work <- i
		}
		close(work)
		wg.Wait()
	}
	// 1. One session from one address: the newest three live, each newer one replaces the oldest.
	flood(1000, func(int) string { return "127.0.0.6" }, func(int) string { return flooder })
	// 2. Twenty sessions from one address: it fills up to PerAddress.
	flood(1000, func(int) string { return "127.0.0.2" }, func(i int) string { return held[i%20] })
	// 3. Twenty more from three other addresses: the server fills up to PerServer.
	flood(1000, func(i int) string { return fmt.Sprintf("127.0.0.%d", 3+i%3) }, func(i int) string { return held[20+i%20] })

	runtime.GC()
	runtime.ReadMemStats(&peak)
	peakFDs := openFDs(t)
	s := e.stats()
	mu.Lock() // the readers of kept connections still note replacements
	got := maps.Clone(outcomes)
	mu.Unlock()
	t.Logf("outcomes %v; stats %+v; fds %d -> %d; heap in use %.1f -> %.1f MiB", got, s, baseFDs, peakFDs,
		mib(before.HeapInuse), mib(peak.HeapInuse))
	if s.Peak > caps.PerServer || s.PeakPerAddress > caps.PerAddress || s.PeakPerSession > caps.PerSession {
		t.Errorf("LiveStats() = %+v: over the caps %+v", s, caps)
	}
	if s.Peak != caps.PerServer || s.PeakPerAddress != caps.PerAddress || s.PeakPerSession != caps.PerSession {
		t.Errorf("LiveStats() = %+v: the flood did not reach every cap %+v, so the test proves nothing", s, caps)
	}
	for what, n := range got {
		if strings.HasPrefix(what, "unexpected") {
			t.Errorf("%d attempts: %s", n, what)
		}
	}
	if got["refused: address"] == 0 || got["refused: server"] == 0 || got["closed later: replaced"]+got["replaced"] == 0 {
		t.Errorf("outcomes %v: want connections refused for the address, for the server, and replaced", got)
	}
	// Each side of a connection is one descriptor: the caps bound both, plus the attempts in
	// flight and the customer's HTTP connections.
	if limit := baseFDs + 2*caps.PerServer + 2*32 + 20; peakFDs > limit {
		t.Errorf("open descriptors with the caps full = %d, want at most %d", peakFDs, limit)
	}
	if grew := int64(peak.HeapInuse) - int64(before.HeapInuse); grew > 32<<20 {
		t.Errorf("heap in use grew %.1f MiB with the caps full, want at most 32 MiB", mib(uint64(grew)))
	}

	close(stop)
	n := <-chatted
	if _, err := e.chat.AgentSays(ctx, e.ws.Me, custConv, "last"); err != nil {
		t.Fatal(err)
	}
	if msg := sameIDs(<-received, e.messageIDs(custConv, "")); msg != "" || n == 0 {
		t.Errorf("the customer's live messages after %d exchanges during the flood: %q", n, msg)
	}

	mu.Lock()
	for _, c := range keep {
		c.Close()
	}
	mu.Unlock()
	readers.Wait()
	waitFor(t, "every flood connection to be gone", func() bool { return e.stats().Open == 1 })
	waitFor(t, "goroutines back near the start", func() bool { return runtime.NumGoroutine() <= baseG+10 })
	// On PostgreSQL the store's pools keep the connections the flood opened (at most
	// store.PostgresConnections): held for the next requests, not leaked.
	pooled := 0
	if testutil.Postgres() {
		pooled = store.PostgresConnections
	}
	waitFor(t, "descriptors back near the start", func() bool { return openFDs(t) <= baseFDs+10+pooled })
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 16<<20 {
		t.Errorf("heap in use grew %.1f MiB after the flood, want at most 16 MiB", mib(uint64(grew)))
	}
	// And a customer connects as before.
	c := e.mustLive("127.0.0.2", e.start(nil)["session"].(string))
	c.Close()
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd: descriptors cannot be counted here")
	}
	return len(ents)
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
