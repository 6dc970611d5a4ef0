package outbox_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/testutil"
)

// Status says when the relay's last error happened and since when passes have been failing; a
// good pass ends the failing run and keeps when the last error was.
func TestStatusSaysWhenAndSinceWhen(t *testing.T) {
	st, orgID := setup(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there yet
	enqueue(t, st, email(orgID, 1))
	start := time.Now() // near the rows' creation: far later, they would be given up (MaxAge)
	now := start
	w := outbox.NewWorker(st, plainSMTP(addr), func() time.Time { return now }, nil)
	w.DeliverDue(ctx)
	now = now.Add(time.Minute) // past the first backoff
	w.DeliverDue(ctx)
	s := w.Status()
	if !strings.Contains(s.LastError, "cannot reach") || !s.LastErrorAt.Equal(now) || !s.FailingSince.Equal(start) {
		t.Errorf("Status() after two failed passes = %+v, want the error at %v, failing since %v", s, now, start)
	}
	lastErrAt := now
	testutil.NewSMTPServer(t, testutil.SMTPOptions{Addr: addr})
	now = now.Add(time.Hour)
	if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("DeliverDue() with the relay back = %d, %v", n, err)
	}
	s = w.Status()
	if s.LastError != "" || !s.FailingSince.IsZero() || !s.LastErrorAt.Equal(lastErrAt) || !s.LastPass.Equal(now) {
		t.Errorf("Status() after recovery = %+v, want no error, not failing, last error at %v", s, lastErrAt)
	}
}
