package engine_test

// Bad input and faults, through the widget HTTP API and WebSocket of a running engine (real
// SQLite file, in-process SMTP server), as a customer's browser would meet them:
//
//   - markup and very long input in names, emails and messages: stored and answered verbatim as
//     JSON text, refused over the documented sizes with the documented errors, and never
//     injected into the emails the system sends;
//   - device tokens that are forged, revoked or another organization's verify nothing;
//   - codes: single use, 10 minutes, 5 attempts, sends rate-limited per conversation and address;
//   - the answer to an email never tells whether a contact exists;
//   - a session reaches only its own conversation, and an ended one behaves as documented;
//   - flooding one session or one IP is throttled.
//
// Rendering as text in the browser is the clients' half: the widget's render.test.ts and the
// desktop's InboxView.test.ts / ConversationList.test.ts put the same markup through the DOM.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver, to revoke what no product path revokes yet
	"golang.org/x/net/html"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/verify"
)

// faultEnv is a chatEnv (chat_e2e_test.go) whose engine runs on a settable clock, with a side
// door to its SQLite file for what no product path does yet.
type faultEnv struct {
	*chatEnv
	clk      *testutil.Clock
	db       *testutil.RawDB
	requests int // API requests sent by do
}

// newFaultEnv is newChatEnv with engine.Config.Now set to a faultClock.
func newFaultEnv(t *testing.T, doubleOptIn bool) *faultEnv {
	t.Helper()
	clk := testutil.NewClock(time.Now().UTC().Truncate(time.Millisecond))
	return withDB(t, newEnv(t, envOptions{now: clk.Now, doubleOptIn: doubleOptIn}), clk)
}

// withDB is a faultEnv over c, whose engine runs on clk, with the side door to its database.
func withDB(t *testing.T, c *chatEnv, clk *testutil.Clock) *faultEnv {
	t.Helper()
	return &faultEnv{chatEnv: c, clk: clk, db: testutil.OpenRaw(t, c.path)}
}

// reply is one HTTP answer: status, headers, the raw body and the body decoded as JSON.
type reply struct {
	status int
	header http.Header
	raw    []byte
	json   map[string]any
}

func (r reply) errCode() string    { return r.errField("code") }
func (r reply) errMessage() string { return r.errField("message") }
func (r reply) errField(k string) string {
	e, _ := r.json["error"].(map[string]any)
	s, _ := e[k].(string)
	return s
}
func (r reply) state() map[string]any { s, _ := r.json["state"].(map[string]any); return s }
func (r reply) str(k string) string   { s, _ := r.json[k].(string); return s }

// do sends a request. in is a []byte sent as is, or a value encoded as a browser's
// JSON.stringify would (no HTML escaping).
func (f *faultEnv) do(method, path, session string, in any) reply {
	f.t.Helper()
	var body io.Reader
	switch v := in.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(v)
	default:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			f.t.Fatal(err)
		}
		body = &b
	}
	req, _ := http.NewRequest(method, f.base+path, body)
	req.Header.Set("Content-Type", "application/json")
	if session != "" {
		req.Header.Set("Authorization", "Bearer "+session)
	}
	f.requests++
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := reply{status: res.StatusCode, header: res.Header, raw: raw, json: map[string]any{}}
	json.Unmarshal(raw, &r.json)
	return r
}

// session posts /sessions to Acme's chat inbox with fields (inbox may be overridden).
func (f *faultEnv) session(fields map[string]any) reply {
	f.t.Helper()
	in := map[string]any{"inbox": f.inboxID()}
	for k, v := range fields {
		in[k] = v
	}
	return f.do("POST", "/api/widget/v1/sessions", "", in)
}

// mustSession is session that must answer 201.
func (f *faultEnv) mustSession(fields map[string]any) reply {
	f.t.Helper()
	r := f.session(fields)
	if r.status != 201 {
		f.t.Fatalf("POST /sessions %v = %d %s", fields, r.status, r.raw)
	}
	return r
}

// messages is GET /conversation's messages.
func (f *faultEnv) messages(session string) []map[string]any {
	f.t.Helper()
	r := f.do("GET", "/api/widget/v1/conversation", session, nil)
	if r.status != 200 {
		f.t.Fatalf("GET /conversation = %d %s", r.status, r.raw)
	}
	list, _ := r.json["messages"].([]any)
	out := make([]map[string]any, len(list))
	for i, m := range list {
		out[i], _ = m.(map[string]any)
	}
	return out
}

// count runs a count(*) query on the database file.
func (f *faultEnv) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRow(q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// codeFor is the newest code emailed in a conversation, read from the email as the SMTP server
// received it.
func (f *faultEnv) codeFor(conversationID string) string {
	f.t.Helper()
	log, err := f.e.Store().OutboxLog(context.Background(), f.ws.Organization.ID, 200)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, m := range log {
		if m.Kind == outbox.KindChatCode && m.ConversationID == conversationID {
			if code := regexp.MustCompile(`\b\d{6}\b`).FindString(f.deliveredText(m)); code != "" {
				return code
			}
		}
	}
	f.t.Fatalf("no code emailed in conversation %s", conversationID)
	return ""
}

// sendsTo counts the emails queued for a conversation.
func (f *faultEnv) sendsTo(conversationID string) int {
	f.t.Helper()
	return f.count(`SELECT count(*) FROM outbox WHERE conversation_id = ?`, conversationID)
}

func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func appCode(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	return ""
}

// changed is a token with its last character changed.
func changed(tok string) string {
	last := byte('A')
	if tok[len(tok)-1] == 'A' {
		last = 'B'
	}
	return tok[:len(tok)-1] + string(last)
}

// tokenHash is how the server keeps a token: its SHA-256 (docs/verification.md).
func tokenHash(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

func randomToken(t *testing.T) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// live opens the WebSocket and says hello.
func (f *faultEnv) live(session, after string) *websocket.Conn {
	f.t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+f.e.Addr()+"/api/widget/v1/live", nil)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { conn.Close() })
	if err := conn.WriteJSON(map[string]string{"type": "hello", "session": session, "after": after}); err != nil {
		f.t.Fatal(err)
	}
	return conn
}

// event reads the next server event (a missing one within 10 s is a failure).
func event(t *testing.T, conn *websocket.Conn) map[string]any {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var ev map[string]any
	if err := conn.ReadJSON(&ev); err != nil {
		t.Fatalf("reading a live event: %v", err)
	}
	return ev
}

