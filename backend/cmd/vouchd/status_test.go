package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/mailaccounts"
)

func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// With the relay and the mailbox on ports where nothing listens, `status --json` names each
// account's error in words, when it happened and since when it retries, beside the running serve.
func TestStatusShowsMailAccountErrors(t *testing.T) {
	cfg := writeConfig(t, fmt.Sprintf(`database = "vouchdesk.db"
[http]
listen = %q
[organization]
name = "Acme"
owner_name = "Olive Owner"
owner_email = "olive@acme.test"
sender_email = "support@acme.test"
[smtp]
host = "127.0.0.1"
port = %d
tls = "none"
[imap]
host = "127.0.0.1"
port = %d
tls = "none"
username = "support@acme.test"
`, freePort(t), closedPort(t), closedPort(t)))
	ctx, cancel := context.WithCancel(context.Background())
	var stderr bytes.Buffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve", "--config", cfg}, &bytes.Buffer{}, &stderr) }()
	defer func() { cancel(); <-done }()

	var s Status
	var out bytes.Buffer
	retrying := func() bool {
		out.Reset()
		if code := run(context.Background(), []string{"status", "--config", cfg, "--json"}, &out, &bytes.Buffer{}); code != 0 {
			return false
		}
		s = Status{}
		if json.Unmarshal(out.Bytes(), &s) != nil || len(s.MailAccounts) != 2 {
			return false
		}
		return s.MailAccounts[0].State == mailaccounts.StateRetrying && s.MailAccounts[1].State == mailaccounts.StateRetrying
	}
	for deadline := time.Now().Add(15 * time.Second); !retrying(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("status --json never showed both accounts retrying:\n%s\nserve: %s", out.String(), stderr.String())
		}
	}
	for i, want := range []struct{ purpose, err string }{{"smtp", "cannot reach the SMTP server"}, {"imap", "cannot reach 127.0.0.1"}} {
		h := s.MailAccounts[i]
		errAt, err1 := time.Parse(time.RFC3339, h.LastErrorAt)
		since, err2 := time.Parse(time.RFC3339, h.RetryingSince)
		if h.Purpose != want.purpose || !strings.Contains(h.LastError, want.err) || err1 != nil || err2 != nil || since.After(errAt) {
			t.Errorf("status mailAccounts[%d] = %+v, want %s retrying with %q, its time and since when", i, h, want.purpose, want.err)
		}
	}
	// The same in words for a person.
	var text bytes.Buffer
	run(context.Background(), []string{"status", "--config", cfg}, &text, &bytes.Buffer{})
	if !strings.Contains(text.String(), "smtp:           retrying since ") || !strings.Contains(text.String(), "cannot reach the SMTP server") {
		t.Errorf("status =\n%s\nwant the SMTP account retrying with its error", text.String())
	}
}

// A [bounce_imap] section adds the bounce mailbox; `status --json` shows its health beside the
// other accounts (here retrying: nothing listens on its port), and text status names it.
func TestStatusShowsTheBounceMailbox(t *testing.T) {
	cfg := writeConfig(t, fmt.Sprintf(`database = "vouchdesk.db"
[http]
listen = %q
[organization]
name = "Acme"
owner_name = "Olive Owner"
owner_email = "olive@acme.test"
[smtp]
host = "127.0.0.1"
port = %d
tls = "none"
[bounce_imap]
host = "127.0.0.1"
port = %d
tls = "none"
username = "bounces"
address = "bounces@acme.test"
`, freePort(t), closedPort(t), closedPort(t)))
	ctx, cancel := context.WithCancel(context.Background())
	var stderr bytes.Buffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve", "--config", cfg}, &bytes.Buffer{}, &stderr) }()
	defer func() { cancel(); <-done }()

	var s Status
	var out bytes.Buffer
	retrying := func() bool {
		out.Reset()
		if code := run(context.Background(), []string{"status", "--config", cfg, "--json"}, &out, &bytes.Buffer{}); code != 0 {
			return false
		}
		s = Status{}
		return json.Unmarshal(out.Bytes(), &s) == nil && len(s.MailAccounts) == 3 &&
			s.MailAccounts[2].State == mailaccounts.StateRetrying
	}
	for deadline := time.Now().Add(15 * time.Second); !retrying(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("status --json never showed the bounce mailbox retrying:\n%s\nserve: %s", out.String(), stderr.String())
		}
	}
	if h := s.MailAccounts[2]; h.Purpose != mailaccounts.Bounce || !strings.Contains(h.LastError, "cannot reach 127.0.0.1") || h.LastErrorAt == "" {
		t.Errorf("status mailAccounts[2] = %+v, want the bounce mailbox retrying with its error and when", h)
	}
	if s.MailAccounts[1].Purpose != mailaccounts.IMAP || s.MailAccounts[1].State != mailaccounts.StateNotSetUp {
		t.Errorf("status mailAccounts[1] = %+v, want imap not set up (the bounce mailbox is a separate account)", s.MailAccounts[1])
	}
	var text bytes.Buffer
	run(context.Background(), []string{"status", "--config", cfg}, &text, &bytes.Buffer{})
	if !strings.Contains(text.String(), "bounce:         retrying since ") {
		t.Errorf("status =\n%s\nwant the bounce mailbox retrying", text.String())
	}
}
