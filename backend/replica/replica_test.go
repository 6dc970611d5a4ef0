package replica_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"vouchdesk/backend/agents"
	"vouchdesk/backend/replica"
	"vouchdesk/backend/store"
)

// TestBootstrapCopiesTheOrganization: a fresh desktop store filled from the server in small pages
// holds the server's rows of every replicated table, column for column; the solo desk's read
// code works on it (the contact search by a fragment, a conversation's messages); every
// reference between replicated rows holds; progress was told along the way.
func TestBootstrapCopiesTheOrganization(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	ada := s.chat("ada.lovelace@example.com", "Hello Ada")
	s.chat("ben@example.com", "Hello Ben")
	s.chat("cy@example.com", "Hello Cy")

	st := localStore(t)
	var seen []replica.Progress
	r := &replica.Replica{Store: st, Source: s.source(), PageRows: 2, PageChanges: 3}
	if err := r.Bootstrap(ctx, func(p replica.Progress) { seen = append(seen, p) }); err != nil {
		t.Fatalf("Bootstrap = %v", err)
	}
	sameRows(t, s, st)
	if d := danglingKeys(t, st); len(d) > 0 {
		t.Errorf("references to rows the replica does not hold: %v", d)
	}
	state, ok, err := st.ReplicaState(ctx)
	if err != nil || !ok || state.BootstrappedAt.IsZero() || state.Cursor != s.cursor() || state.OrgID != s.ws.Organization.ID {
		t.Errorf("ReplicaState() = %+v, %v, %v; want complete at the server's cursor %d", state, ok, err, s.cursor())
	}
	last := seen[len(seen)-1]
	if last.Phase != "done" || last.TablesDone != last.TablesTotal || last.TablesTotal != len(store.ReplicatedTables()) ||
		last.Rows < 10 || last.Bytes < 1000 {
		t.Errorf("last progress = %+v, want done, every table, the rows and bytes read", last)
	}
	tables := map[string]bool{}
	for _, p := range seen {
		if p.Phase == "snapshot" {
			tables[p.Table] = true
			if p.TimeLeftKnown {
				t.Errorf("progress %+v claims a time left during the snapshot, which the feed cannot tell", p)
			}
		}
	}
	if len(tables) != len(store.ReplicatedTables()) {
		t.Errorf("progress named %d tables, want %d", len(tables), len(store.ReplicatedTables()))
	}

	// The solo desk's own reads, on the replica.
	hits, _, err := st.SearchContacts(ctx, s.ws.Organization.ID, "lovelace", 20)
	if err != nil || len(hits) != 1 || !slices.Contains(hits[0].Emails, "ada.lovelace@example.com") {
		t.Errorf("SearchContacts(lovelace) on the replica = %+v, %v; want Ada's contact", hits, err)
	}
	msgs, err := st.Messages(ctx, s.ws.Organization.ID, ada, "", 50)
	if err != nil || !slices.ContainsFunc(msgs, func(m store.Message) bool { return m.Body == "Hello Ada" && m.SenderUserID == s.ws.Me.ID }) {
		t.Errorf("Messages(Ada's chat) on the replica = %+v, %v; want the owner's reply", msgs, err)
	}

	// Again: already complete, nothing to do.
	calls := &countingSource{Source: s.source()}
	if err := replica.Bootstrap(ctx, st, calls, nil); err != nil || calls.total() != 0 {
		t.Errorf("a second Bootstrap = %v with %d table reads, want nil and none", err, calls.total())
	}
}

// countingSource counts the table pages read, per table.
type countingSource struct {
	replica.Source
	mu   sync.Mutex
	rows map[string]int
	// afterPage, when set, runs after each page read.
	afterPage func(table string, n int)
}

func (c *countingSource) Rows(ctx context.Context, table, after, to string, limit int) (replica.RowsPage, error) {
	p, err := c.Source.Rows(ctx, table, after, to, limit)
	c.mu.Lock()
	if c.rows == nil {
		c.rows = map[string]int{}
	}
	c.rows[table]++
	n := c.rows[table]
	c.mu.Unlock()
	if err == nil && c.afterPage != nil {
		c.afterPage(table, n)
	}
	return p, err
}

func (c *countingSource) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.rows {
		n += v
	}
	return n
}

