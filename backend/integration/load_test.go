package integration

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
	"vouchdesk/backend/widget"
)

// TestOutboxDrainsUnderChatLoad: the engine's own outbox worker drains a queue into Postfix first
// alone, then while the full chat load runs on the same engine and database: customers arrive at
// a rate (chatload.Churn, open loop), each starts a chat over HTTP, opens its live WebSocket,
// sends its messages a pace apart, and gets an agent's reply to each (chat.AgentSays, the
// desktop's path) live. Every email arrives in the Dovecot mailbox exactly once both times;
// every chat message and reply reaches its customer's WebSocket once and is stored once. The
// sizes are small for `make test`; VOUCHDESK_IT_LOAD_EMAILS (emails per phase),
// VOUCHDESK_IT_LOAD_RATE (sessions started per second), VOUCHDESK_IT_LOAD_MESSAGES (customer
// messages per session), VOUCHDESK_IT_LOAD_PACE_MS (between a session's messages) and
// VOUCHDESK_IT_LOAD_REPLIES=0 (no agent replies) make the measurement of docs/benchmarks.md.
func TestOutboxDrainsUnderChatLoad(t *testing.T) {
	me := env(t)
	emails, rate := envInt(t, "VOUCHDESK_IT_LOAD_EMAILS", 200), envInt(t, "VOUCHDESK_IT_LOAD_RATE", 20)
	perSession, pace := envInt(t, "VOUCHDESK_IT_LOAD_MESSAGES", 3), time.Duration(envInt(t, "VOUCHDESK_IT_LOAD_PACE_MS", 200))*time.Millisecond
	replies := os.Getenv("VOUCHDESK_IT_LOAD_REPLIES") != "0"

	// Every customer comes from 127.0.0.1: the per-address throttles and live caps are raised;
	// the per-conversation message throttle keeps its default.
	lim := widget.DefaultLimits
	open := widget.Rate{PerSecond: 1e6, Burst: 1e6}
	lim.IP, lim.Sessions, lim.ServerStarts = open, open, open
	lim.Live.PerAddress, lim.Live.PerServer = 1<<30, 1<<30
	e, ws := openEngine(t, me, engine.Config{RootCAs: me.ca, WidgetLimits: lim})
	useAccounts(t, e, ws, me, mailaccounts.SMTP)
	orgID := ws.Organization.ID
	inbox, _, err := e.Chat().FirstChatInbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	box := openMailbox(t, me)
	st := e.Store()

	// drain queues n emails, wakes the worker and returns how long it took until all n are sent.
	var want []string
	drain := func(phase string, n int) time.Duration {
		t.Helper()
		before, err := st.OutboxCounts(ctx, orgID)
		if err != nil {
			t.Fatal(err)
		}
		list := make([]outbox.Email, n)
		for i := range list {
			list[i] = testEmail(orgID, me.user, fmt.Sprintf("%s-%05d", phase, i))
			list[i].FromAddr = me.user
		}
		for _, m := range enqueue(t, st, list...) {
			want = append(want, msgID(m))
		}
		start := time.Now()
		e.Outbox().Wake()
		// Polled every 50 ms (under 1 % of a drain of several seconds): the count is a GROUP BY over
		// the whole outbox, and polling it every few milliseconds took 13 % of the engine
		// process's CPU in a profile, away from the drain it measures.
		for deadline := start.Add(5 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
			c, err := st.OutboxCounts(ctx, orgID)
			if err != nil {
				t.Fatal(err)
			}
			if c[store.OutboxSent]-before[store.OutboxSent] >= n {
				return time.Since(start)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: outbox counts after 5 min = %v (worker: %+v)", phase, c, e.Outbox().Status())
			}
		}
	}

	alone := drain("alone", emails)

	var reply func(ctx context.Context, conversation, body string) error
	if replies {
		reply = func(ctx context.Context, conversation, body string) error {
			_, err := e.Chat().AgentSays(ctx, ws.Me, conversation, body)
			return err
		}
	}
	load := startChatClient(t, chatClientConfig{API: e.Addr(), Inbox: inbox.ID, Rate: rate, Messages: perSession, Pace: pace}, reply)
	// The queue fills once the load is steady: a session lives about perSession*pace, so by then
	// arrivals and departures balance.
	time.Sleep(time.Duration(perSession)*pace + time.Second)
	s0, m0, r0 := load.Counts()
	loaded := drain("load", emails)
	s1, m1, r1 := load.Counts()
	res, ok := load.Stop()
	if !ok || res.Sessions == 0 || res.Wrong() != 0 {
		t.Errorf("chat load = %+v (reported %v), want sessions and nothing wrong (every session connected, every message and "+
			"reply sent, back once on its WebSocket, stored once)", res, ok)
	}

	exactlyOnce(t, want, box.waitFor(want, 2*time.Minute), tolerance{})
	secs := loaded.Seconds()
	t.Logf("FIGURE outbox under chat load: %d emails alone in %.2fs (%.0f emails/s); %d emails in %.2fs (%.0f emails/s) "+
		"while customers arrived at %d/s (asked), each with its live WebSocket, %d messages %s apart, agent replies %v: "+
		"in that window %.0f sessions/s connected, %.0f customer messages/s and %.0f agent replies/s; whole load: %d sessions, "+
		"%d messages, %d replies, customer message -> own WebSocket p50 %.1f p99 %.1f ms, agent reply -> customer p50 %.1f p99 %.1f ms",
		emails, alone.Seconds(), float64(emails)/alone.Seconds(), emails, secs, float64(emails)/secs,
		rate, perSession, pace, replies, float64(s1-s0)/secs, float64(m1-m0)/secs, float64(r1-r0)/secs,
		res.Sessions, res.Sent, res.Replies, res.Echo.P50, res.Echo.P99, res.ReplyLatency.P50, res.ReplyLatency.P99)
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}
