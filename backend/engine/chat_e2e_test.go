package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/org"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/verify"
)

// chatEnv is a running engine with a verified sender, an in-process SMTP server and the widget
// API on loopback (newEnv, env_test.go).
type chatEnv struct {
	t    *testing.T
	e    *engine.Engine
	ws   org.Workspace
	smtp *testutil.SMTPServer
	base string
	path string // the SQLite file
	seen int    // emails already looked at
}

func newChatEnv(t *testing.T, doubleOptIn bool) *chatEnv {
	t.Helper()
	return newEnv(t, envOptions{doubleOptIn: doubleOptIn})
}

// nextEmail waits for the next email and returns its text.
func (c *chatEnv) nextEmail() string {
	c.t.Helper()
	got := c.smtp.WaitFor(c.seen+1, 10*time.Second)
	if len(got) <= c.seen {
		c.t.Fatalf("no email #%d arrived; outbox %+v", c.seen+1, c.e.Outbox().Status())
	}
	c.seen++
	return string(got[c.seen-1].Data)
}

var linkRE = regexp.MustCompile(`http://[^\s"<>]+`)

func (c *chatEnv) nextLink(path string) string {
	c.t.Helper()
	body := c.nextEmail()
	for _, l := range linkRE.FindAllString(strings.ReplaceAll(body, "=\r\n", ""), -1) {
		if strings.Contains(l, path) {
			return strings.TrimRight(l, ".")
		}
	}
	c.t.Fatalf("no %s link in:\n%s", path, body)
	return ""
}

func (c *chatEnv) call(method, path, session string, in any, out any) int {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, body)
	req.Header.Set("Content-Type", "application/json")
	if session != "" {
		req.Header.Set("Authorization", "Bearer "+session)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

type sessionAnswer struct {
	Session          string `json:"session"`
	Conversation     string `json:"conversation"`
	DeviceRecognized bool   `json:"deviceRecognized"`
	DeviceToken      string `json:"deviceToken"`
	State            struct {
		Verified bool   `json:"verified"`
		Email    string `json:"email"`
		Request  *struct {
			Kind string `json:"kind"`
		} `json:"request"`
	} `json:"state"`
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
}

func (c *chatEnv) inboxID() string {
	inboxes, err := c.e.Store().InboxesByOrg(context.Background(), c.ws.Organization.ID)
	if err != nil || len(inboxes) == 0 {
		c.t.Fatal("no inbox", err)
	}
	return inboxes[0].ID
}

func (c *chatEnv) start(email, device string) sessionAnswer {
	c.t.Helper()
	var a sessionAnswer
	if code := c.call("POST", "/api/widget/v1/sessions", "", map[string]any{"inbox": c.inboxID(), "name": "Ada <b>Lovelace</b>",
		"email": email, "deviceToken": device}, &a); code != 201 {
		c.t.Fatalf("POST /sessions = %d %+v", code, a)
	}
	return a
}

func (c *chatEnv) panel(conversationID string) verify.Panel {
	c.t.Helper()
	ctx := context.Background()
	conv, err := c.e.Store().ConversationByID(ctx, c.ws.Organization.ID, conversationID)
	if err != nil {
		c.t.Fatal(err)
	}
	p, err := c.e.Verify().Panel(ctx, conv)
	if err != nil {
		c.t.Fatal(err)
	}
	return p
}

// TestChatVerificationOutcomes walks the three outcomes and the ways to verify through the widget
// API, with the emails delivered over SMTP and the links opened over HTTP.
func TestChatVerificationOutcomes(t *testing.T) {
	c := newChatEnv(t, true)
	ctx := context.Background()

	// Outcome 1 with double opt-in: a new address makes a pending contact; nothing is linked yet.
	first := c.start("Ada@Example.com", "")
	if first.DeviceToken == "" || first.DeviceRecognized {
		t.Fatalf("a first visit gets a new device token: %+v", first)
	}
	if p := c.panel(first.Conversation); p.State != verify.PanelPending || p.Reason != verify.ReasonAwaitingOptIn {
		t.Fatalf("panel after a new email = %+v, want pending", p)
	}
	counts, _ := c.e.Store().CountsByOrg(ctx, c.ws.Organization.ID)
	if counts.Contacts != 0 || counts.PendingContacts != 1 {
		t.Errorf("counts = %+v, want the contact pending and not listed", counts)
	}
	// The confirmation link: GET shows a button and verifies nothing; POST confirms.
	confirm := c.nextLink("/confirm/")
	resp, _ := http.Get(confirm)
	resp.Body.Close()
	if p := c.panel(first.Conversation); p.State != verify.PanelPending {
		t.Fatalf("a GET of the link verified: %+v", p)
	}
	resp, err := http.PostForm(confirm, url.Values{})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST confirm = %v %v", resp, err)
	}
	resp.Body.Close()
	p := c.panel(first.Conversation)
	if p.State != verify.PanelVerified || p.Verification.Method != store.MethodDoubleOptIn || p.Contact.Status != store.ContactActive {
		t.Fatalf("panel after confirming = %+v, want verified by double opt-in", p)
	}
	if resp, _ := http.PostForm(confirm, url.Values{}); resp.StatusCode != 404 {
		t.Errorf("a used link answered %d, want 404", resp.StatusCode)
	}

	// Outcome 3: the same browser comes back with its device token: verified at once.
	back := c.start("ada@example.com", first.DeviceToken)
	if !back.DeviceRecognized || !back.State.Verified {
		t.Fatalf("return visit = %+v, want recognised and verified", back)
	}

	// Outcome 2: another browser (no token), or a forged one: preliminary, and why.
	for _, device := range []string{"", strings.Repeat("A", 43)} {
		other := c.start("ada@example.com", device)
		if other.DeviceRecognized || other.State.Verified {
			t.Fatalf("device %q = %+v, want unrecognised and unverified", device, other)
		}
		if p := c.panel(other.Conversation); p.State != verify.PanelPreliminary || p.Reason != verify.ReasonOtherDevice {
			t.Fatalf("panel on another device = %+v", p)
		}
	}

	// Code verification on that other browser: a wrong code costs an attempt, the right one verifies.
	other := c.start("ada@example.com", "")
	if err := c.e.Verify().SendCode(ctx, c.ws.Me, other.Conversation); err != nil {
		t.Fatal(err)
	}
	mail := c.nextEmail()
	code := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(mail)
	if code == nil {
		t.Fatalf("no code in %s", mail)
	}
	var wrong struct {
		AttemptsLeft int                   `json:"attemptsLeft"`
		Error        struct{ Code string } `json:"error"`
	}
	bad := "000000"
	if code[1] == bad {
		bad = "111111"
	}
	if st := c.call("POST", "/api/widget/v1/code", other.Session, map[string]string{"code": bad}, &wrong); st != 422 ||
		wrong.Error.Code != "code_wrong" || wrong.AttemptsLeft != 4 {
		t.Fatalf("wrong code = %d %+v", st, wrong)
	}
	var ok struct{ State struct{ Verified bool } }
	if st := c.call("POST", "/api/widget/v1/code", other.Session, map[string]string{"code": code[1]}, &ok); st != 200 || !ok.State.Verified {
		t.Fatalf("right code = %d %+v", st, ok)
	}
	if p := c.panel(other.Conversation); p.Verification.Method != store.MethodEmailOTP {
		t.Errorf("verified by %q, want email_otp", p.Verification.Method)
	}
	if st := c.call("POST", "/api/widget/v1/code", other.Session, map[string]string{"code": code[1]}, &wrong); st != 409 && st != 410 {
		t.Errorf("a used code answered %d", st)
	}

	// The agent's own judgement.
	third := c.start("ada@example.com", "")
	if err := c.e.Verify().MarkVerified(ctx, c.ws.Me, third.Conversation, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if p := c.panel(third.Conversation); p.State != verify.PanelVerified || verify.Label(p.Verification) != "Verified by Olive Owner" {
		t.Errorf("agent verification = %+v / %q", p, verify.Label(p.Verification))
	}

	// Link verification.
	fourth := c.start("ada@example.com", "")
	if err := c.e.Verify().SendLink(ctx, c.ws.Me, fourth.Conversation); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.PostForm(c.nextLink("/verify/email/"), url.Values{}); err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST link = %v %v", resp, err)
	}
	if p := c.panel(fourth.Conversation); p.Verification.Method != store.MethodEmailLink {
		t.Errorf("link verification = %+v", p)
	}
}

