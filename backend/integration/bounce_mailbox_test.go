package integration

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
)

// TestBounceMailboxThroughPostfix: with a separate bounce mailbox set up (another Dovecot user),
// every email goes out with it as the envelope sender (Return-Path). An email to an unknown
// mailbox is accepted by Postfix, which then mails its report to that bounce address; the
// engine's bounce watcher reads it and the row becomes bounced. The sender's own verification
// email, copied into the bounce mailbox before the report, verifies nothing there (in the sender's
// mailbox it would): that mailbox is read for delivery reports only.
func TestBounceMailboxThroughPostfix(t *testing.T) {
	me := env(t)
	nobody := os.Getenv("VOUCHDESK_IT_BOUNCE_ADDR")
	if nobody == "" {
		t.Fatal("VOUCHDESK_IT_BOUNCE_ADDR must be set: scripts/mailservers.sh start writes it into DIR/env")
	}
	key := strconv.FormatInt(time.Now().UnixNano(), 36)
	// Every address at the test domain is a Dovecot user that logs in with the run's password
	// (scripts/mailservers.sh): a fresh one per run is a bounce mailbox no other test writes to.
	bounces := "bounces-" + key + "@" + me.user[strings.LastIndexByte(me.user, '@')+1:]

	e, ws := openEngine(t, me, engine.Config{RootCAs: me.ca})
	orgID := ws.Organization.ID
	// The relay only: the sender's mailbox is not watched, so nothing but the bounce mailbox is read.
	useAccounts(t, e, ws, me, mailaccounts.SMTP)
	host, port, _ := net.SplitHostPort(me.imapAddr)
	p, _ := strconv.Atoi(port)
	if _, err := e.Mail().Save(ctx, ws.Me, orgID, mailaccounts.Bounce, mailaccounts.Input{Host: host, Port: p,
		TLS: "starttls", Username: bounces, Address: bounces}); err != nil {
		t.Fatal(err)
	}
	bounceBox := openMailboxAs(t, me, bounces) // before anything can arrive: it sees every message
	e.MailSettingsChanged()
	for deadline := time.Now().Add(15 * time.Second); !e.BounceMailboxState().Status.Connected; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the bounce watcher did not connect to Dovecot: %+v", e.BounceMailboxState())
		}
	}

	// The sender verification email goes to the sender's mailbox, with the bounce address as its
	// Return-Path.
	senderBox := openMailbox(t, me)
	if _, err := e.Senders().Set(ctx, ws.Me, ws.Organization, me.user); err != nil {
		t.Fatal(err)
	}
	log, err := e.Store().OutboxLog(ctx, orgID, 10)
	if err != nil || len(log) != 1 || log[0].Kind != outbox.KindSenderVerify {
		t.Fatalf("OutboxLog() = %d rows, %v; want the one verification email", len(log), err)
	}
	verifyID := msgID(log[0])
	senderBox.waitFor([]string{verifyID}, 30*time.Second)
	_, uid := senderBox.find(verifyID)
	if uid == 0 {
		t.Fatalf("the verification email did not reach %s in 30 s; outbox %+v", me.user, e.Outbox().Status())
	}
	if h := senderBox.header(uid); !strings.Contains(h, "Return-Path: <"+bounces+">") {
		t.Errorf("the verification email's header has no Return-Path <%s>:\n%s", bounces, h)
	}
	// Its exact copy into the bounce mailbox: our Message-ID, our link.
	whole := &imap.FetchItemBodySection{Peek: true}
	msgs, err := senderBox.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true,
		BodySection: []*imap.FetchItemBodySection{whole}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("IMAP FETCH of the verification email: %d, %v", len(msgs), err)
	}
	raw := msgs[0].FindBodySection(whole)
	if err := appendTo(bounceBox, raw); err != nil {
		t.Fatalf("IMAP APPEND to the bounce mailbox: %v", err)
	}

	// Then an email Postfix accepts and bounces: its report goes to the bounce address.
	m := testEmail(orgID, nobody, "bounce-mailbox-"+key)
	m.FromAddr = me.user
	row := enqueue(t, e.Store(), m)[0]
	e.Outbox().Wake()
	start := time.Now()
	var got store.OutboxMessage
	for deadline := time.Now().Add(30 * time.Second); got.Status != store.OutboxBounced; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the email to %s is %q after 30 s, not bounced; bounce mailbox %+v, outbox %+v",
				nobody, got.Status, e.BounceMailboxState(), e.Outbox().Status())
		}
		if got, err = e.Store().OutboxByID(ctx, row.ID); err != nil {
			t.Fatal(err)
		}
		if got.Status == store.OutboxFailed {
			t.Fatalf("the email to %s failed at the relay (%s); it must be accepted, then bounce", nobody, got.LastError)
		}
	}
	t.Logf("bounced %v after queueing (Postfix -> report to %s -> Dovecot -> bounce watcher)", time.Since(start).Round(time.Millisecond), bounces)
	if got.BounceKind != store.BounceHard || got.BounceReason != "mailbox unknown (5.1.1)" {
		t.Errorf("bounced email = kind %q reason %q, want hard \"mailbox unknown (5.1.1)\"", got.BounceKind, got.BounceReason)
	}
	// The copy came before the report, so the watcher has read it by now: nothing verified.
	if st := e.BounceMailboxState().Status; st.LastUID < 2 {
		t.Errorf("the bounce watcher's checkpoint is at UID %d, want past the copy and the report", st.LastUID)
	}
	if st, err := e.Senders().Current(ctx, orgID); err != nil || st.Verified != nil || st.Pending == nil {
		t.Errorf("Senders().Current() = verified %+v, pending %+v, %v; the copy in the bounce mailbox must verify nothing", st.Verified, st.Pending, err)
	}
	if v, err := e.Store().OutboxByID(ctx, log[0].ID); err != nil || v.Status != store.OutboxSent || v.BounceKind != "" {
		t.Errorf("the verification email is %q/%q (%v), want sent with no bounce", v.Status, v.BounceKind, err)
	}
	hs, err := e.MailHealth(ctx, orgID)
	if err != nil || len(hs) != 3 || hs[2].Purpose != mailaccounts.Bounce || hs[2].State != mailaccounts.StateConnected {
		t.Errorf("MailHealth() = %+v, %v; want the bounce mailbox third, connected", hs, err)
	}
}

// appendTo puts raw into the mailbox's INBOX as a new message.
func appendTo(m *mailbox, raw []byte) error {
	cmd := m.c.Append("INBOX", int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		return err
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	_, err := cmd.Wait()
	return err
}
