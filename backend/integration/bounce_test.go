package integration

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
)

// TestBounceReadBackFromPostfix: an email to an unknown mailbox is accepted by Postfix (the
// outbox row is sent), then Postfix itself bounces it and mails its RFC 3464 report back to the
// sender's mailbox in Dovecot; the engine's watcher reads it over IMAP and the row becomes
// bounced (hard), "mailbox unknown (5.1.1)". An email to a mailbox over its Dovecot quota is
// refused at delivery and bounced too (soft), "mailbox full (5.2.2)". An email to a real mailbox
// sent alongside stays sent.
func TestBounceReadBackFromPostfix(t *testing.T) {
	me := env(t)
	nobody, fullAddr := os.Getenv("VOUCHDESK_IT_BOUNCE_ADDR"), os.Getenv("VOUCHDESK_IT_FULL_ADDR")
	if nobody == "" || fullAddr == "" {
		t.Fatal("VOUCHDESK_IT_BOUNCE_ADDR and VOUCHDESK_IT_FULL_ADDR must be set: scripts/mailservers.sh start writes them into DIR/env")
	}

	e, ws := openEngine(t, me, engine.Config{RootCAs: me.ca})
	orgID := ws.Organization.ID
	useAccounts(t, e, ws, me, mailaccounts.SMTP, mailaccounts.IMAP)

	// The envelope sender is the watched account: that is where Postfix sends its report.
	mk := func(to, key string) outbox.Email {
		m := testEmail(orgID, to, key)
		m.FromAddr = me.user
		return m
	}
	key := strconv.FormatInt(time.Now().UnixNano(), 36)
	full := mk(fullAddr, "full-"+key)
	full.Text += strings.Repeat("A transcript long enough to be over any quota.\n", 100)
	rows := enqueue(t, e.Store(), mk(nobody, "bounce-"+key), full, mk("reader-"+key+"@vouchdesk.test", "kept-"+key))
	kept := rows[2]
	e.Outbox().Wake()

	start := time.Now()
	for i, want := range []struct{ to, kind, reason string }{
		{nobody, store.BounceHard, "mailbox unknown (5.1.1)"},
		{fullAddr, store.BounceSoft, "mailbox full (5.2.2)"},
	} {
		var sawSent bool
		var got store.OutboxMessage
		var err error
		for deadline := time.Now().Add(30 * time.Second); got.Status != store.OutboxBounced; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the email to %s is %q after 30 s, not bounced; mailbox %+v, outbox %+v",
					want.to, got.Status, e.MailboxState(), e.Outbox().Status())
			}
			if got, err = e.Store().OutboxByID(ctx, rows[i].ID); err != nil {
				t.Fatal(err)
			}
			if got.Status == store.OutboxFailed {
				t.Fatalf("the email to %s failed at the relay (%s); it must be accepted, then bounce", want.to, got.LastError)
			}
			sawSent = sawSent || got.Status == store.OutboxSent
		}
		t.Logf("%s bounced %v after queueing (queue -> Postfix accepts -> bounce -> Dovecot -> IDLE -> recorded); seen as sent first: %v",
			want.to, time.Since(start).Round(time.Millisecond), sawSent)
		if got.BounceKind != want.kind || got.BounceReason != want.reason || got.SentAt.IsZero() || got.BouncedAt.IsZero() {
			t.Errorf("bounced email to %s = kind %q reason %q sent %v bounced %v; want %s %q, both times set",
				want.to, got.BounceKind, got.BounceReason, got.SentAt, got.BouncedAt, want.kind, want.reason)
		}
	}
	if k, err := e.Store().OutboxByID(ctx, kept.ID); err != nil || k.Status != store.OutboxSent || k.BounceKind != "" {
		t.Errorf("the email to a real mailbox is %q/%q (%v), want sent with no bounce", k.Status, k.BounceKind, err)
	}
	if last, ok, err := e.Store().LastBounceTo(ctx, orgID, nobody); err != nil || !ok || last.Reason != "mailbox unknown (5.1.1)" {
		t.Errorf("LastBounceTo(%s) = %+v, %v, %v; want the 5.1.1 bounce", nobody, last, ok, err)
	}
}
