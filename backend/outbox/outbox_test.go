package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/org"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/outbox/smtprelay"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

var ctx = context.Background()

func setup(t *testing.T) (*store.Store, string) {
	t.Helper()
	st := testutil.NewStore(t)
	ws, err := org.New(st, nil).Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	return st, ws.Organization.ID
}

func email(orgID string, n int) outbox.Email {
	return outbox.Email{OrgID: orgID, Kind: outbox.KindTranscript, IdempotencyKey: "test:" + strconv.Itoa(n),
		FromName: "Acme Support", FromAddr: "support@acme.test", To: fmt.Sprintf("customer%d@example.com", n),
		Subject: "Your conversation with Acme", Text: "Hello\nthe transcript", HTML: "<p>Hello</p>"}
}

func enqueue(t *testing.T, st *store.Store, e outbox.Email) string {
	t.Helper()
	var id string
	err := st.Write(ctx, func(tx *store.Tx) (err error) {
		id, err = outbox.Enqueue(tx, e, time.Now())
		return err
	})
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return id
}

// plainSMTP delivers through the real SMTP transport to a test server on 127.0.0.1 (the worker
// itself sees only an outbox.Transport; fakeTransport below tests it without SMTP).
func plainSMTP(addr string) func(string) (outbox.Transport, error) {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return func(string) (outbox.Transport, error) {
		return smtprelay.New(smtprelay.Options{Host: host, Port: p, TLS: smtprelay.TLSNone, Timeout: 2 * time.Second})
	}
}

func TestEnqueueRefusesHeaderInjection(t *testing.T) {
	st, orgID := setup(t)
	for name, mutate := range map[string]func(*outbox.Email){
		"CRLF in subject":          func(e *outbox.Email) { e.Subject = "Hi\r\nBcc: victim@example.com" },
		"LF in subject":            func(e *outbox.Email) { e.Subject = "Hi\nX-Evil: 1" },
		"CRLF in sender name":      func(e *outbox.Email) { e.FromName = "Acme\r\nBcc: victim@example.com" },
		"unicode line separator":   func(e *outbox.Email) { e.Subject = "Hi\u2028Bcc: x@y.z" },
		"CRLF in recipient":        func(e *outbox.Email) { e.To = "a@example.com\r\nBcc: victim@example.com" },
		"two recipients":           func(e *outbox.Email) { e.To = "a@example.com, b@example.com" },
		"display name recipient":   func(e *outbox.Email) { e.To = "Eve <eve@example.com>" },
		"address over 254 chars":   func(e *outbox.Email) { e.To = strings.Repeat("a", 250) + "@example.com" },
		"invalid local part":       func(e *outbox.Email) { e.To = "a..b@example.com" },
		"empty subject":            func(e *outbox.Email) { e.Subject = " " },
		"subject over 250 chars":   func(e *outbox.Email) { e.Subject = strings.Repeat("x", 251) },
		"empty text":               func(e *outbox.Email) { e.Text = "" },
		"no idempotency key":       func(e *outbox.Email) { e.IdempotencyKey = "" },
		"CRLF in sender address":   func(e *outbox.Email) { e.FromAddr = "support@acme.test\r\nBcc: x@y.z" },
		"invalid UTF-8 in subject": func(e *outbox.Email) { e.Subject = "Hi \xff" },
	} {
		e := email(orgID, 1)
		mutate(&e)
		err := st.Write(ctx, func(tx *store.Tx) error { _, err := outbox.Enqueue(tx, e, time.Now()); return err })
		if !errors.Is(err, outbox.ErrInvalid) {
			t.Errorf("%s: Enqueue error = %v, want ErrInvalid", name, err)
		}
	}
	if counts, _ := st.OutboxCounts(ctx, orgID); len(counts) != 0 {
		t.Errorf("refused emails left rows: %v", counts)
	}
}

func TestEnqueueIsIdempotentAndTransactional(t *testing.T) {
	st, orgID := setup(t)
	id1 := enqueue(t, st, email(orgID, 1))
	id2 := enqueue(t, st, email(orgID, 1))
	if id1 != id2 {
		t.Errorf("same idempotency key queued twice: %s, %s", id1, id2)
	}
	// A change that fails takes its email with it.
	err := st.Write(ctx, func(tx *store.Tx) error {
		if _, err := outbox.Enqueue(tx, email(orgID, 2), time.Now()); err != nil {
			return err
		}
		return errors.New("the change failed")
	})
	if err == nil {
		t.Fatal("want the write to fail")
	}
	if counts, _ := st.OutboxCounts(ctx, orgID); counts[store.OutboxQueued] != 1 {
		t.Errorf("queued = %v, want exactly 1", counts)
	}
}

