package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Bounce kinds (the outbox.bounce_kind CHECK lists the same).
const (
	BounceHard    = "hard"
	BounceSoft    = "soft"
	BounceDelayed = "delayed"
)

// bounceWindow is how far back a report without the original's Message-ID is matched by its
// recipient alone: relays give up after about five days, so an older email is not the one.
const bounceWindow = 7 * 24 * time.Hour

// OutboxForBounce finds the email a delivery report is about: the organization's email with that
// Message-ID (with angle brackets, as stored) when the report quotes it, or else the newest email
// sent to recipient in the week before at. ok is false when none matches.
func (t *Tx) OutboxForBounce(orgID, messageID, recipient string, at time.Time) (m OutboxMessage, ok bool, err error) {
	if messageID != "" {
		m, err = scanOutbox(t.tx.QueryRowContext(t.ctx, "SELECT "+outboxColumns+
			" FROM outbox WHERE message_id = ? AND org_id = ?", messageID, orgID))
		if err == nil {
			return m, true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return OutboxMessage{}, false, fmt.Errorf("store: outbox for bounce: %w", err)
		}
		// A Message-ID that is not ours (a report about someone else's mail, a quoted id mangled
		// by the remote server) falls back to the recipient.
	}
	if recipient == "" {
		return OutboxMessage{}, false, nil
	}
	m, err = scanOutbox(t.tx.QueryRowContext(t.ctx, "SELECT "+outboxColumns+` FROM outbox
		WHERE org_id = ? AND `+t.tx.pick(sameAddress, sameAddressPG)+` AND status IN ('sent', 'sending', 'bounced')
		AND coalesce(sent_at, updated_at) BETWEEN ? AND ?
		ORDER BY coalesce(sent_at, updated_at) DESC, id DESC LIMIT 1`,
		orgID, strings.TrimSpace(recipient), Millis(at.Add(-bounceWindow)), Millis(at)))
	if errors.Is(err, sql.ErrNoRows) {
		return OutboxMessage{}, false, nil
	}
	if err != nil {
		return OutboxMessage{}, false, fmt.Errorf("store: outbox for bounce: %w", err)
	}
	return m, true, nil
}

// MarkOutboxBounced records a delivery report on an email the relay accepted. A hard or soft
// bounce makes it 'bounced' (an email still 'sending' was accepted before a crash, so it counts as
// sent); a delay is recorded as a warning on a 'sent' email and never overwrites a bounce. changed
// is false when the email was already in that state (the same report read twice) or was never
// accepted by the relay.
func (t *Tx) MarkOutboxBounced(id, kind, reason string, at time.Time) (changed bool, err error) {
	var res sql.Result
	switch kind {
	case BounceHard, BounceSoft:
		res, err = t.tx.ExecContext(t.ctx, `UPDATE outbox SET status = 'bounced', bounce_kind = ?, bounce_reason = ?,
			bounced_at = ?, sent_at = coalesce(sent_at, ?), sealed = NULL, updated_at = ?
			WHERE id = ? AND status IN ('sent', 'sending')`,
			kind, reason, Millis(at), Millis(at), Millis(at), id)
	case BounceDelayed:
		res, err = t.tx.ExecContext(t.ctx, `UPDATE outbox SET bounce_kind = 'delayed', bounce_reason = ?,
			bounced_at = ?, updated_at = ?
			WHERE id = ? AND status = 'sent' AND bounce_kind IN ('', 'delayed') AND bounce_reason <> ?`,
			reason, Millis(at), Millis(at), id, reason)
	default:
		return false, fmt.Errorf("store: mark outbox bounced: unknown kind %q", kind)
	}
	if err != nil {
		return false, fmt.Errorf("store: mark outbox bounced: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: mark outbox bounced: %w", err)
	}
	return n > 0, nil
}

// AddressBounce is the latest bounce of an address.
type AddressBounce struct {
	Kind   string // hard or soft
	Reason string
	At     time.Time
}

// sameAddress matches to_addr to a parameter case-insensitively, in the form each database's
// index on outbox (org_id, to_addr) answers: SQLite's NOCASE collation, PostgreSQL's lower().
const (
	sameAddress   = `to_addr = ? COLLATE NOCASE`
	sameAddressPG = `lower(to_addr) = lower(?)`
)

// LastBounceTo returns the newest hard or soft bounce of mail to addr in the organization; ok is
// false when mail to it never bounced.
func (s *Store) LastBounceTo(ctx context.Context, orgID, addr string) (b AddressBounce, ok bool, err error) {
	var at int64
	err = s.r.QueryRowContext(ctx, `SELECT bounce_kind, bounce_reason, bounced_at FROM outbox
		WHERE org_id = ? AND `+s.r.pick(sameAddress, sameAddressPG)+` AND status = 'bounced'
		ORDER BY bounced_at DESC, id DESC LIMIT 1`, orgID, strings.TrimSpace(addr)).Scan(&b.Kind, &b.Reason, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return AddressBounce{}, false, nil
	}
	if err != nil {
		return AddressBounce{}, false, fmt.Errorf("store: last bounce to: %w", err)
	}
	b.At = FromMillis(at)
	return b, true, nil
}
