package store

import (
	"context"
	"fmt"
	"time"
)

// Organization reads the organization inside the transaction.
func (t *Tx) Organization(id string) (Organization, error) {
	var o Organization
	var created, updated int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT id, name, default_region, double_opt_in, consent_text, google_client_id,
		created_at, updated_at FROM organizations WHERE id = ?`, id).Scan(&o.ID, &o.Name, &o.DefaultRegion,
		&o.DoubleOptIn, &o.ConsentText, &o.GoogleClientID, &created, &updated)
	if err != nil {
		return Organization{}, fmt.Errorf("store: organization: %w", notFound(err))
	}
	o.CreatedAt, o.UpdatedAt = FromMillis(created), FromMillis(updated)
	return o, nil
}

// SetRegulatory saves the organization's regulatory settings.
func (t *Tx) SetRegulatory(orgID string, doubleOptIn bool, consentText string, now time.Time) error {
	return t.exec("set regulatory", `UPDATE organizations SET double_opt_in = ?, consent_text = ?, updated_at = ? WHERE id = ?`,
		b2i(doubleOptIn), consentText, Millis(now), orgID)
}

// InsertOrganization writes a new organization.
func (t *Tx) InsertOrganization(o Organization) error {
	return t.exec("insert organization", `INSERT INTO organizations
		(id, name, default_region, double_opt_in, consent_text, google_client_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.Name, o.DefaultRegion, b2i(o.DoubleOptIn), o.ConsentText, o.GoogleClientID,
		Millis(o.CreatedAt), Millis(o.UpdatedAt))
}

// CountOrganizations counts organizations inside the transaction (used to make setup race-free).
func (t *Tx) CountOrganizations() (int, error) {
	var n int
	if err := t.tx.QueryRowContext(t.ctx, "SELECT count(*) FROM organizations").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count organizations: %w", err)
	}
	return n, nil
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

// SetGoogleClientID saves the organization's OAuth client ID for Google Sign-In ("" removes it).
func (t *Tx) SetGoogleClientID(orgID, clientID string, now time.Time) error {
	return t.exec("set google client id", `UPDATE organizations SET google_client_id = ?, updated_at = ? WHERE id = ?`,
		clientID, Millis(now), orgID)
}

// SetDefaultRegion sets the organization's country for reading national phone numbers.
func (t *Tx) SetDefaultRegion(orgID, region string, now time.Time) error {
	return t.exec("set default region", `UPDATE organizations SET default_region = ?, updated_at = ? WHERE id = ?`, region, Millis(now), orgID)
}
