package integration

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/outbox"
)

// TestSenderNotVerifiedByAReplyQuotingTheLink: someone else's reply that quotes the sender
// verification link reaches the watched mailbox through Postfix and Dovecot before our own
// email does; the sender stays unverified. Our own email, sent once the relay is set, verifies it.
func TestSenderNotVerifiedByAReplyQuotingTheLink(t *testing.T) {
	me := env(t)
	e, ws := openEngine(t, me, engine.Config{RootCAs: me.ca})
	orgID := ws.Organization.ID
	// The mailbox first, no relay yet: our verification email waits in the outbox.
	useAccounts(t, e, ws, me, mailaccounts.IMAP)
	t0 := time.Now()
	if _, err := e.Senders().Set(ctx, ws.Me, ws.Organization, me.user); err != nil {
		t.Fatal(err)
	}
	log, err := e.Store().OutboxLog(ctx, orgID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ours outbox.Message
	for _, m := range log {
		if m.Kind == outbox.KindSenderVerify {
			ours = m
		}
	}
	sent, reason := outbox.Reveal(e.Store().Sealer(), ours)
	link := regexp.MustCompile(`http\S*/verify/sender/[A-Za-z0-9_-]{43}`).FindString(sent.BodyText)
	if reason != "" || link == "" {
		t.Fatalf("no link in our queued verification email (%q): %s", reason, sent.BodyText)
	}

	// Mallory's reply, quoting our email and its link, from another address, through Postfix.
	st, otherOrg := newOrg(t)
	reply := testEmail(otherOrg, me.user, "forged-reply")
	reply.FromName, reply.FromAddr = "Mallory", "mallory@vouchdesk.test"
	reply.Subject = "Re: " + ours.Subject
	reply.Text = "Thanks!\n\n> " + strings.ReplaceAll(strings.TrimSpace(sent.BodyText), "\n", "\n> ") + "\n"
	m := enqueue(t, st, reply)[0]
	if n, err := outbox.NewWorker(st, transport(me.smtpConfig()), nil, nil).DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("sending the reply: DeliverDue() = %d, %v", n, err)
	}
	t.Logf("reply sent %v", time.Since(t0))
	box := openMailbox(t, me)
	box.waitFor([]string{msgID(m)}, 15*time.Second)
	t.Logf("reply in the mailbox %v", time.Since(t0))
	// The watcher reads it at once (IDLE); it must not verify, now or a little later.
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		st, err := e.Senders().Current(ctx, orgID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Verified != nil {
			t.Fatalf("a reply from %s quoting the link verified the sender", reply.FromAddr)
		}
	}

	// Our own email: the relay is set, it goes out, comes back into the mailbox and verifies.
	useAccounts(t, e, ws, me, mailaccounts.SMTP)
	t.Logf("relay set %v", time.Since(t0))
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		st, err := e.Senders().Current(ctx, orgID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Verified != nil {
			t.Logf("verified %v", time.Since(t0))
			if st.Verified.VerifiedMethod != "imap" {
				t.Errorf("verified by %q, want imap (our own email)", st.Verified.VerifiedMethod)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("our own email did not verify within 30 s: mailbox %+v, outbox %+v", e.MailboxState(), e.Outbox().Status())
		}
	}
}
