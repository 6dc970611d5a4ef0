package widget_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/verify"
	"vouchdesk/backend/widget"
)

// strangerName is a visitor name written to look like markup, a link and an instruction.
const strangerName = `<script>alert(1)</script> Click https://evil.example`

// inertStranger is how the owner of the address sees it: quoted, escaped, and no link.
const inertStranger = `&ldquo;‹script›alert(1)‹/script› Click https[:]//evil[.]example&rdquo;`

// linkEnv is a chatEnv whose pages are fetched and posted like a browser would.
type linkEnv struct{ *chatEnv }

func newLinkEnv(t *testing.T, doubleOptIn bool) linkEnv {
	e := newChatEnv(t, widget.Limits{})
	if !doubleOptIn {
		if err := e.st.Write(context.Background(), func(tx *store.Tx) error {
			return tx.SetRegulatory(e.ws.Organization.ID, false, "", e.clock.Now())
		}); err != nil {
			t.Fatal(err)
		}
	}
	return linkEnv{e}
}

// chatAs starts a chat as the stranger with this email and returns the conversation.
func (e linkEnv) chatAs(email string) store.Conversation {
	e.t.Helper()
	out := e.start(map[string]any{"name": strangerName, "email": email, "consent": true})
	conv, err := e.st.ConversationByID(context.Background(), e.ws.Organization.ID, out["conversation"].(string))
	if err != nil {
		e.t.Fatal(err)
	}
	return conv
}

// lastMail is the newest email of the outbox and the link path in it (path: "/verify/email/"
// or "/confirm/").
func (e linkEnv) lastMail(path string) (store.OutboxMessage, string) {
	e.t.Helper()
	log, err := e.st.OutboxLog(context.Background(), e.ws.Organization.ID, 1)
	if err != nil || len(log) == 0 {
		e.t.Fatal("no email", err)
	}
	sent, reason := outbox.Reveal(e.st.Sealer(), log[0]) // the stored copy has the link hidden
	if reason != "" {
		e.t.Fatalf("Reveal(%s) = %q", log[0].Kind, reason)
	}
	m := regexp.MustCompile(regexp.QuoteMeta(path) + `[A-Za-z0-9_-]{43}`).FindString(sent.BodyText)
	if m == "" {
		e.t.Fatalf("no %s link in:\n%s", path, sent.BodyText)
	}
	return sent, m
}

