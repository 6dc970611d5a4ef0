package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Challenge purposes (the challenges.purpose CHECK lists the same).
const (
	PurposeChatCode    = "chat_code"
	PurposeChatLink    = "chat_link"
	PurposeSigninCode  = "signin_code"
	PurposeDoubleOptIn = "double_opt_in"
	PurposeSenderLink  = "sender_link"
)

// Challenge is a one-time code or link token waiting to be used. SecretHash is the SHA-256 of
// the secret; the secret itself is never stored.
type Challenge struct {
	ID          string
	OrgID       string
	Purpose     string
	SecretHash  []byte
	TargetKind  string
	TargetValue string
	// TargetDisplay is the address as it was written when the challenge was made: what a proof
	// by this challenge shows, never whatever the conversation says by the time it is used.
	TargetDisplay  string
	ConversationID string
	WidgetSession  string
	ContactID      string
	SenderEmailID  string
	RequestedBy    string
	ClientKey      string
	Attempts       int
	MaxAttempts    int
	CreatedAt      time.Time
	ExpiresAt      time.Time
	ConsumedAt     time.Time
}

// InsertChallenge writes a new challenge.
func (t *Tx) InsertChallenge(c Challenge) error {
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 5
	}
	return t.exec("insert challenge", `INSERT INTO challenges (id, org_id, purpose, secret_hash, target_kind,
		target_value, conversation_id, widget_session, contact_id, sender_email_id, requested_by, client_key,
		attempts, max_attempts, created_at, expires_at, target_display) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
		c.ID, c.OrgID, c.Purpose, c.SecretHash, c.TargetKind, c.TargetValue, nullString(c.ConversationID),
		c.WidgetSession, nullString(c.ContactID), nullString(c.SenderEmailID), nullString(c.RequestedBy),
		c.ClientKey, c.MaxAttempts, Millis(c.CreatedAt), Millis(c.ExpiresAt), c.TargetDisplay)
}

// ErrChallengeUnusable is returned by ConsumeLinkChallenge for a token that is unknown, already
// used, expired or revoked. Callers must not tell these apart to the person holding the token.
var ErrChallengeUnusable = errors.New("store: challenge unknown, used or expired")

const challengeColumns = `id, org_id, purpose, secret_hash, target_kind, target_value, coalesce(conversation_id, ''),
	widget_session, coalesce(contact_id, ''), coalesce(sender_email_id, ''), coalesce(requested_by, ''),
	client_key, attempts, max_attempts, created_at, expires_at, consumed_at, target_display`

func scanChallenge(row scanner) (Challenge, error) {
	var c Challenge
	var created, expires int64
	var consumed *int64
	if err := row.Scan(&c.ID, &c.OrgID, &c.Purpose, &c.SecretHash, &c.TargetKind, &c.TargetValue,
		&c.ConversationID, &c.WidgetSession, &c.ContactID, &c.SenderEmailID, &c.RequestedBy, &c.ClientKey,
		&c.Attempts, &c.MaxAttempts, &created, &expires, &consumed, &c.TargetDisplay); err != nil {
		return Challenge{}, err
	}
	c.CreatedAt, c.ExpiresAt, c.ConsumedAt = FromMillis(created), FromMillis(expires), fromNullMillis(consumed)
	return c, nil
}

// LinkChallenge returns the live (unused, unexpired) challenge of purpose with this secret hash,
// without using it: for a confirmation page that shows what the link is for.
func (s *Store) LinkChallenge(ctx context.Context, purpose string, hash []byte, now time.Time) (Challenge, error) {
	c, err := scanChallenge(s.r.QueryRowContext(ctx, "SELECT "+challengeColumns+` FROM challenges
		WHERE purpose = ? AND secret_hash = ? AND consumed_at IS NULL AND expires_at > ?`, purpose, hash, Millis(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return Challenge{}, ErrChallengeUnusable
	}
	if err != nil {
		return Challenge{}, fmt.Errorf("store: link challenge: %w", err)
	}
	return c, nil
}

// ConsumeLinkChallenge uses the live challenge of purpose with this secret hash, atomically: of two
// concurrent uses exactly one succeeds.
func (t *Tx) ConsumeLinkChallenge(purpose string, hash []byte, now time.Time) (Challenge, error) {
	c, err := scanChallenge(t.tx.QueryRowContext(t.ctx, `UPDATE challenges SET consumed_at = ?1
		WHERE purpose = ?2 AND secret_hash = ?3 AND consumed_at IS NULL AND expires_at > ?1
		RETURNING `+challengeColumns, Millis(now), purpose, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return Challenge{}, ErrChallengeUnusable
	}
	if err != nil {
		return Challenge{}, fmt.Errorf("store: consume challenge: %w", err)
	}
	return c, nil
}

// RevokeChallengesForSender makes every unused challenge of a sender email unusable.
func (t *Tx) RevokeChallengesForSender(senderID string, now time.Time) error {
	return t.exec("revoke sender challenges", `UPDATE challenges SET consumed_at = ?
		WHERE sender_email_id = ? AND consumed_at IS NULL`, Millis(now), senderID)
}

// CountChallengesSince counts challenges of purpose for a target created at or after since (rate limits).
func (t *Tx) CountChallengesSince(orgID, purpose, targetKind, targetValue string, since time.Time) (int, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM challenges WHERE org_id = ? AND target_kind = ?
		AND target_value = ? AND purpose = ? AND created_at >= ?`, orgID, targetKind, targetValue, purpose, Millis(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count challenges: %w", err)
	}
	return n, nil
}