// liveUntilMessage reads events until a message with this body, and returns all it read.
func liveUntilMessage(t *testing.T, conn *websocket.Conn, body string) []map[string]any {
	t.Helper()
	var evs []map[string]any
	for {
		ev := event(t, conn)
		evs = append(evs, ev)
		if m, _ := ev["message"].(map[string]any); ev["type"] == "message" && m["body"] == body {
			return evs
		}
	}
}

const markupMessage = "<script>alert('msg')</script>\n**bold** _em_ `code` [click](javascript:alert(1))\n" +
	"<img src=x onerror=alert(1)> &lt; &amp; \" ' MSGMARK"

const markupName = `<script>alert("name")</script> **Ada** _x_ [me](javascript:alert(2)) <img src=x onerror=alert(3)> &amp; NAMEMARK`

// TestFaultsInputSizesAndMarkup: names, emails and messages over the documented sizes are refused
// with the documented code, field and message, and create or store nothing; markup in a name and
// a message is kept and answered verbatim, as JSON text (never HTML), by every way it is read.
func TestFaultsInputSizesAndMarkup(t *testing.T) {
	f := newFaultEnv(t, false)
	ctx := context.Background()
	orgID := f.ws.Organization.ID

	if r := f.do("GET", "/api/widget/v1/inboxes/"+f.inboxID(), "", nil); r.status != 200 ||
		r.json["limits"].(map[string]any)["messageChars"] != float64(4000) {
		t.Fatalf("GET inbox = %d %s, want limits.messageChars 4000", r.status, r.raw)
	}

	// Refused at POST /sessions: nothing is created (no conversation, device or contact).
	created := func() [3]int {
		return [3]int{f.count(`SELECT count(*) FROM conversations`), f.count(`SELECT count(*) FROM devices`),
			f.count(`SELECT count(*) FROM contacts`)}
	}
	before := created()
	longEmail := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190) + ".example" // 263 > 254
	for _, c := range []struct {
		fields               map[string]any
		code, field, message string // message "": any
	}{
		{map[string]any{"name": strings.Repeat("é", 201)}, "invalid_name", "name", "A name can be at most 200 characters."},
		{map[string]any{"name": "Ada\x07"}, "invalid_name", "name", ""},
		{map[string]any{"name": "Ada", "email": longEmail}, "invalid_email", "email", ""},
		{map[string]any{"name": "Ada", "email": `"<script>alert(1)</script>"@example.com`}, "invalid_email", "email", ""},
		{map[string]any{"name": "Ada", "email": "<b>ada</b>@example.com"}, "invalid_email", "email", ""},
		{map[string]any{"name": strings.Repeat("x", 17<<10)}, "bad_request", "", ""}, // a body over 16 KiB
	} {
		r := f.session(c.fields)
		if r.status != 400 || r.errCode() != c.code || r.errField("field") != c.field || (c.message != "" && r.errMessage() != c.message) {
			t.Errorf("POST /sessions %.80v = %d %.300s, want 400 %s (field %q, %q)", c.fields, r.status, r.raw, c.code, c.field, c.message)
		}
	}
	if after := created(); after != before {
		t.Errorf("refused sessions created (conversations, devices, contacts) %v -> %v", before, after)
	}
	// The limits count characters: 200 of them, of any width, are a name.
	if r := f.session(map[string]any{"name": strings.Repeat("名", 200)}); r.status != 201 {
		t.Errorf("a 200-character name = %d %s, want 201", r.status, r.raw)
	}

	// Markup in a name: kept verbatim (the agent's desktop gets it as a string, the contact too).
	s := f.mustSession(map[string]any{"name": markupName, "email": "ada@example.com"})
	session, convID := s.str("session"), s.str("conversation")
	conv, err := f.e.Store().ConversationByID(ctx, orgID, convID)
	if err != nil || conv.VisitorName != markupName {
		t.Errorf("stored name = %q %v, want it verbatim", conv.VisitorName, err)
	}
	if p := f.panel(convID); p.Contact.Name != markupName {
		t.Errorf("contact name = %q, want it verbatim", p.Contact.Name)
	}
	// An over-long or markup email given later is refused and changes nothing.
	for _, bad := range []string{longEmail, `"<img src=x onerror=alert(1)>"@example.com`} {
		if r := f.do("POST", "/api/widget/v1/email", session, map[string]any{"email": bad}); r.status != 400 || r.errCode() != "invalid_email" ||
			r.errField("field") != "email" {
			t.Errorf("POST /email %.40q = %d %s, want 400 invalid_email", bad, r.status, r.raw)
		}
	}
	if r := f.do("GET", "/api/widget/v1/conversation", session, nil); r.state()["email"] != "ada@example.com" {
		t.Errorf("email after refused ones = %v, want ada@example.com", r.state()["email"])
	}

	// Messages over 4,000 characters are refused and not stored; the same clientMsgId is still free.
	stored := func() int {
		return f.count(`SELECT count(*) FROM messages WHERE conversation_id = ? AND sender_kind = 'customer'`, convID)
	}
	for _, c := range []struct {
		body, code, field, message string
	}{
		{strings.Repeat("x", 4001), "message_too_long", "body", "A message can be at most 4,000 characters."},
		{strings.Repeat("😀", 4001), "message_too_long", "body", "A message can be at most 4,000 characters."},
		{" \n\t ", "empty_message", "body", ""},
		{strings.Repeat("x", 17<<10), "bad_request", "", ""},
	} {
		r := f.do("POST", "/api/widget/v1/messages", session, map[string]string{"clientMsgId": "c-big", "body": c.body})
		if r.status != 400 || r.errCode() != c.code || r.errField("field") != c.field || (c.message != "" && r.errMessage() != c.message) {
			t.Errorf("a %d-byte message = %d %.300s, want 400 %s (field %q, %q)", len(c.body), r.status, r.raw, c.code, c.field, c.message)
		}
	}
	if n := stored(); n != 0 {
		t.Fatalf("refused messages stored: %d", n)
	}
	// Exactly 4,000 characters pass, whatever their width, and surrounding spaces are trimmed.
	for i, body := range []string{strings.Repeat("😀", 4000), "  \n" + strings.Repeat("x", 4000) + "\n  "} {
		r := f.do("POST", "/api/widget/v1/messages", session, map[string]string{"clientMsgId": "c-big" + strconv.Itoa(i), "body": body})
		if r.status != 201 {
			t.Fatalf("a 4,000-character message = %d %.300s, want 201", r.status, r.raw)
		}
		if got := r.json["message"].(map[string]any)["body"]; got != strings.TrimSpace(body) {
			t.Errorf("stored body has %d bytes, want the trimmed %d", len(got.(string)), len(strings.TrimSpace(body)))
		}
	}

	// Markup in a message: answered verbatim as a JSON string, by POST, GET, the live events and
	// to the agent; no answer is ever HTML.
	r := f.do("POST", "/api/widget/v1/messages", session, map[string]string{"clientMsgId": "c-markup", "body": markupMessage})
	if r.status != 201 || r.json["message"].(map[string]any)["body"] != markupMessage {
		t.Fatalf("POST markup = %d %s, want 201 and the body verbatim", r.status, r.raw)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("answer headers Content-Type %q, X-Content-Type-Options %q; want application/json and nosniff", ct, r.header.Get("X-Content-Type-Options"))
	}
	msgs := f.messages(session)
	if last := msgs[len(msgs)-1]; last["body"] != markupMessage || last["clientMsgId"] != "c-markup" || last["from"] != "customer" {
		t.Errorf("GET /conversation's last message = %v, want the markup verbatim", last)
	}
	conn := f.live(session, "")
	evs := liveUntilMessage(t, conn, markupMessage)
	if evs[0]["type"] != "ready" {
		t.Errorf("first live event = %v, want ready", evs[0])
	}
	agentSide, _ := f.e.Store().Messages(ctx, orgID, convID, "", 0)
	if len(agentSide) != 3 || agentSide[2].Body != markupMessage {
		t.Errorf("the agent's read of the conversation = %d messages, last %q; want 3, the markup verbatim", len(agentSide), agentSide[len(agentSide)-1].Body)
	}
}

