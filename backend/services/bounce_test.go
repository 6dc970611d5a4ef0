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
