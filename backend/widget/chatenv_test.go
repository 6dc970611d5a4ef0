package widget_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/org"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/senders"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/verify"
	"vouchdesk/backend/widget"
)

// chatEnv is the widget API on a real SQLite file, served over loopback by httptest, with an
// organization that has a verified sender email (so codes can be sent; the emails stay in the
// outbox, where the test reads them).
type chatEnv struct {
	t      testing.TB
	st     *store.Store
	ws     org.Workspace
	clock  *testutil.Clock
	chat   *chat.Service
	verify *verify.Service
	srv    *httptest.Server
	deps   *widget.ChatDeps
	inbox  string
}

func newChatEnv(t testing.TB, limits widget.Limits) *chatEnv {
	t.Helper()
	ctx := context.Background()
	st := testutil.NewStore(t)
	clk := testutil.NewClock(time.Now().UTC())
	ws, err := org.New(st, clk.Now).Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive Owner", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	public := func() string { return "http://public.example" }
	snd := senders.New(st, clk.Now, public, nil)
	if _, err := snd.Set(ctx, ws.Me, ws.Organization, "support@acme.test"); err != nil {
		t.Fatal(err)
	}
	log, err := st.OutboxLog(ctx, ws.Organization.ID, 1)
	if err != nil || len(log) == 0 {
		t.Fatal("no sender verification email", err)
	}
	tok := regexp.MustCompile(`/verify/sender/([A-Za-z0-9_-]{43})`).FindStringSubmatch(sentText(t, st, log[0]))
	if _, err := snd.Verify(ctx, tok[1], "link"); err != nil {
		t.Fatal(err)
	}
	c := chat.New(st, clk.Now, chat.NewHub())
	v := verify.New(st, clk.Now, public, c)
	deps := &widget.ChatDeps{Chat: c, Verify: v, Log: testLogger(t), Limits: limits}
	srv := httptest.NewServer(widget.NewHandler(widget.Deps{Version: "t", DB: st, Chat: deps}))
	t.Cleanup(srv.Close)
	inboxes, err := st.InboxesByOrg(ctx, ws.Organization.ID)
	if err != nil || len(inboxes) == 0 {
		t.Fatal("no inbox", err)
	}
	return &chatEnv{t: t, st: st, ws: ws, clock: clk, chat: c, verify: v, srv: srv, deps: deps, inbox: inboxes[0].ID}
}

// call sends a JSON request and decodes the JSON answer into a map.
func (e *chatEnv) call(method, path, session string, in any) (*http.Response, map[string]any) {
	e.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://shop.example")
	if session != "" {
		req.Header.Set("Authorization", "Bearer "+session)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	json.NewDecoder(res.Body).Decode(&out)
	return res, out
}

// start opens a session and returns the answer.
func (e *chatEnv) start(fields map[string]any) map[string]any {
	e.t.Helper()
	in := map[string]any{"inbox": e.inbox, "name": "Ada"}
	for k, v := range fields {
		in[k] = v
	}
	res, out := e.call("POST", "/api/widget/v1/sessions", "", in)
	if res.StatusCode != 201 {
		e.t.Fatalf("POST /sessions = %d %v", res.StatusCode, out)
	}
	return out
}

// lastCode returns the code in the newest email of the outbox.
func (e *chatEnv) lastCode() string {
	e.t.Helper()
	log, err := e.st.OutboxLog(context.Background(), e.ws.Organization.ID, 1)
	if err != nil || len(log) == 0 {
		e.t.Fatal("no email", err)
	}
	text := sentText(e.t, e.st, log[0])
	m := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(text)
	if m == nil {
		e.t.Fatalf("no code in %q", text)
	}
	return m[1]
}

// sentText is the plain-text body of a queued email as it goes out: the stored copy has its code
// or link hidden, the sealed copy (opened with the test store's key) has it.
func sentText(t testing.TB, st *store.Store, m store.OutboxMessage) string {
	t.Helper()
	m, reason := outbox.Reveal(st.Sealer(), m)
	if reason != "" {
		t.Fatalf("Reveal(%s) = %q", m.Kind, reason)
	}
	return m.BodyText
}

func errCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// testLogger sends the server's log to the test's output, shown when a test fails.
func testLogger(t testing.TB) *slog.Logger { return slog.New(slog.NewTextHandler(t.Output(), nil)) }