// mailParts splits a received email into its text and HTML parts (transfer encodings undone).
func mailParts(t *testing.T, data []byte) (hdr mail.Header, text, htmlPart string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("Content-Type %q: want multipart (%v)", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // undoes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = p
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			r = base64.NewDecoder(base64.StdEncoding, p)
		}
		b, _ := io.ReadAll(r)
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch pt {
		case "text/plain":
			text = string(b)
		case "text/html":
			htmlPart = string(b)
		}
	}
	return msg.Header, text, htmlPart
}

// htmlShape parses an HTML part and checks that it holds only the templates' own elements and
// attributes (so nothing a customer typed became markup); it returns the text of every
// <strong> and of the whole document.
func htmlShape(t *testing.T, name, doc, base string) (strongs []string, allText string) {
	t.Helper()
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"html": true, "head": true, "body": true, "p": true, "strong": true, "a": true,
		"table": true, "tbody": true, "tr": true, "td": true}
	var text strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.ElementNode:
			if !allowed[n.Data] {
				t.Errorf("%s email: element <%s> in the HTML part", name, n.Data)
			}
			for _, a := range n.Attr {
				switch {
				case a.Key == "style":
				case a.Key == "href" && n.Data == "a" && strings.HasPrefix(a.Val, base+"/"):
				default:
					t.Errorf("%s email: attribute %s=%q on <%s>", name, a.Key, a.Val, n.Data)
				}
			}
			if n.Data == "strong" {
				var b strings.Builder
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type != html.TextNode {
						t.Errorf("%s email: markup inside <strong>", name)
					}
					b.WriteString(c.Data)
				}
				strongs = append(strongs, b.String())
			}
		case html.TextNode:
			text.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return strongs, text.String()
}

// TestFaultsEmailsCarryCustomerValuesOnlyAsText: the emails a chat sends (the double opt-in
// confirmation, a code, a link) to an address full of characters that mean something in HTML and
// Markdown, for a customer whose name is markup. The emails name the address and the name given
// (issue 13: the owner of the address must see who is chatting as them), and only as inert text:
// every HTML part parses to the templates' own elements, the address and the name come back as
// text nodes, no tag or scheme of the customer's survives in any part, and the customer's
// messages never reach an email.
func TestFaultsEmailsCarryCustomerValuesOnlyAsText(t *testing.T) {
	f := newFaultEnv(t, true)
	ctx := context.Background()
	addr := "o'brien&co*_x_*`x`#1+~{a}@example.com" // valid: every one of these is allowed in a local part
	s := f.mustSession(map[string]any{"name": markupName, "email": addr})
	if st := s.state(); st["email"] != addr || st["verified"] != false {
		t.Fatalf("state = %v, want the address verbatim, unverified", st)
	}
	convID := s.str("conversation")
	if r := f.do("POST", "/api/widget/v1/messages", s.str("session"), map[string]string{"clientMsgId": "m1", "body": markupMessage}); r.status != 201 {
		t.Fatalf("POST message = %d %s", r.status, r.raw)
	}
	if err := f.e.Verify().SendCode(ctx, f.ws.Me, convID); err != nil {
		t.Fatal(err)
	}
	if err := f.e.Verify().SendLink(ctx, f.ws.Me, convID); err != nil {
		t.Fatal(err)
	}
	got := f.smtp.WaitFor(f.seen+3, 20*time.Second)
	if len(got) < f.seen+3 {
		t.Fatalf("%d emails arrived, want 3 after the sender's; outbox %+v", len(got)-f.seen, f.e.Outbox().Status())
	}
	kinds := map[string]bool{}
	for _, r := range got[f.seen : f.seen+3] {
		hdr, text, htmlPart := mailParts(t, r.Data)
		subject, _ := new(mime.WordDecoder).DecodeHeader(hdr.Get("Subject"))
		kind := "code"
		switch {
		case strings.Contains(htmlPart, "/confirm/"):
			kind = "opt-in"
		case strings.Contains(htmlPart, "/verify/email/"):
			kind = "link"
		}
		kinds[kind] = true
		if len(r.To) != 1 || r.To[0] != addr {
			t.Errorf("%s email to %v, want %q", kind, r.To, addr)
		}
		for _, mark := range []string{"MSGMARK", "<script", "<img", "javascript:"} {
			if strings.Contains(string(r.Data), mark) || strings.Contains(text, mark) || strings.Contains(htmlPart, mark) || strings.Contains(subject, mark) {
				t.Errorf("%s email contains %q: the customer's markup or message reached it", kind, mark)
			}
		}
		if strings.Contains(subject, addr) {
			t.Errorf("%s email: the address is in the subject %q", kind, subject)
		}
		strongs, allText := htmlShape(t, kind, htmlPart, f.base)
		// The address as escaped text: in a <strong> of its own, never raw in the HTML source.
		if !slices.Contains(strongs, addr) {
			t.Errorf("%s email: <strong> texts %q, want one to be the address %q", kind, strongs, addr)
		}
		if strings.Contains(htmlPart, addr) {
			t.Errorf("%s email: the address is in the HTML part unescaped", kind)
		}
		if !strings.Contains(text, addr) {
			t.Errorf("%s email: the text part does not name the address", kind)
		}
		// The name given, inert: quoted, its tags and schemes broken, in both parts.
		inert := verify.InertName(markupName)
		if !strings.Contains(text, `"`+inert+`"`) || !strings.Contains(allText, "\u201c"+inert+"\u201d") {
			t.Errorf("%s email: the name is not shown inert as %q", kind, inert)
		}
	}
	f.seen += 3
	if len(kinds) != 3 {
		t.Errorf("emails were %v, want an opt-in confirmation, a code and a link", kinds)
	}
}

