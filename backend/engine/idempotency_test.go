package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vouchdesk/backend/agentapi"
	"vouchdesk/backend/agents"
	"vouchdesk/backend/idempotency"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/token"
)

// Writes of the agents' API with an Idempotency-Key (docs/api/agent.md, "Retries and
// Idempotency-Key"): a desktop that retries a write never has it applied twice.

// keyedAnswer is an answer as the client got it.
type keyedAnswer struct {
	status int
	header http.Header
	body   []byte
	err    error // the request failed (no answer)
}

func (a keyedAnswer) code() string {
	var e apiError
	json.Unmarshal(a.body, &e)
	return e.Error.Code
}

// sendKeyed sends a write with these Idempotency-Key headers (none when keys is empty). It uses
// no *testing.T, so it can run on another goroutine.
func (c *teamEnv) sendKeyed(method, path, tok string, in any, keys ...string) keyedAnswer {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+agentapi.Prefix+path, body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	for _, k := range keys {
		req.Header.Add(agentapi.KeyHeader, k)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return keyedAnswer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return keyedAnswer{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}

// keyedEnv is a team environment on a settable clock with a conversation and the owner signed in.
type keyedEnv struct {
	*teamEnv
	clock *testutil.Clock
	owner string // the owner's session token
	conv  string // a conversation with ada@example.com
}

func newKeyedEnv(t *testing.T) *keyedEnv {
	t.Helper()
	clk := testutil.NewClock(time.Now())
	c := newTeamEnvWith(t, envOptions{now: clk.Now})
	return &keyedEnv{teamEnv: c, clock: clk, owner: c.signIn("olive@acme.test", "desk").Token, conv: c.start("ada@example.com", "").Conversation}
}

// messages counts the agents' messages with this body in the conversation.
func (c *keyedEnv) messages(body string) int {
	c.t.Helper()
	return c.count(`SELECT count(*) FROM messages WHERE conversation_id = ? AND sender_kind = 'agent' AND body = ?`, c.conv, body)
}

// TestIdempotencyKeyReplaysAWrite: a message sent twice with one key is stored once, and the
// retry gets the first answer again, byte for byte, marked as replayed. A read ignores a key; a
// write without one behaves as before (sent twice, stored twice).
func TestIdempotencyKeyReplaysAWrite(t *testing.T) {
	c := newKeyedEnv(t)
	path := "conversations/" + c.conv + "/messages"
	first := c.sendKeyed("POST", path, c.owner, map[string]string{"body": "Once"}, "key-1")
	second := c.sendKeyed("POST", path, c.owner, map[string]string{"body": "Once"}, "key-1")
	if first.status != 200 || first.header.Get(agentapi.ReplayedHeader) != "" {
		t.Fatalf("first POST %s = %d %s (replayed %q), want 200, not replayed", path, first.status, first.body, first.header.Get(agentapi.ReplayedHeader))
	}
	if second.status != 200 || !bytes.Equal(second.body, first.body) || second.header.Get(agentapi.ReplayedHeader) != "true" {
		t.Errorf("retry = %d %s (replayed %q), want 200 %s, replayed true", second.status, second.body,
			second.header.Get(agentapi.ReplayedHeader), first.body)
	}
	if ct := second.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("retry's Content-Type = %q, want application/json", ct)
	}
	if n := c.messages("Once"); n != 1 {
		t.Errorf("messages after a write and its retry = %d, want 1", n)
	}

	// A 204 is replayed as a 204.
	end := "conversations/" + c.conv + "/read"
	if a, b := c.sendKeyed("POST", end, c.owner, nil, "key-2"), c.sendKeyed("POST", end, c.owner, nil, "key-2"); a.status != 204 ||
		b.status != 204 || len(b.body) != 0 || b.header.Get(agentapi.ReplayedHeader) != "true" {
		t.Errorf("POST %s twice = %d, %d %q (replayed %q), want 204 twice, the second replayed", end, a.status, b.status, b.body,
			b.header.Get(agentapi.ReplayedHeader))
	}

	// Without a key, two sends are two messages (as before keys); a key on a read is ignored.
	for range 2 {
		if a := c.sendKeyed("POST", path, c.owner, map[string]string{"body": "Twice"}); a.status != 200 {
			t.Fatalf("POST %s without a key = %d", path, a.status)
		}
	}
	if n := c.messages("Twice"); n != 2 {
		t.Errorf("messages after two sends without a key = %d, want 2", n)
	}
	if a := c.sendKeyed("GET", "me", c.owner, nil, "key-1"); a.status != 200 || a.header.Get(agentapi.ReplayedHeader) != "" {
		t.Errorf("GET me with a used key = %d (replayed %q), want 200, not replayed", a.status, a.header.Get(agentapi.ReplayedHeader))
	}
}

// TestIdempotencyKeyWhileTheFirstTryRuns: a retry sent while the first try is still running is
// refused with request_in_progress and Retry-After 1 (the first is held inside the handler until
// the retry was answered); once the first finished, the retry gets its answer. A first try that
// never reports its outcome (as after a crash between the call's commit and the record) is
// outcome_unknown once StaleAfter has passed.
func TestIdempotencyKeyWhileTheFirstTryRuns(t *testing.T) {
	c := newKeyedEnv(t)
	path := "conversations/" + c.conv + "/messages"
	held, release := make(chan struct{}), make(chan struct{})
	var holding atomic.Bool
	hold := func(r *http.Request) { // holds the first try only: a retry that wrongly runs goes through
		if r.Header.Get(agentapi.KeyHeader) == "slow" && holding.CompareAndSwap(false, true) {
			held <- struct{}{}
			<-release
		}
	}
	c.hold.Store(&hold)
	done := make(chan keyedAnswer)
	go func() { done <- c.sendKeyed("POST", path, c.owner, map[string]string{"body": "Slow"}, "slow") }()
	<-held // the first try has recorded its key and waits before running the call

	retry := c.sendKeyed("POST", path, c.owner, map[string]string{"body": "Slow"}, "slow")
	if retry.status != 409 || retry.code() != idempotency.CodeInProgress || retry.header.Get("Retry-After") != "1" {
		t.Errorf("retry while the first runs = %d %s (Retry-After %q), want 409 %s, Retry-After 1", retry.status, retry.body,
			retry.header.Get("Retry-After"), idempotency.CodeInProgress)
	}
	c.clock.Advance(idempotency.StaleAfter)
	if late := c.sendKeyed("POST", path, c.owner, map[string]string{"body": "Slow"}, "slow"); late.status != 409 ||
		late.code() != idempotency.CodeOutcomeUnknown {
		t.Errorf("retry of a try in progress for %v = %d %s, want 409 %s", idempotency.StaleAfter, late.status, late.body,
			idempotency.CodeOutcomeUnknown)
	}
	close(release)
	first := <-done
	if first.status != 200 {
		t.Fatalf("first try = %d %s %v, want 200", first.status, first.body, first.err)
	}
	after := c.sendKeyed("POST", path, c.owner, map[string]string{"body": "Slow"}, "slow")
	if after.status != 200 || !bytes.Equal(after.body, first.body) || after.header.Get(agentapi.ReplayedHeader) != "true" {
		t.Errorf("retry after the first finished = %d %s, want the first's 200 %s, replayed", after.status, after.body, first.body)
	}
	if n := c.messages("Slow"); n != 1 {
		t.Errorf("messages = %d, want 1", n)
	}
}

// TestIdempotencyKeyReusedForAnotherWrite: the same key with another body, path or method is
// refused (422) and runs nothing.
func TestIdempotencyKeyReusedForAnotherWrite(t *testing.T) {
	c := newKeyedEnv(t)
	path := "conversations/" + c.conv + "/messages"
	if a := c.sendKeyed("POST", path, c.owner, map[string]string{"body": "First"}, "k"); a.status != 200 {
		t.Fatalf("POST %s = %d", path, a.status)
	}
	for _, r := range []struct {
		method, path string
		in           any
	}{
		{"POST", path, map[string]string{"body": "Second"}},
		{"POST", "conversations/" + c.conv + "/read", nil},
		{"PUT", "conversations/" + c.conv + "/email", map[string]string{"email": "bob@example.com"}},
	} {
		if a := c.sendKeyed(r.method, r.path, c.owner, r.in, "k"); a.status != 422 || a.code() != idempotency.CodeKeyReused {
			t.Errorf("%s %s with a used key = %d %s, want 422 %s", r.method, r.path, a.status, a.body, idempotency.CodeKeyReused)
		}
	}
	if n := c.messages("Second"); n != 0 {
		t.Errorf("messages of the refused write = %d, want 0", n)
	}
}

// TestIdempotencyKeyOfAFailedWriteRunsAgain: a write that failed on the server's side (503: no
// sender email yet) or whose handler was cut off keeps no record: the retry with its key runs.
func TestIdempotencyKeyOfAFailedWriteRunsAgain(t *testing.T) {
	c := newTeamEnvWith(t, envOptions{noSender: true})
	ctx := context.Background()
	// The owner's session made in the store: without a sender no sign-in code can be mailed.
	owner := newSessionToken()
	now := c.e.Now()
	if err := c.e.Store().Write(ctx, func(tx *store.Tx) error {
		return tx.InsertAgentSession(store.AgentSession{ID: store.NewID(), OrgID: c.ws.Organization.ID, UserID: c.ws.Me.ID,
			Method: store.SessionByEmailCode, CreatedAt: now, LastSeenAt: now}, token.Hash(owner))
	}); err != nil {
		t.Fatal(err)
	}
	invite := map[string]string{"email": "ana@example.com", "role": "agent"}
	if a := c.sendKeyed("POST", "invitations", owner, invite, "invite-ana"); a.status != 503 {
		t.Fatalf("POST invitations without a sender = %d %s, want 503", a.status, a.body)
	}
	if n := c.count(`SELECT count(*) FROM api_requests`); n != 0 {
		t.Errorf("records after a 503 = %d, want 0", n)
	}
	if _, err := c.e.Senders().Set(ctx, c.ws.Me, c.ws.Organization, "support@acme.test"); err != nil {
		t.Fatal(err)
	}
	link := c.nextLink("/verify/sender/")
	if _, err := c.e.Senders().Verify(ctx, link[strings.LastIndex(link, "/")+1:], "link"); err != nil {
		t.Fatal(err)
	}
	if a := c.sendKeyed("POST", "invitations", owner, invite, "invite-ana"); a.status != 200 || a.header.Get(agentapi.ReplayedHeader) != "" {
		t.Errorf("retry once a sender is verified = %d %s, want 200, run (not replayed)", a.status, a.body)
	}
	if n := c.count(`SELECT count(*) FROM invitations WHERE email = 'ana@example.com'`); n != 1 {
		t.Errorf("invitations = %d, want 1", n)
	}

	// A handler cut off before it answered (here by the hook, as a panic or a dropped connection
	// would): the client gets no answer, and its retry runs the call. (Go's http.Transport itself
	// resends a request that has an Idempotency-Key when a reused connection drops; the hook cuts
	// that try off too.)
	abort := func(r *http.Request) {
		if r.Header.Get(agentapi.KeyHeader) == "cut" {
			panic(http.ErrAbortHandler)
		}
	}
	c.hold.Store(&abort)
	eve := map[string]string{"email": "eve@example.com", "role": "agent"}
	if a := c.sendKeyed("POST", "invitations", owner, eve, "cut"); a.err == nil {
		t.Fatalf("a cut-off write = %d, want no answer", a.status)
	}
	c.hold.Store(nil)
	if a := c.sendKeyed("POST", "invitations", owner, eve, "cut"); a.status != 200 || a.header.Get(agentapi.ReplayedHeader) != "" {
		t.Errorf("retry of a cut-off write = %d %s, want 200, run", a.status, a.body)
	}
	if n := c.count(`SELECT count(*) FROM invitations WHERE email = 'eve@example.com'`); n != 1 {
		t.Errorf("invitations to eve = %d, want 1", n)
	}
}

// newSessionToken is a token shaped as agents' session tokens are (the store keeps its hash).
func newSessionToken() string {
	plain, _ := token.NewLink()
	return agents.TokenPrefix + plain
}

// TestIdempotencyKeyExpires: a key is remembered for idempotency.Lifetime; later the same key
// runs the write again, and the old records are deleted. The records are made older in the
// database (moving the engine's clock a day would end the chat itself).
func TestIdempotencyKeyExpires(t *testing.T) {
	c := newKeyedEnv(t)
	path := "conversations/" + c.conv + "/messages"
	for _, key := range []string{"day-1", "other"} {
		if a := c.sendKeyed("POST", path, c.owner, map[string]string{"body": "Day " + key}, key); a.status != 200 {
			t.Fatalf("POST %s = %d", path, a.status)
		}
	}
	age := func(d time.Duration) {
		t.Helper()
		if _, err := testutil.OpenRaw(t, c.path).Exec(`UPDATE api_requests SET created_at = created_at - ?`, d.Milliseconds()); err != nil {
			t.Fatal(err)
		}
	}
	age(idempotency.Lifetime - time.Minute)
	if a := c.sendKeyed("POST", path, c.owner, map[string]string{"body": "Day day-1"}, "day-1"); a.header.Get(agentapi.ReplayedHeader) != "true" {
		t.Errorf("retry within the lifetime = %d, replayed %q, want replayed", a.status, a.header.Get(agentapi.ReplayedHeader))
	}
	age(2 * time.Minute)
	c.clock.Advance(2 * time.Minute) // a sweep is due (at most one a minute)
	if a := c.sendKeyed("POST", path, c.owner, map[string]string{"body": "Day day-1"}, "day-1"); a.status != 200 ||
		a.header.Get(agentapi.ReplayedHeader) != "" {
		t.Errorf("the key after its lifetime = %d, replayed %q, want 200, run", a.status, a.header.Get(agentapi.ReplayedHeader))
	}
	if n := c.messages("Day day-1"); n != 2 {
		t.Errorf("messages = %d, want 2 (the key had expired)", n)
	}
	// The expired records are gone (the sweep ran with that request); the new try's is kept.
	if n := c.count(`SELECT count(*) FROM api_requests WHERE idem_key = 'other'`); n != 0 {
		t.Errorf("expired records left = %d, want 0", n)
	}
	if n := c.count(`SELECT count(*) FROM api_requests WHERE idem_key = 'day-1'`); n != 1 {
		t.Errorf("records of the new try = %d, want 1", n)
	}
}

// TestIdempotencyKeyIsPerAgent: two agents using the same key are two writes.
func TestIdempotencyKeyIsPerAgent(t *testing.T) {
	c := newKeyedEnv(t)
	ctx := context.Background()
	now := c.e.Now()
	ana := store.User{ID: store.NewID(), OrgID: c.ws.Organization.ID, Name: "Ana", Email: "ana@acme.test", Role: store.RoleAgent, CreatedAt: now}
	anaTok := newSessionToken()
	if err := c.e.Store().Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertUser(ana); err != nil {
			return err
		}
		return tx.InsertAgentSession(store.AgentSession{ID: store.NewID(), OrgID: ana.OrgID, UserID: ana.ID, Method: store.SessionByEmailCode,
			CreatedAt: now, LastSeenAt: now}, token.Hash(anaTok))
	}); err != nil {
		t.Fatal(err)
	}
	path := "conversations/" + c.conv + "/messages"
	for _, tok := range []string{c.owner, anaTok} {
		if a := c.sendKeyed("POST", path, tok, map[string]string{"body": "Same key"}, "shared"); a.status != 200 ||
			a.header.Get(agentapi.ReplayedHeader) != "" {
			t.Errorf("POST %s with the shared key = %d %s (replayed %q), want 200, run", path, a.status, a.body, a.header.Get(agentapi.ReplayedHeader))
		}
	}
	if n := c.messages("Same key"); n != 2 {
		t.Errorf("messages = %d, want 2 (one per agent)", n)
	}
}

// TestIdempotencyKeyMalformed: a key that is empty, too long, not printable ASCII, or sent twice
// is refused (400) and nothing is written.
func TestIdempotencyKeyMalformed(t *testing.T) {
	c := newKeyedEnv(t)
	path := "conversations/" + c.conv + "/messages"
	for _, keys := range [][]string{{""}, {strings.Repeat("k", idempotency.MaxKeyLength+1)}, {"clé"}, {"a", "b"}} {
		if a := c.sendKeyed("POST", path, c.owner, map[string]string{"body": "Bad key"}, keys...); a.status != 400 ||
			a.code() != idempotency.CodeKeyInvalid {
			t.Errorf("POST with keys %q = %d %s, want 400 %s", keys, a.status, a.body, idempotency.CodeKeyInvalid)
		}
	}
	if a := c.sendKeyed("POST", path, c.owner, map[string]string{"body": "Good key"}, strings.Repeat("k", idempotency.MaxKeyLength)); a.status != 200 {
		t.Errorf("POST with a %d-character key = %d %s, want 200", idempotency.MaxKeyLength, a.status, a.body)
	}
	if n := c.messages("Bad key"); n != 0 {
		t.Errorf("messages of refused writes = %d, want 0", n)
	}
}
