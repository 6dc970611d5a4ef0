package engine_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// With a bounce mailbox set up, the outbox's envelope sender is its address, so the relay's
// report lands there; the engine reads it and the email becomes bounced. A message in that
// mailbox that is no delivery report (here a plain copy of the verification email, link and all)
// is ignored: it verifies nothing, even though the same message in the sender's mailbox would.
func TestBounceMailboxRecordsReportsAndVerifiesNothing(t *testing.T) {
	ctx := context.Background()
	cert := testutil.NewTLSCert(t)
	senderBox := testutil.NewIMAPServer(t, "support@acme.test", "imap-pw", &cert)
	bounceBox := testutil.NewIMAPServer(t, "bounces", "bounce-pw", &cert)
	envelopeFrom := make(chan string, 4)
	smtpSrv := testutil.NewSMTPServer(t, testutil.SMTPOptions{TLS: &cert, Username: "support@acme.test", Password: "smtp-pw",
		OnMessage: func(r testutil.Received) {
			envelopeFrom <- r.From
			// The relay cannot deliver it: its report goes to the envelope sender, after an
			// unrelated message quoting the link (a forward, a copy) that must verify nothing.
			for _, raw := range [][]byte{r.Data, dsnFor(r.Data, "support@acme.test")} {
				if err := bounceBox.Deliver(raw); err != nil {
					t.Errorf("deliver to the bounce mailbox: %v", err)
				}
			}
		}})
	env := map[string]string{"VOUCHD_SMTP_PASSWORD": "smtp-pw", "VOUCHD_IMAP_PASSWORD": "imap-pw", "VOUCHD_BOUNCE_PASSWORD": "bounce-pw"}
	e, err := engine.Open(ctx, engine.Config{DatabasePath: testutil.DBPath(t), Listen: "127.0.0.1:0",
		Secrets: secrets.Env{Getenv: func(k string) string { return env[k] }}, RootCAs: cert.Pool})
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
	for purpose, a := range map[string]struct{ addr, user string }{mailaccounts.SMTP: {smtpSrv.Addr, "support@acme.test"},
		mailaccounts.IMAP: {senderBox.Addr, "support@acme.test"}, mailaccounts.Bounce: {bounceBox.Addr, "bounces"}} {
		host, port, _ := net.SplitHostPort(a.addr)
		p, _ := strconv.Atoi(port)
		in := mailaccounts.Input{Host: host, Port: p, TLS: "starttls", Username: a.user}
		if purpose == mailaccounts.Bounce {
			in.Address = "bounces@acme.test"
		}
		if _, err := e.Mail().Save(ctx, ws.Me, ws.Organization.ID, purpose, in); err != nil {
			t.Fatal(err)
		}
	}
	e.MailSettingsChanged()
	for deadline := time.Now().Add(10 * time.Second); !e.BounceMailboxState().Status.Connected || !e.MailboxState().Status.Connected; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the watchers did not connect: bounce %+v, sender %+v", e.BounceMailboxState(), e.MailboxState())
		}
	}
	hs, err := e.MailHealth(ctx, ws.Organization.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 3 || hs[2].Purpose != mailaccounts.Bounce || hs[2].State != mailaccounts.StateConnected || hs[2].Mode == "" {
		t.Errorf("MailHealth() = %+v; want a third entry, the bounce mailbox, connected with its mode", hs)
	}

	if _, err := e.Senders().Set(ctx, ws.Me, ws.Organization, "support@acme.test"); err != nil {
		t.Fatal(err)
	}
	select {
	case from := <-envelopeFrom:
		if from != "bounces@acme.test" {
			t.Errorf("envelope sender (MAIL FROM) = %q, want the bounce mailbox's bounces@acme.test", from)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("the relay received nothing in 15 s; outbox %+v", e.Outbox().Status())
	}
	var m store.OutboxMessage
	// The in-memory IMAP server may miss an IDLE push; the watcher's 30 s poll is the safety net.
	for deadline := time.Now().Add(45 * time.Second); m.Status != store.OutboxBounced; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the verification email is %q, not bounced, after 45 s; bounce mailbox %+v", m.Status, e.BounceMailboxState())
		}
		log, err := e.Store().OutboxLog(ctx, ws.Organization.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) == 1 {
			m = log[0]
		}
	}
	if m.BounceKind != store.BounceHard || m.BounceReason != "mailbox unknown (5.1.1)" {
		t.Errorf("bounced email records %s %q, want hard %q", m.BounceKind, m.BounceReason, "mailbox unknown (5.1.1)")
	}
	// The copy of the verification email came first (lower UID): it was read and ignored.
	st, err := e.Senders().Current(ctx, ws.Organization.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Verified != nil || st.Pending == nil {
		t.Errorf("after the bounce mailbox was read: verified %+v, pending %+v; want nothing verified, still pending", st.Verified, st.Pending)
	}
	if n := e.BounceMailboxState().Status.LastUID; n < 2 {
		t.Errorf("the bounce mailbox's checkpoint is at UID %d, want past both messages (2)", n)
	}
}