// TestChatMessagesLiveAndIdempotent: a message sent twice with one clientMsgId is stored once;
// a WebSocket that says hello with the newest id it has gets only newer messages, then live ones.
func TestChatMessagesLiveAndIdempotent(t *testing.T) {
	c := newChatEnv(t, false)
	ctx := context.Background()
	s := c.start("", "")
	var m1, m1again struct{ Message struct{ ID, Body string } }
	if st := c.call("POST", "/api/widget/v1/messages", s.Session, map[string]string{"clientMsgId": "c1", "body": "<img src=x onerror=alert(1)>"}, &m1); st != 201 {
		t.Fatalf("first send = %d", st)
	}
	if st := c.call("POST", "/api/widget/v1/messages", s.Session, map[string]string{"clientMsgId": "c1", "body": "<img src=x onerror=alert(1)>"}, &m1again); st != 200 || m1again.Message.ID != m1.Message.ID {
		t.Fatalf("resend = %d %+v, want 200 and the same message", st, m1again)
	}
	if m1.Message.Body != "<img src=x onerror=alert(1)>" {
		t.Errorf("body stored as %q, want it verbatim (rendered as text by clients)", m1.Message.Body)
	}
	if st := c.call("POST", "/api/widget/v1/messages", s.Session, map[string]string{"clientMsgId": "c2", "body": strings.Repeat("x", 4001)}, nil); st != 400 {
		t.Errorf("a 4,001-character message = %d, want 400", st)
	}
	if st := c.call("GET", "/api/widget/v1/conversation", strings.Repeat("B", 43), nil, nil); st != 401 {
		t.Errorf("an unknown session = %d, want 401", st)
	}

	wsURL := "ws://" + c.e.Addr() + "/api/widget/v1/live"
	conn, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.WriteJSON(map[string]string{"type": "hello", "session": s.Session, "after": m1.Message.ID})
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var ev struct {
		Type    string
		Message struct{ ID, Body, From string }
	}
	if err := conn.ReadJSON(&ev); err != nil || ev.Type != "ready" {
		t.Fatalf("first event = %+v %v, want ready", ev, err)
	}
	if _, err := c.e.Chat().AgentSays(ctx, c.ws.Me, s.Conversation, "Hello from the desk"); err != nil {
		t.Fatal(err)
	}
	for {
		ev = struct {
			Type    string
			Message struct{ ID, Body, From string }
		}{}
		if err := conn.ReadJSON(&ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type == "message" {
			break
		}
	}
	if ev.Message.ID == m1.Message.ID || ev.Message.Body != "Hello from the desk" || ev.Message.From != "agent" {
		t.Errorf("live event = %+v, want only the agent's new message", ev)
	}
	msgs, _ := c.e.Store().Messages(ctx, c.ws.Organization.ID, s.Conversation, "", 0)
	if len(msgs) != 2 {
		t.Errorf("stored messages = %d, want 2", len(msgs))
	}
}
