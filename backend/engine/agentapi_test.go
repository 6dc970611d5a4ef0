package engine_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vouchdesk/backend/agentapi"
	"vouchdesk/backend/agents"
	"vouchdesk/backend/engine"
	"vouchdesk/backend/idempotency"
	"vouchdesk/backend/services"
	"vouchdesk/backend/signin/google/googletest"
	"vouchdesk/backend/store"
	"vouchdesk/backend/token"
)

// The agents' API (docs/api/agent.md) end to end: an engine with the API mounted as vouchd mounts
// it, real HTTP, the in-process SMTP server carrying the sign-in codes and invitations.

// teamEnv is newEnv with the agents' API mounted.
type teamEnv struct {
	*chatEnv
	backend *services.Backend // the desktop's services the API runs, attached to the engine
	// hold, when set, runs where agentapi.Config.AfterBegin does (idempotency_test.go).
	hold atomic.Pointer[func(r *http.Request)]
}

func (c *teamEnv) afterBegin(r *http.Request) {
	if h := c.hold.Load(); h != nil {
		(*h)(r)
	}
}

func newTeamEnv(t *testing.T) *teamEnv {
	t.Helper()
	return newTeamEnvWith(t, envOptions{})
}

// newTeamEnvWith is newTeamEnv on an environment with options o.
func newTeamEnvWith(t *testing.T, o envOptions) *teamEnv {
	t.Helper()
	te := &teamEnv{}
	o.beforeStart = func(e *engine.Engine) {
		te.backend = services.NewBackend("test", "", nil)
		te.backend.Attach(context.Background(), depsOf(e))
		e.Mount(agentapi.Prefix, agentapi.New(agentapi.Config{Accounts: e.Agents(), Feed: e.Feed(), Backend: te.backend,
			Idempotency: idempotency.New(e.Store(), idempotency.Options{Now: e.Now}), AfterBegin: te.afterBegin}))
	}
	te.chatEnv = newEnv(t, o)
	return te
}

// apiError is an error answer.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// api calls the agents' API: path is relative to its prefix.
func (c *teamEnv) api(method, path, tok string, in, out any) int {
	c.t.Helper()
	return c.call(method, agentapi.Prefix+path, tok, in, out)
}

// refused calls and checks the refusal's status and code.
func (c *teamEnv) refused(method, path, tok string, in any, status int, code string) {
	c.t.Helper()
	var e apiError
	if got := c.api(method, path, tok, in, &e); got != status || e.Error.Code != code || e.Error.Message == "" {
		c.t.Errorf("%s %s = %d %+v, want %d %s with a message", method, path, got, e.Error, status, code)
	}
}

// signIn signs email in by an emailed code and returns the session token.
func (c *teamEnv) signIn(email, device string) agents.SignedIn {
	c.t.Helper()
	var h struct{ Handle string }
	if got := c.api("POST", "auth/code", "", map[string]string{"email": email}, &h); got != 200 || h.Handle == "" {
		c.t.Fatalf("POST auth/code %s = %d %+v, want 200 and a handle", email, got, h)
	}
	code := sixDigits.FindString(c.nextEmail())
	if code == "" {
		c.t.Fatal("no code in the sign-in email")
	}
	var out agents.SignedIn
	if got := c.api("POST", "auth/session", "", map[string]string{"handle": h.Handle, "code": code, "device": device}, &out); got != 200 {
		c.t.Fatalf("POST auth/session = %d, want 200", got)
	}
	return out
}

