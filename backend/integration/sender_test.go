package integration

import (
	"net"
	"strconv"
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/testutil"
)

// TestSenderVerifiedThroughPostfixAndDovecot: the admin sets the sender; the engine's outbox mails
// the link through Postfix; Postfix delivers into Dovecot; the engine's watcher sees it over IMAP
// (IDLE) and verifies the sender by itself. No person, real servers end to end.
func TestSenderVerifiedThroughPostfixAndDovecot(t *testing.T) {
	me := env(t)

	secretEnv := map[string]string{"VOUCHD_SMTP_PASSWORD": me.password, "VOUCHD_IMAP_PASSWORD": me.password}
	e, err := engine.Open(ctx, engine.Config{DatabasePath: testutil.DBPath(t), Listen: "127.0.0.1:0",
		Secrets: secrets.Env{Getenv: func(k string) string { return secretEnv[k] }}, RootCAs: me.ca})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ws, err := e.Org().Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	imapHost, imapPort, _ := net.SplitHostPort(me.imapAddr)
	ip, _ := strconv.Atoi(imapPort)
	for purpose, in := range map[string]mailaccounts.Input{
		mailaccounts.SMTP: {Host: me.smtpHost, Port: me.smtpPort, TLS: "starttls", Username: me.user},
		mailaccounts.IMAP: {Host: imapHost, Port: ip, TLS: "starttls", Username: me.user},
	} {
		if _, err := e.Mail().Save(ctx, ws.Me, ws.Organization.ID, purpose, in); err != nil {
			t.Fatal(err)
		}
	}
	e.MailSettingsChanged()
	for deadline := time.Now().Add(15 * time.Second); !e.MailboxState().Status.Connected; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the watcher did not connect to Dovecot: %+v", e.MailboxState())
		}
	}
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
