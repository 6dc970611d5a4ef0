package integration

import (
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
)

// TestSenderVerifiedThroughPostfixAndDovecot: the admin sets the sender; the engine's outbox mails
// the link through Postfix; Postfix delivers into Dovecot; the engine's watcher sees it over IMAP
// (IDLE) and verifies the sender by itself. No person, real servers end to end.
func TestSenderVerifiedThroughPostfixAndDovecot(t *testing.T) {
	me := env(t)

	e, ws := openEngine(t, me, engine.Config{RootCAs: me.ca})
	useAccounts(t, e, ws, me, mailaccounts.SMTP, mailaccounts.IMAP)
	start := time.Now()
	if _, err := e.Senders().Set(ctx, ws.Me, ws.Organization, me.user); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st, err := e.Senders().Current(ctx, ws.Organization.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Verified != nil {
			if st.Verified.VerifiedMethod != "imap" {
				t.Errorf("verified by %q, want imap", st.Verified.VerifiedMethod)
			}
			t.Logf("sender verified %v after it was set (queue -> Postfix -> Dovecot -> IDLE -> verified)", time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not verified within 30 s: mailbox %+v, outbox %+v", e.MailboxState(), e.Outbox().Status())
		}
	}
}
