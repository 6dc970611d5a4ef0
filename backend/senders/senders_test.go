package senders_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/org"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/senders"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

var ctx = context.Background()

type fixture struct {
	st    *store.Store
	svc   *senders.Service
	ws    org.Workspace
	now   time.Time
	agent store.User
}

// orgs is the organization's settings service with its mail gate on this fixture's senders, as
// the engine wires it: inbox toggles that send mail need a verified sender.
func (f *fixture) orgs() *org.Service {
	o := org.New(f.st, func() time.Time { return f.now })
	o.MailReady = func(ctx context.Context, orgID string) (bool, error) {
		_, ok, err := f.svc.VerifiedAddress(ctx, orgID)
		return ok, err
	}
	return o
}

func setup(t *testing.T) *fixture {
	t.Helper()
	st := testutil.NewStore(t)
	ws, err := org.New(st, nil).Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive Owner", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, ws: ws, now: time.Now()}
	f.svc = senders.New(st, func() time.Time { return f.now }, func() string { return "http://127.0.0.1:8470" }, nil)
	f.agent = store.User{ID: ws.Me.ID, OrgID: ws.Organization.ID, Name: "Andy Agent", Role: store.RoleAgent}
	return f
}

var linkRE = regexp.MustCompile(`http://127\.0\.0\.1:8470/verify/sender/([A-Za-z0-9_-]{43})`)

// lastEmail returns the newest email in the outbox as it is sent (the stored copy has its link
// hidden; the sealed one has it).
func (f *fixture) lastEmail(t *testing.T) store.OutboxMessage {
	t.Helper()
	log, err := f.st.OutboxLog(ctx, f.ws.Organization.ID, 1)
	if err != nil || len(log) == 0 {
		t.Fatalf("OutboxLog() = %v, %v", log, err)
	}
	m, reason := outbox.Reveal(f.st.Sealer(), log[0])
	if reason != "" {
		t.Fatalf("Reveal(the newest email) = %q", reason)
	}
	return m
}

// lastLink returns the token of the newest verification email in the outbox, and its recipient.
func (f *fixture) lastLink(t *testing.T) (token, to string) {
	t.Helper()
	e := f.lastEmail(t)
	m := linkRE.FindStringSubmatch(e.BodyText)
	if m == nil {
		t.Fatalf("no link in the email:\n%s", e.BodyText)
	}
	return m[1], e.ToAddr
}

func TestAddVerifyByLink(t *testing.T) {
	f := setup(t)
	st, err := f.svc.Set(ctx, f.ws.Me, f.ws.Organization, " Support@Acme.TEST ")
	if err != nil || st.Pending == nil || st.Pending.Address != "support@acme.test" || st.Verified != nil || st.Pending.LinkSentAt.IsZero() {
		t.Fatalf("Set() = %+v, %v", st, err)
	}
	tok, to := f.lastLink(t)
	if to != "support@acme.test" {
		t.Errorf("verification email to %q", to)
	}
	if addr, orgName, err := f.svc.Preview(ctx, tok); err != nil || addr != "support@acme.test" || orgName != "Acme" {
		t.Errorf("Preview() = %q, %q, %v", addr, orgName, err)
	}
	se, err := f.svc.Verify(ctx, tok, senders.MethodLink)
	if err != nil || se.Status != store.SenderVerified || se.VerifiedMethod != "link" {
		t.Fatalf("Verify() = %+v, %v", se, err)
	}
	if _, err := f.svc.Verify(ctx, tok, senders.MethodLink); !errors.Is(err, senders.ErrLinkUnusable) {
		t.Errorf("second Verify() error = %v, want ErrLinkUnusable", err)
	}
	if addr, ok, _ := f.svc.VerifiedAddress(ctx, f.ws.Organization.ID); !ok || addr != "support@acme.test" {
		t.Errorf("VerifiedAddress() = %q, %v", addr, ok)
	}
}

func TestOnlyOwnersAndAdminsManage(t *testing.T) {
	f := setup(t)
	_, err := f.svc.Set(ctx, f.agent, f.ws.Organization, "support@acme.test")
	if e, ok := apperr.As(err); !ok || e.Code != apperr.CodeForbidden {
		t.Errorf("Set(by agent) error = %v, want forbidden", err)
	}
}

