package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Sender email statuses.
const (
	SenderUnverified = "unverified"
	SenderVerified   = "verified"
	SenderReplaced   = "replaced"
	SenderRemoved    = "removed"
)

// SenderEmail is an address the organization sends from, or wants to.
type SenderEmail struct {
	ID             string
	OrgID          string
	Address        string
	Status         string
	VerifiedAt     time.Time
	VerifiedMethod string // "link" or "imap"
	LinkSentAt     time.Time
	CreatedBy      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

const senderColumns = `id, org_id, address, status, verified_at, verified_method, link_sent_at, created_by, created_at, updated_at`

func scanSender(row scanner) (SenderEmail, error) {
	var s SenderEmail
	var verified, linkSent *int64
	var created, updated int64
	if err := row.Scan(&s.ID, &s.OrgID, &s.Address, &s.Status, &verified, &s.VerifiedMethod, &linkSent,
		&s.CreatedBy, &created, &updated); err != nil {
		return SenderEmail{}, err
	}
	s.VerifiedAt, s.LinkSentAt = fromNullMillis(verified), fromNullMillis(linkSent)
	s.CreatedAt, s.UpdatedAt = FromMillis(created), FromMillis(updated)
	return s, nil
}

// SenderEmails returns the organization's verified and unverified sender emails (at most one of
// each), verified first.
func (s *Store) SenderEmails(ctx context.Context, orgID string) ([]SenderEmail, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+senderColumns+` FROM sender_emails
		WHERE org_id = ? AND status IN ('verified', 'unverified')
		ORDER BY CASE status WHEN 'verified' THEN 0 ELSE 1 END`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: sender emails: %w", err)
	}
	defer rows.Close()
	var out []SenderEmail
	for rows.Next() {
		se, err := scanSender(rows)
		if err != nil {
			return nil, fmt.Errorf("store: sender emails: %w", err)
		}
		out = append(out, se)
	}
	return out, rows.Err()
}

// SenderEmailByID returns one sender email of any status (inside a transaction).
func (t *Tx) SenderEmailByID(orgID, id string) (SenderEmail, error) {
	se, err := scanSender(t.tx.QueryRowContext(t.ctx, "SELECT "+senderColumns+" FROM sender_emails WHERE org_id = ? AND id = ?", orgID, id))
	if err != nil {
		return SenderEmail{}, fmt.Errorf("store: sender email by id: %w", notFound(err))
	}
	return se, nil
}

// PendingSenderEmail returns the organization's unverified sender email, inside a transaction.
func (t *Tx) PendingSenderEmail(orgID string) (SenderEmail, error) {
	se, err := scanSender(t.tx.QueryRowContext(t.ctx, "SELECT "+senderColumns+" FROM sender_emails WHERE org_id = ? AND status = 'unverified'", orgID))
	if err != nil {
		return SenderEmail{}, fmt.Errorf("store: pending sender email: %w", notFound(err))
	}
	return se, nil
}

// InsertSenderEmail writes a new sender email.
func (t *Tx) InsertSenderEmail(se SenderEmail) error {
	return t.exec("insert sender email", `INSERT INTO sender_emails (id, org_id, address, status, verified_at,
		verified_method, link_sent_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		se.ID, se.OrgID, se.Address, se.Status, nullMillis(se.VerifiedAt), se.VerifiedMethod,
		nullMillis(se.LinkSentAt), se.CreatedBy, Millis(se.CreatedAt), Millis(se.UpdatedAt))
}

// SetSenderStatus moves a sender email to status; for "verified" it records how and when.
func (t *Tx) SetSenderStatus(id, status, method string, now time.Time) error {
	if status == SenderVerified {
		return t.exec("verify sender email", `UPDATE sender_emails SET status = 'verified', verified_at = ?,
			verified_method = ?, updated_at = ? WHERE id = ?`, Millis(now), method, Millis(now), id)
	}
	return t.exec("set sender email status", `UPDATE sender_emails SET status = ?, updated_at = ? WHERE id = ?`,
		status, Millis(now), id)
}

// TouchSenderLinkSent records when the verification link was (re)sent.
func (t *Tx) TouchSenderLinkSent(id string, now time.Time) error {
	return t.exec("sender link sent", `UPDATE sender_emails SET link_sent_at = ?, updated_at = ? WHERE id = ?`,
		Millis(now), Millis(now), id)
}

// VerifiedSenderEmail returns the organization's verified sender email inside a transaction, or
// ErrNotFound: the From address of everything the organization emails.
func (t *Tx) VerifiedSenderEmail(orgID string) (SenderEmail, error) {
	se, err := scanSender(t.tx.QueryRowContext(t.ctx, "SELECT "+senderColumns+" FROM sender_emails WHERE org_id = ? AND status = 'verified'", orgID))
	if err != nil {
		return SenderEmail{}, fmt.Errorf("store: verified sender email: %w", notFound(err))
	}
	return se, nil
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
