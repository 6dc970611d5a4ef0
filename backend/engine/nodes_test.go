package engine_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/testutil"
)

// TestTwoNodesOneLeader: two engines on one PostgreSQL database both serve, one leads (its
// /healthz says "leader", the other's "follower"), and when the leader stops the other takes the
// leader's jobs over within a few seconds.
func TestTwoNodesOneLeader(t *testing.T) {
	if !testutil.Postgres() {
		t.Skip("several nodes need PostgreSQL (one process owns a SQLite file)")
	}
	ctx := context.Background()
	url := testutil.DBPath(t)
	start := func() *engine.Engine {
		e, err := engine.Open(ctx, engine.Config{DatabasePath: url, Listen: "127.0.0.1:0", Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Start(ctx); err != nil {
			t.Fatal(err)
		}
		return e
	}
	a, b := start(), start()
	defer b.Close(context.Background())
	role := func(e *engine.Engine) string {
		res, err := http.Get("http://" + e.Addr() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var h map[string]string
		json.NewDecoder(res.Body).Decode(&h)
		return h["role"]
	}
	waitUntil := func(what string, within time.Duration, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(within); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %v", what, within)
			}
		}
	}
	waitUntil("one node leads", 5*time.Second, func() bool { return a.Leading() != b.Leading() })
	leader, follower := a, b
	if b.Leading() {
		leader, follower = b, a
	}
	if r1, r2 := role(leader), role(follower); r1 != "leader" || r2 != "follower" {
		t.Errorf("/healthz roles = %q and %q, want leader and follower", r1, r2)
	}
	// Both serve the widget.
	for _, e := range []*engine.Engine{a, b} {
		if res, err := http.Get("http://" + e.Addr() + "/widget.js"); err != nil || res.StatusCode != 200 {
			t.Errorf("GET /widget.js on %s = %v, %v", e.Addr(), res, err)
		} else {
			res.Body.Close()
		}
	}
	stopped := time.Now()
	if err := leader.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitUntil("the other node takes over", 10*time.Second, follower.Leading)
	t.Logf("took over %v after the leader stopped", time.Since(stopped).Round(time.Millisecond))
	if r := role(follower); r != "leader" {
		t.Errorf("/healthz role after the takeover = %q, want leader", r)
	}
}