func TestBadAddressesAreRefused(t *testing.T) {
	f := setup(t)
	for _, a := range []string{"", "support", "support@acme.test\r\nBcc: x@y.z", "Support <support@acme.test>", strings.Repeat("a", 250) + "@acme.test"} {
		_, err := f.svc.Set(ctx, f.ws.Me, f.ws.Organization, a)
		if e, ok := apperr.As(err); !ok || e.Field != "address" {
			t.Errorf("Set(%q) error = %v, want invalid address", a, err)
		}
	}
}

func TestChangeKeepsVerifiedUntilNewIsVerified(t *testing.T) {
	f := setup(t)
	f.svc.Set(ctx, f.ws.Me, f.ws.Organization, "old@acme.test")
	tok, _ := f.lastLink(t)
	f.svc.Verify(ctx, tok, senders.MethodLink)

	st, err := f.svc.Set(ctx, f.ws.Me, f.ws.Organization, "new@acme.test")
	if err != nil || st.Verified == nil || st.Verified.Address != "old@acme.test" || st.Pending == nil || st.Pending.Address != "new@acme.test" {
		t.Fatalf("Set(new) = %+v, %v; want old verified and new pending", st, err)
	}
	tok2, _ := f.lastLink(t)
	f.svc.Verify(ctx, tok2, senders.MethodLink)
	st, _ = f.svc.Current(ctx, f.ws.Organization.ID)
	if st.Verified == nil || st.Verified.Address != "new@acme.test" || st.Pending != nil {
		t.Errorf("after verifying new: %+v", st)
	}
}

func TestRemovedOrReplacedAddressLinksStopWorking(t *testing.T) {
	f := setup(t)
	f.svc.Set(ctx, f.ws.Me, f.ws.Organization, "first@acme.test")
	first, _ := f.lastLink(t)
	f.now = f.now.Add(2 * time.Minute)
	f.svc.Set(ctx, f.ws.Me, f.ws.Organization, "second@acme.test") // replaces the pending one
	second, _ := f.lastLink(t)
	if _, err := f.svc.Verify(ctx, first, senders.MethodLink); !errors.Is(err, senders.ErrLinkUnusable) {
		t.Errorf("Verify(link of the replaced address) error = %v, want ErrLinkUnusable", err)
	}
	if _, err := f.svc.RemovePending(ctx, f.ws.Me, f.ws.Organization); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Verify(ctx, second, senders.MethodLink); !errors.Is(err, senders.ErrLinkUnusable) {
		t.Errorf("Verify(link of the removed address) error = %v, want ErrLinkUnusable", err)
	}
	if st, _ := f.svc.Current(ctx, f.ws.Organization.ID); st.Verified != nil || st.Pending != nil {
		t.Errorf("Current() = %+v, want nothing", st)
	}
}

func TestLinksExpire(t *testing.T) {
	f := setup(t)
	f.svc.Set(ctx, f.ws.Me, f.ws.Organization, "support@acme.test")
	tok, _ := f.lastLink(t)
	f.now = f.now.Add(senders.LinkLife + time.Second)
	if _, err := f.svc.Verify(ctx, tok, senders.MethodLink); !errors.Is(err, senders.ErrLinkUnusable) {
		t.Errorf("Verify(expired) error = %v, want ErrLinkUnusable", err)
	}
}

func TestResendIsRateLimited(t *testing.T) {
	f := setup(t)
	f.svc.Set(ctx, f.ws.Me, f.ws.Organization, "support@acme.test")
	_, err := f.svc.Resend(ctx, f.ws.Me, f.ws.Organization)
	if e, ok := apperr.As(err); !ok || e.Code != "rate_limited" {
		t.Fatalf("immediate Resend() error = %v, want rate_limited", err)
	}
	sent := 1
	for i := 0; i < 6; i++ {
		f.now = f.now.Add(61 * time.Second)
		if _, err := f.svc.Resend(ctx, f.ws.Me, f.ws.Organization); err == nil {
			sent++
		}
	}
	if sent != 5 {
		t.Errorf("links sent within the hour = %d, want 5", sent)
	}
	log, _ := f.st.OutboxLog(ctx, f.ws.Organization.ID, 100)
	if len(log) != 5 {
		t.Errorf("queued emails = %d, want 5", len(log))
	}
}