func (e linkEnv) get(path string) (int, string) {
	e.t.Helper()
	res, err := http.Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (e linkEnv) answer(path, answer string) (int, string) {
	e.t.Helper()
	res, err := http.PostForm(e.srv.URL+path, url.Values{"answer": {answer}})
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (e linkEnv) panel(conv store.Conversation) verify.Panel {
	e.t.Helper()
	cur, err := e.st.ConversationByID(context.Background(), conv.OrgID, conv.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := e.verify.Panel(context.Background(), cur)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// refusals counts the audit rows of refusals in a conversation, read straight from the file.
func (e linkEnv) refusals(conv store.Conversation) int {
	e.t.Helper()
	db := testutil.OpenRaw(e.t, e.st.Path())
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'verify.link_refused' AND entity_id = ?
		AND actor_kind = 'customer' AND json_extract(detail, '$.address') = 'ada@example.com'`, conv.ID).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// notes is the conversation's system messages.
func (e linkEnv) notes(conv store.Conversation) []string {
	e.t.Helper()
	msgs, err := e.st.Messages(context.Background(), conv.OrgID, conv.ID, "", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if m.SenderKind == store.SenderSystem {
			out = append(out, m.Body)
		}
	}
	return out
}

const refusedNote = "The person at ada@example.com said they did not start this chat. Do not treat this customer as ada@example.com."

// TestChatLinkPageSaysWhoIsChatting: the email and the page tell the owner of the address who is
// chatting as it (organization, start time in UTC, the name given, inert), and that they should
// not confirm if it is not them; opening the page changes nothing.
func TestChatLinkPageSaysWhoIsChatting(t *testing.T) {
	e := newLinkEnv(t, false)
	conv := e.chatAs("Ada@Example.com")
	if err := e.verify.SendLink(context.Background(), e.ws.Me, conv.ID); err != nil {
		t.Fatal(err)
	}
	mail, path := e.lastMail("/verify/email/")
	started := verify.UTCTime(conv.StartedAt)
	for _, want := range []string{"Someone is chatting with Acme right now as Ada@Example.com", "Chat started: " + started,
		`Name they gave: "‹script›alert(1)‹/script› Click https[:]//evil[.]example"`, "If it is not you, do not confirm.", "This wasn't me"} {
		if !strings.Contains(mail.BodyText, want) {
			t.Errorf("link email text lacks %q:\n%s", want, mail.BodyText)
		}
	}
	if !strings.HasSuffix(started, " UTC") {
		t.Errorf("UTCTime = %q, want the zone named", started)
	}
	for _, want := range []string{"<strong>Acme</strong>", "<strong>Ada@Example.com</strong>", started, inertStranger, "do not confirm"} {
		if !strings.Contains(mail.BodyHTML, want) {
			t.Errorf("link email HTML lacks %q:\n%s", want, mail.BodyHTML)
		}
	}
	if strings.Contains(mail.BodyText, "https://evil") || strings.Contains(mail.BodyHTML, "https://evil") ||
		strings.Contains(mail.BodyHTML, "<script>") || strings.Contains(mail.Subject, "evil") {
		t.Errorf("the visitor's name is live in the email:\n%s\n%s", mail.BodyText, mail.BodyHTML)
	}

	for i := 0; i < 2; i++ { // a scanner opening the link, twice
		code, body := e.get(path)
		if code != 200 {
			t.Fatalf("GET %s = %d, want 200\n%s", path, code, body)
		}
		for _, want := range []string{"Is this you?", "<strong>Acme</strong>", "<strong>Ada@Example.com</strong>", started, inertStranger,
			`<input type="hidden" name="answer" value="confirm"><button type="submit">Confirm this address</button>`,
			`<input type="hidden" name="answer" value="refuse"><button type="submit" class="secondary">This wasn't me</button>`} {
			if !strings.Contains(body, want) {
				t.Errorf("GET page lacks %q:\n%s", want, body)
			}
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, "https://evil") {
			t.Errorf("GET page shows the name live:\n%s", body)
		}
	}
	if p := e.panel(conv); p.State != verify.PanelPreliminary || p.Refused {
		t.Errorf("panel after GETs = %+v, want preliminary and not refused", p)
	}
	if n := e.refusals(conv); n != 0 {
		t.Errorf("refusals after GETs = %d, want 0", n)
	}
}

// TestChatLinkRefused: "This wasn't me" uses the link up, verifies nothing, writes the audit row,
// tells the agent live (a system note, and the panel) and the link can no longer confirm.
func TestChatLinkRefused(t *testing.T) {
	e := newLinkEnv(t, false)
	conv := e.chatAs("ada@example.com")
	if err := e.verify.SendLink(context.Background(), e.ws.Me, conv.ID); err != nil {
		t.Fatal(err)
	}
	_, path := e.lastMail("/verify/email/")
	var mu sync.Mutex
	var changed []string
	e.chat.Changed = func(_, id string) { mu.Lock(); changed = append(changed, id); mu.Unlock() }

	code, body := e.answer(path, "refuse")
	if code != 200 || !strings.Contains(body, "Nothing was confirmed") || !strings.Contains(body, "this link no longer works") {
		t.Fatalf("POST refuse = %d, want 200 'Nothing was confirmed'\n%s", code, body)
	}
	mu.Lock()
	pushed := len(changed) > 0 && changed[0] == conv.ID
	mu.Unlock()
	if !pushed {
		t.Errorf("refusal pushed %v, want the conversation %s", changed, conv.ID)
	}
	if notes := e.notes(conv); len(notes) == 0 || notes[len(notes)-1] != refusedNote {
		t.Errorf("system notes = %q, want the last %q", notes, refusedNote)
	}
	if n := e.refusals(conv); n != 1 {
		t.Errorf("audit rows verify.link_refused = %d, want 1", n)
	}
	p := e.panel(conv)
	if p.State != verify.PanelPreliminary || !p.Refused || p.Reason != verify.ReasonRefused {
		t.Errorf("panel after refusal = %+v, want preliminary, refused, %q", p, verify.ReasonRefused)
	}

	// Refusing then confirming (or refusing again, or opening it) fails, and verifies nothing.
	for _, a := range []string{"confirm", "", "refuse"} {
		if code, body := e.answer(path, a); code != 404 || !strings.Contains(body, "no longer works") {
			t.Errorf("POST answer=%q after refusal = %d, want 404 'no longer works'", a, code)
		}
	}
	if code, _ := e.get(path); code != 404 {
		t.Errorf("GET after refusal = %d, want 404", code)
	}
	if p := e.panel(conv); p.State == verify.PanelVerified {
		t.Errorf("panel after confirming a refused link = %+v, want not verified", p)
	}
	if n := e.refusals(conv); n != 1 {
		t.Errorf("audit rows after the later posts = %d, want 1", n)
	}
}

// TestChatLinkConfirmedThenRefused: a confirmed link cannot be refused afterwards.
func TestChatLinkConfirmedThenRefused(t *testing.T) {
	e := newLinkEnv(t, false)
	conv := e.chatAs("ada@example.com")
	if err := e.verify.SendLink(context.Background(), e.ws.Me, conv.ID); err != nil {
		t.Fatal(err)
	}
	_, path := e.lastMail("/verify/email/")
	if code, body := e.answer(path, "confirm"); code != 200 || !strings.Contains(body, "Email confirmed") {
		t.Fatalf("POST confirm = %d\n%s", code, body)
	}
	if code, _ := e.answer(path, "refuse"); code != 404 {
		t.Errorf("POST refuse after confirming = %d, want 404", code)
	}
	if p := e.panel(conv); p.State != verify.PanelVerified || p.Refused {
		t.Errorf("panel = %+v, want verified, not refused", p)
	}
	if n := e.refusals(conv); n != 0 {
		t.Errorf("audit rows verify.link_refused = %d, want 0", n)
	}
	for _, n := range e.notes(conv) {
		if n == refusedNote {
			t.Errorf("a refusal note after a failed refusal: %q", n)
		}
	}
}

// TestOptInRefused: refusing the double opt-in confirmation leaves the contact pending and the
// conversation unlinked, with the refusal on the panel.
func TestOptInRefused(t *testing.T) {
	e := newLinkEnv(t, true)
	ctx := context.Background()
	conv := e.chatAs("ada@example.com")
	mail, path := e.lastMail("/confirm/")
	for _, want := range []string{"Someone is chatting with Acme as ada@example.com", "Chat started: " + verify.UTCTime(conv.StartedAt),
		`Name they gave: "‹script›alert(1)‹/script› Click https[:]//evil[.]example"`, "If it is not you, do not confirm."} {
		if !strings.Contains(mail.BodyText, want) {
			t.Errorf("opt-in email text lacks %q:\n%s", want, mail.BodyText)
		}
	}
	if !strings.Contains(mail.BodyHTML, inertStranger) || strings.Contains(mail.BodyHTML, "<script>") {
		t.Errorf("opt-in email HTML does not show the name inert:\n%s", mail.BodyHTML)
	}
	code, body := e.get(path)
	if code != 200 || !strings.Contains(body, inertStranger) || !strings.Contains(body, "as agreed in the chat") {
		t.Fatalf("GET %s = %d\n%s", path, code, body)
	}
	if code, body := e.answer(path, "refuse"); code != 200 || !strings.Contains(body, "Nothing was confirmed") {
		t.Fatalf("POST refuse = %d\n%s", code, body)
	}
	if code, _ := e.answer(path, "confirm"); code != 404 {
		t.Errorf("POST confirm after refusal = %d, want 404", code)
	}
	cur, err := e.st.ConversationByID(ctx, conv.OrgID, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cur.LinkState != store.LinkNone || cur.ContactID != "" {
		t.Errorf("conversation link = %q %q, want none", cur.LinkState, cur.ContactID)
	}
	counts, err := e.st.CountsByOrg(ctx, conv.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	if counts.Contacts != 0 || counts.PendingContacts != 1 {
		t.Errorf("counts = %+v, want the contact still pending", counts)
	}
	if p := e.panel(conv); p.State != verify.PanelPending || !p.Refused || p.Reason != verify.ReasonRefused {
		t.Errorf("panel = %+v, want pending and refused", p)
	}
	if notes := e.notes(conv); len(notes) == 0 || notes[len(notes)-1] != refusedNote {
		t.Errorf("system notes = %q, want the last %q", notes, refusedNote)
	}
	if n := e.refusals(conv); n != 1 {
		t.Errorf("audit rows = %d, want 1", n)
	}
}

// TestChatLinkOddAnswer: an answer the page never sends changes nothing; the link still works.
func TestChatLinkOddAnswer(t *testing.T) {
	e := newLinkEnv(t, false)
	conv := e.chatAs("ada@example.com")
	if err := e.verify.SendLink(context.Background(), e.ws.Me, conv.ID); err != nil {
		t.Fatal(err)
	}
	_, path := e.lastMail("/verify/email/")
	if code, _ := e.answer(path, "maybe"); code != 400 {
		t.Errorf("POST answer=maybe = %d, want 400", code)
	}
	res, err := http.Post(e.srv.URL+path, "application/x-www-form-urlencoded", strings.NewReader("answer=refuse&pad="+strings.Repeat("x", 2000)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Errorf("POST of an oversized form = %d, want 400", res.StatusCode)
	}
	if p := e.panel(conv); p.State != verify.PanelPreliminary || p.Refused {
		t.Errorf("panel = %+v, want unchanged", p)
	}
	if code, _ := e.answer(path, "confirm"); code != 200 {
		t.Errorf("POST confirm = %d, want 200", code)
	}
}