func TestDeliversMessageWithSafeHeaders(t *testing.T) {
	st, orgID := setup(t)
	srv := testutil.NewSMTPServer(t, testutil.SMTPOptions{})
	e := email(orgID, 1)
	e.Subject = "Ihr Gespräch mit Acme ✓"
	e.FromName = "Acme <Support> \"Team\""
	id := enqueue(t, st, e)
	w := outbox.NewWorker(st, plainSMTP(srv.Addr), nil, nil)
	if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("DeliverDue() = %d, %v; want 1, nil", n, err)
	}
	got := srv.Received()
	if len(got) != 1 {
		t.Fatalf("received %d messages, want 1", len(got))
	}
	r := got[0]
	if r.From != "support@acme.test" || len(r.To) != 1 || r.To[0] != "customer1@example.com" {
		t.Errorf("envelope = %s -> %v", r.From, r.To)
	}
	dec := new(mime.WordDecoder)
	subj, _ := dec.DecodeHeader(r.Msg.Header.Get("Subject"))
	if subj != e.Subject {
		t.Errorf("Subject = %q, want %q", subj, e.Subject)
	}
	headerEnd := strings.Index(string(r.Data), "\r\n\r\n")
	for _, b := range r.Data[:headerEnd] {
		if b >= 0x80 {
			t.Fatalf("raw non-ASCII byte in the headers:\n%s", r.Data[:headerEnd])
		}
	}
	m, _ := st.OutboxByID(ctx, id)
	if r.Msg.Header.Get("Message-Id") != m.MessageID || !strings.HasSuffix(m.MessageID, "@acme.test>") {
		t.Errorf("Message-ID = %q, stored %q", r.Msg.Header.Get("Message-Id"), m.MessageID)
	}
	if !strings.HasPrefix(r.Msg.Header.Get("Content-Type"), "multipart/alternative") {
		t.Errorf("Content-Type = %q, want multipart/alternative", r.Msg.Header.Get("Content-Type"))
	}
	if m.Status != store.OutboxSent || m.SentAt.IsZero() || m.Attempts != 1 {
		t.Errorf("stored = %+v", m)
	}
}

func TestTemporaryFailureRetriesPermanentFails(t *testing.T) {
	st, orgID := setup(t)
	srv := testutil.NewSMTPServer(t, testutil.SMTPOptions{})
	id1 := enqueue(t, st, email(orgID, 1))
	id2 := enqueue(t, st, email(orgID, 2))
	now := time.Now()
	clock := func() time.Time { return now }
	srv.Refuse(451, 550)
	w := outbox.NewWorker(st, plainSMTP(srv.Addr), clock, nil)
	w.DeliverDue(ctx)
	m1, _ := st.OutboxByID(ctx, id1)
	m2, _ := st.OutboxByID(ctx, id2)
	if m1.Status != store.OutboxRetrying || !strings.Contains(m1.LastError, "451") || !m1.NextAttemptAt.After(now) {
		t.Errorf("after 451: %s %q next %v", m1.Status, m1.LastError, m1.NextAttemptAt)
	}
	if m2.Status != store.OutboxFailed || !strings.Contains(m2.LastError, "550") {
		t.Errorf("after 550: %s %q", m2.Status, m2.LastError)
	}
	// Not due yet: nothing happens.
	if n, _ := w.DeliverDue(ctx); n != 0 {
		t.Errorf("delivered %d before the backoff passed", n)
	}
	now = now.Add(outbox.Backoff(1) + time.Second)
	if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("after backoff DeliverDue() = %d, %v", n, err)
	}
	if got := srv.Received(); len(got) != 1 || got[0].To[0] != "customer1@example.com" {
		t.Errorf("received %v", got)
	}
}

