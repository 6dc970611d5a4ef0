package store

import (
	"context"
	"fmt"
	"time"
)

// ChatInboxByID returns the live chat inbox with this id, of any organization, with its
// organization, in one indexed lookup (inboxes.id is the primary key); ErrNotFound for an
// unknown, deleted or phone inbox.
func (s *Store) ChatInboxByID(ctx context.Context, id string) (Inbox, Organization, error) {
	var i Inbox
	var o Organization
	var ic, iu, oc, ou int64
	err := s.r.QueryRowContext(ctx, `SELECT i.id, i.org_id, i.kind, i.name, i.phone_number, i.prechat_ask_name,
		i.prechat_ask_email, i.email_signin, i.google_signin, i.transcript_after, i.idle_end_minutes,
		i.webhook_secret_ref <> '', coalesce(i.forward_to, ''), i.created_at, i.updated_at,
		o.id, o.name, o.default_region, o.double_opt_in, o.consent_text, o.google_client_id, o.created_at, o.updated_at
		FROM inboxes i JOIN organizations o ON o.id = i.org_id
		WHERE i.id = ? AND i.kind = 'chat' AND i.deleted_at IS NULL`, id).Scan(
		&i.ID, &i.OrgID, &i.Kind, &i.Name, &i.PhoneNumber, &i.PrechatAskName,
		&i.PrechatAskEmail, &i.EmailSignin, &i.GoogleSignin, &i.TranscriptAfter, &i.IdleEndMinutes,
		&i.HasWebhookSecret, &i.ForwardTo, &ic, &iu,
		&o.ID, &o.Name, &o.DefaultRegion, &o.DoubleOptIn, &o.ConsentText, &o.GoogleClientID, &oc, &ou)
	if err != nil {
		return Inbox{}, Organization{}, fmt.Errorf("store: chat inbox by id: %w", notFound(err))
	}
	i.CreatedAt, i.UpdatedAt = FromMillis(ic), FromMillis(iu)
	o.CreatedAt, o.UpdatedAt = FromMillis(oc), FromMillis(ou)
	return i, o, nil
}

// InsertInbox writes a new inbox.
func (t *Tx) InsertInbox(i Inbox) error {
	return t.exec("insert inbox", `INSERT INTO inboxes (id, org_id, kind, name, phone_number,
		prechat_ask_name, prechat_ask_email, email_signin, google_signin, transcript_after,
		idle_end_minutes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		i.ID, i.OrgID, i.Kind, i.Name, i.PhoneNumber, b2i(i.PrechatAskName), b2i(i.PrechatAskEmail),
		b2i(i.EmailSignin), b2i(i.GoogleSignin), b2i(i.TranscriptAfter), i.IdleEndMinutes,
		Millis(i.CreatedAt), Millis(i.UpdatedAt))
}

// inboxToggleColumns maps a toggle's name to its column; nothing else can be set this way.
var inboxToggleColumns = map[string]string{
	"emailSignin":     "email_signin",
	"googleSignin":    "google_signin",
	"transcriptAfter": "transcript_after",
}

// SetInboxToggle switches one feature toggle of an inbox of the organization.
func (t *Tx) SetInboxToggle(orgID, inboxID, toggle string, on bool, now time.Time) error {
	col, ok := inboxToggleColumns[toggle]
	if !ok {
		return fmt.Errorf("store: unknown inbox toggle %q", toggle)
	}
	res, err := t.tx.ExecContext(t.ctx, "UPDATE inboxes SET "+col+" = ?, updated_at = ? WHERE org_id = ? AND id = ? AND deleted_at IS NULL",
		b2i(on), Millis(now), orgID, inboxID)
	if err != nil {
		return fmt.Errorf("store: set inbox toggle: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("store: set inbox toggle: %w", ErrNotFound)
	}
	return nil
}

// SetInboxIdleEnd sets after how many minutes without activity a chat of the inbox ends (0: never).
func (t *Tx) SetInboxIdleEnd(orgID, inboxID string, minutes int, now time.Time) error {
	res, err := t.tx.ExecContext(t.ctx, "UPDATE inboxes SET idle_end_minutes = ?, updated_at = ? WHERE org_id = ? AND id = ? AND deleted_at IS NULL",
		minutes, Millis(now), orgID, inboxID)
	if err != nil {
		return fmt.Errorf("store: set inbox idle end: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("store: set inbox idle end: %w", ErrNotFound)
	}
	return nil
}

// InboxesByOrg returns the organization's inboxes in the order they were made.
func (s *Store) InboxesByOrg(ctx context.Context, orgID string) ([]Inbox, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, org_id, kind, name, phone_number, prechat_ask_name,
		prechat_ask_email, email_signin, google_signin, transcript_after, idle_end_minutes, webhook_secret_ref <> '',
		coalesce(forward_to, ''), created_at, updated_at
		FROM inboxes WHERE org_id = ? AND deleted_at IS NULL ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: inboxes by org: %w", err)
	}
	defer rows.Close()
	var out []Inbox
	for rows.Next() {
		var i Inbox
		var created, updated int64
		if err := rows.Scan(&i.ID, &i.OrgID, &i.Kind, &i.Name, &i.PhoneNumber, &i.PrechatAskName,
			&i.PrechatAskEmail, &i.EmailSignin, &i.GoogleSignin, &i.TranscriptAfter, &i.IdleEndMinutes,
			&i.HasWebhookSecret, &i.ForwardTo, &created, &updated); err != nil {
			return nil, fmt.Errorf("store: inboxes by org: %w", err)
		}
		i.CreatedAt, i.UpdatedAt = FromMillis(created), FromMillis(updated)
		out = append(out, i)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: inboxes by org: %w", err)
	}
	return out, nil
}

// InboxByID returns one inbox of the organization.
func (s *Store) InboxByID(ctx context.Context, orgID, id string) (Inbox, error) {
	list, err := s.InboxesByOrg(ctx, orgID)
	if err != nil {
		return Inbox{}, err
	}
	for _, i := range list {
		if i.ID == id {
			return i, nil
		}
	}
	return Inbox{}, fmt.Errorf("store: inbox by id: %w", ErrNotFound)
}
