package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// queries are the statements on hot paths, prepared once per store.
type queries struct {
	contactByField *sql.Stmt
}

func prepareQueries(ctx context.Context, r *sql.DB) (*queries, error) {
	q := &queries{}
	var err error
	// The partial identity index (org_id, kind, value_norm) WHERE removed_at IS NULL answers the
	// inner lookup; repeating its WHERE clause is what lets SQLite use it. A scalar subquery, not a
	// JOIN: SQLite marks the parameters of this JOIN "re-prepare when rebound", and the driver
	// rebinds on every call, so the JOIN form was parsed and planned again on every lookup (3x the
	// bare index lookup; see docs/benchmarks.md).
	q.contactByField, err = r.PrepareContext(ctx, `SELECT id, org_id, name, status,
		coalesce(merged_into, ''), created_at, updated_at FROM contacts
		WHERE org_id = ?1 AND id = (SELECT contact_id FROM contact_fields
			WHERE org_id = ?1 AND kind = ?2 AND value_norm = ?3 AND removed_at IS NULL)`)
	if err != nil {
		return nil, fmt.Errorf("store: prepare contact by field: %w", err)
	}
	return q, nil
}

func (q *queries) close() {
	q.contactByField.Close()
}

type scanner interface{ Scan(dest ...any) error }

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// ContactByField returns the live contact that owns the normalized email or phone value in the
// organization, or ErrNotFound.
func (s *Store) ContactByField(ctx context.Context, orgID, kind, valueNorm string) (Contact, error) {
	c, err := scanContact(s.q.contactByField.QueryRowContext(ctx, orgID, kind, valueNorm))
	if err != nil {
		return Contact{}, fmt.Errorf("store: contact by field: %w", notFound(err))
	}
	return c, nil
}

func scanContact(row scanner) (Contact, error) {
	var c Contact
	var created, updated int64
	if err := row.Scan(&c.ID, &c.OrgID, &c.Name, &c.Status, &c.MergedInto, &created, &updated); err != nil {
		return Contact{}, err
	}
	c.CreatedAt, c.UpdatedAt = FromMillis(created), FromMillis(updated)
	return c, nil
}

// ContactByID returns one contact of the organization.
func (s *Store) ContactByID(ctx context.Context, orgID, id string) (Contact, error) {
	c, err := scanContact(s.r.QueryRowContext(ctx, `SELECT id, org_id, name, status, coalesce(merged_into, ''),
		created_at, updated_at FROM contacts WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return Contact{}, fmt.Errorf("store: contact by id: %w", notFound(err))
	}
	return c, nil
}

// FieldsByContact returns the live fields of a contact, emails first.
func (s *Store) FieldsByContact(ctx context.Context, orgID, contactID string) ([]Field, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, org_id, contact_id, kind, value_norm, value_display, created_at
		FROM contact_fields WHERE contact_id = ? AND org_id = ? AND removed_at IS NULL
		ORDER BY kind, created_at`, contactID, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: fields by contact: %w", err)
	}
	defer rows.Close()
	var fs []Field
	for rows.Next() {
		var f Field
		var created int64
		if err := rows.Scan(&f.ID, &f.OrgID, &f.ContactID, &f.Kind, &f.ValueNorm, &f.ValueDisplay, &created); err != nil {
			return nil, fmt.Errorf("store: fields by contact: %w", err)
		}
		f.CreatedAt = FromMillis(created)
		fs = append(fs, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: fields by contact: %w", err)
	}
	return fs, nil
}

// Organizations returns every organization in the database, oldest first. The desktop holds one.
func (s *Store) Organizations(ctx context.Context) ([]Organization, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, default_region, double_opt_in, consent_text,
		google_client_id, created_at, updated_at FROM organizations ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("store: organizations: %w", err)
	}
	defer rows.Close()
	var out []Organization
	for rows.Next() {
		var o Organization
		var created, updated int64
		if err := rows.Scan(&o.ID, &o.Name, &o.DefaultRegion, &o.DoubleOptIn, &o.ConsentText,
			&o.GoogleClientID, &created, &updated); err != nil {
			return nil, fmt.Errorf("store: organizations: %w", err)
		}
		o.CreatedAt, o.UpdatedAt = FromMillis(created), FromMillis(updated)
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: organizations: %w", err)
	}
	return out, nil
}

// UsersByOrg returns the organization's agents, owner first.
func (s *Store) UsersByOrg(ctx context.Context, orgID string) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, org_id, name, email, role, created_at FROM users
		WHERE org_id = ? AND disabled_at IS NULL
		ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, created_at`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: users by org: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var created int64
		if err := rows.Scan(&u.ID, &u.OrgID, &u.Name, &u.Email, &u.Role, &created); err != nil {
			return nil, fmt.Errorf("store: users by org: %w", err)
		}
		u.CreatedAt = FromMillis(created)
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: users by org: %w", err)
	}
	return out, nil
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

// CountsByOrg counts the organization's contacts and conversations.
func (s *Store) CountsByOrg(ctx context.Context, orgID string) (Counts, error) {
	var c Counts
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM contacts WHERE org_id = ?1 AND status = 'active'),
		(SELECT count(*) FROM contacts WHERE org_id = ?1 AND status = 'pending'),
		(SELECT count(*) FROM conversations WHERE org_id = ?1),
		(SELECT count(*) FROM conversations WHERE org_id = ?1 AND status = 'open')`, orgID).
		Scan(&c.Contacts, &c.PendingContacts, &c.Conversations, &c.OpenConversations)
	if err != nil {
		return Counts{}, fmt.Errorf("store: counts by org: %w", err)
	}
	return c, nil
}

// SenderEmailState returns the organization's sender email in use (verified) or, failing that, the
// one awaiting verification; ok is false when there is none.
func (s *Store) SenderEmailState(ctx context.Context, orgID string) (address, status string, ok bool, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT address, status FROM sender_emails
		WHERE org_id = ? AND status IN ('verified', 'unverified')
		ORDER BY CASE status WHEN 'verified' THEN 0 ELSE 1 END LIMIT 1`, orgID).Scan(&address, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("store: sender email state: %w", err)
	}
	return address, status, true, nil
}

// LastChangeSeq returns the newest change sequence number (0 when nothing was ever written).
func (s *Store) LastChangeSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.r.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM changes").Scan(&seq); err != nil {
		return 0, fmt.Errorf("store: last change seq: %w", err)
	}
	return seq, nil
}

// ContactFieldTotal counts every contact field in the file, removed ones included, across all
// organizations.
func (s *Store) ContactFieldTotal(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM contact_fields").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count contact fields: %w", err)
	}
	return n, nil
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