func TestVerifyFromMailboxNeedsTheExactToken(t *testing.T) {
	f := setup(t)
	f.svc.Set(ctx, f.ws.Me, f.ws.Organization, "support@acme.test")
	tok, _ := f.lastLink(t)
	e := f.lastEmail(t)
	lookalike := tok[:42] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZ", tok[42])+1)%26])
	for _, text := range []string{
		"Confirm: http://127.0.0.1:8470/verify/sender/" + lookalike,
		"Token without the link path: " + tok,
		"Truncated: http://127.0.0.1:8470/verify/sender/" + tok[:40],
		"Extended: http://127.0.0.1:8470/verify/sender/" + tok + "x",
	} {
		if addr, err := f.svc.VerifyFromMailbox(ctx, senders.Arrived{MessageID: e.MessageID, From: e.ToAddr, Subject: "Confirm", Text: text}); err != nil || addr != "" {
			t.Errorf("VerifyFromMailbox(%q) = %q, %v; want nothing verified", text, addr, err)
		}
	}
	if st, _ := f.svc.Current(ctx, f.ws.Organization.ID); st.Verified != nil {
		t.Fatal("a look-alike message verified the sender")
	}
	addr, err := f.svc.VerifyFromMailbox(ctx, arrived(e))
	if err != nil || addr != "support@acme.test" {
		t.Fatalf("VerifyFromMailbox(the real email) = %q, %v", addr, err)
	}
	if st, _ := f.svc.Current(ctx, f.ws.Organization.ID); st.Verified == nil || st.Verified.VerifiedMethod != "imap" {
		t.Errorf("Current() = %+v, want verified by imap", st)
	}
}

// arrived is the sent email e as the watcher reads it when it lands unchanged.
func arrived(e store.OutboxMessage) senders.Arrived {
	return senders.Arrived{MessageID: e.MessageID, From: e.ToAddr, Subject: e.Subject, Text: e.BodyText}
}

// TestVerifyFromMailboxNeedsOurMessage: the token alone is not enough; the message must be the
// verification email we sent (its Message-ID, or From the sender address with our subject).
func TestVerifyFromMailboxNeedsOurMessage(t *testing.T) {
	f := setup(t)
	f.svc.Set(ctx, f.ws.Me, f.ws.Organization, "support@acme.test")
	e := f.lastEmail(t)
	quoted := "Thanks!\n\n> " + strings.ReplaceAll(e.BodyText, "\n", "\n> ")
	for name, m := range map[string]senders.Arrived{
		"a reply from another address":    {MessageID: "<reply-1@elsewhere.test>", From: "mallory@elsewhere.test", Subject: "Re: " + e.Subject, Text: quoted},
		"another address, our subject":    {MessageID: "<reply-2@elsewhere.test>", From: "mallory@elsewhere.test", Subject: e.Subject, Text: e.BodyText},
		"a reply from the address itself": {MessageID: "<reply-3@acme.test>", From: "support@acme.test", Subject: "Re: " + e.Subject, Text: quoted},
		"no Message-ID, another address":  {From: "mallory@elsewhere.test", Subject: e.Subject, Text: e.BodyText},
		"no From, no Message-ID":          {Subject: e.Subject, Text: e.BodyText},
	} {
		if addr, err := f.svc.VerifyFromMailbox(ctx, m); err != nil || addr != "" {
			t.Errorf("VerifyFromMailbox(%s) = %q, %v; want nothing verified", name, addr, err)
		}
	}
	if st, _ := f.svc.Current(ctx, f.ws.Organization.ID); st.Verified != nil {
		t.Fatal("a message we did not send verified the sender")
	}

	// Our own message, whose Message-ID a relay replaced: From the sender address, our subject.
	rewritten := arrived(e)
	rewritten.MessageID = "<0100018f-rewritten@relay.test>"
	rewritten.From = "Support@Acme.test"
	addr, err := f.svc.VerifyFromMailbox(ctx, rewritten)
	if err != nil || addr != "support@acme.test" {
		t.Fatalf("VerifyFromMailbox(our email, Message-ID replaced by the relay) = %q, %v; want support@acme.test (the refused ones left the link usable)", addr, err)
	}
}

