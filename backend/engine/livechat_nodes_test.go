package engine_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/engine"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/widget"
)

// liveRounds is how many messages each cross-node test sends (and times).
const liveRounds = 200

// twoNodes is newEnv's engine (node A, its organization and widget) and a second engine on the
// same PostgreSQL database (node B), with throttles loose enough for liveRounds messages.
func twoNodes(t *testing.T) (*chatEnv, *engine.Engine) {
	t.Helper()
	if !testutil.Postgres() {
		t.Skip("several nodes need PostgreSQL (one process owns a SQLite file)")
	}
	loose := widget.Rate{PerSecond: 1000, Burst: 1000}
	a := newEnv(t, envOptions{limits: widget.Limits{IP: loose, Messages: loose}})
	b, err := engine.Open(context.Background(), engine.Config{DatabasePath: a.path, Listen: "127.0.0.1:0", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(context.Background()) })
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// liveFrame is a frame of the widget's live socket.
type liveFrame struct {
	Type    string
	Message struct{ ID, Body, From string }
}

// percentiles logs the p50 and p99 of the latencies.
func percentiles(t *testing.T, what string, d []time.Duration) {
	slices.Sort(d)
	p := func(q float64) time.Duration {
		return d[min(len(d)-1, int(q*float64(len(d))))].Round(10 * time.Microsecond)
	}
	t.Logf("%s over %d messages: p50 %v, p99 %v, max %v", what, len(d), p(0.50), p(0.99), d[len(d)-1].Round(10*time.Microsecond))
}

// TestLiveChatAgentOnOtherNode: a customer's live WebSocket on node A receives every reply an
// agent writes through node B's chat service, each exactly once and in order, with nothing else
// of the chat's messages in between.
func TestLiveChatAgentOnOtherNode(t *testing.T) {
	a, b := twoNodes(t)
	ctx := context.Background()
	s := a.start("", "")
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+a.e.Addr()+"/api/widget/v1/live", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.WriteJSON(map[string]string{"type": "hello", "session": s.Session})
	next := func() liveFrame {
		t.Helper()
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var f liveFrame
		if err := conn.ReadJSON(&f); err != nil {
			t.Fatalf("reading the live socket: %v", err)
		}
		return f
	}
	if f := next(); f.Type != "ready" {
		t.Fatalf("first frame = %+v, want ready", f)
	}
	var sent, got []string
	var lat []time.Duration
	for i := range liveRounds + 1 {
		body := fmt.Sprintf("reply %d", i)
		began := time.Now()
		m, err := b.Chat().AgentSays(ctx, a.ws.Me, s.Conversation, body)
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, m.ID)
		for {
			f := next()
			if f.Type != "message" {
				continue
			}
			got = append(got, f.Message.ID)
			if f.Message.ID == m.ID {
				if f.Message.Body != body || f.Message.From != "agent" {
					t.Fatalf("live message = %+v, want the agent's %q", f.Message, body)
				}
				break
			}
		}
		if i < liveRounds { // the last one only closes the count
			lat = append(lat, time.Since(began))
		}
	}
	if !slices.Equal(got, sent) {
		t.Errorf("live message ids = %d %v..., want the %d sent, each once, in order", len(got), got[:min(len(got), 3)], len(sent))
	}
	percentiles(t, "agent on node B to the customer's socket on node A", lat)
	// Node A's /metrics counted the lag of what its follower published.
	res, err := http.Get("http://" + a.e.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	figures, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`(?m)^vouchdesk_live_feed_lag_seconds_count (\d+)$`).FindSubmatch(figures)
	if m == nil {
		t.Fatalf("no live feed lag in node A's /metrics:\n%s", figures)
	}
	if n, _ := strconv.Atoi(string(m[1])); n < liveRounds {
		t.Errorf("node A's live feed lag count = %d, want at least %d", n, liveRounds)
	}
}

// TestLiveChatCustomerOnOtherNode: a message a customer posts through node A's widget API reaches
// a hub listener on node B, and one on node A itself, each exactly once: on PostgreSQL the
// writing node publishes through the change feed like every other node, not a second time.
func TestLiveChatCustomerOnOtherNode(t *testing.T) {
	a, b := twoNodes(t)
	s := a.start("", "")
	type seen struct {
		mu     sync.Mutex
		counts map[string]int
		ch     chan string
	}
	listen := func(e *engine.Engine) *seen {
		l := &seen{counts: map[string]int{}, ch: make(chan string, 2*liveRounds)}
		cancel := e.Chat().Hub().Subscribe(s.Conversation, func(ev chat.Event) {
			if ev.Kind != chat.EventMessage {
				return
			}
			l.mu.Lock()
			l.counts[ev.Message.ID]++
			l.mu.Unlock()
			l.ch <- ev.Message.ID
		})
		t.Cleanup(cancel)
		return l
	}
	onB, onA := listen(b), listen(a.e)
	wait := func(l *seen, id, node string) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case got := <-l.ch:
				if got == id {
					return
				}
			case <-timeout:
				t.Fatalf("message %s did not reach the hub listener on node %s within 10 s", id, node)
			}
		}
	}
	var ids []string
	var lat []time.Duration
	for i := range liveRounds {
		var sent struct{ Message struct{ ID string } }
		began := time.Now()
		if st := a.call("POST", "/api/widget/v1/messages", s.Session,
			map[string]string{"clientMsgId": fmt.Sprintf("m%d", i), "body": fmt.Sprintf("question %d", i)}, &sent); st != 201 {
			t.Fatalf("POST /messages #%d = %d, want 201", i, st)
		}
		wait(onB, sent.Message.ID, "B")
		lat = append(lat, time.Since(began))
		wait(onA, sent.Message.ID, "A")
		ids = append(ids, sent.Message.ID)
	}
	// A duplicate would come at the latest with the followers' next poll.
	time.Sleep(chat.FollowPoll + 500*time.Millisecond)
	for node, l := range map[string]*seen{"A": onA, "B": onB} {
		l.mu.Lock()
		for _, id := range ids {
			if n := l.counts[id]; n != 1 {
				t.Errorf("node %s's hub listener got message %s %d times, want 1", node, id, n)
			}
		}
		if len(l.counts) != len(ids) {
			t.Errorf("node %s's hub listener got %d messages, want %d", node, len(l.counts), len(ids))
		}
		l.mu.Unlock()
	}
	percentiles(t, "customer's POST on node A to a hub listener on node B", lat)
}