func TestServerDownThenUpDeliversExactlyOnce(t *testing.T) {
	st, orgID := setup(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there yet
	for i := 0; i < 5; i++ {
		enqueue(t, st, email(orgID, i))
	}
	now := time.Now()
	w := outbox.NewWorker(st, plainSMTP(addr), func() time.Time { return now }, nil)
	if _, err := w.DeliverDue(ctx); err == nil {
		t.Fatal("DeliverDue with the server down: want an error")
	}
	if s := w.Status(); !strings.Contains(s.LastError, "cannot reach") {
		t.Errorf("Status().LastError = %q", s.LastError)
	}
	if c, _ := st.OutboxCounts(ctx, orgID); c[store.OutboxRetrying] != 5 {
		t.Errorf("counts = %v, want 5 retrying", c)
	}
	srv := testutil.NewSMTPServer(t, testutil.SMTPOptions{Addr: addr})
	now = now.Add(time.Minute)
	if n, err := w.DeliverDue(ctx); n != 5 || err != nil {
		t.Fatalf("DeliverDue() = %d, %v", n, err)
	}
	now = now.Add(time.Hour)
	w.DeliverDue(ctx)
	if got := srv.Received(); len(got) != 5 {
		t.Errorf("received %d, want exactly 5", len(got))
	}
	if s := w.Status(); s.LastError != "" {
		t.Errorf("Status().LastError = %q after recovery", s.LastError)
	}
}

func TestInterruptedSendIsRequeued(t *testing.T) {
	// A process claimed the email, then stopped before recording the outcome.
	path := testutil.DBPath(t)
	first, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := org.New(first, nil).Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	id := enqueue(t, first, email(ws.Organization.ID, 1))
	if _, err := first.ClaimDueOutbox(ctx, time.Now(), 10); err != nil {
		t.Fatal(err)
	}
	// While it runs, its claim is its own: nobody puts the email back.
	if n, err := first.RequeueInterruptedOutbox(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("RequeueInterruptedOutbox() by the claiming process = %d, %v; want 0", n, err)
	}
	first.Close()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv := testutil.NewSMTPServer(t, testutil.SMTPOptions{})
	w := outbox.NewWorker(st, plainSMTP(srv.Addr), nil, nil)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { w.Run(runCtx); close(done) }()
	got := srv.WaitFor(1, 5*time.Second)
	var m store.OutboxMessage
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m, _ = st.OutboxByID(ctx, id); m.Status == store.OutboxSent {
			break
		}
	}
	cancel()
	<-done
	if len(got) != 1 || m.Status != store.OutboxSent || m.Attempts != 2 {
		t.Errorf("received %d, stored %s after %d attempts", len(got), m.Status, m.Attempts)
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	prev := time.Duration(0)
	for n := 1; n < 20; n++ {
		d := outbox.Backoff(n)
		if d < prev || d > 30*time.Minute {
			t.Fatalf("Backoff(%d) = %v after %v", n, d, prev)
		}
		prev = d
	}
	if outbox.Backoff(1) != 15*time.Second || outbox.Backoff(19) != 30*time.Minute {
		t.Errorf("Backoff(1) = %v, Backoff(19) = %v", outbox.Backoff(1), outbox.Backoff(19))
	}
}

func TestNoRelayKeepsMailQueued(t *testing.T) {
	st, orgID := setup(t)
	id := enqueue(t, st, email(orgID, 1))
	w := outbox.NewWorker(st, func(string) (outbox.Transport, error) { return nil, nil }, nil, nil)
	if _, err := w.DeliverDue(ctx); err == nil || !strings.Contains(w.Status().LastError, "No outgoing mail server") {
		t.Errorf("DeliverDue() without relay = %v, status %q", err, w.Status().LastError)
	}
	if m, _ := st.OutboxByID(ctx, id); m.Status != store.OutboxRetrying {
		t.Errorf("status = %s, want retrying", m.Status)
	}
}

func TestRecoveredRelayPullsRetriesForward(t *testing.T) {
	st, orgID := setup(t)
	srv := testutil.NewSMTPServer(t, testutil.SMTPOptions{})
	a := enqueue(t, st, email(orgID, 1))
	srv.Refuse(451)
	now := time.Now().Add(time.Second)
	w := outbox.NewWorker(st, plainSMTP(srv.Addr), func() time.Time { return now }, nil)
	w.DeliverDue(ctx) // a: 451, retry in 15 s
	enqueue(t, st, email(orgID, 2))
	now = now.Add(2 * time.Second)
	if n, err := w.DeliverDue(ctx); n != 1 || err != nil { // b goes out: the relay works
		t.Fatalf("DeliverDue() = %d, %v", n, err)
	}
	if m, _ := st.OutboxByID(ctx, a); m.Status != store.OutboxRetrying || m.NextAttemptAt.After(now) {
		t.Fatalf("a = %s due %v, want due now", m.Status, m.NextAttemptAt)
	}
	if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
		t.Errorf("DeliverDue() after recovery = %d, %v; want a sent without waiting out its backoff", n, err)
	}
}

// International addresses (docs/decisions.md): the address is mailed as the customer gave it, and
// a row the relay cannot carry fails with the reason in words, never "sent".
func TestInternationalAddresses(t *testing.T) {
	st, orgID := setup(t)
	srv := testutil.NewSMTPServer(t, testutil.SMTPOptions{}) // no SMTPUTF8
	kept := email(orgID, 1)
	kept.To = " Ada.Lovelace@Bücher.de "
	utf8Local := email(orgID, 2)
	utf8Local.To = "José@example.com"
	keptID, utf8ID := enqueue(t, st, kept), enqueue(t, st, utf8Local)
	w := outbox.NewWorker(st, plainSMTP(srv.Addr), nil, nil)
	if n, err := w.DeliverDue(ctx); n != 1 || err != nil {
		t.Fatalf("DeliverDue() = %d, %v; want 1, nil", n, err)
	}
	if m, _ := st.OutboxByID(ctx, keptID); m.ToAddr != "Ada.Lovelace@Bücher.de" || m.Status != store.OutboxSent {
		t.Errorf("row to %q = %q %s, want the address as given, sent", kept.To, m.ToAddr, m.Status)
	}
	if got := srv.Received(); len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "Ada.Lovelace@xn--bcher-kva.de" {
		t.Errorf("received %+v, want one message to Ada.Lovelace@xn--bcher-kva.de", got)
	}
	m, _ := st.OutboxByID(ctx, utf8ID)
	if m.Status != store.OutboxFailed || m.LastError != smtprelay.NoSMTPUTF8Reason {
		t.Errorf("row to %q through a relay without SMTPUTF8 = %s %q, want failed %q", utf8Local.To, m.Status, m.LastError, smtprelay.NoSMTPUTF8Reason)
	}
}
