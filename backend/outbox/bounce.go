package outbox

import (
	"context"
	"fmt"
	"time"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/store"
)

// Bounce is a delivery report about an email the relay accepted, as read from a watched mailbox
// (package bounce parses it; this package stays free of mail libraries).
//
// Hard and soft bounces end the email as 'bounced': the relay has already tried, so nothing here
// sends it again; a soft bounce (a full mailbox) only means the address may work later. A delay is
// a warning recorded on the email, which stays 'sent' until a final report comes.
type Bounce struct {
	OrgID string
	// MessageID is the original email's Message-ID without angle brackets; "" when the report does
	// not quote it, and then Recipient alone finds the email (the newest one sent to it).
	MessageID string
	Recipient string
	Kind      string // store.BounceHard, store.BounceSoft or store.BounceDelayed
	Reason    string // in words, e.g. "mailbox unknown (5.1.1)"
	At        time.Time
}

// BounceResult says what a report changed.
type BounceResult struct {
	OutboxID string // "" when no email of ours matches the report
	Changed  bool   // false for a report already recorded, or about an email the relay never took
	// Note is the system message added to the email's conversation when a code or link could not
	// be delivered, so the agent knows at once; nil when none was added. Publish it after.
	Note *chat.Message
}

// carriesProof are the kinds of email whose failure leaves a customer waiting for a code or link.
var carriesProof = map[string]string{
	KindChatCode:    "verification code",
	KindChatLink:    "verification link",
	KindDoubleOptIn: "confirmation link",
}

// RecordBounce matches a report to the organization's email and records it, in one transaction.
func RecordBounce(ctx context.Context, db *store.Store, b Bounce) (BounceResult, error) {
	var res BounceResult
	err := db.Write(ctx, func(tx *store.Tx) error {
		id := ""
		if b.MessageID != "" {
			id = "<" + b.MessageID + ">"
		}
		m, ok, err := tx.OutboxForBounce(b.OrgID, id, b.Recipient, b.At)
		if err != nil || !ok {
			return err
		}
		res.OutboxID = m.ID
		if res.Changed, err = tx.MarkOutboxBounced(m.ID, b.Kind, b.Reason, b.At); err != nil || !res.Changed {
			return err
		}
		what, proof := carriesProof[m.Kind]
		if !proof || m.ConversationID == "" || b.Kind == store.BounceDelayed {
			return nil
		}
		note, err := chat.SystemSays(tx, b.OrgID, m.ConversationID, fmt.Sprintf(
			"The email with the %s to %s bounced: %s. The customer did not get it; ask for another address.",
			what, m.ToAddr, b.Reason), b.At)
		if err != nil {
			return err
		}
		res.Note = &note
		return nil
	})
	if err != nil {
		return BounceResult{}, fmt.Errorf("outbox: record bounce: %w", err)
	}
	return res, nil
}
