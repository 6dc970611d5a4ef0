package store

import (
	"context"
	"fmt"
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