// secondOrg adds another organization with an owner and a chat inbox to the same database (the
// store holds several; the widget finds an inbox in any of them).
func (f *faultEnv) secondOrg() (store.User, string) {
	f.t.Helper()
	now := f.clk.Now()
	o := store.Organization{ID: store.NewID(), Name: "Globex", CreatedAt: now, UpdatedAt: now}
	u := store.User{ID: store.NewID(), OrgID: o.ID, Name: "Gus Globex", Email: "gus@globex.test", Role: store.RoleOwner, CreatedAt: now}
	in := store.Inbox{ID: store.NewID(), OrgID: o.ID, Kind: store.InboxChat, Name: "Globex chat", PrechatAskName: true,
		PrechatAskEmail: true, IdleEndMinutes: 30, CreatedAt: now, UpdatedAt: now}
	if err := f.e.Store().Write(context.Background(), func(tx *store.Tx) error {
		if err := tx.InsertOrganization(o); err != nil {
			return err
		}
		if err := tx.InsertUser(u); err != nil {
			return err
		}
		return tx.InsertInbox(in)
	}); err != nil {
		f.t.Fatal(err)
	}
	return u, in.ID
}

// TestFaultsDeviceTokensVerifyNothing: ada@example.com is verified on one browser of Acme. A
// forged token, a token of another kind, a revoked device, a device whose proof was revoked, and a
// device of another organization that proved the very same address there: each starts the chat
// unrecognised (or, for the revoked proof, recognised but unproven) and unverified, and the agent
// sees it preliminary. Device tokens do not expire (docs/verification.md: a token names a device
// until its storage is cleared or it is revoked; devices have no expiry column), so there is no
// expired token to test.
func TestFaultsDeviceTokensVerifyNothing(t *testing.T) {
	f := newFaultEnv(t, false)
	ctx := context.Background()
	const ada = "ada@example.com"
	prove := func(fields map[string]any, by store.User) reply {
		t.Helper()
		s := f.mustSession(fields)
		if err := f.e.Verify().MarkVerified(ctx, by, s.str("conversation"), fields["email"].(string)); err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := prove(map[string]any{"email": ada}, f.ws.Me)
	token := first.str("deviceToken")
	if back := f.mustSession(map[string]any{"email": ada, "deviceToken": token}); back.json["deviceRecognized"] != true || back.state()["verified"] != true {
		t.Fatalf("the proven browser coming back = %s, want recognised and verified", back.raw)
	}
	unverified := func(what string, s reply, recognized bool) {
		t.Helper()
		if s.json["deviceRecognized"] != recognized || s.state()["verified"] != false {
			t.Errorf("%s: session = %s, want deviceRecognized %v and unverified", what, s.raw, recognized)
		}
		if _, has := s.json["deviceToken"]; has == recognized {
			t.Errorf("%s: deviceToken given = %v, want a new one exactly when not recognised", what, has)
		}
		if p := f.panel(s.str("conversation")); p.State != verify.PanelPreliminary || p.Reason != verify.ReasonOtherDevice {
			t.Errorf("%s: agent's panel = %s / %q, want preliminary, %q", what, p.State, p.Reason, verify.ReasonOtherDevice)
		}
	}

	// Forged: random, and wrongly shaped; and a real token of another kind (a session token).
	for what, tok := range map[string]string{
		"a random token":            randomToken(t),
		"the token with one change": changed(token),
		"a too long token":          token + "A",
		"a session token":           first.str("session"),
		"markup":                    `<script>alert(1)</script>`,
	} {
		s := f.mustSession(map[string]any{"email": ada, "deviceToken": tok})
		unverified(what, s, false)
		if s.str("deviceToken") == tok || s.str("deviceToken") == token {
			t.Errorf("%s: the answer's device token is the one sent or the proven one", what)
		}
	}

	// Revoked. No product path revokes yet (issue 6: removing a verification, merging a contact);
	// the test sets revoked_at as the docs say those paths will.
	victim := prove(map[string]any{"email": ada}, f.ws.Me).str("deviceToken")
	revoke := func(q string, tok string) {
		t.Helper()
		res, err := f.db.Exec(q, f.clk.Now().UnixMilli(), tokenHash(tok))
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("revoking touched %d rows, want 1", n)
		}
	}
	revoke(`UPDATE devices SET revoked_at = ? WHERE token_hash = ?`, victim)
	unverified("a revoked device", f.mustSession(map[string]any{"email": ada, "deviceToken": victim}), false)
	unproven := prove(map[string]any{"email": ada}, f.ws.Me)
	revoke(`UPDATE device_proofs SET revoked_at = ? WHERE device_id = (SELECT id FROM devices WHERE token_hash = ?)`, unproven.str("deviceToken"))
	unverified("a device whose proof was revoked", f.mustSession(map[string]any{"email": ada, "deviceToken": unproven.str("deviceToken")}), true)

	// Another organization's device that proved the same address there.
	gus, globexInbox := f.secondOrg()
	theirs := prove(map[string]any{"inbox": globexInbox, "email": ada}, gus)
	theirToken := theirs.str("deviceToken")
	if back := f.mustSession(map[string]any{"inbox": globexInbox, "email": ada, "deviceToken": theirToken}); back.json["deviceRecognized"] != true ||
		back.state()["verified"] != true {
		t.Fatalf("Globex's proven browser at Globex = %s, want recognised and verified", back.raw)
	}
	s := f.mustSession(map[string]any{"email": ada, "deviceToken": theirToken})
	unverified("another organization's token", s, false)
	if s.str("deviceToken") == theirToken {
		t.Error("another organization's token was handed back as this one's")
	}
	// And the other way round.
	if s := f.mustSession(map[string]any{"inbox": globexInbox, "email": ada, "deviceToken": token}); s.json["deviceRecognized"] != false ||
		s.state()["verified"] != false {
		t.Errorf("Acme's proven token at Globex = %s, want unrecognised and unverified", s.raw)
	}
}

