package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PhoneInbox is a phone inbox as the telephony webhook needs it: its organization (the webhook
// URL names only the inbox), its number, the reference of the provider's auth token in the secret
// store, and the organization's country for reading national numbers.
type PhoneInbox struct {
	Inbox
	SecretRef     string
	DefaultRegion string
}

// PhoneInboxByID returns a live phone inbox of any organization, or ErrNotFound.
func (s *Store) PhoneInboxByID(ctx context.Context, id string) (PhoneInbox, error) {
	var p PhoneInbox
	var created, updated int64
	err := s.r.QueryRowContext(ctx, `SELECT i.id, i.org_id, i.kind, i.name, i.phone_number, i.webhook_secret_ref,
		coalesce(i.forward_to, ''), o.default_region, i.created_at, i.updated_at
		FROM inboxes i JOIN organizations o ON o.id = i.org_id
		WHERE i.id = ? AND i.kind = 'phone' AND i.deleted_at IS NULL`, id).Scan(
		&p.ID, &p.OrgID, &p.Kind, &p.Name, &p.PhoneNumber, &p.SecretRef, &p.ForwardTo, &p.DefaultRegion, &created, &updated)
	if err != nil {
		return PhoneInbox{}, fmt.Errorf("store: phone inbox: %w", notFound(err))
	}
	p.CreatedAt, p.UpdatedAt = FromMillis(created), FromMillis(updated)
	return p, nil
}

// Call is one incoming call as the provider reported it.
type Call struct {
	ConversationID string
	OrgID          string
	InboxID        string
	ExternalID     string // the provider's call id
	Status         string // the provider's call status ("ringing", "completed", ...)
	Duration       int    // seconds, once known
	Ended          bool
}

// CallByExternalID returns the call with this provider id in the inbox, or ErrNotFound.
func (t *Tx) CallByExternalID(orgID, inboxID, externalID string) (Call, error) {
	c := Call{OrgID: orgID, InboxID: inboxID, ExternalID: externalID}
	var status string
	var dur sql.NullInt64
	err := t.tx.QueryRowContext(t.ctx, `SELECT id, call_status, duration_seconds, status FROM conversations
		WHERE org_id = ? AND inbox_id = ? AND external_id = ?`, orgID, inboxID, externalID).Scan(&c.ConversationID, &c.Status, &dur, &status)
	if err != nil {
		return Call{}, fmt.Errorf("store: call: %w", notFound(err))
	}
	c.Duration, c.Ended = int(dur.Int64), status == ConversationEnded
	return c, nil
}

// InsertCall writes a call conversation: linked and verified on the caller's phone field when
// there is one (contactID and fieldID set), unlinked for a withheld number. The unique index on
// (inbox_id, external_id) makes a replayed webhook fail here rather than store the call twice.
func (t *Tx) InsertCall(c Call, contactID, fieldID, caller string, now time.Time) error {
	link := LinkNone
	if contactID != "" {
		link = LinkVerified
	}
	status, ended, endedBy := ConversationOpen, any(nil), ""
	if c.Ended {
		status, ended, endedBy = ConversationEnded, Millis(now), "system"
	}
	return t.exec("insert call", `INSERT INTO conversations (id, org_id, inbox_id, kind, status, contact_id, link_state,
		link_field_id, visitor_name, external_id, call_status, duration_seconds, started_at, last_activity_at, ended_at, ended_by)
		VALUES (?, ?, ?, 'call', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ConversationID, c.OrgID, c.InboxID, status, nullString(contactID), link, nullString(fieldID), caller, c.ExternalID,
		c.Status, nullDuration(c.Duration), Millis(now), Millis(now), ended, endedBy)
}

func nullDuration(d int) any {
	if d <= 0 {
		return nil
	}
	return d
}

// UpdateCall records a later status of a call: its status, its duration once known, and its
// end (status ended, by the system) when the provider says it is over.
func (t *Tx) UpdateCall(c Call, now time.Time) error {
	if c.Ended {
		return t.exec("end call", `UPDATE conversations SET call_status = ?, duration_seconds = coalesce(?, duration_seconds),
			last_activity_at = ?, status = 'ended', ended_at = coalesce(ended_at, ?), ended_by = CASE WHEN ended_by = '' THEN 'system' ELSE ended_by END
			WHERE org_id = ? AND id = ?`, c.Status, nullDuration(c.Duration), Millis(now), Millis(now), c.OrgID, c.ConversationID)
	}
	return t.exec("update call", `UPDATE conversations SET call_status = ?, duration_seconds = coalesce(?, duration_seconds),
		last_activity_at = ? WHERE org_id = ? AND id = ? AND status = 'open'`, c.Status, nullDuration(c.Duration), Millis(now), c.OrgID, c.ConversationID)
}

// InsertPhoneInbox writes a phone inbox with its number and the reference of its auth token.
func (t *Tx) InsertPhoneInbox(i Inbox, secretRef string) error {
	return t.exec("insert phone inbox", `INSERT INTO inboxes (id, org_id, kind, name, phone_number, prechat_ask_name,
		prechat_ask_email, webhook_secret_ref, idle_end_minutes, created_at, updated_at) VALUES (?, ?, 'phone', ?, ?, 0, 0, ?, 0, ?, ?)`,
		i.ID, i.OrgID, i.Name, i.PhoneNumber, secretRef, Millis(i.CreatedAt), Millis(i.UpdatedAt))
}

// SetInboxSecretRef records where the inbox's auth token is kept.
func (t *Tx) SetInboxSecretRef(orgID, inboxID, ref string, now time.Time) error {
	return t.exec("set inbox secret", `UPDATE inboxes SET webhook_secret_ref = ?, updated_at = ? WHERE org_id = ? AND id = ? AND kind = 'phone'`,
		ref, Millis(now), orgID, inboxID)
}

// SetInboxForward sets where a phone inbox's calls are dialled on ("" for nowhere).
func (t *Tx) SetInboxForward(orgID, inboxID, number string, now time.Time) error {
	return t.exec("set inbox forward", `UPDATE inboxes SET forward_to = ?, updated_at = ? WHERE org_id = ? AND id = ? AND kind = 'phone'`,
		nullString(number), Millis(now), orgID, inboxID)
}
