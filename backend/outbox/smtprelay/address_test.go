package smtprelay_test

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/outbox/smtprelay"
	"vouchdesk/backend/testutil"
)

// sendTo sends message() addressed to `to` through a plain-text relay at addr, and returns the
// error and what OnConnect was told.
func sendTo(t *testing.T, addr, from, to string) (err error, offered []bool) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	r, err := smtprelay.New(smtprelay.Options{Host: host, Port: p, TLS: smtprelay.TLSNone, Timeout: 2 * time.Second,
		OnConnect: func(smtputf8 bool) { offered = append(offered, smtputf8) }})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := r.Dial(ctx)
	if err != nil {
		return err, offered
	}
	defer conn.Close()
	m := message()
	m.FromAddr, m.ToAddr = from, to
	return conn.Send(m), offered
}

// rawHeader returns the unparsed value of a header of a received message (unfolded).
func rawHeader(t *testing.T, r testutil.Received, name string) string {
	t.Helper()
	head := string(r.Data[:strings.Index(string(r.Data), "\r\n\r\n")])
	head = strings.ReplaceAll(head, "\r\n ", " ")
	for _, line := range strings.Split(head, "\r\n") {
		if k, v, ok := strings.Cut(line, ": "); ok && strings.EqualFold(k, name) {
			return v
		}
	}
	t.Fatalf("no %s header in %q", name, head)
	return ""
}

// addressPart is the address of a header value: inside <> when there is a display name.
func addressPart(v string) string {
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		return strings.TrimSuffix(v[i+1:], ">")
	}
	return v
}

func TestAddressesOnTheWire(t *testing.T) {
	for _, tc := range []struct {
		name             string
		smtputf8         bool // the relay offers SMTPUTF8
		from, to         string
		wantFrom, wantTo string // envelope and header addresses
		wantSMTPUTF8     bool   // MAIL FROM carried the SMTPUTF8 parameter
	}{
		{"ASCII address unchanged, case kept", false, "Acme Support <support@acme.test>", "Ada.Lovelace+Desk@example.com",
			"support@acme.test", "Ada.Lovelace+Desk@example.com", false},
		{"IDN domain as A-label", false, "Acme Support <support@acme.test>", "kunde@bücher.de",
			"support@acme.test", "kunde@xn--bcher-kva.de", false},
		{"IDN domain as A-label, SMTPUTF8 relay", true, "Acme Support <support@acme.test>", "kunde@bücher.de",
			"support@acme.test", "kunde@xn--bcher-kva.de", true},
		{"non-ASCII local part with SMTPUTF8", true, "Café Acme <support@acme.test>", "José@bücher.de",
			"support@acme.test", "José@xn--bcher-kva.de", true},
		{"non-ASCII sender local part with SMTPUTF8", true, "Acme <sérvice@acme.test>", "用户@example.com",
			"sérvice@acme.test", "用户@example.com", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testutil.NewSMTPServer(t, testutil.SMTPOptions{SMTPUTF8: tc.smtputf8})
			err, offered := sendTo(t, srv.Addr, tc.from, tc.to)
			if err != nil {
				t.Fatalf("Send(to %q) = %v, want nil", tc.to, err)
			}
			if len(offered) != 1 || offered[0] != tc.smtputf8 {
				t.Errorf("OnConnect told %v, want [%v]", offered, tc.smtputf8)
			}
			got := srv.Received()
			if len(got) != 1 {
				t.Fatalf("received %d, want 1", len(got))
			}
			r := got[0]
			if r.From != tc.wantFrom || len(r.To) != 1 || r.To[0] != tc.wantTo || r.SMTPUTF8 != tc.wantSMTPUTF8 {
				t.Errorf("envelope = MAIL FROM %q (SMTPUTF8 %v) RCPT TO %q, want %q (%v) %q",
					r.From, r.SMTPUTF8, r.To, tc.wantFrom, tc.wantSMTPUTF8, tc.wantTo)
			}
			to, from := rawHeader(t, r, "To"), rawHeader(t, r, "From")
			if to != tc.wantTo {
				t.Errorf("To header = %q, want %q", to, tc.wantTo)
			}
			if a := addressPart(from); a != tc.wantFrom {
				t.Errorf("From header = %q, address %q, want %q", from, a, tc.wantFrom)
			}
			// Never an encoded-word inside an address (the display name may be one).
			for _, v := range []string{to, addressPart(from)} {
				if strings.Contains(v, "=?") {
					t.Errorf("address header %q contains an encoded-word", v)
				}
			}
		})
	}
}

func TestNonASCIILocalPartWithoutSMTPUTF8Fails(t *testing.T) {
	srv := testutil.NewSMTPServer(t, testutil.SMTPOptions{})
	err, offered := sendTo(t, srv.Addr, "Acme <support@acme.test>", "josé@example.com")
	var se *outbox.SendError
	if !errors.As(err, &se) || se.Kind != outbox.ErrPermanent || se.Msg != smtprelay.NoSMTPUTF8Reason {
		t.Fatalf("Send(to josé@, relay without SMTPUTF8) = %#v, want a permanent failure %q", err, smtprelay.NoSMTPUTF8Reason)
	}
	if len(offered) != 1 || offered[0] {
		t.Errorf("OnConnect told %v, want [false]", offered)
	}
	if n := len(srv.Received()); n != 0 {
		t.Errorf("received %d, want nothing sent", n)
	}
}