func TestAgentAPISigninByCode(t *testing.T) {
	c := newTeamEnv(t)
	var h struct{ Handle string }
	c.api("POST", "auth/code", "", map[string]string{"email": "Olive@Acme.test"}, &h)
	mail := c.nextEmail()
	code := sixDigits.FindString(mail)
	if code == "" || !strings.Contains(mail, "Vouch Desk sign-in code") {
		t.Fatalf("sign-in email = %q, want the subject and a code", mail)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	c.refused("POST", "auth/session", "", map[string]string{"handle": h.Handle, "code": wrong}, 401, "code_wrong")
	c.refused("POST", "auth/session", "", map[string]string{"handle": "not-a-handle", "code": code}, 401, "code_wrong")
	var in agents.SignedIn
	if got := c.api("POST", "auth/session", "", map[string]string{"handle": h.Handle, "code": code, "device": "Olive's laptop"}, &in); got != 200 ||
		!strings.HasPrefix(in.Token, agents.TokenPrefix) || in.Agent.Role != store.RoleOwner || in.Session.Device != "Olive's laptop" {
		t.Fatalf("POST auth/session = %d %+v, want 200, a token, the owner and the device", got, in)
	}
	var me agents.Me
	if got := c.api("GET", "me", in.Token, nil, &me); got != 200 || me.Agent.Email != "olive@acme.test" || me.Organization.Name != "Acme" {
		t.Errorf("GET me = %d %+v, want olive of Acme", got, me)
	}
	// A code works once.
	c.refused("POST", "auth/session", "", map[string]string{"handle": h.Handle, "code": code}, 401, "code_wrong")

	// Nothing tells an outsider who is an agent: an unknown address gets a handle too, and no email.
	before := len(c.smtp.Received())
	var h2 struct{ Handle string }
	if got := c.api("POST", "auth/code", "", map[string]string{"email": "stranger@acme.test"}, &h2); got != 200 || h2.Handle == "" {
		t.Errorf("POST auth/code for an unknown address = %d %+v, want 200 and a handle", got, h2)
	}
	c.refused("POST", "auth/session", "", map[string]string{"handle": h2.Handle, "code": "123456"}, 401, "code_wrong")
	if log, _ := c.e.Outbox().Log(context.Background(), c.ws.Organization.ID, 50); countKind(log, "agent_code") != 1 {
		t.Errorf("agent codes queued = %d, want only olive's", countKind(log, "agent_code"))
	}
	if after := len(c.smtp.Received()); after != before {
		t.Errorf("%d emails went out for an unknown address", after-before)
	}
	// The token's hash only is stored.
	if n := c.count(`SELECT count(*) FROM agent_sessions WHERE token_hash = ?`, token.Hash(in.Token)); n != 1 {
		t.Errorf("sessions with the token's hash = %d, want 1", n)
	}
}

func countKind(log []store.OutboxMessage, kind string) int {
	n := 0
	for _, m := range log {
		if m.Kind == kind {
			n++
		}
	}
	return n
}

// TestAgentAPIInvitationsRolesAndDeactivation: an owner invites an agent by email; the link signs
// the new agent in once; the agent's role is checked on the server; promoted, they see admin
// pages; deactivated, their session ends at once and they cannot sign in again.
func TestAgentAPIInvitationsRolesAndDeactivation(t *testing.T) {
	c := newTeamEnv(t)
	owner := c.signIn("olive@acme.test", "desk").Token

	var inv agents.Invitation
	if got := c.api("POST", "invitations", owner, map[string]string{"email": "Ana@Example.com", "role": "agent"}, &inv); got != 200 || inv.Email != "Ana@Example.com" {
		t.Fatalf("POST invitations = %d %+v", got, inv)
	}
	link := c.nextLink(agents.InvitationPath)
	tok := link[strings.Index(link, "#")+1:]
	c.refused("POST", "auth/invitation", "", map[string]string{"token": tok, "name": ""}, 400, "invalid_input")
	var ana agents.SignedIn
	if got := c.api("POST", "auth/invitation", "", map[string]string{"token": tok, "name": "Ana", "device": "Ana's laptop"}, &ana); got != 200 ||
		ana.Agent.Role != store.RoleAgent || ana.Agent.Email != "ana@example.com" {
		t.Fatalf("POST auth/invitation = %d %+v, want Ana, an agent", got, ana)
	}
	c.refused("POST", "auth/invitation", "", map[string]string{"token": tok, "name": "Mallory"}, 410, "invitation_unusable")

	// Role checks on the server, for the accounts and for the desktop's own settings.
	c.refused("POST", "invitations", ana.Token, map[string]string{"email": "eve@example.com", "role": "agent"}, 403, "forbidden")
	c.refused("GET", "invitations", ana.Token, nil, 403, "forbidden")
	c.refused("PATCH", "agents/"+ana.Agent.ID, ana.Token, map[string]string{"role": "admin"}, 403, "forbidden")
	c.refused("PUT", "settings/regulatory", ana.Token, map[string]any{"doubleOptIn": false, "consentText": ""}, 403, "forbidden")
	if got := c.api("GET", "conversations", ana.Token, nil, nil); got != 200 {
		t.Errorf("an agent's GET conversations = %d, want 200", got)
	}
	var list []agents.Agent
	if c.api("GET", "agents", ana.Token, nil, &list); len(list) != 2 {
		t.Errorf("GET agents = %+v, want the owner and Ana", list)
	}

	// Promoted, Ana sees the invitations; only an owner makes an owner; the last owner stays one.
	var promoted agents.Agent
	if got := c.api("PATCH", "agents/"+ana.Agent.ID, owner, map[string]string{"role": "admin"}, &promoted); got != 200 || promoted.Role != "admin" {
		t.Errorf("PATCH agents/ana admin = %d %+v", got, promoted)
	}
	if got := c.api("GET", "invitations", ana.Token, nil, nil); got != 200 {
		t.Errorf("an admin's GET invitations = %d, want 200", got)
	}
	c.refused("PATCH", "agents/"+c.ws.Me.ID, ana.Token, map[string]string{"role": "agent"}, 403, "forbidden")
	c.refused("PATCH", "agents/"+c.ws.Me.ID, owner, map[string]string{"role": "agent"}, 409, "last_owner")
	c.refused("POST", "agents/"+c.ws.Me.ID+"/deactivate", owner, nil, 400, "invalid_input")

	// Ana, an admin now, invites someone; deactivated, her session ends at once, no code signs
	// her in again, and the link she sent no longer makes an account.
	c.seen = len(c.smtp.Received())
	if got := c.api("POST", "invitations", ana.Token, map[string]string{"email": "eve@example.com", "role": "admin"}, nil); got != 200 {
		t.Fatalf("Ana's invitation = %d", got)
	}
	eveLink := c.nextLink(agents.InvitationPath)
	if got := c.api("POST", "agents/"+ana.Agent.ID+"/deactivate", owner, nil, nil); got != 204 {
		t.Fatalf("POST agents/ana/deactivate = %d, want 204", got)
	}
	c.refused("POST", "auth/invitation", "", map[string]string{"token": eveLink[strings.Index(eveLink, "#")+1:], "name": "Eve"},
		410, "invitation_unusable")
	c.refused("GET", "me", ana.Token, nil, 401, "unauthenticated")
	var h struct{ Handle string }
	c.api("POST", "auth/code", "", map[string]string{"email": "ana@example.com"}, &h)
	if log, _ := c.e.Outbox().Log(context.Background(), c.ws.Organization.ID, 50); countKind(log, "agent_code") != 1 {
		t.Errorf("a deactivated agent was sent a code (%d agent codes queued, want the owner's only)", countKind(log, "agent_code"))
	}
}

// TestAgentAPISessions: an agent lists their sessions and ends one; signing out ends the current
// one; an ended session is refused at once.
func TestAgentAPISessions(t *testing.T) {
	c := newTeamEnv(t)
	laptop := c.signIn("olive@acme.test", "laptop")
	desk := c.signIn("olive@acme.test", "desk")
	var list []agents.Session
	if got := c.api("GET", "sessions", desk.Token, nil, &list); got != 200 || len(list) != 2 {
		t.Fatalf("GET sessions = %d %+v, want both", got, list)
	}
	for _, s := range list {
		if s.Current != (s.ID == desk.Session.ID) {
			t.Errorf("session %s current = %v", s.Device, s.Current)
		}
	}
	if got := c.api("DELETE", "sessions/"+laptop.Session.ID, desk.Token, nil, nil); got != 204 {
		t.Errorf("DELETE sessions/laptop = %d, want 204", got)
	}
	c.refused("GET", "me", laptop.Token, nil, 401, "unauthenticated")
	c.refused("DELETE", "sessions/"+laptop.Session.ID, desk.Token, nil, 404, "not_found")
	if got := c.api("DELETE", "session", desk.Token, nil, nil); got != 204 {
		t.Errorf("DELETE session = %d, want 204", got)
	}
	c.refused("GET", "conversations", desk.Token, nil, 401, "unauthenticated")
}

// TestAgentAPIOtherOrganizationsDataIsOutOfReach: an agent of another organization on the same
// server reads and changes nothing of Acme's, whatever ids they send.
func TestAgentAPIOtherOrganizationsDataIsOutOfReach(t *testing.T) {
	c := newTeamEnv(t)
	ctx := context.Background()
	owner := c.signIn("olive@acme.test", "desk")
	// Acme's data: a chat with a customer, the owner's reply, an invitation.
	s := c.start("ada@example.com", "")
	if got := c.api("POST", "conversations/"+s.Conversation+"/messages", owner.Token, map[string]string{"body": "Hello Ada"}, nil); got != 200 {
		t.Fatalf("owner's reply = %d", got)
	}
	var inv agents.Invitation
	c.api("POST", "invitations", owner.Token, map[string]string{"email": "ana@example.com", "role": "agent"}, &inv)
	var detail struct {
		Contact *struct {
			ID string `json:"id"`
		} `json:"contact"`
	}
	c.api("GET", "conversations/"+s.Conversation, owner.Token, nil, &detail)

	// Globex, on the same server, with its owner signed in (a session made in the store: Globex
	// has no sender email to mail a code from).
	now := c.e.Now()
	globex := store.Organization{ID: store.NewID(), Name: "Globex", CreatedAt: now, UpdatedAt: now}
	gus := store.User{ID: store.NewID(), OrgID: globex.ID, Name: "Gus", Email: "gus@globex.test", Role: store.RoleOwner, CreatedAt: now}
	plain, _ := token.NewLink()
	plain = agents.TokenPrefix + plain
	if err := c.e.Store().Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertOrganization(globex); err != nil {
			return err
		}
		if err := tx.InsertUser(gus); err != nil {
			return err
		}
		return tx.InsertAgentSession(store.AgentSession{ID: store.NewID(), OrgID: globex.ID, UserID: gus.ID, Method: store.SessionByEmailCode,
			CreatedAt: now, LastSeenAt: now}, token.Hash(plain))
	}); err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	if got := c.api("GET", "conversations", plain, nil, &list); got != 200 || len(list) != 0 {
		t.Errorf("Globex's GET conversations = %d, %d conversations, want none of Acme's", got, len(list))
	}
	conv := "conversations/" + s.Conversation
	var fieldID string
	if detail.Contact != nil {
		var cd struct {
			Fields []struct {
				ID string `json:"id"`
			} `json:"fields"`
		}
		c.api("GET", "contacts/"+detail.Contact.ID, owner.Token, nil, &cd)
		if len(cd.Fields) > 0 {
			fieldID = cd.Fields[0].ID
		}
	}
	inbox := "inboxes/" + c.inboxID()
	for _, r := range []struct {
		method, path string
		in           any
	}{
		{"GET", conv, nil}, {"GET", conv + "/messages", nil}, {"POST", conv + "/end", nil}, {"POST", conv + "/send-code", nil},
		{"POST", conv + "/send-link", nil}, {"POST", conv + "/read", nil}, {"POST", conv + "/request-email", nil},
		{"PUT", conv + "/email", map[string]string{"email": "mallory@example.com"}},
		{"POST", conv + "/mark-verified", map[string]string{"email": "ada@example.com"}},
		{"GET", conv + "/transcript", nil}, {"GET", conv + "/transcript/sendings", nil}, {"POST", conv + "/transcript/resend", nil},
		{"DELETE", "fields/" + fieldID + "/verification", nil}, {"POST", "merges/" + s.Conversation + "/undo", nil},
		{"PUT", inbox + "/toggles/transcriptAfter", map[string]bool{"on": false}}, {"PUT", inbox + "/idle-end", map[string]int{"minutes": 5}},
		{"DELETE", "sessions/" + owner.Session.ID, nil}, {"PATCH", "agents/" + c.ws.Me.ID, map[string]string{"role": "agent"}},
		{"POST", "agents/" + c.ws.Me.ID + "/deactivate", nil}, {"DELETE", "invitations/" + inv.ID, nil},
		{"GET", "sessions?agent=" + c.ws.Me.ID, nil},
	} {
		in := r.in
		var e apiError
		got := c.api(r.method, r.path, plain, in, &e)
		if got != 404 {
			t.Errorf("Globex's %s %s = %d %+v, want 404", r.method, r.path, got, e.Error)
		}
	}
	if got := c.api("POST", conv+"/messages", plain, map[string]string{"body": "from Globex"}, nil); got != 404 {
		t.Errorf("Globex's reply into Acme's chat = %d, want 404", got)
	}
	if detail.Contact != nil {
		if got := c.api("GET", "contacts/"+detail.Contact.ID, plain, nil, nil); got != 404 {
			t.Errorf("Globex's GET of Acme's contact = %d, want 404", got)
		}
	}
	var found struct {
		Contacts []any `json:"contacts"`
	}
	c.api("GET", "contacts?q=ada", plain, nil, &found)
	if len(found.Contacts) != 0 {
		t.Errorf("Globex's contact search found %d of Acme's", len(found.Contacts))
	}
	// Acme's side is untouched: the owner's session works, the chat has no message from Globex.
	if got := c.api("GET", "me", owner.Token, nil, nil); got != 200 {
		t.Errorf("Acme's owner after Globex's tries: GET me = %d", got)
	}
	if n := c.count(`SELECT count(*) FROM messages WHERE body = 'from Globex'`); n != 0 {
		t.Errorf("%d messages from Globex were stored", n)
	}
}

