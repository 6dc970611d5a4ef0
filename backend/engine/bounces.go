package engine

import (
	"context"

	"vouchdesk/backend/bounce"
	"vouchdesk/backend/mailbox"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
)

// bounceKinds maps what a report means to how the outbox records it.
var bounceKinds = map[bounce.Kind]string{
	bounce.Hard:    store.BounceHard,
	bounce.Soft:    store.BounceSoft,
	bounce.Delayed: store.BounceDelayed,
}

// recordBounce records a delivery report read from the watched mailbox on the email it is about,
// as of when it was read (the remote server's Date header may run behind our clock).
// A report that says nothing failed, or that matches no email of ours, is logged and accepted: it
// is never handed to anything else.
func (e *Engine) recordBounce(ctx context.Context, orgID string, m mailbox.Message) error {
	r := m.Bounce
	kind, ok := bounceKinds[r.Kind]
	if !ok {
		e.log.Info("mailbox: a delivery report with no failure", "uid", m.UID, "action", r.Action)
		return nil
	}
	res, err := outbox.RecordBounce(ctx, e.db, outbox.Bounce{OrgID: orgID, MessageID: r.OriginalMessageID,
		Recipient: r.Recipient, Kind: kind, Reason: r.Summary(), At: e.cfg.Now()})
	if err != nil {
		return err
	}
	if res.OutboxID == "" {
		e.log.Info("mailbox: a delivery report about no email of ours", "uid", m.UID, "status", r.Status)
		return nil
	}
	e.log.Info("mailbox: an email bounced", "outbox_id", res.OutboxID, "kind", kind, "reason", r.Summary(),
		"recorded", res.Changed)
	if res.Note != nil {
		e.chats.Published(orgID, *res.Note)
		e.emit(EventChatChanged)
	}
	if res.Changed {
		e.emit(EventOutboxChanged)
		e.emit(EventSenderChanged) // the sender-email card shows a bounced verification email
	}
	return nil
}
