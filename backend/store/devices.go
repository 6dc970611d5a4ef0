package store

import (
	"context"
	"database/sql"
	"errors"
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

// InsertDevice writes a new customer browser, known by the hash of its device token.
func (t *Tx) InsertDevice(id, orgID string, tokenHash []byte, userAgent string, now time.Time) error {
	return t.exec("insert device", `INSERT INTO devices (id, org_id, token_hash, user_agent, created_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?, ?)`, id, orgID, tokenHash, userAgent, Millis(now), Millis(now))
}

// DeviceByToken returns the id of the organization's live device with this token hash, and
// marks it seen. A revoked device, or one of another organization, is ErrNotFound.
func (t *Tx) DeviceByToken(orgID string, tokenHash []byte, now time.Time) (string, error) {
	var id string
	err := t.tx.QueryRowContext(t.ctx, `UPDATE devices SET last_seen_at = ?
		WHERE token_hash = ? AND org_id = ? AND revoked_at IS NULL RETURNING id`,
		Millis(now), tokenHash, orgID).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("store: device by token: %w", notFound(err))
	}
	return id, nil
}

// InsertVerification records that a field was proven.
func (t *Tx) InsertVerification(v Verification) error {
	return t.exec("insert verification", `INSERT INTO verifications (id, org_id, field_id, method, actor_user_id,
		conversation_id, evidence, verified_at, token_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.OrgID, v.FieldID, v.Method, nullString(v.ActorUserID), nullString(v.ConversationID), v.Evidence,
		Millis(v.VerifiedAt), v.TokenHash)
}

// InsertDeviceProof records that a device proved a field through a verification.
func (t *Tx) InsertDeviceProof(id, orgID, deviceID, fieldID, verificationID string, now time.Time) error {
	return t.exec("insert device proof", `INSERT INTO device_proofs (id, org_id, device_id, field_id, verification_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, id, orgID, deviceID, fieldID, verificationID, Millis(now))
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

// DeviceProof returns the newest live verification by which this device proved this field, or
// ErrNotFound.
func (t *Tx) DeviceProof(orgID, deviceID, fieldID string) (Verification, error) {
	return deviceProof(t.tx.QueryRowContext(t.ctx, deviceProofSQL, orgID, deviceID, fieldID))
}

const deviceProofSQL = "SELECT " + verificationColumns + ` FROM device_proofs p
	JOIN verifications v ON v.id = p.verification_id
	LEFT JOIN users u ON u.id = v.actor_user_id
	WHERE p.org_id = ? AND p.device_id = ? AND p.field_id = ? AND p.revoked_at IS NULL AND v.revoked_at IS NULL
	ORDER BY v.verified_at DESC LIMIT 1`

func deviceProof(row *sql.Row) (Verification, error) {
	v, err := scanVerification(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Verification{}, fmt.Errorf("store: device proof: %w", ErrNotFound)
	}
	if err != nil {
		return Verification{}, fmt.Errorf("store: device proof: %w", err)
	}
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

// FieldByValue returns the live field with this normalized value in the organization (of any
// contact status), or ErrNotFound.
func (t *Tx) FieldByValue(orgID, kind, valueNorm string) (Field, Contact, error) {
	var f Field
	var c Contact
	var fc, cc, cu int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT f.id, f.org_id, f.contact_id, f.kind, f.value_norm, f.value_display, f.created_at,
		c.id, c.org_id, c.name, c.status, coalesce(c.merged_into, ''), c.created_at, c.updated_at
		FROM contact_fields f JOIN contacts c ON c.id = f.contact_id
		WHERE f.org_id = ? AND f.kind = ? AND f.value_norm = ? AND f.removed_at IS NULL`, orgID, kind, valueNorm).Scan(
		&f.ID, &f.OrgID, &f.ContactID, &f.Kind, &f.ValueNorm, &f.ValueDisplay, &fc,
		&c.ID, &c.OrgID, &c.Name, &c.Status, &c.MergedInto, &cc, &cu)
	if err != nil {
		return Field{}, Contact{}, fmt.Errorf("store: field by value: %w", notFound(err))
	}
	f.CreatedAt, c.CreatedAt, c.UpdatedAt = FromMillis(fc), FromMillis(cc), FromMillis(cu)
	return f, c, nil
}

// InsertRegisteredContact writes a contact registered from a chat, with the consent text the
// customer saw and when they agreed (zero: no consent asked). status is ContactPending (double
// opt-in) or ContactActive.
func (t *Tx) InsertRegisteredContact(c Contact, consentText string, consentedAt time.Time) error {
	return t.exec("insert contact", `INSERT INTO contacts (id, org_id, name, status, consent_text, consented_at,
		confirmed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
		c.ID, c.OrgID, c.Name, c.Status, consentText, nullMillis(consentedAt), Millis(c.CreatedAt), Millis(c.UpdatedAt))
}

// ConfirmContact turns a pending contact active (its double opt-in was confirmed).
func (t *Tx) ConfirmContact(orgID, id string, now time.Time) error {
	return t.exec("confirm contact", `UPDATE contacts SET status = 'active', confirmed_at = ?, updated_at = ?
		WHERE org_id = ? AND id = ? AND status = 'pending'`, Millis(now), Millis(now), orgID, id)
}

// LiveChallenge returns the newest unused, unexpired challenge of purpose bound to a
// conversation, or ErrNotFound.
func (t *Tx) LiveChallenge(orgID, conversationID, purpose string, now time.Time) (Challenge, error) {
	return liveChallenge(t.tx.QueryRowContext(t.ctx, liveChallengeSQL, conversationID, purpose, orgID, Millis(now)))
}

// LiveChallenge is Tx.LiveChallenge outside a transaction.
func (s *Store) LiveChallenge(ctx context.Context, orgID, conversationID, purpose string, now time.Time) (Challenge, error) {
	return liveChallenge(s.r.QueryRowContext(ctx, liveChallengeSQL, conversationID, purpose, orgID, Millis(now)))
}

const liveChallengeSQL = "SELECT " + challengeColumns + ` FROM challenges
	WHERE conversation_id = ? AND purpose = ? AND org_id = ? AND consumed_at IS NULL AND expires_at > ?
	ORDER BY created_at DESC LIMIT 1`

func liveChallenge(row *sql.Row) (Challenge, error) {
	c, err := scanChallenge(row)
	if err != nil {
		return Challenge{}, fmt.Errorf("store: live challenge: %w", notFound(err))
	}
	return c, nil
}

// FailChallengeAttempt counts a wrong attempt; a challenge that runs out of attempts is used up.
// It returns the attempts left.
func (t *Tx) FailChallengeAttempt(id string, now time.Time) (int, error) {
	var left int
	err := t.tx.QueryRowContext(t.ctx, `UPDATE challenges SET attempts = attempts + 1,
		consumed_at = CASE WHEN attempts + 1 >= max_attempts THEN ? ELSE consumed_at END
		WHERE id = ? RETURNING max_attempts - attempts`, Millis(now), id).Scan(&left)
	if err != nil {
		return 0, fmt.Errorf("store: fail attempt: %w", err)
	}
	return left, nil
}

// ConsumeChallenge uses a challenge by id if it is still live; ok is false if it was not.
func (t *Tx) ConsumeChallenge(id string, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(t.ctx, `UPDATE challenges SET consumed_at = ?1
		WHERE id = ?2 AND consumed_at IS NULL AND expires_at > ?1`, Millis(now), id)
	if err != nil {
		return false, fmt.Errorf("store: consume challenge: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RevokeConversationChallenges uses up every live challenge of purpose in a conversation (a new
// code replaces the old one).
func (t *Tx) RevokeConversationChallenges(orgID, conversationID, purpose string, now time.Time) error {
	return t.exec("revoke challenges", `UPDATE challenges SET consumed_at = ? WHERE org_id = ? AND conversation_id = ?
		AND purpose = ? AND consumed_at IS NULL`, Millis(now), orgID, conversationID, purpose)
}

// RevokeOtherAddressChallenges uses up every live code and link of a conversation (chat codes,
// chat links, double opt-in confirmations) made for any address but keep: giving a new address
// in a conversation cancels what was sent to the old one, so it can prove nothing there.
// It returns how many it cancelled.
func (t *Tx) RevokeOtherAddressChallenges(orgID, conversationID, keep string, now time.Time) (int, error) {
	res, err := t.tx.ExecContext(t.ctx, `UPDATE challenges SET consumed_at = ? WHERE org_id = ? AND conversation_id = ?
		AND purpose IN ('chat_code', 'chat_link', 'double_opt_in') AND consumed_at IS NULL AND target_value <> ?`,
		Millis(now), orgID, conversationID, keep)
	if err != nil {
		return 0, fmt.Errorf("store: revoke other address challenges: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// CountConversationChallengesSince counts challenges of purpose in a conversation since a time (rate limits).
func (t *Tx) CountConversationChallengesSince(orgID, conversationID, purpose string, since time.Time) (int, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM challenges WHERE conversation_id = ? AND purpose = ?
		AND org_id = ? AND created_at >= ?`, conversationID, purpose, orgID, Millis(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count challenges: %w", err)
	}
	return n, nil
}

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

// User reads an agent of the organization inside the transaction.
func (t *Tx) User(orgID, id string) (User, error) {
	var u User
	var created int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT id, org_id, name, email, role, created_at FROM users
		WHERE org_id = ? AND id = ? AND disabled_at IS NULL`, orgID, id).Scan(&u.ID, &u.OrgID, &u.Name, &u.Email, &u.Role, &created)
	if err != nil {
		return User{}, fmt.Errorf("store: user: %w", notFound(err))
	}
	u.CreatedAt = FromMillis(created)
	return u, nil
}

// Read runs fn in a read-only transaction on the read pool: its reads see one snapshot.
func (s *Store) Read(ctx context.Context, fn func(*Tx) error) error {
	sqlTx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: begin read: %w", err)
	}
	defer sqlTx.Rollback()
	return fn(&Tx{tx: sqlTx, ctx: ctx})
}

// Contact reads a contact of the organization inside a transaction.
func (t *Tx) Contact(orgID, id string) (Contact, error) {
	c, err := scanContact(t.tx.QueryRowContext(t.ctx, `SELECT id, org_id, name, status, coalesce(merged_into, ''),
		created_at, updated_at FROM contacts WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return Contact{}, fmt.Errorf("store: contact: %w", notFound(err))
	}
	return c, nil
}

// CodeAttempts is how many wrong attempts one code took, and the latest they can have been made:
// when the code stopped working (used, replaced, out of attempts), or else when it expires.
type CodeAttempts struct {
	Attempts     int
	LastPossible time.Time
}

// WrongAttempts returns the one-time codes (chat codes and sign-in codes alike) sent to a target
// that took wrong attempts and stopped working after since (so their attempts may lie after
// since), oldest first. Only codes created after createdAfter are read: the caller passes since
// minus a code's lifetime, which keeps the read a range of challenges_target.
func (t *Tx) WrongAttempts(orgID, targetKind, targetValue string, createdAfter, since time.Time) ([]CodeAttempts, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT attempts, min(coalesce(consumed_at, expires_at), expires_at) AS last_possible
		FROM challenges WHERE org_id = ? AND target_kind = ? AND target_value = ? AND created_at > ?
		AND purpose IN ('chat_code', 'signin_code') AND attempts > 0 AND min(coalesce(consumed_at, expires_at), expires_at) > ?
		ORDER BY last_possible`, orgID, targetKind, targetValue, Millis(createdAfter), Millis(since))
	if err != nil {
		return nil, fmt.Errorf("store: wrong attempts: %w", err)
	}
	defer rows.Close()
	var out []CodeAttempts
	for rows.Next() {
		var a CodeAttempts
		var last int64
		if err := rows.Scan(&a.Attempts, &last); err != nil {
			return nil, fmt.Errorf("store: wrong attempts: %w", err)
		}
		a.LastPossible = FromMillis(last)
		out = append(out, a)
	}
	return out, rows.Err()
}