// TestAgentAPIBadInput: clear errors with stable codes, nothing written.
func TestAgentAPIBadInput(t *testing.T) {
	c := newTeamEnv(t)
	owner := c.signIn("olive@acme.test", "desk").Token
	c.refused("GET", "me", "", nil, 401, "unauthenticated")
	c.refused("GET", "me", "vds_nonsense", nil, 401, "unauthenticated")
	c.refused("GET", "me", owner+"x", nil, 401, "unauthenticated")
	c.refused("GET", "no/such/call", owner, nil, 404, "no_such_call")
	c.refused("POST", "invitations", owner, map[string]string{"email": "ana@example.com", "role": "agent", "rol": "x"}, 400, "invalid_input")
	c.refused("POST", "invitations", owner, map[string]string{"email": "not an address", "role": "agent"}, 400, "invalid_email")
	c.refused("POST", "invitations", owner, map[string]string{"email": "ana@example.com", "role": "owner"}, 400, "invalid_input")
	c.refused("POST", "invitations", owner, map[string]string{"email": "olive@acme.test", "role": "agent"}, 409, "already_agent")
	c.refused("POST", "auth/session", "", map[string]string{"handle": "x", "code": "1", "device": strings.Repeat("d", 101)}, 400, "invalid_input")
	c.refused("PATCH", "agents/"+c.ws.Me.ID, owner, map[string]string{"role": "superuser"}, 400, "invalid_input")
	// Not JSON, or JSON and more.
	req, _ := http.NewRequest("POST", c.base+agentapi.Prefix+"invitations", strings.NewReader(`{"email":"a@b.c","role":"agent"} {}`))
	req.Header.Set("Authorization", "Bearer "+owner)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("two JSON objects = %d, want 400", resp.StatusCode)
	}
	if n := c.count(`SELECT count(*) FROM invitations`); n != 0 {
		t.Errorf("%d invitations were written by refused requests", n)
	}
}