// TestVerifyFromMailboxByMessageID: our message verifies by its Message-ID even when a relay
// rewrote the From (a forwarding service sending on the address's behalf).
func TestVerifyFromMailboxByMessageID(t *testing.T) {
	f := setup(t)
	f.svc.Set(ctx, f.ws.Me, f.ws.Organization, "support@acme.test")
	e := f.lastEmail(t)
	m := arrived(e)
	m.MessageID = strings.Trim(e.MessageID, "<>") // as the watcher gives it
	m.From = "bounces+srs=support=acme.test@forwarder.test"
	addr, err := f.svc.VerifyFromMailbox(ctx, m)
	if err != nil || addr != "support@acme.test" {
		t.Fatalf("VerifyFromMailbox(our Message-ID, another From) = %q, %v; want support@acme.test", addr, err)
	}
}

func TestConcurrentVerificationsSucceedOnce(t *testing.T) {
	f := setup(t)
	f.svc.Set(ctx, f.ws.Me, f.ws.Organization, "support@acme.test")
	tok, _ := f.lastLink(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.svc.Verify(ctx, tok, senders.MethodLink); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Errorf("%d concurrent verifications succeeded, want 1", ok)
	}
}

func TestEmailEscapesNames(t *testing.T) {
	f := setup(t)
	o := f.ws.Organization
	o.Name = `Acme <script>alert(1)</script>`
	me := f.ws.Me
	me.Name = `<img src=x onerror=alert(1)>`
	if _, err := f.svc.Set(ctx, me, o, "support@acme.test"); err != nil {
		t.Fatal(err)
	}
	log, _ := f.st.OutboxLog(ctx, o.ID, 1)
	if strings.Contains(log[0].BodyHTML, "<script>") || strings.Contains(log[0].BodyHTML, "<img") {
		t.Errorf("HTML body carries markup from names:\n%s", log[0].BodyHTML)
	}
}

func TestMailTogglesNeedAVerifiedSender(t *testing.T) {
	f := setup(t)
	inboxes, _ := f.st.InboxesByOrg(ctx, f.ws.Organization.ID)
	id := inboxes[0].ID
	for _, toggle := range []string{"emailSignin", "transcriptAfter"} {
		_, err := f.orgs().SetInboxToggle(ctx, f.ws.Me, id, toggle, true)
		if e, ok := apperr.As(err); !ok || e.Code != "sender_required" {
			t.Errorf("SetInboxToggle(%s) without sender error = %v, want sender_required", toggle, err)
		}
	}
	if in, err := f.orgs().SetInboxToggle(ctx, f.ws.Me, id, "googleSignin", true); err != nil || !in.GoogleSignin {
		t.Errorf("SetInboxToggle(googleSignin) = %+v, %v", in, err)
	}
	f.svc.Set(ctx, f.ws.Me, f.ws.Organization, "support@acme.test")
	tok, _ := f.lastLink(t)
	f.svc.Verify(ctx, tok, senders.MethodLink)
	if in, err := f.orgs().SetInboxToggle(ctx, f.ws.Me, id, "transcriptAfter", true); err != nil || !in.TranscriptAfter {
		t.Errorf("SetInboxToggle(transcriptAfter) with sender = %+v, %v", in, err)
	}
	if _, err := f.orgs().SetInboxToggle(ctx, f.agent, id, "transcriptAfter", false); err == nil {
		t.Error("an agent changed an inbox setting")
	}
	if _, err := f.orgs().SetInboxToggle(ctx, f.ws.Me, id, "deleted_at", true); err == nil {
		t.Error("an unknown toggle was accepted")
	}
}

func TestPhoneInboxesHaveNoChatToggles(t *testing.T) {
	f := setup(t)
	phone := store.Inbox{ID: store.NewID(), OrgID: f.ws.Organization.ID, Kind: store.InboxPhone, Name: "Hotline",
		PhoneNumber: "+12025550100", CreatedAt: f.now, UpdatedAt: f.now}
	if err := f.st.Write(ctx, func(tx *store.Tx) error { return tx.InsertInbox(phone) }); err != nil {
		t.Fatal(err)
	}
	_, err := f.orgs().SetInboxToggle(ctx, f.ws.Me, phone.ID, "googleSignin", true)
	if e, ok := apperr.As(err); !ok || e.Code != apperr.CodeInvalid {
		t.Errorf("SetInboxToggle(phone inbox) error = %v, want invalid", err)
	}
}
