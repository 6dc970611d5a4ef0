package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Challenge purposes (the challenges.purpose CHECK lists the same, and agents.go's two).
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
	// last_possible is the earlier of consumed_at and expires_at, written as a CASE because the
	// two databases name a two-value minimum differently (min, least).
	rows, err := t.tx.QueryContext(t.ctx, `SELECT attempts, last_possible FROM (
		SELECT attempts, CASE WHEN consumed_at < expires_at THEN consumed_at ELSE expires_at END AS last_possible
		FROM challenges WHERE org_id = ? AND target_kind = ? AND target_value = ? AND created_at > ?
		AND purpose IN ('chat_code', 'signin_code') AND attempts > 0) AS c
		WHERE last_possible > ? ORDER BY last_possible`, orgID, targetKind, targetValue, Millis(createdAfter), Millis(since))
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
