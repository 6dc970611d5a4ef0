package verify_test

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/chat"
	"vouchdesk/backend/org"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/senders"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/verify"
)

// codeEnv is chat verification on a real SQLite file, with a verified sender email (codes stay in
// the outbox, where the test reads them) and double opt-in off, so only codes count against an
// address's sends.
type codeEnv struct {
	t      testing.TB
	st     *store.Store
	ws     org.Workspace
	clock  *testutil.Clock
	chat   *chat.Service
	verify *verify.Service
	inbox  string
}

func newCodeEnv(t testing.TB) *codeEnv {
	t.Helper()
	ctx := context.Background()
	st := testutil.NewStore(t)
	clk := testutil.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	ws, err := org.New(st, clk.Now).Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Write(ctx, func(tx *store.Tx) error { return tx.SetRegulatory(ws.Organization.ID, false, "", clk.Now()) }); err != nil {
		t.Fatal(err)
	}
	public := func() string { return "http://public.example" }
	snd := senders.New(st, clk.Now, public, nil)
	if _, err := snd.Set(ctx, ws.Me, ws.Organization, "support@acme.test"); err != nil {
		t.Fatal(err)
	}
	log, _ := st.OutboxLog(ctx, ws.Organization.ID, 1)
	tok := regexp.MustCompile(`/verify/sender/([A-Za-z0-9_-]{43})`).FindStringSubmatch(sentText(t, st, log[0]))
	if _, err := snd.Verify(ctx, tok[1], "link"); err != nil {
		t.Fatal(err)
	}
	c := chat.New(st, clk.Now, chat.NewHub())
	inboxes, _ := st.InboxesByOrg(ctx, ws.Organization.ID)
	return &codeEnv{t: t, st: st, ws: ws, clock: clk, chat: c, verify: verify.New(st, clk.Now, public, c), inbox: inboxes[0].ID}
}

// chatWith opens a conversation on a new device and gives the email, as the widget would.
func (e *codeEnv) chatWith(email string) store.Conversation {
	e.t.Helper()
	ctx := context.Background()
	dev, _, _, err := e.verify.Device(ctx, e.ws.Organization.ID, "", "test")
	if err != nil {
		e.t.Fatal(err)
	}
	s, err := e.chat.Start(ctx, e.ws.Organization.ID, chat.StartInput{InboxID: e.inbox, DeviceID: dev})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.verify.SubmitEmail(ctx, s.Conversation, email, true, store.Actor{Kind: "customer"}); err != nil {
		e.t.Fatal(err)
	}
	return s.Conversation
}

// sendCode has the agent email a code and returns it.
func (e *codeEnv) sendCode(conv store.Conversation) string {
	e.t.Helper()
	ctx := context.Background()
	if err := e.verify.SendCode(ctx, e.ws.Me, conv.ID); err != nil {
		e.t.Fatal(err)
	}
	log, _ := e.st.OutboxLog(ctx, e.ws.Organization.ID, 1)
	return regexp.MustCompile(`\d{6}`).FindString(sentText(e.t, e.st, log[0]))
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

func wrongFor(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func codeOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	return ""
}

func (e *codeEnv) verified(conv store.Conversation) bool {
	e.t.Helper()
	cur, err := e.st.ConversationByID(context.Background(), conv.OrgID, conv.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return cur.LinkState == store.LinkVerified
}

// TestWrongCodesPerAddress: an address gets 10 wrong codes per hour across all its codes and
// conversations. New codes buy no more guesses; once spent, even the right code is refused
// uncompared, with the time until it lifts; other addresses are untouched; after the window the
// address can verify again.
func TestWrongCodesPerAddress(t *testing.T) {
	e := newCodeEnv(t)
	ctx := context.Background()
	a := e.chatWith("ada@example.com")

	first := e.sendCode(a)
	for i := 1; i <= 4; i++ {
		var ce *verify.CodeError
		if err := e.verify.CheckCode(ctx, a, wrongFor(first)); !errors.As(err, &ce) || ce.AttemptsLeft != 5-i {
			t.Fatalf("wrong code #%d = %v, want code_wrong with %d left", i, err, 5-i)
		}
	}
	e.clock.Advance(time.Minute)
	second := e.sendCode(a) // replaces the first: its 4 wrong attempts still count for the address
	firstStopped := e.clock.Now()
	for i := 5; i <= 8; i++ {
		var ce *verify.CodeError
		// The new code has 5 tries, the address 10-i+1 before this one: the lower is told.
		want := min(5-(i-4), 10-i)
		if err := e.verify.CheckCode(ctx, a, wrongFor(second)); !errors.As(err, &ce) || ce.AttemptsLeft != want {
			t.Fatalf("wrong code #%d = %v, want code_wrong with %d left", i, err, want)
		}
	}

	// Another chat, another code, same address: one wrong code left for it.
	e.clock.Advance(time.Minute)
	b := e.chatWith("Ada@Example.com")
	third := e.sendCode(b)
	var ce *verify.CodeError
	if err := e.verify.CheckCode(ctx, b, wrongFor(third)); !errors.As(err, &ce) || ce.AttemptsLeft != 1 {
		t.Fatalf("wrong code #9 = %v, want code_wrong with 1 left", err)
	}
	var re *verify.RetryError
	err := e.verify.CheckCode(ctx, b, wrongFor(third))
	if !errors.As(err, &re) || codeOf(err) != verify.CodeTooManyWrong {
		t.Fatalf("wrong code #10 = %v, want too_many_wrong_codes", err)
	}
	// The first code's 4 attempts leave the window an hour after it was replaced: then there is room.
	if want := firstStopped.Add(time.Hour).Sub(e.clock.Now()); re.After != want {
		t.Errorf("the lock lifts in %v, want %v (an hour after the oldest counted code stopped working)", re.After, want)
	}

	// Locked: the right code is not even compared.
	if err := e.verify.CheckCode(ctx, b, third); codeOf(err) != verify.CodeTooManyWrong {
		t.Fatalf("the right code while locked = %v, want too_many_wrong_codes", err)
	}
	if e.verified(b) {
		t.Fatal("a locked address was verified")
	}
	// Another address of the same organization is not affected.
	g := e.chatWith("grace@example.com")
	code := e.sendCode(g)
	if err := e.verify.CheckCode(ctx, g, wrongFor(code)); !errors.As(err, &ce) || ce.AttemptsLeft != 4 {
		t.Errorf("another address's wrong code = %v, want code_wrong with 4 left", err)
	}

	// Still locked a moment before the window lets the oldest attempts go; free after.
	e.clock.Advance(re.After - time.Second)
	fresh := e.sendCode(b)
	if err := e.verify.CheckCode(ctx, b, fresh); codeOf(err) != verify.CodeTooManyWrong {
		t.Fatalf("the right code a second before the lock lifts = %v, want too_many_wrong_codes", err)
	}
	e.clock.Advance(time.Second)
	if err := e.verify.CheckCode(ctx, b, fresh); err != nil || !e.verified(b) {
		t.Fatalf("the right code after the lock lifted = %v (verified %v), want verified", err, e.verified(b))
	}
}
