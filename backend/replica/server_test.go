package replica_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"vouchdesk/backend/agentapi"
	"vouchdesk/backend/agents"
	"vouchdesk/backend/engine"
	"vouchdesk/backend/org"
	"vouchdesk/backend/replica"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/services"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/token"
)

// A team server as vouchd runs one (an engine with the agents' API mounted, on SQLite, or on
// PostgreSQL when VOUCHDESK_TEST_POSTGRES is set), and desktops' replicas in local SQLite files
// built from its feed over real HTTP.

type server struct {
	t       *testing.T
	e       *engine.Engine
	ws      org.Workspace
	base    string
	token   string // the owner's desktop session
	session string // its id
}

func newServer(t *testing.T) *server {
	t.Helper()
	ctx := context.Background()
	e, err := engine.Open(ctx, engine.Config{DatabasePath: testutil.DBPath(t), Listen: "127.0.0.1:0",
		Secrets: secrets.Env{Getenv: func(string) string { return "" }}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(context.Background()) })
	b := services.NewBackend("test", "", nil)
	b.Attach(ctx, services.Deps{Org: e.Org(), Conversations: e.Conversations(), Chat: e.Chat(),
		Verify: e.Verify(), Contacts: e.Contacts(), Senders: e.Senders(), Mail: e.Mail(), Outbox: e.Outbox(), MailRuntime: e,
		Calls: e.Calls(), Transcripts: e.Transcripts(), Backup: e.Backup()})
	e.Mount(agentapi.Prefix, agentapi.New(agentapi.Config{Accounts: e.Agents(), Feed: e.Feed(), Backend: b}))
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ws, err := e.Org().Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive Owner", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	// The owner's desktop session, made in the store (the organization has no sender email to
	// mail a sign-in code from).
	plain, _ := token.NewLink()
	plain = agents.TokenPrefix + plain
	now := e.Now()
	sessionID := store.NewID()
	if err := e.Store().Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetRegulatory(ws.Organization.ID, false, "", now); err != nil {
			return err
		}
		return tx.InsertAgentSession(store.AgentSession{ID: sessionID, OrgID: ws.Organization.ID, UserID: ws.Me.ID,
			Method: store.SessionByEmailCode, CreatedAt: now, LastSeenAt: now}, token.Hash(plain))
	}); err != nil {
		t.Fatal(err)
	}
	return &server{t: t, e: e, ws: ws, base: "http://" + e.Addr(), token: plain, session: sessionID}
}

// post sends a JSON request to the server and decodes the answer into out.
func (s *server) post(path, tok string, in, out any) int {
	s.t.Helper()
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", s.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// chat starts a customer's chat through the widget API and has the owner reply through the
// agents' API; it returns the conversation's id.
func (s *server) chat(email, reply string) string {
	s.t.Helper()
	inboxes, err := s.e.Store().InboxesByOrg(context.Background(), s.ws.Organization.ID)
	if err != nil || len(inboxes) == 0 {
		s.t.Fatal("no inbox", err)
	}
	var started struct{ Conversation string }
	if got := s.post("/api/widget/v1/sessions", "", map[string]any{"inbox": inboxes[0].ID, "name": "Customer " + email,
		"email": email}, &started); got != 201 {
		s.t.Fatalf("POST /api/widget/v1/sessions %s = %d", email, got)
	}
	if got := s.post(agentapi.Prefix+"conversations/"+started.Conversation+"/messages", s.token,
		map[string]string{"body": reply}, nil); got != 200 {
		s.t.Fatalf("the owner's reply = %d, want 200", got)
	}
	return started.Conversation
}

func (s *server) source() *replica.HTTPSource {
	s.t.Helper()
	src, err := replica.NewHTTPSource(s.base, s.token)
	if err != nil {
		s.t.Fatal(err)
	}
	return src
}

// cursor is the server's newest change number for the organization.
func (s *server) cursor() int64 {
	s.t.Helper()
	c, err := s.e.Feed().Cursor(context.Background(), s.ws.Organization.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// localStore opens a fresh desktop store (always SQLite).
func localStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), testutil.SQLitePath(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// normalize makes a value comparable whichever database or decoder it came from.
func normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		return string(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case []byte:
		return string(x)
	}
	return v
}

// serverRows reads a table's rows as the feed hands them out (the withheld columns left out),
// id -> column -> value.
func serverRows(t *testing.T, src replica.Source, table string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	after := ""
	for {
		page, err := src.Rows(context.Background(), table, after, "", 1000)
		if err != nil {
			t.Fatalf("server rows of %s: %v", table, err)
		}
		for _, r := range page.Rows {
			n := map[string]any{}
			for k, v := range r {
				n[k] = normalize(v)
			}
			out[r["id"].(string)] = n
		}
		if page.Next == "" {
			return out
		}
		after = page.Next
	}
}

// localRows reads a table of the replica, without the withheld columns.
func localRows(t *testing.T, st *store.Store, table string, withheld []string) map[string]map[string]any {
	t.Helper()
	db := testutil.OpenRaw(t, st.Path())
	rows, err := db.Query(`SELECT * FROM ` + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	out := map[string]map[string]any{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := map[string]any{}
		for i, c := range cols {
			if !slices.Contains(withheld, c) {
				r[c] = normalize(vals[i])
			}
		}
		out[fmt.Sprint(r["id"])] = r
	}
	return out
}

// sameRows checks that every replicated table of the replica holds exactly the server's rows.
func sameRows(t *testing.T, s *server, st *store.Store) {
	t.Helper()
	src := s.source()
	tables, err := src.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != len(store.ReplicatedTables()) {
		t.Fatalf("the server replicates %d tables, this build %d", len(tables), len(store.ReplicatedTables()))
	}
	for table, withheld := range tables {
		want, got := serverRows(t, src, table), localRows(t, st, table, withheld)
		if len(got) != len(want) {
			t.Errorf("%s: the replica has %d rows, the server %d", table, len(got), len(want))
		}
		for id, w := range want {
			if g := got[id]; fmt.Sprint(g) != fmt.Sprint(w) {
				t.Errorf("%s %s:\nreplica %v\nserver  %v", table, id, g, w)
			}
		}
	}
}

// danglingKeys lists the replica's references to rows of replicated tables that it does not
// hold (references to tables that never leave the server, challenges, are expected).
func danglingKeys(t *testing.T, st *store.Store) []string {
	t.Helper()
	rows, err := testutil.OpenRaw(t, st.Path()).Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var table, parent string
		var rowid, fk any
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			t.Fatal(err)
		}
		if store.IsReplicated(parent) {
			out = append(out, table+" -> "+parent)
		}
	}
	return out
}
