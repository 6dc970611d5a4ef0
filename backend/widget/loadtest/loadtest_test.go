package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"vouchdesk/backend/testutil"
	"vouchdesk/backend/widget/loadtest/chatload"
)

// TestRunDeliversEveryMessage runs the load test small, in one process: every scheduled message
// is stored, reaches the agent side as one change of its own conversation, and comes back once on
// the customer's WebSocket.
func TestRunDeliversEveryMessage(t *testing.T) {
	ctx := context.Background()
	s, err := startServer(ctx, filepath.Join(t.TempDir(), "vouchdesk.db"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	res, err := chatload.Run(ctx, s.addrs, chatload.Options{Sessions: 20, Rate: 20, Duration: 2 * time.Second, Drain: 10 * time.Second},
		func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	if res.Connections != 20 || res.Scheduled != 40 || res.Sent != 40 || res.Failed != 0 {
		t.Fatalf("connections %d, scheduled %d, sent %d, failed %d; want 20, 40, 40, 0", res.Connections, res.Scheduled, res.Sent, res.Failed)
	}
	if res.Agent.N != 40 || res.Unmatched != 0 || res.Events != 40 {
		t.Errorf("agent side saw %d of 40 messages, %d unmatched, %d chat:changed events", res.Agent.N, res.Unmatched, res.Events)
	}
	if res.Echo.N != 40 || res.EchoLost != 0 {
		t.Errorf("%d of 40 messages came back on the customer's WebSocket, %d lost", res.Echo.N, res.EchoLost)
	}
	if res.After.Goroutines <= res.Before.Goroutines {
		t.Errorf("goroutines %d before the live connections, %d with them", res.Before.Goroutines, res.After.Goroutines)
	}
}

// TestChurnDeliversEveryMessage runs customers arriving at a rate, small: every session connects,
// every customer message and agent reply reaches the customer's WebSocket once and is stored
// once.
func TestChurnDeliversEveryMessage(t *testing.T) {
	ctx := context.Background()
	s, err := startServer(ctx, filepath.Join(t.TempDir(), "vouchdesk.db"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	c := &chatload.Churn{API: s.addrs.API, Inbox: s.addrs.Inbox, Rate: 20, Messages: 3, Pace: 50 * time.Millisecond,
		Reply: func(ctx context.Context, conversation, body string) error {
			_, err := s.e.Chat().AgentSays(ctx, s.agent, conversation, body)
			return err
		}}
	stop := make(chan struct{})
	time.AfterFunc(time.Second, func() { close(stop) })
	res := c.Run(ctx, stop)
	if res.Sessions == 0 || res.Sessions != res.Scheduled || res.Sent != 3*res.Sessions || res.Replies != res.Sent || res.Wrong() != 0 {
		t.Fatalf("Churn.Run = %+v, want every scheduled session connected, 3 messages and 3 replies each, nothing wrong", res)
	}
	if res.Echo.N != res.Sent || res.ReplyLatency.N != res.Replies {
		t.Errorf("latencies for %d echoes and %d replies, want %d and %d", res.Echo.N, res.ReplyLatency.N, res.Sent, res.Replies)
	}
}

// TestRunAcrossTwoNodes runs the load test small on two servers sharing one PostgreSQL database
// (skipped without VOUCHDESK_TEST_POSTGRES): the second opens the first's organization, every
// message is stored, seen once on the hub of the node its customer is not on, and echoed once.
func TestRunAcrossTwoNodes(t *testing.T) {
	if !testutil.Postgres() {
		t.Skip("needs PostgreSQL: set " + testutil.PostgresEnv + " (scripts/postgres.sh)")
	}
	ctx := context.Background()
	db := testutil.DBPath(t)
	a, err := startServer(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	b, err := startServer(ctx, db, true)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	if a.addrs.Inbox != b.addrs.Inbox {
		t.Fatalf("joined node's inbox = %s, want the first node's %s", b.addrs.Inbox, a.addrs.Inbox)
	}
	res, err := chatload.RunNodes(ctx, []chatload.Addrs{a.addrs, b.addrs},
		chatload.Options{Sessions: 20, Rate: 20, Duration: 2 * time.Second, Drain: 10 * time.Second}, func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 40 || res.Failed != 0 || len(res.Nodes) != 2 || res.Nodes[0].Connections != 10 || res.Nodes[1].Connections != 10 {
		t.Fatalf("sent %d, failed %d, nodes %+v; want 40, 0 and 10 connections on each of 2 nodes", res.Sent, res.Failed, res.Nodes)
	}
	if res.Agent.N != 40 || res.Unmatched != 0 {
		t.Errorf("the other node saw %d of 40 messages, %d unmatched", res.Agent.N, res.Unmatched)
	}
	if res.Local.N != 40 || res.Nodes[0].Events != 20 || res.Nodes[1].Events != 20 {
		t.Errorf("own-node chat:changed for %d of 40 messages, events per node %d and %d, want 20 each", res.Local.N, res.Nodes[0].Events, res.Nodes[1].Events)
	}
	if res.Echo.N != 40 || res.EchoLost != 0 {
		t.Errorf("%d of 40 messages came back on the customer's WebSocket, %d lost", res.Echo.N, res.EchoLost)
	}
}
