package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Outbox statuses.
const (
	OutboxQueued   = "queued"
	OutboxSending  = "sending"
	OutboxSent     = "sent"
	OutboxRetrying = "retrying"
	OutboxFailed   = "failed"
	OutboxBounced  = "bounced" // accepted by the relay, then reported undeliverable (see bounces.go)
)

// OutboxMessage is one email in the durable queue.
type OutboxMessage struct {
	ID             string
	OrgID          string
	Kind           string
	IdempotencyKey string
	FromAddr       string // the From header as written (name and address)
	ToAddr         string
	Subject        string
	BodyText       string
	BodyHTML       string
	MessageID      string
	Status         string
	Attempts       int
	NextAttemptAt  time.Time
	LastError      string
	ConversationID string
	ContactID      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	SentAt         time.Time
	// ChallengeID is the challenge whose code or link the email carries ("" for other mail). Such
	// an email keeps only a redacted copy in BodyText/BodyHTML; the real bodies are in Sealed.
	ChallengeID string
	// Sealed is the outbox package's encrypted copy of the real bodies; nil once wiped (sent,
	// failed for good, or the challenge ended). An email with a challenge and no Sealed is never sent.
	Sealed []byte
	// BounceKind is "" (no report came back), "hard" or "soft" (status bounced), or "delayed" (a
	// warning on a sent email); BounceReason says it in words, BouncedAt is when it arrived.
	BounceKind   string
	BounceReason string
	BouncedAt    time.Time
}

// Sealer encrypts what must not be readable from the database file (the code or link in a queued
// email) with a key kept outside it. The outbox package implements it; the store only carries it
// from whoever opened the store (the engine) to the transactions that queue mail and to the
// worker, so domain code never holds the key.
type Sealer interface {
	Seal(plain, additional []byte) ([]byte, error)
	Open(sealed, additional []byte) ([]byte, error)
}

// SetSealer gives the store the sealer of queued secrets. Call it once, before the store is used.
func (s *Store) SetSealer(sl Sealer) { s.sealer = sl }

// Sealer returns the store's sealer, nil when none was set.
func (s *Store) Sealer() Sealer { return s.sealer }

// Sealer returns the sealer of the store the transaction belongs to, nil when none was set.
func (t *Tx) Sealer() Sealer { return t.sealer }