// TestFaultsCodeLimits: a code is single use, lives 10 minutes (on the engine's clock), allows 5
// attempts (then even the right one is refused), and the agent's sends are limited to 3 per
// conversation per 10 minutes and 5 per address per hour, answering rate_limited.
func TestFaultsCodeLimits(t *testing.T) {
	f := newFaultEnv(t, false)
	ctx := context.Background()
	chatWith := func(email string) (session, conv string) {
		s := f.mustSession(map[string]any{"email": email})
		return s.str("session"), s.str("conversation")
	}
	typeCode := func(session, code string) reply {
		t.Helper()
		return f.do("POST", "/api/widget/v1/code", session, map[string]string{"code": code})
	}
	send := func(conv string) {
		t.Helper()
		if err := f.e.Verify().SendCode(ctx, f.ws.Me, conv); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("single use", func(t *testing.T) {
		session, conv := chatWith("once@example.com")
		send(conv)
		code := f.codeFor(conv)
		if r := typeCode(session, code); r.status != 200 || r.state()["verified"] != true {
			t.Fatalf("the right code = %d %s, want verified", r.status, r.raw)
		}
		if r := typeCode(session, code); r.status != 410 || r.errCode() != "code_expired" {
			t.Errorf("the same code again = %d %s, want 410 code_expired", r.status, r.raw)
		}
		// The code is bound to its conversation: another chat of the same address cannot use it.
		other, _ := chatWith("once@example.com")
		if r := typeCode(other, code); r.status != 409 || r.errCode() != "no_code_pending" {
			t.Errorf("the code in another chat = %d %s, want 409 no_code_pending", r.status, r.raw)
		}
	})

	t.Run("expires after 10 minutes", func(t *testing.T) {
		inTime, convIn := chatWith("intime@example.com")
		send(convIn)
		f.clk.Advance(10*time.Minute - time.Millisecond)
		if r := typeCode(inTime, f.codeFor(convIn)); r.status != 200 || r.state()["verified"] != true {
			t.Fatalf("the right code just before 10 minutes = %d %s, want verified", r.status, r.raw)
		}
		late, convLate := chatWith("late@example.com")
		send(convLate)
		if r := f.do("GET", "/api/widget/v1/conversation", late, nil); r.state()["request"].(map[string]any)["kind"] != "code" {
			t.Fatalf("state with a live code = %v, want request code", r.state())
		}
		f.clk.Advance(10 * time.Minute)
		if r := typeCode(late, f.codeFor(convLate)); r.status != 410 || r.errCode() != "code_expired" {
			t.Errorf("the right code after 10 minutes = %d %s, want 410 code_expired", r.status, r.raw)
		}
		r := f.do("GET", "/api/widget/v1/conversation", late, nil)
		if st := r.state(); st["verified"] != false || st["request"] != nil {
			t.Errorf("state after the code expired = %v, want unverified and no request", st)
		}
	})

	t.Run("5 attempts", func(t *testing.T) {
		session, conv := chatWith("tries@example.com")
		send(conv)
		code := f.codeFor(conv)
		for i := 1; i <= 4; i++ {
			r := typeCode(session, wrongCode(code))
			if r.status != 422 || r.errCode() != "code_wrong" || r.json["attemptsLeft"] != float64(5-i) {
				t.Fatalf("wrong code #%d = %d %s, want 422 code_wrong with %d left", i, r.status, r.raw, 5-i)
			}
		}
		if r := typeCode(session, "not a code"); r.status != 410 || r.errCode() != "code_expired" {
			t.Fatalf("wrong code #5 = %d %s, want 410 code_expired", r.status, r.raw)
		}
		if r := typeCode(session, code); r.status != 410 || r.errCode() != "code_expired" {
			t.Errorf("the right code after 5 wrong ones = %d %s, want 410 code_expired", r.status, r.raw)
		}
		if r := f.do("GET", "/api/widget/v1/conversation", session, nil); r.state()["verified"] != false {
			t.Errorf("state = %v, want unverified", r.state())
		}
	})

	t.Run("sends are rate-limited", func(t *testing.T) {
		session, conv := chatWith("resend@example.com")
		for i := 1; i <= 3; i++ {
			send(conv)
		}
		// The 4th code in 10 minutes in one conversation (the address has had 3 of its 5).
		if err := f.e.Verify().SendCode(ctx, f.ws.Me, conv); appCode(err) != verify.CodeRateLimited {
			t.Fatalf("4th code in a conversation = %v, want rate_limited", err)
		}
		if n := f.sendsTo(conv); n != 3 {
			t.Errorf("emails queued = %d, want 3", n)
		}
		// The latest code still works for the customer: the refusal replaced nothing.
		if r := typeCode(session, f.codeFor(conv)); r.status != 200 || r.state()["verified"] != true {
			t.Errorf("the latest code after a refused send = %d %s, want verified", r.status, r.raw)
		}
		// Links count per conversation apart from codes, but toward the same address budget: 4th.
		if err := f.e.Verify().SendLink(ctx, f.ws.Me, conv); err != nil {
			t.Fatalf("a link after 3 codes = %v, want sent", err)
		}
		// Another conversation, same address: the 5th send passes, the 6th is the address's limit,
		// for codes and links alike, and moving past the conversation's 10 minutes does not help.
		_, conv2 := chatWith("Resend@Example.com")
		send(conv2)
		if err := f.e.Verify().SendCode(ctx, f.ws.Me, conv2); appCode(err) != verify.CodeRateLimited {
			t.Errorf("6th send to an address in an hour (a code) = %v, want rate_limited", err)
		}
		if err := f.e.Verify().SendLink(ctx, f.ws.Me, conv2); appCode(err) != verify.CodeRateLimited {
			t.Errorf("6th send to an address in an hour (a link) = %v, want rate_limited", err)
		}
		f.clk.Advance(10*time.Minute + time.Second)
		if err := f.e.Verify().SendCode(ctx, f.ws.Me, conv); appCode(err) != verify.CodeRateLimited {
			t.Errorf("a code 10 minutes later, address budget spent = %v, want rate_limited", err)
		}
		if n := f.sendsTo(conv) + f.sendsTo(conv2); n != 5 {
			t.Errorf("emails queued to the address = %d, want 5", n)
		}
		// Another address is not affected.
		_, conv3 := chatWith("other@example.com")
		send(conv3)
	})
}

// TestFaultsSubmitEmailRevealsNothing: a fresh browser gives an address that belongs to a
// verified contact, to an unverified contact, to a pending (double opt-in) contact, or to nobody.
// The widget's answers (POST /sessions with the email, POST /email, GET /conversation and the live
// ready event) are byte for byte the same once the values that differ by nature (the address
// echoed, the session, conversation and device tokens) are replaced.
func TestFaultsSubmitEmailRevealsNothing(t *testing.T) {
	f := newFaultEnv(t, true)
	ctx := context.Background()
	orgID := f.ws.Organization.ID
	setOptIn := func(on bool) {
		if err := f.e.Store().Write(ctx, func(tx *store.Tx) error { return tx.SetRegulatory(orgID, on, "", f.clk.Now()) }); err != nil {
			t.Fatal(err)
		}
	}
	// verified@: a contact verified (by the agent) on some other browser.
	v := f.mustSession(map[string]any{"email": "verified@example.com"})
	if err := f.e.Verify().MarkVerified(ctx, f.ws.Me, v.str("conversation"), "verified@example.com"); err != nil {
		t.Fatal(err)
	}
	// unverified@: an active contact nobody verified (registered while double opt-in was off).
	setOptIn(false)
	f.mustSession(map[string]any{"email": "unverified@example.com"})
	setOptIn(true)
	// pending@: registered under double opt-in, not confirmed.
	f.mustSession(map[string]any{"email": "pending@example.com"})
	counts, _ := f.e.Store().CountsByOrg(ctx, orgID)
	if counts.Contacts != 2 || counts.PendingContacts != 1 {
		t.Fatalf("counts = %+v, want 2 active contacts and 1 pending", counts)
	}

	addrs := []string{"verified@example.com", "unverified@example.com", "pending@example.com", "nobody@example.com"}
	panels := map[string]string{}
	normalize := func(b []byte, replace map[string]string) string {
		s := string(b)
		for from, to := range replace {
			if from != "" {
				s = strings.ReplaceAll(s, from, to)
			}
		}
		return s
	}
	compare := func(what string, answers map[string]string) {
		t.Helper()
		base := answers[addrs[0]]
		for _, a := range addrs[1:] {
			if answers[a] != base {
				t.Errorf("%s differs by address:\n%s: %s\n%s: %s", what, addrs[0], base, a, answers[a])
			}
		}
	}
	atStart, byEmail, reads, ready := map[string]string{}, map[string]string{}, map[string]string{}, map[string]string{}
	for _, a := range addrs {
		// The pre-chat form.
		s := f.mustSession(map[string]any{"email": a, "name": "Someone"})
		atStart[a] = strconv.Itoa(s.status) + " " + s.header.Get("Content-Type") + " " + normalize(s.raw, map[string]string{
			a: "EMAIL", s.str("session"): "SESSION", s.str("conversation"): "CONV", s.str("deviceToken"): "DEVICE"})
		// The email typed later in a chat.
		later := f.mustSession(map[string]any{"name": "Someone"})
		sess, conv := later.str("session"), later.str("conversation")
		r := f.do("POST", "/api/widget/v1/email", sess, map[string]any{"email": a})
		byEmail[a] = strconv.Itoa(r.status) + " " + r.header.Get("Content-Type") + " " + normalize(r.raw, map[string]string{a: "EMAIL"})
		g := f.do("GET", "/api/widget/v1/conversation", sess, nil)
		reads[a] = strconv.Itoa(g.status) + " " + normalize(g.raw, map[string]string{a: "EMAIL", conv: "CONV"})
		conn := f.live(sess, "")
		_, frame, err := conn.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		ready[a] = normalize(frame, map[string]string{a: "EMAIL"})
		conn.Close()
		panels[a] = f.panel(conv).State
	}
	compare("POST /sessions with the email", atStart)
	compare("POST /email", byEmail)
	compare("GET /conversation", reads)
	compare("the live ready event", ready)
	if !strings.Contains(byEmail[addrs[0]], `"verified":false`) {
		t.Errorf("answer = %s, want unverified", byEmail[addrs[0]])
	}
	// The agent, meanwhile, sees the outcomes differ: the answers hide a real difference.
	if panels["verified@example.com"] != verify.PanelPreliminary || panels["unverified@example.com"] != verify.PanelPreliminary ||
		panels["pending@example.com"] != verify.PanelPending || panels["nobody@example.com"] != verify.PanelPending {
		t.Errorf("agent's panels = %v", panels)
	}
}

// TestFaultsOwnConversationOnly: a session token opens its own conversation and nothing else.
// The API takes no conversation id, so one put anywhere (query, body, Authorization, WebSocket
// hello) is ignored or refused; a forged session is refused over HTTP and the WebSocket; an
// ended conversation can be read and not written.
func TestFaultsOwnConversationOnly(t *testing.T) {
	f := newFaultEnv(t, false)
	ctx := context.Background()
	orgID := f.ws.Organization.ID
	a := f.mustSession(map[string]any{"name": "Ann", "email": "ann@example.com"})
	b := f.mustSession(map[string]any{"name": "Bob", "email": "bob@example.com"})
	sa, ca, sb, cb := a.str("session"), a.str("conversation"), b.str("session"), b.str("conversation")
	post := func(session, id, body string, extra map[string]any) reply {
		in := map[string]any{"clientMsgId": id, "body": body}
		for k, v := range extra {
			in[k] = v
		}
		return f.do("POST", "/api/widget/v1/messages", session, in)
	}
	rb := post(sb, "b1", "Bob's secret", nil)
	bMsg := rb.json["message"].(map[string]any)["id"].(string)
	post(sa, "a1", "Ann's first", nil)
	leaks := func(what string, raw []byte) {
		t.Helper()
		if bytes.Contains(raw, []byte("Bob")) || bytes.Contains(raw, []byte(cb)) || bytes.Contains(raw, []byte("bob@example.com")) {
			t.Errorf("%s shows Bob's conversation: %s", what, raw)
		}
	}
	// Reading: B's id in the query, as `after`, or as the token.
	for _, q := range []string{"?conversation=" + cb, "?conversationId=" + cb + "&id=" + cb, "?after=" + bMsg} {
		r := f.do("GET", "/api/widget/v1/conversation"+q, sa, nil)
		if r.status != 200 || r.str("conversation") != ca {
			t.Errorf("GET /conversation%s with Ann's session = %d %s, want Ann's conversation", q, r.status, r.raw)
		}
		leaks("GET /conversation"+q, r.raw)
	}
	for what, tok := range map[string]string{"B's conversation id": cb, "a random token": randomToken(t), "Ann's device token": a.str("deviceToken"),
		"no token": "", "Ann's session with a change": changed(sa)} {
		for _, call := range [][2]string{{"GET", "/api/widget/v1/conversation"}, {"POST", "/api/widget/v1/messages"},
			{"POST", "/api/widget/v1/email"}, {"POST", "/api/widget/v1/code"}, {"POST", "/api/widget/v1/end"}} {
			r := f.do(call[0], call[1], tok, map[string]any{"clientMsgId": "x", "body": "hi", "email": "eve@example.com", "code": "123456"})
			if r.status != 401 || r.errCode() != "unauthorized" {
				t.Errorf("%s %s with %s = %d %s, want 401 unauthorized", call[0], call[1], what, r.status, r.raw)
			}
		}
	}
	// Writing: B's id in the body is ignored; the write lands in Ann's conversation.
	extra := map[string]any{"conversation": cb, "conversationId": cb}
	if r := post(sa, "a2", "Ann's second", extra); r.status != 201 {
		t.Fatalf("POST /messages with B's id in the body = %d %s", r.status, r.raw)
	}
	if r := f.do("POST", "/api/widget/v1/email", sa, map[string]any{"email": "ann2@example.com", "conversation": cb}); r.status != 200 {
		t.Fatalf("POST /email with B's id = %d %s", r.status, r.raw)
	}
	bMsgs, _ := f.e.Store().Messages(ctx, orgID, cb, "", 0)
	bConv, _ := f.e.Store().ConversationByID(ctx, orgID, cb)
	if len(bMsgs) != 1 || bConv.VisitorEmail != "bob@example.com" {
		t.Errorf("Bob's conversation after Ann's writes: %d messages, email %q; want 1 and bob@example.com", len(bMsgs), bConv.VisitorEmail)
	}

	// Live: a forged hello is refused; Ann's socket, even told B's message id, carries only Ann's.
	for what, tok := range map[string]string{"a random session": randomToken(t), "B's conversation id": cb, "empty": ""} {
		conn := f.live(tok, "")
		ev := event(t, conn)
		if e, _ := ev["error"].(map[string]any); ev["type"] != "error" || e["code"] != "unauthorized" {
			t.Errorf("hello with %s = %v, want an unauthorized error", what, ev)
		}
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, _, err := conn.ReadMessage(); err == nil {
			t.Errorf("hello with %s: the connection stayed open", what)
		}
	}
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+f.e.Addr()+"/api/widget/v1/live", nil)
	if err != nil {
		t.Fatal(err)
	}
	conn.WriteJSON(map[string]string{"type": "subscribe", "conversation": cb})
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, _, err := conn.ReadMessage(); !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
		t.Errorf("a first frame that is not hello = %v, want close 1008", err)
	}
	conn.Close()
	annLive := f.live(sa, bMsg)
	post(sb, "b2", "Bob's second secret", nil)
	post(sa, "a3", "Ann's third", nil)
	for _, ev := range liveUntilMessage(t, annLive, "Ann's third") {
		raw, _ := json.Marshal(ev)
		leaks("Ann's live events", raw)
	}

	// Ended (by the customer): still readable, live included; every write is conversation_ended,
	// except the retry of a stored message; ending again answers the ended state.
	if r := f.do("POST", "/api/widget/v1/end", sa, map[string]any{"conversation": cb}); r.status != 200 || r.state()["status"] != "ended" {
		t.Fatalf("POST /end = %d %s", r.status, r.raw)
	}
	if r := f.do("GET", "/api/widget/v1/conversation", sb, nil); r.state()["status"] != "open" {
		t.Errorf("Bob's chat after Ann ended hers (with his id in the body) = %v, want open", r.state())
	}
	// The agent ends Bob's: the same rules.
	if err := f.e.Chat().End(ctx, orgID, cb, store.AgentActor(f.ws.Me.ID)); err != nil {
		t.Fatal(err)
	}
	for who, sess := range map[string]string{"ended by the customer": sa, "ended by the agent": sb} {
		r := f.do("GET", "/api/widget/v1/conversation", sess, nil)
		msgs, _ := r.json["messages"].([]any)
		if st := r.state(); r.status != 200 || st["status"] != "ended" || st["request"] != nil || len(msgs) < 2 {
			t.Errorf("%s: GET /conversation = %d %s, want 200, ended, no request, the messages", who, r.status, r.raw)
		}
		last := msgs[len(msgs)-1].(map[string]any)
		if last["from"] != "system" || !strings.HasPrefix(last["body"].(string), "The chat was ended by the") {
			t.Errorf("%s: last message = %v, want the system note of the end", who, last)
		}
		before := len(msgs)
		for _, path := range []string{"/api/widget/v1/messages", "/api/widget/v1/email", "/api/widget/v1/code"} {
			r := f.do("POST", path, sess, map[string]any{"clientMsgId": "late", "body": "still there?", "email": "x@example.com", "code": "123456"})
			if r.status != 409 || r.errCode() != "conversation_ended" {
				t.Errorf("%s: POST %s = %d %s, want 409 conversation_ended", who, path, r.status, r.raw)
			}
		}
		if n := len(f.messages(sess)); n != before {
			t.Errorf("%s: messages %d -> %d after refused writes", who, before, n)
		}
		if r := f.do("POST", "/api/widget/v1/end", sess, nil); r.status != 200 || r.state()["status"] != "ended" {
			t.Errorf("%s: POST /end again = %d %s, want 200 ended", who, r.status, r.raw)
		}
		conn := f.live(sess, "")
		if ev := event(t, conn); ev["type"] != "ready" || ev["state"].(map[string]any)["status"] != "ended" {
			t.Errorf("%s: live hello = %v, want ready with the ended state", who, ev)
		}
	}
	// A retry of a message stored before the end still answers the stored one.
	if r := post(sa, "a3", "Ann's third", nil); r.status != 200 || r.json["message"].(map[string]any)["body"] != "Ann's third" {
		t.Errorf("retry of a stored message after the end = %d %s, want 200 and the stored message", r.status, r.raw)
	}
}

