package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SigninChallenge is a sign-in code: a challenge bound to a widget's sign-in handle
// (WidgetSession) rather than to a conversation, with what the customer agreed to (the address as
// typed is the challenge's TargetDisplay).
type SigninChallenge struct {
	Challenge
	ConsentText string // the consent text the customer agreed to ("" when none was shown)
}

// InsertSigninChallenge writes a sign-in code (RequestedBy: the agent a desktop sign-in code is for).
func (t *Tx) InsertSigninChallenge(c SigninChallenge) error {
	return t.exec("insert sign-in challenge", `INSERT INTO challenges (id, org_id, purpose, secret_hash, target_kind,
		target_value, widget_session, client_key, attempts, max_attempts, created_at, expires_at, target_display,
		consent_text, requested_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.OrgID, c.Purpose, c.SecretHash, c.TargetKind, c.TargetValue, c.WidgetSession, c.ClientKey,
		c.MaxAttempts, Millis(c.CreatedAt), Millis(c.ExpiresAt), c.TargetDisplay, c.ConsentText, nullString(c.RequestedBy))
}

// LatestSigninChallenge returns the newest challenge of purpose bound to a widget's sign-in
// handle, used or not, or ErrNotFound.
func (t *Tx) LatestSigninChallenge(orgID, widgetSession, purpose string) (SigninChallenge, error) {
	var c SigninChallenge
	var created, expires int64
	var consumed *int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT id, org_id, purpose, secret_hash, target_kind, target_value, widget_session,
		client_key, attempts, max_attempts, created_at, expires_at, consumed_at, target_display, consent_text
		FROM challenges WHERE org_id = ? AND widget_session = ? AND widget_session <> '' AND purpose = ?
		ORDER BY created_at DESC, id DESC LIMIT 1`, orgID, widgetSession, purpose).Scan(
		&c.ID, &c.OrgID, &c.Purpose, &c.SecretHash, &c.TargetKind, &c.TargetValue, &c.WidgetSession, &c.ClientKey,
		&c.Attempts, &c.MaxAttempts, &created, &expires, &consumed, &c.TargetDisplay, &c.ConsentText)
	if err != nil {
		return SigninChallenge{}, fmt.Errorf("store: sign-in challenge: %w", notFound(err))
	}
	c.CreatedAt, c.ExpiresAt, c.ConsumedAt = FromMillis(created), FromMillis(expires), fromNullMillis(consumed)
	return c, nil
}

// RevokeSigninChallenges uses up every live challenge of purpose bound to a sign-in handle (a
// new code replaces the old one).
func (t *Tx) RevokeSigninChallenges(orgID, widgetSession, purpose string, now time.Time) error {
	return t.exec("revoke sign-in challenges", `UPDATE challenges SET consumed_at = ? WHERE org_id = ? AND widget_session = ?
		AND widget_session <> '' AND purpose = ? AND consumed_at IS NULL`, Millis(now), orgID, widgetSession, purpose)
}

// SendTimes is when challenges were created, oldest first: what a rate limit counts, and what
// tells how long until the oldest leaves its window.
type SendTimes []time.Time

// SigninSends returns when the codes of one sign-in handle were sent since a time.
func (t *Tx) SigninSends(orgID, widgetSession, purpose string, since time.Time) (SendTimes, error) {
	return t.sendTimes("sign-in sends", `SELECT created_at FROM challenges WHERE org_id = ? AND widget_session = ?
		AND widget_session <> '' AND purpose = ? AND created_at >= ? ORDER BY created_at`, orgID, widgetSession, purpose, Millis(since))
}

// ClientSends returns when challenges of purpose were sent for one client (challenges.client_key)
// since a time.
func (t *Tx) ClientSends(orgID, clientKey, purpose string, since time.Time) (SendTimes, error) {
	return t.sendTimes("client sends", `SELECT created_at FROM challenges WHERE org_id = ? AND client_key = ?
		AND client_key <> '' AND created_at >= ? AND purpose = ? ORDER BY created_at`, orgID, clientKey, Millis(since), purpose)
}

// TargetSends returns when challenges of any of purposes were sent to a target since a time.
func (t *Tx) TargetSends(orgID, targetKind, targetValue string, purposes []string, since time.Time) (SendTimes, error) {
	if len(purposes) == 0 {
		return nil, nil
	}
	args := []any{orgID, targetKind, targetValue, Millis(since)}
	for _, p := range purposes {
		args = append(args, p)
	}
	return t.sendTimes("target sends", `SELECT created_at FROM challenges WHERE org_id = ? AND target_kind = ?
		AND target_value = ? AND created_at >= ? AND purpose IN (?`+strings.Repeat(", ?", len(purposes)-1)+`)
		ORDER BY created_at`, args...)
}

func (t *Tx) sendTimes(what, q string, args ...any) (SendTimes, error) {
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out SendTimes
	for rows.Next() {
		var ms int64
		if err := rows.Scan(&ms); err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, FromMillis(ms))
	}
	return out, rows.Err()
}

// GoogleSubjectContact returns the contact a Google account (its subject, sub) last signed in
// as in the organization, following merges to the live contact, or ErrNotFound.
func (t *Tx) GoogleSubjectContact(orgID, subject string) (Contact, error) {
	var id string
	err := t.tx.QueryRowContext(t.ctx, `SELECT f.contact_id FROM verifications v JOIN contact_fields f ON f.id = v.field_id
		WHERE v.org_id = ? AND v.method = 'google' AND v.evidence = ? AND v.revoked_at IS NULL
		ORDER BY v.verified_at DESC LIMIT 1`, orgID, subject).Scan(&id)
	if err != nil {
		return Contact{}, fmt.Errorf("store: google subject: %w", notFound(err))
	}
	// A merged contact points at its survivor; merges can chain, never loop (each merge makes a
	// live contact merged), so a short walk ends at the live one.
	for range 16 {
		c, err := t.Contact(orgID, id)
		if err != nil {
			return Contact{}, err
		}
		if c.Status != ContactMerged || c.MergedInto == "" {
			return c, nil
		}
		id = c.MergedInto
	}
	return Contact{}, fmt.Errorf("store: google subject: %w", ErrNotFound)
}

// TokenUsed reports whether a verification was already proven by the token with this hash.
func (t *Tx) TokenUsed(hash []byte) (bool, error) {
	var one int
	err := t.tx.QueryRowContext(t.ctx, `SELECT 1 FROM verifications WHERE token_hash = ?`, hash).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: token used: %w", err)
	}
	return true, nil
}
