package engine_test

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/testutil"
)

// The whole sender verification with real protocol servers and no person: an admin sets the
// sender; the outbox mails the link over SMTP; the message lands in the sender's IMAP mailbox; the
// engine's watcher finds it and the sender is verified by the app itself.
func TestSenderIsVerifiedByTheAppReadingItsMailbox(t *testing.T) {
	t.Run("mailbox watched before the email is sent", func(t *testing.T) { senderE2E(t, true) })
	// The admin sets the sender first and the mailbox afterwards: the email is already there when
	// the watcher first looks, and still counts.
	t.Run("mailbox set up after the email landed", func(t *testing.T) { senderE2E(t, false) })
}

func senderE2E(t *testing.T, imapFirst bool) {
	ctx := context.Background()
	cert := testutil.NewTLSCert(t)
	imapSrv := testutil.NewIMAPServer(t, "support@acme.test", "imap-pw", &cert)
	var landed time.Time
	var mu sync.Mutex
	smtpSrv := testutil.NewSMTPServer(t, testutil.SMTPOptions{TLS: &cert, Username: "support@acme.test", Password: "smtp-pw",
		OnMessage: func(r testutil.Received) {
			if err := imapSrv.Deliver(r.Data); err != nil {
				t.Errorf("deliver to IMAP: %v", err)
			}
			mu.Lock()
			landed = time.Now()
			mu.Unlock()
		}})
	env := map[string]string{"VOUCHD_SMTP_PASSWORD": "smtp-pw", "VOUCHD_IMAP_PASSWORD": "imap-pw"}
	events := make(chan string, 16)
	e, err := engine.Open(ctx, engine.Config{DatabasePath: testutil.DBPath(t), Listen: "127.0.0.1:0",
		Secrets: secrets.Env{Getenv: func(k string) string { return env[k] }}, RootCAs: cert.Pool,
		OnEvent: func(name string) {
			select {
			case events <- name:
			default:
			}
		}})
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
	save := func(purpose, addr string) {
		host, port, _ := net.SplitHostPort(addr)
		p, _ := strconv.Atoi(port)
		if _, err := e.Mail().Save(ctx, ws.Me, ws.Organization.ID, purpose, mailaccounts.Input{Host: host, Port: p,
			TLS: "starttls", Username: "support@acme.test"}); err != nil {
			t.Fatal(err)
		}
		e.MailSettingsChanged()
	}
	save(mailaccounts.SMTP, smtpSrv.Addr)
	if imapFirst {
		save(mailaccounts.IMAP, imapSrv.Addr)
		for deadline := time.Now().Add(10 * time.Second); !e.MailboxState().Status.Connected; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the mailbox watcher did not connect: %+v", e.MailboxState())
			}
		}
	}
	if _, err := e.Senders().Set(ctx, ws.Me, ws.Organization, "support@acme.test"); err != nil {
		t.Fatal(err)
	}
	if !imapFirst {
		if len(smtpSrv.WaitFor(1, 10*time.Second)) != 1 {
			t.Fatal("the verification email was not sent")
		}
		time.Sleep(100 * time.Millisecond) // let it land in the mailbox
		save(mailaccounts.IMAP, imapSrv.Addr)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := e.Senders().Current(ctx, ws.Organization.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Verified != nil {
			if st.Verified.Address != "support@acme.test" || st.Verified.VerifiedMethod != "imap" {
				t.Errorf("verified = %+v", st.Verified)
			}
			mu.Lock()
			t.Logf("verified %v after the message landed in the mailbox", time.Since(landed).Round(time.Millisecond))
			mu.Unlock()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not verified within 20 s; mailbox %+v; outbox %+v", e.MailboxState(), e.Outbox().Status())
		}
		time.Sleep(20 * time.Millisecond)
	}
	timeout := time.After(5 * time.Second)
	for {
		select {
		case name := <-events:
			if name == engine.EventSenderChanged {
				return
			}
		case <-timeout:
			t.Fatal("no sender:changed event")
		}
	}
}
