package services

import (
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
)

// TestSenderLinkBounced: when the sender verification email comes back undeliverable, the
// sender card says why and when, and the delivery log shows the bounce on its row.
func TestSenderLinkBounced(t *testing.T) {
	b := newBackend(t)
	if _, err := NewSetup(b).Complete(SetupRequest{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"}); err != nil {
		t.Fatal(err)
	}
	mail := NewMail(b)
	st, err := mail.SetSender("typo@acme.test")
	if err != nil || st.Pending == nil || st.Pending.LinkBounced != "" {
		t.Fatalf("SetSender() = %+v, %v; want pending with no bounce", st, err)
	}
	ctx, _, ws, _ := b.workspace()
	e := eng(b)
	log, err := e.Store().OutboxLog(ctx, ws.Organization.ID, 10)
	if err != nil || len(log) != 1 {
		t.Fatalf("OutboxLog() = %d rows, %v", len(log), err)
	}
	at := time.Now().Add(time.Minute)
	if err := e.Store().MarkOutboxSent(ctx, log[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := outbox.RecordBounce(ctx, e.Store(), outbox.Bounce{OrgID: ws.Organization.ID,
		MessageID: strings.Trim(log[0].MessageID, "<>"), Kind: store.BounceHard, Reason: "mailbox unknown (5.1.1)", At: at}); err != nil {
		t.Fatal(err)
	}
	want := at.UTC().Format(time.RFC3339)
	st, err = mail.SenderState()
	if err != nil || st.Pending == nil || st.Pending.LinkBounced != "mailbox unknown (5.1.1)" || st.Pending.LinkBouncedAt != want {
		t.Errorf("SenderState().Pending = %+v, %v; want the link bounced: mailbox unknown (5.1.1) at %s", st.Pending, err, want)
	}
	dl, err := mail.DeliveryLog()
	if err != nil || len(dl.Entries) != 1 {
		t.Fatalf("DeliveryLog() = %+v, %v", dl, err)
	}
	if d := dl.Entries[0]; d.Status != "bounced" || d.BounceKind != "hard" || d.BounceReason != "mailbox unknown (5.1.1)" || d.BouncedAt != want {
		t.Errorf("DeliveryLog().Entries[0] = %+v; want bounced, hard, mailbox unknown (5.1.1) at %s", d, want)
	}
}

// TestContactEmailBounced: once mail to a contact's email bounced after it was verified, the
// contact's field says so with the date and the reason.
func TestContactEmailBounced(t *testing.T) {
	b := newBackend(t)
	id := transcriptChat(t, b) // ada@example.com, verified by the agent
	ctx, _, ws, _ := b.workspace()
	e := eng(b)
	conv, err := e.Store().ConversationByID(ctx, ws.Organization.ID, id)
	if err != nil || conv.ContactID == "" {
		t.Fatalf("ConversationByID() = %+v, %v; want a contact", conv, err)
	}
	field := func() ContactField {
		t.Helper()
		d, err := NewContacts(b).Get(conv.ContactID)
		if err != nil || len(d.Fields) != 1 {
			t.Fatalf("Contacts.Get() = %+v, %v", d, err)
		}
		return d.Fields[0]
	}
	if f := field(); f.Bounced != "" {
		t.Fatalf("before any bounce the field says %q, want nothing", f.Bounced)
	}
	now := time.Now()
	if err := e.Store().Write(ctx, func(tx *store.Tx) error {
		_, err := outbox.Enqueue(tx, outbox.Email{OrgID: ws.Organization.ID, Kind: outbox.KindTranscript, IdempotencyKey: "t:bounce",
			FromAddr: "help@acme.test", To: "ada@example.com", Subject: "Your chat", Text: "hello"}, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	rows, _ := e.Store().OutboxLog(ctx, ws.Organization.ID, 1)
	if err := e.Store().MarkOutboxSent(ctx, rows[0].ID, now); err != nil {
		t.Fatal(err)
	}
	at := now.Add(time.Minute).UTC() // after the agent verified it: the bounce is the newer news
	if _, err := outbox.RecordBounce(ctx, e.Store(), outbox.Bounce{OrgID: ws.Organization.ID, Recipient: "ada@example.com",
		Kind: store.BounceHard, Reason: "mailbox unknown (5.1.1)", At: at}); err != nil {
		t.Fatal(err)
	}
	want := "This address bounced on " + at.Format("2 Jan 2006 15:04 UTC") + ": mailbox unknown (5.1.1)"
	if f := field(); f.Bounced != want {
		t.Errorf("after the bounce the field says %q, want %q", f.Bounced, want)
	}
}