// EnqueueOutbox adds a message to the queue unless one with the same idempotency key exists in
// the organization; either way it returns the id of the queued message and whether it is new.
func (t *Tx) EnqueueOutbox(m OutboxMessage) (id string, created bool, err error) {
	res, err := t.tx.ExecContext(t.ctx, `INSERT INTO outbox (id, org_id, kind, idempotency_key, from_addr,
		to_addr, subject, body_text, body_html, message_id, status, attempts, next_attempt_at,
		conversation_id, contact_id, created_at, updated_at, challenge_id, sealed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, idempotency_key) DO NOTHING`,
		m.ID, m.OrgID, m.Kind, m.IdempotencyKey, m.FromAddr, m.ToAddr, m.Subject, m.BodyText, m.BodyHTML,
		m.MessageID, Millis(m.CreatedAt), nullString(m.ConversationID), nullString(m.ContactID),
		Millis(m.CreatedAt), Millis(m.CreatedAt), nullString(m.ChallengeID), m.Sealed)
	if err != nil {
		return "", false, fmt.Errorf("store: enqueue outbox: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return m.ID, true, nil
	}
	err = t.tx.QueryRowContext(t.ctx, "SELECT id FROM outbox WHERE org_id = ? AND idempotency_key = ?",
		m.OrgID, m.IdempotencyKey).Scan(&id)
	if err != nil {
		return "", false, fmt.Errorf("store: enqueue outbox: existing: %w", err)
	}
	return id, false, nil
}

const outboxColumns = `id, org_id, kind, idempotency_key, from_addr, to_addr, subject, body_text, body_html,
	message_id, status, attempts, next_attempt_at, last_error, coalesce(conversation_id, ''),
	coalesce(contact_id, ''), created_at, updated_at, sent_at, coalesce(challenge_id, ''), sealed,
	bounce_kind, bounce_reason, bounced_at`

func scanOutbox(row scanner) (OutboxMessage, error) {
	var m OutboxMessage
	var next, created, updated int64
	var sent, bounced *int64
	err := row.Scan(&m.ID, &m.OrgID, &m.Kind, &m.IdempotencyKey, &m.FromAddr, &m.ToAddr, &m.Subject,
		&m.BodyText, &m.BodyHTML, &m.MessageID, &m.Status, &m.Attempts, &next, &m.LastError,
		&m.ConversationID, &m.ContactID, &created, &updated, &sent, &m.ChallengeID, &m.Sealed,
		&m.BounceKind, &m.BounceReason, &bounced)
	if err != nil {
		return OutboxMessage{}, err
	}
	m.NextAttemptAt, m.CreatedAt, m.UpdatedAt, m.SentAt = FromMillis(next), FromMillis(created), FromMillis(updated), fromNullMillis(sent)
	m.BouncedAt = fromNullMillis(bounced)
	return m, nil
}

// ClaimDueOutbox marks up to limit messages that are due at now as "sending" by this node
// (counting the attempt) and returns them, oldest first. Claiming in a write transaction means two
// workers, on one node or several, never send the same message: writes run one at a time on
// either database (Store.Write), so no SKIP LOCKED is needed.
func (s *Store) ClaimDueOutbox(ctx context.Context, now time.Time, limit int) ([]OutboxMessage, error) {
	var out []OutboxMessage
	err := s.Write(ctx, func(tx *Tx) error {
		rows, err := tx.tx.QueryContext(ctx, `UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ?1,
			claimed_by = ?3
			WHERE id IN (SELECT id FROM outbox WHERE status IN ('queued', 'retrying') AND next_attempt_at <= ?1
			             ORDER BY next_attempt_at, id LIMIT ?2)
			RETURNING `+outboxColumns, Millis(now), limit, s.node)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanOutbox(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim due outbox: %w", err)
	}
	// RETURNING gives rows in no particular order.
	sortOutbox(out)
	return out, nil
}

// MarkOutboxSent records a delivery, and wipes the sealed copy: once the email is out, the
// database has no reason to be able to read its code or link.
func (s *Store) MarkOutboxSent(ctx context.Context, id string, now time.Time) error {
	return s.Write(ctx, func(tx *Tx) error {
		// A bounce read back before this commit (the email was accepted a moment ago) stays.
		return tx.exec("mark outbox sent", `UPDATE outbox SET status = CASE status WHEN 'bounced' THEN 'bounced' ELSE 'sent' END,
			sent_at = coalesce(sent_at, ?), updated_at = ?, last_error = '', sealed = NULL WHERE id = ?`, Millis(now), Millis(now), id)
	})
}

// MarkOutboxRetry records a temporary failure and when to try again.
func (s *Store) MarkOutboxRetry(ctx context.Context, id, reason string, next, now time.Time) error {
	return s.Write(ctx, func(tx *Tx) error {
		return tx.exec("mark outbox retry", `UPDATE outbox SET status = 'retrying', last_error = ?, next_attempt_at = ?,
			updated_at = ? WHERE id = ?`, reason, Millis(next), Millis(now), id)
	})
}

// MarkOutboxFailed records a permanent failure and wipes the sealed copy (it will never be sent).
func (s *Store) MarkOutboxFailed(ctx context.Context, id, reason string, now time.Time) error {
	return s.Write(ctx, func(tx *Tx) error {
		return tx.exec("mark outbox failed", `UPDATE outbox SET status = 'failed', last_error = ?, updated_at = ?,
			sealed = NULL WHERE id = ?`, reason, Millis(now), id)
	})
}

// OutboxChallengeEnded is the reason an email whose challenge ended before it went out is not sent.
const OutboxChallengeEnded = "Not sent: the code or link in it expired before it could go out."

// EndExpiredOutboxSecrets wipes the sealed copies of emails whose challenge has expired at now
// (a used or replaced one is wiped at once by a trigger, see migration 0010) and fails those not
// yet sent, so an expired code is never mailed. Returns how many rows changed.
func (s *Store) EndExpiredOutboxSecrets(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.Write(ctx, func(tx *Tx) error {
		// SET expressions read the row as it was, so status is tested before it changes.
		res, err := tx.tx.ExecContext(ctx, `UPDATE outbox SET sealed = NULL,
				status = CASE WHEN status IN ('queued', 'retrying') THEN 'failed' ELSE status END,
				last_error = CASE WHEN status IN ('queued', 'retrying') THEN ?2 ELSE last_error END,
				updated_at = ?1
			WHERE sealed IS NOT NULL AND EXISTS (SELECT 1 FROM challenges c WHERE c.id = outbox.challenge_id
				AND (c.expires_at <= ?1 OR c.consumed_at IS NOT NULL))`, Millis(now), OutboxChallengeEnded)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: end expired outbox secrets: %w", err)
	}
	return int(n), nil
}

// NextOutboxSecretExpiry returns when the next sealed copy's challenge expires; ok is false when
// no sealed copy is kept.
func (s *Store) NextOutboxSecretExpiry(ctx context.Context) (next time.Time, ok bool, err error) {
	var ms sql.NullInt64
	err = s.r.QueryRowContext(ctx, `SELECT min(c.expires_at) FROM outbox o JOIN challenges c ON c.id = o.challenge_id
		WHERE o.sealed IS NOT NULL`).Scan(&ms)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: next outbox secret expiry: %w", err)
	}
	if !ms.Valid {
		return time.Time{}, false, nil
	}
	return FromMillis(ms.Int64), true, nil
}

// RequeueInterruptedOutbox puts messages left "sending" by a node that stopped mid-delivery (an
// earlier run of this process, or another vouchd node that died) back in the queue, so nothing
// queued is ever lost; messages a live node is sending are left to it. Returns how many. Safe to
// call often: the outbox worker calls it on every pass of its requeue timer.
func (s *Store) RequeueInterruptedOutbox(ctx context.Context, now time.Time) (int, error) {
	if s.w.pg {
		if _, err := s.present(ctx); err != nil { // take presence back if the session was lost
			return 0, fmt.Errorf("store: requeue interrupted outbox: %w", err)
		}
	}
	var n int64
	err := s.Write(ctx, func(tx *Tx) error {
		// next_attempt_at is kept (it is in the past): the interrupted messages go first, not behind
		// everything queued since.
		res, err := tx.tx.ExecContext(ctx, `UPDATE outbox AS o SET status = 'retrying',
			last_error = 'interrupted while sending; sent again with the same Message-ID', updated_at = ?
			WHERE o.status = 'sending' AND (o.claimed_by IS NULL OR `+s.nodeGone()+`)`, Millis(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: requeue interrupted outbox: %w", err)
	}
	return int(n), nil
}

// RetryOutboxNow makes the organization's retrying messages due now (the relay answers again).
func (s *Store) RetryOutboxNow(ctx context.Context, orgID string, now time.Time) error {
	return s.Write(ctx, func(tx *Tx) error { return tx.RetryOutboxNow(orgID, now) })
}

// RetryOutboxNow is Store.RetryOutboxNow inside the caller's transaction.
func (t *Tx) RetryOutboxNow(orgID string, now time.Time) error {
	return t.exec("retry outbox now", `UPDATE outbox SET next_attempt_at = ?1
		WHERE org_id = ?2 AND status = 'retrying' AND next_attempt_at > ?1`, Millis(now), orgID)
}

// NextOutboxDue returns when the next queued or retrying message is due; ok is false when none is.
func (s *Store) NextOutboxDue(ctx context.Context) (next time.Time, ok bool, err error) {
	var ms sql.NullInt64
	err = s.r.QueryRowContext(ctx, `SELECT min(next_attempt_at) FROM outbox WHERE status IN ('queued', 'retrying')`).Scan(&ms)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: next outbox due: %w", err)
	}
	if !ms.Valid {
		return time.Time{}, false, nil
	}
	return FromMillis(ms.Int64), true, nil
}

// OutboxByID returns one message.
func (s *Store) OutboxByID(ctx context.Context, id string) (OutboxMessage, error) {
	m, err := scanOutbox(s.r.QueryRowContext(ctx, "SELECT "+outboxColumns+" FROM outbox WHERE id = ?", id))
	if err != nil {
		return OutboxMessage{}, fmt.Errorf("store: outbox by id: %w", notFound(err))
	}
	return m, nil
}

// OutboxByChallenge returns the email that carried the challenge's code or link (the newest one
// if several did). Sender verification reads it to know which message it sent: its Message-ID,
// sender and subject.
func (t *Tx) OutboxByChallenge(challengeID string) (OutboxMessage, error) {
	m, err := scanOutbox(t.tx.QueryRowContext(t.ctx, "SELECT "+outboxColumns+` FROM outbox WHERE challenge_id = ?
		ORDER BY created_at DESC, id DESC LIMIT 1`, challengeID))
	if err != nil {
		return OutboxMessage{}, fmt.Errorf("store: outbox by challenge: %w", notFound(err))
	}
	return m, nil
}

// OutboxLog returns the organization's newest messages first, at most limit.
func (s *Store) OutboxLog(ctx context.Context, orgID string, limit int) ([]OutboxMessage, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+outboxColumns+` FROM outbox WHERE org_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: outbox log: %w", err)
	}
	defer rows.Close()
	var out []OutboxMessage
	for rows.Next() {
		m, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("store: outbox log: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// OutboxCountsAll counts the messages of every organization by status (a node's metrics).
func (s *Store) OutboxCountsAll(ctx context.Context) (map[string]int, error) {
	return s.outboxCounts(ctx, "SELECT status, count(*) FROM outbox GROUP BY status")
}

// OutboxCounts counts the organization's messages by status.
func (s *Store) OutboxCounts(ctx context.Context, orgID string) (map[string]int, error) {
	return s.outboxCounts(ctx, "SELECT status, count(*) FROM outbox WHERE org_id = ? GROUP BY status", orgID)
}

func (s *Store) outboxCounts(ctx context.Context, query string, args ...any) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: outbox counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("store: outbox counts: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

func sortOutbox(ms []OutboxMessage) {
	slices.SortFunc(ms, func(a, b OutboxMessage) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