// TestBootstrapResumesWhereItStopped: a bootstrap cancelled after the first page of the messages
// resumes at that page (the tables before are not read again), picks up what the server wrote
// meanwhile, and ends equal to the server.
func TestBootstrapResumesWhereItStopped(t *testing.T) {
	s := newServer(t)
	for _, e := range []string{"ada@example.com", "ben@example.com", "cy@example.com"} {
		s.chat(e, "Hello "+e)
	}
	st := localStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := &countingSource{Source: s.source(), afterPage: func(table string, n int) {
		if table == "messages" && n == 1 {
			cancel()
		}
	}}
	err := (&replica.Replica{Store: st, Source: first, PageRows: 2}).Bootstrap(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("an interrupted Bootstrap = %v, want context.Canceled", err)
	}
	state, _, _ := st.ReplicaState(context.Background())
	if state.SnapshotTable != "messages" || state.SnapshotAfter == "" || !state.BootstrappedAt.IsZero() {
		t.Fatalf("state after the interruption = %+v, want inside the messages, not complete", state)
	}
	// Meanwhile the server goes on.
	s.chat("dee@example.com", "Hello Dee")

	again := &countingSource{Source: s.source()}
	var lastProgress replica.Progress
	if err := (&replica.Replica{Store: st, Source: again, PageRows: 2}).Bootstrap(context.Background(),
		func(p replica.Progress) { lastProgress = p }); err != nil {
		t.Fatalf("the resumed Bootstrap = %v", err)
	}
	for _, table := range []string{"organizations", "users", "inboxes", "contacts", "conversations"} {
		if n := again.rows[table]; n != 0 {
			t.Errorf("the resumed Bootstrap read %d pages of %s again, want none (done before the interruption)", n, table)
		}
	}
	if again.rows["messages"] == 0 || again.rows["audit_log"] == 0 {
		t.Errorf("the resumed Bootstrap read %v, want the rest of the messages and the tables after", again.rows)
	}
	if lastProgress.Rows <= state.RowsDone {
		t.Errorf("progress after the resume = %d rows, want more than the %d before the interruption", lastProgress.Rows, state.RowsDone)
	}
	sameRows(t, s, st)
	hits, _, _ := st.SearchContacts(context.Background(), s.ws.Organization.ID, "dee", 20)
	if len(hits) != 1 {
		t.Errorf("SearchContacts(dee) on the replica = %+v, want the contact made during the interruption", hits)
	}
}

// TestBootstrapWhileTheServerGoesOn: a chat started after the conversations were read and before
// the messages are (its messages come in the snapshot, its conversation only in the changes after
// it) leaves the replica exact and every reference whole once the bootstrap ends.
func TestBootstrapWhileTheServerGoesOn(t *testing.T) {
	s := newServer(t)
	s.chat("ada@example.com", "Hello Ada")
	st := localStore(t)
	var late string
	src := &countingSource{Source: s.source(), afterPage: func(table string, n int) {
		if table == "verifications" && n == 1 {
			late = s.chat("ben@example.com", "Hello Ben")
		}
	}}
	if err := (&replica.Replica{Store: st, Source: src, PageRows: 2}).Bootstrap(context.Background(), nil); err != nil {
		t.Fatalf("Bootstrap = %v", err)
	}
	if late == "" {
		t.Fatal("no chat was started during the snapshot")
	}
	sameRows(t, s, st)
	if d := danglingKeys(t, st); len(d) > 0 {
		t.Errorf("references to rows the replica does not hold: %v", d)
	}
	if _, err := st.ConversationByID(context.Background(), s.ws.Organization.ID, late); err != nil {
		t.Errorf("ConversationByID(the chat started during the snapshot) on the replica = %v", err)
	}
}