// TestAgentAPIFeedRebuildsTheOrganization: a replica built as a desktop builds one (the cursor,
// a snapshot of every table in pages, then the changes after the cursor, with more chats going on
// meanwhile) holds exactly the server's rows at the end, without the withheld columns and without
// the tables that never leave the server.
func TestAgentAPIFeedRebuildsTheOrganization(t *testing.T) {
	c := newTeamEnv(t)
	owner := c.signIn("olive@acme.test", "desk").Token
	chatWith := func(email string) {
		t.Helper()
		s := c.start(email, "")
		if got := c.api("POST", "conversations/"+s.Conversation+"/messages", owner, map[string]string{"body": "Hi " + email}, nil); got != 200 {
			t.Fatalf("reply = %d", got)
		}
	}
	chatWith("ada@example.com")

	var tables map[string][]string
	if got := c.api("GET", "feed/tables", owner, nil, &tables); got != 200 || len(tables) == 0 {
		t.Fatalf("GET feed/tables = %d %v", got, tables)
	}
	if _, ok := tables["challenges"]; ok {
		t.Error("challenges (code hashes) are in the feed")
	}
	c.refused("GET", "feed/tables/challenges", owner, nil, 400, "invalid_input")
	c.refused("GET", "feed/tables/agent_sessions", owner, nil, 400, "invalid_input")

	var cur struct{ Cursor int64 }
	c.api("GET", "feed/cursor", owner, nil, &cur)
	replica := map[string]map[string]map[string]any{}
	snapshot := func(table, after, to string) {
		for {
			var page struct {
				Rows []map[string]any
				Next string
			}
			path := "feed/tables/" + table + "?limit=2&after=" + after
			if to != "" {
				path += "&to=" + to
			}
			if got := c.api("GET", path, owner, nil, &page); got != 200 {
				t.Fatalf("GET %s = %d", path, got)
			}
			for _, r := range page.Rows {
				if replica[table] == nil {
					replica[table] = map[string]map[string]any{}
				}
				replica[table][r["id"].(string)] = r
			}
			if page.Next == "" {
				return
			}
			after = page.Next
		}
	}
	for table := range tables {
		snapshot(table, "", "")
	}
	chatWith("ben@example.com") // after the cursor: arrives through the changes
	for cursor, more := cur.Cursor, true; more; {
		var page struct {
			Changes []struct {
				Entity, ID, Op, RangeTo string
				Row                     map[string]any
			}
			Cursor int64
			More   bool
		}
		if got := c.api("GET", "feed/changes?limit=3&after="+strconv.FormatInt(cursor, 10), owner, nil, &page); got != 200 {
			t.Fatalf("GET feed/changes = %d", got)
		}
		for _, ch := range page.Changes {
			switch {
			case ch.RangeTo != "":
				snapshot(ch.Entity, "", ch.RangeTo)
			case ch.Op == "delete":
				delete(replica[ch.Entity], ch.ID)
			default:
				if replica[ch.Entity] == nil {
					replica[ch.Entity] = map[string]map[string]any{}
				}
				replica[ch.Entity][ch.ID] = ch.Row
			}
		}
		cursor, more = page.Cursor, page.More
	}
	// The server's rows now, read the same way in one go.
	for table, withheld := range tables {
		want := map[string]map[string]any{}
		var page struct{ Rows []map[string]any }
		c.api("GET", "feed/tables/"+table, owner, nil, &page)
		for _, r := range page.Rows {
			want[r["id"].(string)] = r
			for _, col := range withheld {
				if _, ok := r[col]; ok {
					t.Errorf("%s row carries the withheld column %s", table, col)
				}
			}
		}
		if len(want) != len(replica[table]) {
			t.Errorf("%s: the replica has %d rows, the server %d", table, len(replica[table]), len(want))
		}
		for id, w := range want {
			if got := replica[table][id]; fmt.Sprint(got) != fmt.Sprint(w) {
				t.Errorf("%s %s: replica %v, server %v", table, id, got, w)
			}
		}
	}
	if n := len(replica["messages"]); n < 2 {
		t.Errorf("the replica holds %d messages, want both chats' replies", n)
	}
}

