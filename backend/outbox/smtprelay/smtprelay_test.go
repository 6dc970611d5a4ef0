package smtprelay_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/outbox/smtprelay"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

var ctx = context.Background()

func message() store.OutboxMessage {
	return store.OutboxMessage{ID: "m1", FromAddr: "Acme Support <support@acme.test>", ToAddr: "customer@example.com",
		Subject: "Your conversation with Acme", BodyText: "Hello", BodyHTML: "<p>Hello</p>",
		MessageID: "<m1@acme.test>", CreatedAt: time.Now()}
}

// send dials the server at addr with opt and sends one message.
func send(t *testing.T, addr string, opt smtprelay.Options) error {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	opt.Host, opt.Timeout = host, 2*time.Second
	opt.Port, _ = strconv.Atoi(port)
	opt.Password = func() (string, error) { return "right", nil }
	r, err := smtprelay.New(opt)
	if err != nil {
		t.Fatalf("New(%+v) = %v", opt, err)
	}
	conn, err := r.Dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Send(message())
}

func TestTLSAndAuthentication(t *testing.T) {
	cert := testutil.NewTLSCert(t)
	for _, tc := range []struct {
		name    string
		server  testutil.SMTPOptions
		opt     smtprelay.Options
		wantMsg string // "" = delivered
	}{
		{"STARTTLS with AUTH", testutil.SMTPOptions{TLS: &cert, Username: "u", Password: "right"},
			smtprelay.Options{TLS: smtprelay.TLSStartTLS, Username: "u", RootCAs: cert.Pool}, ""},
		{"implicit TLS with AUTH", testutil.SMTPOptions{TLS: &cert, Implicit: true, Username: "u", Password: "right"},
			smtprelay.Options{TLS: smtprelay.TLSImplicit, Username: "u", RootCAs: cert.Pool}, ""},
		{"wrong password", testutil.SMTPOptions{TLS: &cert, Username: "u", Password: "other"},
			smtprelay.Options{TLS: smtprelay.TLSStartTLS, Username: "u", RootCAs: cert.Pool}, "authentication failed"},
		{"untrusted certificate", testutil.SMTPOptions{TLS: &cert},
			smtprelay.Options{TLS: smtprelay.TLSStartTLS}, "not trusted"},
		{"STARTTLS required but not offered", testutil.SMTPOptions{},
			smtprelay.Options{TLS: smtprelay.TLSStartTLS}, "does not offer STARTTLS"},
		{"username set but no AUTH offered", testutil.SMTPOptions{},
			smtprelay.Options{TLS: smtprelay.TLSNone, Username: "u"}, "does not offer authentication"},
		{"implicit TLS against a plain server", testutil.SMTPOptions{},
			smtprelay.Options{TLS: smtprelay.TLSImplicit, RootCAs: cert.Pool}, "does not speak TLS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testutil.NewSMTPServer(t, tc.server)
			err := send(t, srv.Addr, tc.opt)
			if tc.wantMsg == "" {
				if err != nil || len(srv.Received()) != 1 {
					t.Fatalf("send() = %v, received %d; want nil, 1", err, len(srv.Received()))
				}
				return
			}
			var se *outbox.SendError
			if !errors.As(err, &se) || se.Kind != outbox.ErrConfig || !strings.Contains(se.Msg, tc.wantMsg) {
				t.Fatalf("send() = %v (%T), want a settings problem containing %q", err, err, tc.wantMsg)
			}
			if strings.Contains(se.Msg, "right") {
				t.Error("the password leaked into the error")
			}
			if n := len(srv.Received()); n != 0 {
				t.Errorf("received %d, want nothing sent", n)
			}
		})
	}
}

func TestServerRepliesAreClassified(t *testing.T) {
	for _, tc := range []struct {
		code int
		want outbox.ErrorKind
	}{{451, outbox.ErrTemporary}, {550, outbox.ErrPermanent}} {
		srv := testutil.NewSMTPServer(t, testutil.SMTPOptions{})
		srv.Refuse(tc.code)
		err := send(t, srv.Addr, smtprelay.Options{TLS: smtprelay.TLSNone})
		var se *outbox.SendError
		if !errors.As(err, &se) || se.Kind != tc.want || se.Code != tc.code || !strings.Contains(se.Msg, strconv.Itoa(tc.code)) {
			t.Errorf("send() refused with %d = %#v, want kind %d", tc.code, err, tc.want)
		}
	}
}

func TestUnreachableServerIsTemporary(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there
	err := send(t, addr, smtprelay.Options{TLS: smtprelay.TLSNone})
	var se *outbox.SendError
	if !errors.As(err, &se) || se.Kind != outbox.ErrTemporary || !strings.Contains(se.Msg, "cannot reach") {
		t.Errorf("send() to a closed port = %#v, want a temporary 'cannot reach'", err)
	}
}

func TestSentMessageHeaders(t *testing.T) {
	srv := testutil.NewSMTPServer(t, testutil.SMTPOptions{})
	if err := send(t, srv.Addr, smtprelay.Options{TLS: smtprelay.TLSNone}); err != nil {
		t.Fatalf("send() = %v", err)
	}
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("received %d, want 1", len(got))
	}
	h := got[0].Msg.Header
	for name, want := range map[string]string{"Message-Id": "<m1@acme.test>", "Auto-Submitted": "auto-generated",
		"To": "customer@example.com", "From": `"Acme Support" <support@acme.test>`} {
		if h.Get(name) != want {
			t.Errorf("header %s = %q, want %q", name, h.Get(name), want)
		}
	}
	if got[0].From != "support@acme.test" {
		t.Errorf("envelope sender = %q, want support@acme.test", got[0].From)
	}
}

// With a bounce mailbox set up, the envelope sender (MAIL FROM, the Return-Path the relay's
// delivery reports go to) is its address, while the From header the customer sees is unchanged.
func TestEnvelopeFromIsTheBounceAddress(t *testing.T) {
	srv := testutil.NewSMTPServer(t, testutil.SMTPOptions{})
	if err := send(t, srv.Addr, smtprelay.Options{TLS: smtprelay.TLSNone, EnvelopeFrom: "bounces@acme.test"}); err != nil {
		t.Fatalf("send() = %v", err)
	}
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("received %d, want 1", len(got))
	}
	if got[0].From != "bounces@acme.test" {
		t.Errorf("envelope sender = %q, want bounces@acme.test", got[0].From)
	}
	if from := got[0].Msg.Header.Get("From"); from != `"Acme Support" <support@acme.test>` {
		t.Errorf("From header = %q, want the sender's", from)
	}
}

func TestOptionsCheck(t *testing.T) {
	for _, o := range []smtprelay.Options{
		{Host: "127.0.0.1", Port: 25, TLS: smtprelay.TLSNone, EnvelopeFrom: "not an address"},
		{Host: "", Port: 25, TLS: smtprelay.TLSStartTLS},
		{Host: "mail.example.com", Port: 0, TLS: smtprelay.TLSStartTLS},
		{Host: "mail.example.com", Port: 25, TLS: smtprelay.TLSNone},
		{Host: "mail.example.com", Port: 25, TLS: "maybe"},
	} {
		if _, err := smtprelay.New(o); err == nil {
			t.Errorf("New(%+v) succeeded, want an error", o)
		}
	}
	if _, err := smtprelay.New(smtprelay.Options{Host: "127.0.0.1", Port: 25, TLS: smtprelay.TLSNone}); err != nil {
		t.Errorf("New(plain text on 127.0.0.1) = %v, want nil", err)
	}
}
