package store_test

import (
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// TestNodesShareOneDatabase: two stores on one PostgreSQL database are two nodes. One leads at a
// time, and the other takes over as soon as the leader's session ends, whether it closed or its
// session was cut (what kill -9 does to a node: the server ends the session and frees its locks).
// An email one node is sending is left to it while it lives, and put back by the other once it
// is gone.
func TestNodesShareOneDatabase(t *testing.T) {
	if !testutil.Postgres() {
		t.Skip("several nodes need PostgreSQL (one process owns a SQLite file)")
	}
	url := testutil.DBPath(t)
	a, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if a.NodeKey() == b.NodeKey() {
		t.Fatal("two nodes with one key")
	}
	if lead, err := a.Lead(ctx); err != nil || !lead {
		t.Fatalf("a.Lead() = %v, %v; want the first node to lead", lead, err)
	}
	if lead, err := b.Lead(ctx); err != nil || lead {
		t.Fatalf("b.Lead() = %v, %v; want b to follow while a leads", lead, err)
	}
	if lead, _ := a.Lead(ctx); !lead {
		t.Fatal("a stopped leading on its own")
	}

	org, _ := seedOrg(t, a)
	now := time.Now()
	err = a.Write(ctx, func(tx *store.Tx) error {
		_, _, err := tx.EnqueueOutbox(store.OutboxMessage{OrgID: org.ID, Kind: "transcript", IdempotencyKey: "nodes:1",
			FromAddr: "support@acme.test", ToAddr: "ada@example.com", Subject: "Your chat", BodyText: "Hello",
			MessageID: "<nodes-1@acme.test>", NextAttemptAt: now, CreatedAt: now, UpdatedAt: now})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := a.ClaimDueOutbox(ctx, now, 10); err != nil || len(got) != 1 {
		t.Fatalf("a.ClaimDueOutbox() = %d, %v; want the email", len(got), err)
	}
	if n, err := b.RequeueInterruptedOutbox(ctx, now); err != nil || n != 0 {
		t.Errorf("b.RequeueInterruptedOutbox() while a sends = %d, %v; want 0", n, err)
	}

	// a's session is cut (as when its process is killed): b leads and takes the email back.
	raw := testutil.OpenRaw(t, url)
	if _, err := raw.Exec(`SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND classid::bigint = (CAST(? AS BIGINT) >> 32) AND objid::bigint = (CAST(? AS BIGINT) & 4294967295)`,
		a.NodeKey(), a.NodeKey()); err != nil {
		t.Fatal(err)
	}
	var lead bool
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !lead; time.Sleep(20 * time.Millisecond) {
		lead, _ = b.Lead(ctx)
	}
	if !lead {
		t.Fatal("b did not take over after a's session ended")
	}
	if lead, err := a.Lead(ctx); err != nil || lead {
		t.Errorf("a.Lead() after its session was cut = %v, %v; want a to follow now", lead, err)
	}
	a.Close()
	if n, err := b.RequeueInterruptedOutbox(ctx, now); err != nil || n != 1 {
		t.Errorf("b.RequeueInterruptedOutbox() after a is gone = %d, %v; want 1", n, err)
	}
}