// TestAgentAPIFeedWaitsForChanges: a long poll returns as soon as something changes, and a
// session revoked while it waits is answered 401.
func TestAgentAPIFeedWaitsForChanges(t *testing.T) {
	c := newTeamEnv(t)
	me := c.signIn("olive@acme.test", "desk")
	var cur struct{ Cursor int64 }
	c.api("GET", "feed/cursor", me.Token, nil, &cur)
	done := make(chan int, 1)
	var page struct {
		Changes []struct{ Entity string }
	}
	go func() {
		done <- c.api("GET", "feed/changes?wait=20&after="+strconv.FormatInt(cur.Cursor, 10), me.Token, nil, &page)
	}()
	time.Sleep(300 * time.Millisecond)
	c.start("ada@example.com", "")
	select {
	case got := <-done:
		if got != 200 || len(page.Changes) == 0 {
			t.Errorf("the long poll = %d with %d changes, want the new chat", got, len(page.Changes))
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the long poll did not return after a change")
	}
	// Revoked while waiting: refused (the wait looks at its session every few seconds).
	c.api("GET", "feed/cursor", me.Token, nil, &cur)
	go func() {
		done <- c.api("GET", "feed/changes?wait=20&after="+strconv.FormatInt(cur.Cursor, 10), me.Token, nil, nil)
	}()
	time.Sleep(300 * time.Millisecond)
	if err := c.e.Store().Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.RevokeAgentSession(c.ws.Organization.ID, me.Session.ID, c.ws.Me.ID, "test", time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-done:
		if got != 401 {
			t.Errorf("a long poll whose session was revoked = %d, want 401", got)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the long poll went on after its session was revoked")
	}
}

// TestAgentAPIFeedLongPollEndsAtShutdown: a server shutting down answers its long polls at once
// with nothing new, instead of holding the shutdown until each wait runs out.
func TestAgentAPIFeedLongPollEndsAtShutdown(t *testing.T) {
	c := newTeamEnv(t)
	me := c.signIn("olive@acme.test", "desk")
	var cur struct{ Cursor int64 }
	c.api("GET", "feed/cursor", me.Token, nil, &cur)
	done := make(chan int, 1)
	var page struct {
		Changes []any
		Cursor  int64
	}
	go func() {
		done <- c.api("GET", "feed/changes?wait=25&after="+strconv.FormatInt(cur.Cursor, 10), me.Token, nil, &page)
	}()
	time.Sleep(300 * time.Millisecond)
	// The shutdown's deadline is shorter than the wait: it is met only if the poll ends first.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := c.e.Close(ctx); err != nil {
		t.Fatalf("Close with a long poll waiting = %v, want it done before the wait ran out", err)
	}
	if got := <-done; got != 200 || len(page.Changes) != 0 || page.Cursor != cur.Cursor {
		t.Errorf("the long poll at shutdown = %d %+v, want 200, nothing new, the same cursor", got, page)
	}
}

// TestAgentAPIGoogleSignin: with the organization's Google client id set, an agent signs a desktop
// in with a Google ID token for their address, once per token; a token for an address that is no
// agent's, for another client id, or with an address Google did not verify signs nobody in.
func TestAgentAPIGoogleSignin(t *testing.T) {
	iss := googletest.Start(t)
	c := newTeamEnvWith(t, envOptions{googleIssuer: iss.URL(), signin: true, googleClientID: acmeClientID})
	good := iss.Claims(acmeClientID, time.Now())
	good["email"] = "Olive@Acme.test"
	tok := iss.Sign(good)
	var in agents.SignedIn
	if got := c.api("POST", "auth/google", "", map[string]string{"credential": tok, "device": "laptop"}, &in); got != 200 ||
		in.Session.Method != store.SessionByGoogle || in.Agent.Email != "olive@acme.test" {
		t.Fatalf("POST auth/google = %d %+v, want olive signed in by Google", got, in)
	}
	if got := c.api("GET", "me", in.Token, nil, nil); got != 200 {
		t.Errorf("GET me with the Google session = %d", got)
	}
	c.refused("POST", "auth/google", "", map[string]string{"credential": tok}, 409, "google_token_used")

	stranger := iss.Claims(acmeClientID, time.Now()) // ada@example.com: a customer, not an agent
	c.refused("POST", "auth/google", "", map[string]string{"credential": iss.Sign(stranger)}, 401, "google_token_invalid")
	other := iss.Claims("999-other.apps.googleusercontent.com", time.Now())
	other["email"] = "olive@acme.test"
	c.refused("POST", "auth/google", "", map[string]string{"credential": iss.Sign(other)}, 401, "google_token_invalid")
	unverified := iss.Claims(acmeClientID, time.Now())
	unverified["email"], unverified["email_verified"] = "olive@acme.test", false
	c.refused("POST", "auth/google", "", map[string]string{"credential": iss.Sign(unverified)}, 403, "google_email_unverified")
	if n := c.count(`SELECT count(*) FROM agent_sessions`); n != 1 {
		t.Errorf("%d sessions, want the one", n)
	}
}