// TestFollowKeepsTheReplicaCurrent: after a bootstrap, Follow applies what the server writes
// (chats, replies, a bulk load's range record) as it happens; a revoked session ends it with
// ErrSignedOut.
func TestFollowKeepsTheReplicaCurrent(t *testing.T) {
	s := newServer(t)
	s.chat("ada@example.com", "Hello Ada")
	st := localStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // a failed test leaves no Follow running
	if err := replica.Bootstrap(ctx, st, s.source(), nil); err != nil {
		t.Fatal(err)
	}
	applied := make(chan int64, 100)
	done := make(chan error, 1)
	go func() {
		done <- replica.Follow(ctx, st, s.source(), func(c int64) { applied <- c })
	}()
	waitFor := func(what string, cursor int64) {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			select {
			case c := <-applied:
				if c >= cursor {
					return
				}
			case err := <-done:
				t.Fatalf("Follow returned %v while waiting for %s", err, what)
			case <-deadline:
				t.Fatalf("Follow did not apply %s (the server's change %d) within 20 s", what, cursor)
			}
		}
	}
	conv := s.chat("ben@example.com", "Hello Ben")
	waitFor("Ben's chat", s.cursor())
	msgs, _ := st.Messages(ctx, s.ws.Organization.ID, conv, "", 50)
	if !slices.ContainsFunc(msgs, func(m store.Message) bool { return m.Body == "Hello Ben" }) {
		t.Errorf("the replica's messages of Ben's chat = %+v, want the reply", msgs)
	}

	// A bulk load on the server writes a range record; its rows come through the table call.
	l, err := s.e.Store().NewLoader(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range 3 {
		c := store.Contact{ID: store.NewID(), OrgID: s.ws.Organization.ID, Name: fmt.Sprintf("Loaded %d", i), Status: "active",
			CreatedAt: now, UpdatedAt: now}
		if err := l.Contact(c); err != nil {
			t.Fatal(err)
		}
		if err := l.Field(store.Field{ID: store.NewID(), OrgID: c.OrgID, ContactID: c.ID, Kind: "email",
			ValueNorm: fmt.Sprintf("loaded%d@bulk.test", i), ValueDisplay: fmt.Sprintf("loaded%d@bulk.test", i), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor("the bulk load", s.cursor())
	sameRows(t, s, st)
	if hits, _, _ := st.SearchContacts(ctx, s.ws.Organization.ID, "bulk.test", 20); len(hits) != 3 {
		t.Errorf("SearchContacts(bulk.test) on the replica = %d hits, want the 3 loaded contacts", len(hits))
	}

	// Signed out elsewhere: Follow stops and says so.
	if err := s.e.Store().Write(ctx, func(tx *store.Tx) error {
		_, err := tx.RevokeAgentSession(s.ws.Organization.ID, s.session, s.ws.Me.ID, "test", time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, replica.ErrSignedOut) {
			t.Errorf("Follow after the session was revoked = %v, want ErrSignedOut", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Follow went on after its session was revoked")
	}
}

// flakySource fails its first n calls for changes as an unreachable server does.
type flakySource struct {
	replica.Source
	mu sync.Mutex
	n  int
}

func (f *flakySource) Changes(ctx context.Context, after int64, limit int, wait time.Duration) (replica.ChangesPage, error) {
	f.mu.Lock()
	fail := f.n > 0
	f.n--
	f.mu.Unlock()
	if fail {
		return replica.ChangesPage{}, errors.New("dial tcp: connection refused")
	}
	return f.Source.Changes(ctx, after, limit, wait)
}

// TestFollowRetriesWhileOffline: network failures are retried with a growing wait and told to
// OnStatus (offline since when, then online again); the changes then arrive.
func TestFollowRetriesWhileOffline(t *testing.T) {
	s := newServer(t)
	st := localStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := replica.Bootstrap(ctx, st, s.source(), nil); err != nil {
		t.Fatal(err)
	}
	conv := s.chat("ada@example.com", "Hello Ada")
	var mu sync.Mutex
	var statuses []replica.Status
	r := &replica.Replica{Store: st, Source: &flakySource{Source: s.source(), n: 3}, MinBackoff: time.Millisecond,
		MaxBackoff: 2 * time.Millisecond, OnStatus: func(st replica.Status) {
			mu.Lock()
			statuses = append(statuses, st)
			mu.Unlock()
		}}
	target := s.cursor()
	done := make(chan error, 1)
	go func() {
		done <- r.Follow(ctx, func(c int64) {
			if c >= target {
				cancel()
			}
		})
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Follow = %v, want it to run until cancelled", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Follow did not apply the chat after the network came back")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(statuses) != 4 || statuses[0].Online || statuses[0].OfflineSince.IsZero() || statuses[0].Err == nil ||
		statuses[1].OfflineSince != statuses[0].OfflineSince || statuses[1].RetryIn != 2*time.Millisecond ||
		statuses[2].RetryIn != 2*time.Millisecond || !statuses[3].Online {
		t.Errorf("statuses = %+v, want three failures offline since the first (waits 1, 2, 2 ms), then online", statuses)
	}
	if msgs, _ := st.Messages(context.Background(), s.ws.Organization.ID, conv, "", 50); len(msgs) == 0 {
		t.Error("the chat made while offline is not in the replica")
	}
}

// TestHTTPSourceErrors: a token the server does not know is ErrSignedOut; a refused request is an
// APIError with the API's code, and Follow does not retry it.
func TestHTTPSourceErrors(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	bad, _ := replica.NewHTTPSource(s.base, agents.TokenPrefix+"nonsense")
	if _, err := bad.Cursor(ctx); !errors.Is(err, replica.ErrSignedOut) {
		t.Errorf("Cursor with an unknown token = %v, want ErrSignedOut", err)
	}
	_, err := s.source().Rows(ctx, "challenges", "", "", 10)
	var api *replica.APIError
	if !errors.As(err, &api) || api.Status != 400 || api.Code != "invalid_input" || api.Field != "table" || api.Temporary() {
		t.Errorf("Rows(challenges) = %v, want a 400 invalid_input APIError on table", err)
	}
	if _, err := replica.NewHTTPSource("desk.example.com", "x"); err == nil {
		t.Error("NewHTTPSource without a scheme = nil error, want one")
	}
	st := localStore(t)
	if err := replica.Follow(ctx, st, s.source(), nil); !errors.Is(err, replica.ErrNotBootstrapped) {
		t.Errorf("Follow on an empty store = %v, want ErrNotBootstrapped", err)
	}
	// A replica of another server is refused.
	if err := replica.Bootstrap(ctx, st, s.source(), nil); err != nil {
		t.Fatal(err)
	}
	other := newServer(t)
	if err := replica.Bootstrap(ctx, st, other.source(), nil); !errors.Is(err, replica.ErrOtherOrigin) {
		t.Errorf("Bootstrap from another server into a replica = %v, want ErrOtherOrigin", err)
	}
}
