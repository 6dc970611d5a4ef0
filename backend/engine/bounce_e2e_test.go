package engine_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// textBounceFor is the plain-text shape (qmail's): the original is copied into the body, so its
// link is in the text the sender verification would read.
func textBounceFor(original []byte, rcpt string) []byte {
	return []byte(strings.ReplaceAll(`From: MAILER-DAEMON@relay.acme.test
To: support@acme.test
Subject: failure notice

Hi. This is the qmail-send program at relay.acme.test.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<`+rcpt+`>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

`, "\n", "\r\n") + string(original))
}

// dsnFor wraps a sent message into the delivery report a relay sends back when the recipient's
// mailbox does not exist: the report quotes the whole original, its verification link included.
func dsnFor(original []byte, rcpt string) []byte {
	return []byte(strings.ReplaceAll(`From: MAILER-DAEMON@relay.acme.test (Mail Delivery System)
To: support@acme.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-1@relay.acme.test>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="R"

--R
Content-Type: text/plain

Your message could not be delivered.

--R
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.acme.test

Final-Recipient: rfc822; `+rcpt+`
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--R
Content-Type: message/rfc822

`, "\n", "\r\n") + string(original) + "\r\n--R--\r\n")
}

// A bounce of the sender verification email comes back into the very mailbox the link was sent
// to, quoting the link. It marks the email bounced and verifies nothing.
func TestBounceOfTheVerificationEmailVerifiesNothing(t *testing.T) {
	t.Run("RFC 3464 report", func(t *testing.T) { bounceE2E(t, dsnFor) })
	t.Run("text bounce quoting the link", func(t *testing.T) { bounceE2E(t, textBounceFor) })
}

func bounceE2E(t *testing.T, wrap func(original []byte, rcpt string) []byte) {
	ctx := context.Background()
	cert := testutil.NewTLSCert(t)
	imapSrv := testutil.NewIMAPServer(t, "support@acme.test", "imap-pw", &cert)
	smtpSrv := testutil.NewSMTPServer(t, testutil.SMTPOptions{TLS: &cert, Username: "support@acme.test", Password: "smtp-pw",
		OnMessage: func(r testutil.Received) {
			if err := imapSrv.Deliver(wrap(r.Data, "support@acme.test")); err != nil {
				t.Errorf("deliver to IMAP: %v", err)
			}
		}})
	env := map[string]string{"VOUCHD_SMTP_PASSWORD": "smtp-pw", "VOUCHD_IMAP_PASSWORD": "imap-pw"}
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
	for purpose, addr := range map[string]string{mailaccounts.SMTP: smtpSrv.Addr, mailaccounts.IMAP: imapSrv.Addr} {
		host, port, _ := net.SplitHostPort(addr)
		p, _ := strconv.Atoi(port)
		if _, err := e.Mail().Save(ctx, ws.Me, ws.Organization.ID, purpose, mailaccounts.Input{Host: host, Port: p,
			TLS: "starttls", Username: "support@acme.test"}); err != nil {
			t.Fatal(err)
		}
	}
	e.MailSettingsChanged()
	for deadline := time.Now().Add(10 * time.Second); !e.MailboxState().Status.Connected; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the mailbox watcher did not connect: %+v", e.MailboxState())
		}
	}
	if _, err := e.Senders().Set(ctx, ws.Me, ws.Organization, "support@acme.test"); err != nil {
		t.Fatal(err)
	}

	var m store.OutboxMessage
	// The in-memory IMAP server may miss an IDLE push; the watcher's 30 s poll is the safety net.
	for deadline := time.Now().Add(45 * time.Second); m.Status != store.OutboxBounced; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the verification email is %q, not bounced, after 45 s; mailbox %+v", m.Status, e.MailboxState())
		}
		log, err := e.Store().OutboxLog(ctx, ws.Organization.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) == 1 {
			m = log[0]
		}
		if st, err := e.Senders().Current(ctx, ws.Organization.ID); err != nil || st.Verified != nil {
			t.Fatalf("Senders().Current() = verified %+v, %v; a bounce must verify nothing", st.Verified, err)
		}
	}
	if m.BounceKind != store.BounceHard || m.BounceReason != "mailbox unknown (5.1.1)" {
		t.Errorf("bounced email records %s %q, want hard %q", m.BounceKind, m.BounceReason, "mailbox unknown (5.1.1)")
	}
	// The report was handled (the email is bounced) in the same pass that would have verified.
	st, err := e.Senders().Current(ctx, ws.Organization.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Verified != nil || st.Pending == nil {
		t.Errorf("after the bounce: verified %+v, pending %+v; want nothing verified, still pending", st.Verified, st.Pending)
	}
}
