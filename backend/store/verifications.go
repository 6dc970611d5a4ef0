package store

import (
	"context"
	"fmt"
	"time"
)

// Verification methods (the verifications.method CHECK lists the same).
const (
	MethodGoogle      = "google"
	MethodEmailOTP    = "email_otp"
	MethodEmailLink   = "email_link"
	MethodDoubleOptIn = "double_opt_in"
	MethodAgent       = "agent"
	MethodSystem      = "system"
)

// Verification is the record that a contact field was proven.
type Verification struct {
	ID             string
	OrgID          string
	FieldID        string
	Method         string
	ActorUserID    string
	ActorName      string // read only
	ConversationID string
	Evidence       string
	VerifiedAt     time.Time
	// TokenHash is the SHA-256 of the token that proved it when that token must prove only once
	// (a Google ID token); nil otherwise. Write only.
	TokenHash []byte
}

// InsertVerification records that a field was proven.
func (t *Tx) InsertVerification(v Verification) error {
	return t.exec("insert verification", `INSERT INTO verifications (id, org_id, field_id, method, actor_user_id,
		conversation_id, evidence, verified_at, token_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.OrgID, v.FieldID, v.Method, nullString(v.ActorUserID), nullString(v.ConversationID), v.Evidence,
		Millis(v.VerifiedAt), v.TokenHash)
}

const verificationColumns = `v.id, v.org_id, v.field_id, v.method, coalesce(v.actor_user_id, ''), coalesce(u.name, ''),
	coalesce(v.conversation_id, ''), v.evidence, v.verified_at`

func scanVerification(row scanner) (Verification, error) {
	var v Verification
	var at int64
	if err := row.Scan(&v.ID, &v.OrgID, &v.FieldID, &v.Method, &v.ActorUserID, &v.ActorName,
		&v.ConversationID, &v.Evidence, &at); err != nil {
		return Verification{}, err
	}
	v.VerifiedAt = FromMillis(at)
	return v, nil
}

// FieldVerified reports whether a field has any live verification.
func (t *Tx) FieldVerified(orgID, fieldID string) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM verifications WHERE org_id = ? AND field_id = ? AND revoked_at IS NULL`,
		orgID, fieldID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: field verified: %w", err)
	}
	return n > 0, nil
}

// LatestVerification returns the newest live verification of a field, or ErrNotFound.
func (t *Tx) LatestVerification(orgID, fieldID string) (Verification, error) {
	v, err := scanVerification(t.tx.QueryRowContext(t.ctx, "SELECT "+verificationColumns+` FROM verifications v
		LEFT JOIN users u ON u.id = v.actor_user_id
		WHERE v.org_id = ? AND v.field_id = ? AND v.revoked_at IS NULL ORDER BY v.verified_at DESC LIMIT 1`, orgID, fieldID))
	if err != nil {
		return Verification{}, fmt.Errorf("store: latest verification: %w", notFound(err))
	}
	return v, nil
}

// LatestVerificationsByContact returns the newest live verification of each live field of a
// contact that has one, by field id: LatestVerification for every field at once, so a contact
// panel reads its "Verified by ..." labels in one query, not one per field.
func (s *Store) LatestVerificationsByContact(ctx context.Context, orgID, contactID string) (map[string]Verification, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+verificationColumns+` FROM contact_fields f
		JOIN verifications v ON v.id = (SELECT v2.id FROM verifications v2
			WHERE v2.field_id = f.id AND v2.org_id = f.org_id AND v2.revoked_at IS NULL
			ORDER BY v2.verified_at DESC LIMIT 1)
		LEFT JOIN users u ON u.id = v.actor_user_id
		WHERE f.contact_id = ? AND f.org_id = ? AND f.removed_at IS NULL`, contactID, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: latest verifications: %w", err)
	}
	defer rows.Close()
	out := map[string]Verification{}
	for rows.Next() {
		v, err := scanVerification(rows)
		if err != nil {
			return nil, fmt.Errorf("store: latest verifications: %w", err)
		}
		out[v.FieldID] = v
	}
	return out, rows.Err()
}
