package engine_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/transcript"
)

// trClock is real time plus an offset the test moves forward (idle ends, retry backoff, the
// re-send window), so the SMTP server and the engine's timers keep working.
type trClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *trClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *trClock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// trEnv is a running engine with an SMTP relay, the widget API on loopback, double opt-in off
// and, unless asked otherwise, a verified sender (newEnv, env_test.go).
type trEnv struct {
	*chatEnv
	clock *trClock
	inbox string
}

const trAgentEmail = "olive.private@acme.test"

func newTrEnv(t *testing.T, withSender bool) *trEnv {
	t.Helper()
	clock := &trClock{}
	c := newEnv(t, envOptions{now: clock.now, orgName: "Acme Parcels", ownerEmail: trAgentEmail, noSender: !withSender})
	return &trEnv{chatEnv: c, clock: clock, inbox: c.inboxID()}
}

// toggle switches the inbox's "transcript after chat" the way an admin does.
func (c *trEnv) toggle(on bool) {
	c.t.Helper()
	if _, err := c.e.Org().SetInboxToggle(context.Background(), c.ws.Me, c.inbox, "transcriptAfter", on); err != nil {
		c.t.Fatal(err)
	}
}

// chatWith starts a chat through the widget API (email "" for none) and returns its session and
// conversation.
func (c *trEnv) chatWith(name, email, tz string) (session, conversation string) {
	c.t.Helper()
	var a struct{ Session, Conversation string }
	if code := c.call("POST", "/api/widget/v1/sessions", "", map[string]any{"inbox": c.inbox, "name": name,
		"email": email, "timezone": tz}, &a); code != 201 {
		c.t.Fatalf("POST /sessions = %d", code)
	}
	return a.Session, a.Conversation
}

// verifiedChat is a chat whose email the agent marked verified ("Verified by Olive Owner").
func (c *trEnv) verifiedChat(email, tz string) (session, conversation string) {
	c.t.Helper()
	session, conversation = c.chatWith("Ada", email, tz)
	if err := c.e.Verify().MarkVerified(context.Background(), c.ws.Me, conversation, email); err != nil {
		c.t.Fatal(err)
	}
	return session, conversation
}

func (c *trEnv) customerSays(session, clientID, body string) {
	c.t.Helper()
	if code := c.call("POST", "/api/widget/v1/messages", session, map[string]string{"clientMsgId": clientID, "body": body}, nil); code != 201 {
		c.t.Fatalf("POST /messages = %d", code)
	}
}

func (c *trEnv) agentEnds(conversation string) {
	c.t.Helper()
	if err := c.e.Chat().End(context.Background(), c.ws.Organization.ID, conversation, store.AgentActor(c.ws.Me.ID)); err != nil {
		c.t.Fatal(err)
	}
}

func (c *trEnv) sendings(conversation string) []store.TranscriptSending {
	c.t.Helper()
	list, err := c.e.Transcripts().Sendings(context.Background(), c.ws.Organization.ID, conversation)
	if err != nil {
		c.t.Fatal(err)
	}
	return list
}