// TestFaultsFloodingIsThrottled: the engine's throttles as configured (the documented defaults):
// one session's messages past the burst of 20, one session's emails and codes past 10, one IP's
// new sessions past 30 and its requests past 600 answer 429 rate_limited with Retry-After, and
// nothing refused is stored or created. Each loop stops at the first 429; the buckets refill in
// real time, so the test asserts the burst passes and that a refusal comes, never when.
func TestFaultsFloodingIsThrottled(t *testing.T) {
	f := newFaultEnv(t, false)
	ctx := context.Background()
	orgID := f.ws.Organization.ID
	throttled := func(what string, r reply) {
		t.Helper()
		if r.status != 429 || r.errCode() != "rate_limited" || r.header.Get("Retry-After") != "60" {
			t.Errorf("%s = %d %s (Retry-After %q), want 429 rate_limited, Retry-After 60", what, r.status, r.raw, r.header.Get("Retry-After"))
		}
	}
	sessions := 0
	start := func() reply {
		sessions++
		return f.mustSession(map[string]any{"name": "Flood"})
	}

	// Messages per session: 20 at once.
	s := start()
	sess, conv := s.str("session"), s.str("conversation")
	var refused reply
	sent, refusedID := 0, ""
	for i := 0; i < 200; i++ {
		id := "f" + strconv.Itoa(i)
		r := f.do("POST", "/api/widget/v1/messages", sess, map[string]string{"clientMsgId": id, "body": "spam " + id})
		if r.status == 429 {
			refused, refusedID = r, id
			break
		}
		if r.status != 201 {
			t.Fatalf("message %d = %d %s", i, r.status, r.raw)
		}
		sent++
	}
	if sent < 20 || refusedID == "" {
		t.Fatalf("%d messages passed before a refusal (%q), want at least the burst of 20 and then a 429", sent, refusedID)
	}
	throttled("the message past the burst", refused)
	stored, _ := f.e.Store().Messages(ctx, orgID, conv, "", 0)
	if len(stored) != sent {
		t.Errorf("stored %d messages, want the %d accepted", len(stored), sent)
	}
	for _, m := range stored {
		if m.ClientMsgID == refusedID {
			t.Errorf("the refused message %s was stored", refusedID)
		}
	}
	// Another session is not affected.
	if r := f.do("POST", "/api/widget/v1/messages", start().str("session"), map[string]string{"clientMsgId": "x", "body": "hello"}); r.status != 201 {
		t.Errorf("another session's message = %d %s, want 201", r.status, r.raw)
	}

	// Emails and codes typed per session: 10 at once, POST /email and POST /code from one bucket
	// (typed in turns; a code with none sent answers no_code_pending, past the throttle).
	sess2 := start().str("session")
	typed, lastEmail := 0, ""
	for ; typed < 60; typed++ {
		var r reply
		email := "flood" + strconv.Itoa(typed) + "@example.com"
		if typed%2 == 0 {
			r = f.do("POST", "/api/widget/v1/email", sess2, map[string]any{"email": email})
		} else {
			r = f.do("POST", "/api/widget/v1/code", sess2, map[string]string{"code": "123456"})
		}
		if r.status == 429 {
			throttled("the email or code past the burst", r)
			break
		}
		if (typed%2 == 0 && r.status != 200) || (typed%2 == 1 && r.errCode() != "no_code_pending") {
			t.Fatalf("email or code %d = %d %s", typed, r.status, r.raw)
		}
		if typed%2 == 0 {
			lastEmail = email
		}
	}
	if typed < 10 || typed == 60 {
		t.Fatalf("%d emails and codes passed before a refusal, want at least 10 and then a 429", typed)
	}
	if r := f.do("GET", "/api/widget/v1/conversation", sess2, nil); r.state()["email"] != lastEmail {
		t.Errorf("email after the refusal = %v, want the last accepted one, %s", r.state()["email"], lastEmail)
	}

	// New sessions per IP: 30 at once; a refused one creates nothing.
	for sessions < 200 {
		before := f.count(`SELECT count(*) FROM conversations`)
		r := f.session(map[string]any{"name": "Flood"})
		if r.status == 429 {
			throttled("the session past the burst", r)
			if after := f.count(`SELECT count(*) FROM conversations`); after != before {
				t.Errorf("a refused session created a conversation: %d -> %d", before, after)
			}
			break
		}
		if r.status != 201 {
			t.Fatalf("session %d = %d %s", sessions, r.status, r.raw)
		}
		sessions++
	}
	if sessions < 30 || sessions >= 200 {
		t.Fatalf("%d sessions passed before a refusal, want at least 30 and then a 429", sessions)
	}
	// The existing sessions still work (only new sessions were throttled).
	if r := f.do("GET", "/api/widget/v1/conversation", sess, nil); r.status != 200 {
		t.Errorf("reading an existing chat after the session throttle = %d, want 200", r.status)
	}

	// Every request per IP: 600 at once; then every call is refused, a preflight is not.
	calls := 0
	for ; calls < 20000; calls++ {
		r := f.do("GET", "/api/widget/v1/conversation", "", nil)
		if r.status == 429 {
			throttled("the request past the IP's burst", r)
			break
		}
		if r.status != 401 {
			t.Fatalf("request %d = %d %s", calls, r.status, r.raw)
		}
	}
	if calls == 20000 {
		t.Fatal("no refusal after 20,000 requests from one IP")
	}
	if passed := f.requests - 1; passed < 600 {
		t.Errorf("the IP was refused after %d requests, want at least the burst of 600", passed)
	}
	// A preflight is never throttled.
	req, _ := http.NewRequest("OPTIONS", f.base+"/api/widget/v1/messages", nil)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 204 {
		t.Errorf("a preflight after the IP throttle = %v %v, want 204", res, err)
	} else {
		res.Body.Close()
	}
}