// waitSending waits until sending number n of the conversation has the status, and returns it.
func (c *trEnv) waitSending(conversation string, n int, status string) store.TranscriptSending {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		list := c.sendings(conversation)
		for _, s := range list {
			if s.Number == n && s.Status == status {
				return s
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("sending #%d never became %s: %+v; worker %+v", n, status, list, c.e.Outbox().Status())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *trEnv) resend(conversation string) (transcript.Result, error) {
	return c.e.Transcripts().Resend(context.Background(), c.ws.Me, conversation)
}

// transcriptsTo returns the transcript emails the relay received for an address.
func (c *trEnv) transcriptsTo(addr string) []testutil.Received {
	var out []testutil.Received
	for _, r := range c.smtp.Received() {
		if len(r.To) == 1 && strings.EqualFold(r.To[0], addr) && strings.HasPrefix(r.Msg.Header.Get("Subject"), "Your chat with") {
			out = append(out, r)
		}
	}
	return out
}

func codeOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// trParts splits a transcript email into its text and HTML parts.
func trParts(t *testing.T, data []byte) (hdr mail.Header, text, htmlDoc string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q, want multipart/alternative (%v)", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // undoes quoted-printable
		if errors.Is(err, io.EOF) {
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
		switch pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); pt {
		case "text/plain":
			text = string(b)
		case "text/html":
			htmlDoc = string(b)
		}
	}
	return msg.Header, text, htmlDoc
}

// inertText parses an HTML part and fails on anything a customer could have turned into markup
// (scripts, images, frames, forms, links, event handlers); it returns the document's text.
func inertText(t *testing.T, doc string) string {
	t.Helper()
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "img", "svg", "iframe", "form", "input", "a", "link", "base", "object", "embed":
				t.Errorf("element <%s> in the transcript's HTML", n.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || a.Key == "src" || a.Key == "href" || a.Key == "action" {
					t.Errorf("attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
				}
			}
		}
		if n.Type == html.TextNode {
			text.WriteString(n.Data)
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(root)
	return text.String()
}

const hostileMessage = `<script>alert(1)</script><img src=x onerror=alert(2)> reset at <a href="https://evil.example/">here</a>`

// TestTranscriptMailedWhenTheAgentEndsTheChat: the toggle on and the email verified in this chat,
// the agent ends the chat (twice): exactly one email, from the verified sender to the verified
// address, with an HTML and a text part that name the organization and the agent by display name
// only, show times in the customer's zone, and carry the customer's markup as text. A re-send is a
// second email, recorded with who asked for it.
func TestTranscriptMailedWhenTheAgentEndsTheChat(t *testing.T) {
	c := newTrEnv(t, true)
	c.toggle(true)
	ctx := context.Background()
	session, conv := c.verifiedChat("Ada@Example.com", "Asia/Tokyo")
	c.customerSays(session, "m1", hostileMessage)
	if _, err := c.e.Chat().AgentSays(ctx, c.ws.Me, conv, "Hello Ada, your parcel ships today."); err != nil {
		t.Fatal(err)
	}
	if err := c.e.Chat().End(ctx, c.ws.Organization.ID, conv, store.AgentActor(c.ws.Me.ID)); err != nil {
		t.Fatal(err)
	}
	if err := c.e.Chat().End(ctx, c.ws.Organization.ID, conv, store.AgentActor(c.ws.Me.ID)); err != nil {
		t.Fatal(err)
	}
	first := c.waitSending(conv, 1, store.OutboxSent)
	if !strings.EqualFold(first.To, "ada@example.com") || first.RequestedBy != "" || first.Attempts != 1 || first.SentAt.IsZero() {
		t.Errorf("sending #1 = %+v, want sent by itself to the verified address", first)
	}
	if list := c.sendings(conv); len(list) != 1 {
		t.Fatalf("sendings after ending twice = %+v, want one", list)
	}
	mails := c.transcriptsTo("Ada@Example.com")
	if len(mails) != 1 {
		t.Fatalf("%d transcript emails, want 1", len(mails))
	}
	hdr, text, doc := trParts(t, mails[0].Data)
	if from, _ := mail.ParseAddress(hdr.Get("From")); from == nil || from.Address != "support@acme.test" || from.Name != "Acme Parcels" {
		t.Errorf("From = %q, want Acme Parcels <support@acme.test>", hdr.Get("From"))
	}
	if subject := hdr.Get("Subject"); !strings.HasPrefix(subject, "Your chat with Acme Parcels on ") {
		t.Errorf("Subject = %q", subject)
	}
	if text == "" || doc == "" {
		t.Fatalf("want a text and an HTML part; text %d bytes, HTML %d bytes", len(text), len(doc))
	}
	docText := inertText(t, doc)
	for name, part := range map[string]string{"text": text, "HTML": docText} {
		for _, want := range []string{"Acme Parcels", "Olive Owner", "Hello Ada, your parcel ships today.", hostileMessage, "JST"} {
			if !strings.Contains(part, want) {
				t.Errorf("%s part lacks %q", name, want)
			}
		}
	}
	for name, part := range map[string]string{"text": text, "HTML": doc, "headers": hdr.Get("From") + hdr.Get("Reply-To") + hdr.Get("Subject")} {
		if strings.Contains(strings.ToLower(part), trAgentEmail) {
			t.Errorf("the agent's private email is in the %s", name)
		}
	}

	// Re-sending: a second email, recorded as the agent's.
	res, err := c.resend(conv)
	if err != nil || !res.Queued || res.Number != 2 || !strings.EqualFold(res.To, "ada@example.com") {
		t.Fatalf("Resend = %+v, %v", res, err)
	}
	second := c.waitSending(conv, 2, store.OutboxSent)
	if second.RequestedBy != "Olive Owner" {
		t.Errorf("sending #2 requested by %q, want Olive Owner", second.RequestedBy)
	}
	if got := c.smtp.WaitFor(3, 10*time.Second); len(c.transcriptsTo("Ada@Example.com")) != 2 {
		t.Errorf("%d transcript emails after a re-send (relay got %d), want 2", len(c.transcriptsTo("Ada@Example.com")), len(got))
	}
}

// TestTranscriptMailedWhenTheCustomerEndsOrTheChatGoesIdle: the other two ways a chat ends.
func TestTranscriptMailedWhenTheCustomerEndsOrTheChatGoesIdle(t *testing.T) {
	c := newTrEnv(t, true)
	c.toggle(true)
	ctx := context.Background()

	session, byCustomer := c.verifiedChat("grace@example.com", "")
	c.customerSays(session, "g1", "Thanks, bye!")
	for range 2 { // the widget's end, sent twice
		if code := c.call("POST", "/api/widget/v1/end", session, map[string]any{}, nil); code != 200 {
			t.Fatalf("POST /end = %d", code)
		}
	}
	c.waitSending(byCustomer, 1, store.OutboxSent)

	_, idle := c.verifiedChat("linus@example.com", "Europe/Berlin")
	c.clock.advance(31 * time.Minute) // the inbox ends chats after 30 idle minutes
	n, err := c.e.Chat().EndIdle(ctx)
	if err != nil || n != 1 {
		t.Fatalf("EndIdle = %d, %v; want 1", n, err)
	}
	c.waitSending(idle, 1, store.OutboxSent)

	for addr, conv := range map[string]string{"grace@example.com": byCustomer, "linus@example.com": idle} {
		if got := c.transcriptsTo(addr); len(got) != 1 {
			t.Errorf("%s got %d transcripts, want 1", addr, len(got))
		}
		if list := c.sendings(conv); len(list) != 1 {
			t.Errorf("sendings of %s = %+v, want one", addr, list)
		}
	}
	_, _, doc := trParts(t, c.transcriptsTo("linus@example.com")[0].Data)
	if text := inertText(t, doc); !strings.Contains(text, "without activity") || !strings.Contains(text, "Europe/Berlin") {
		t.Errorf("the idle chat's transcript lacks the idle note or the customer's zone:\n%s", text)
	}
}

// TestTranscriptNeverToAnUnprovenAddress: an email typed in the chat and not proven there (a new
// address, or a known contact's address typed on another device, as an attacker would) gets no
// transcript; the reason is recorded on the conversation and a re-send is refused. A chat without
// an email says so. With the toggle off nothing is sent or recorded.
func TestTranscriptNeverToAnUnprovenAddress(t *testing.T) {
	c := newTrEnv(t, true)
	ctx := context.Background()

	// Toggle off: a verified chat ends with nothing queued and nothing recorded.
	_, off := c.verifiedChat("ada@example.com", "")
	c.agentEnds(off)
	if list := c.sendings(off); len(list) != 0 {
		t.Errorf("toggle off: sendings = %+v, want none", list)
	}

	c.toggle(true)
	cases := []struct {
		name, email, reason, message string
	}{
		// ada@example.com was verified in the chat above: typing it on another browser proves nothing.
		{"a verified contact's address typed by someone else", "ada@example.com", transcript.ReasonEmailUnverified,
			"Not sent: the customer's email is not verified."},
		{"a new address nobody proved", "new.person@example.com", transcript.ReasonEmailUnverified,
			"Not sent: the customer's email is not verified."},
		{"no email at all", "", transcript.ReasonNoEmail, "Not sent: the customer gave no email address."},
	}
	for _, tc := range cases {
		session, conv := c.chatWith("Mallory", tc.email, "")
		c.customerSays(session, "x1", "Your account is locked, log in at https://evil.example/")
		if code := c.call("POST", "/api/widget/v1/end", session, map[string]any{}, nil); code != 200 {
			t.Fatalf("%s: POST /end = %d", tc.name, code)
		}
		list := c.sendings(conv)
		if len(list) != 1 || list[0].Status != store.TranscriptSendingNotSent || list[0].Reason != tc.reason ||
			list[0].Message != tc.message || list[0].To != "" {
			t.Errorf("%s: sendings = %+v, want one not_sent %s", tc.name, list, tc.reason)
		}
		if _, err := c.resend(conv); codeOf(err) != tc.reason {
			t.Errorf("%s: Resend error = %v, want %s", tc.name, err, tc.reason)
		}
		if list := c.sendings(conv); len(list) != 1 {
			t.Errorf("%s: a refused re-send left %+v", tc.name, list)
		}
	}
	// Everything queued so far has been delivered; no transcript went anywhere.
	for _, r := range c.smtp.Received() {
		if strings.HasPrefix(r.Msg.Header.Get("Subject"), "Your chat with") {
			t.Errorf("a transcript was mailed to %v", r.To)
		}
	}
	counts, err := c.e.Store().OutboxCounts(ctx, c.ws.Organization.ID)
	if err != nil || counts[store.OutboxQueued]+counts[store.OutboxRetrying]+counts[store.OutboxSending] != 0 {
		t.Errorf("outbox %v, %v: want nothing waiting", counts, err)
	}
}

// TestTranscriptWithoutAVerifiedSender: the toggle is on in the database but the organization
// has no verified sender (the toggle's own gate would refuse it today; a database may still hold
// it): nothing is queued, the reason is recorded, a re-send is refused.
func TestTranscriptWithoutAVerifiedSender(t *testing.T) {
	c := newTrEnv(t, false)
	ctx := context.Background()
	if err := c.e.Store().Write(ctx, func(tx *store.Tx) error {
		return tx.SetInboxToggle(c.ws.Organization.ID, c.inbox, "transcriptAfter", true, c.clock.now())
	}); err != nil {
		t.Fatal(err)
	}
	_, conv := c.verifiedChat("ada@example.com", "")
	c.agentEnds(conv)
	list := c.sendings(conv)
	if len(list) != 1 || list[0].Reason != transcript.ReasonNoSender || list[0].Status != store.TranscriptSendingNotSent {
		t.Fatalf("sendings = %+v, want not_sent no_sender", list)
	}
	if _, err := c.resend(conv); codeOf(err) != transcript.ReasonNoSender {
		t.Errorf("Resend error = %v, want no_sender", err)
	}
	if counts, _ := c.e.Store().OutboxCounts(ctx, c.ws.Organization.ID); len(counts) != 0 {
		t.Errorf("outbox = %v, want empty", counts)
	}
}

// TestTranscriptRetriedThenSent: the relay refuses for now (451): the sending shows retrying with
// the reason and one attempt, a re-send is refused meanwhile, and after the backoff it is sent.
func TestTranscriptRetriedThenSent(t *testing.T) {
	c := newTrEnv(t, true)
	c.toggle(true)
	_, conv := c.verifiedChat("ada@example.com", "")
	c.smtp.Refuse(451)
	c.agentEnds(conv)
	retrying := c.waitSending(conv, 1, store.OutboxRetrying)
	if retrying.Attempts != 1 || !strings.Contains(retrying.LastError, "451") || !retrying.NextAttempt.After(retrying.UpdatedAt) {
		t.Errorf("retrying = %+v, want attempt 1, the 451 and a later retry time", retrying)
	}
	if _, err := c.resend(conv); codeOf(err) != transcript.CodeInFlight {
		t.Errorf("Resend while retrying = %v, want %s", err, transcript.CodeInFlight)
	}
	c.clock.advance(time.Minute) // past the first backoff (15 s)
	c.e.Outbox().Wake()
	sent := c.waitSending(conv, 1, store.OutboxSent)
	if sent.Attempts != 2 || sent.LastError != "" {
		t.Errorf("sent = %+v, want the second attempt and no error left", sent)
	}
	if got := c.transcriptsTo("ada@example.com"); len(got) != 1 {
		t.Errorf("%d transcripts delivered, want 1", len(got))
	}
}

// TestTranscriptPermanentFailureIsShownAndCanBeResent: a 550 marks the sending failed with the
// relay's reason; the agent can then re-send it.
func TestTranscriptPermanentFailureIsShownAndCanBeResent(t *testing.T) {
	c := newTrEnv(t, true)
	c.toggle(true)
	_, conv := c.verifiedChat("ada@example.com", "")
	c.smtp.Refuse(550)
	c.agentEnds(conv)
	failed := c.waitSending(conv, 1, store.OutboxFailed)
	if !strings.Contains(failed.LastError, "550") {
		t.Errorf("failed = %+v, want the relay's 550 as the reason", failed)
	}
	if _, err := c.resend(conv); err != nil {
		t.Fatal(err)
	}
	c.waitSending(conv, 2, store.OutboxSent)
	if got := c.transcriptsTo("ada@example.com"); len(got) != 1 {
		t.Errorf("%d transcripts delivered, want 1 (the re-send)", len(got))
	}
}

// TestTranscriptResendLimit: three re-sends an hour per conversation; the fourth is refused until
// the hour has passed. A chat still open cannot be re-sent.
func TestTranscriptResendLimit(t *testing.T) {
	c := newTrEnv(t, true)
	c.toggle(true)
	_, conv := c.verifiedChat("ada@example.com", "")
	if _, err := c.resend(conv); codeOf(err) != transcript.CodeChatOpen {
		t.Errorf("Resend of an open chat = %v, want %s", err, transcript.CodeChatOpen)
	}
	c.agentEnds(conv)
	c.waitSending(conv, 1, store.OutboxSent)
	for n := 2; n <= 4; n++ {
		if _, err := c.resend(conv); err != nil {
			t.Fatalf("re-send #%d: %v", n-1, err)
		}
		c.waitSending(conv, n, store.OutboxSent)
	}
	if _, err := c.resend(conv); codeOf(err) != transcript.CodeRateLimited {
		t.Fatalf("a fourth re-send within the hour = %v, want %s", err, transcript.CodeRateLimited)
	}
	c.clock.advance(61 * time.Minute)
	if res, err := c.resend(conv); err != nil || res.Number != 5 {
		t.Fatalf("a re-send after the hour = %+v, %v", res, err)
	}
	c.waitSending(conv, 5, store.OutboxSent)
	if got := c.transcriptsTo("ada@example.com"); len(got) != 5 {
		t.Errorf("%d transcripts delivered, want 5", len(got))
	}
}
