package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Audit actions about transcript emails. The outbox row is the sending itself; these records
// say who asked for it, or why none was queued.
const (
	AuditTranscriptSend    = "transcript.send"     // detail {"outbox": id, "number": n}
	AuditTranscriptNotSent = "transcript.not_sent" // detail {"reason": code, "message": text}
)

// TranscriptPlan is what deciding whether to mail a conversation's transcript needs to know,
// read in one query inside the deciding transaction.
type TranscriptPlan struct {
	Kind            string
	Status          string
	LinkState       string
	ContactID       string
	VisitorEmail    string // what was typed in the chat: shown, never mailed
	TranscriptAfter bool   // the inbox's "transcript after chat" toggle
	// RecipientFieldID and Recipient are the email field the conversation's link rests on, set
	// only when the link is verified, the field is a live email of the linked active contact, and
	// the field has a live (not revoked) verification. Otherwise both are "".
	RecipientFieldID string
	Recipient        string // the address as the customer gave it (value_display)
}

// TranscriptPlan reads a conversation of the organization with its inbox's toggle and the only
// address its transcript may go to. A conversation of another organization is ErrNotFound.
func (t *Tx) TranscriptPlan(orgID, conversationID string) (TranscriptPlan, error) {
	var p TranscriptPlan
	// The LEFT JOIN's conditions are the recipient rule (docs/transcripts.md): every one must
	// hold or no address comes back. Each join repeats org_id.
	err := t.tx.QueryRowContext(t.ctx, `SELECT c.kind, c.status, c.link_state, coalesce(c.contact_id, ''),
		c.visitor_email, i.transcript_after, coalesce(f.id, ''), coalesce(f.value_display, '')
		FROM conversations c
		JOIN inboxes i ON i.id = c.inbox_id AND i.org_id = c.org_id
		LEFT JOIN contact_fields f ON c.link_state = 'verified' AND f.id = c.link_field_id
			AND f.org_id = c.org_id AND f.contact_id = c.contact_id AND f.kind = 'email' AND f.removed_at IS NULL
			AND EXISTS (SELECT 1 FROM contacts ct WHERE ct.id = f.contact_id AND ct.org_id = f.org_id AND ct.status = 'active')
			AND EXISTS (SELECT 1 FROM verifications v WHERE v.field_id = f.id AND v.org_id = f.org_id AND v.revoked_at IS NULL)
		WHERE c.org_id = ? AND c.id = ?`, orgID, conversationID).Scan(
		&p.Kind, &p.Status, &p.LinkState, &p.ContactID, &p.VisitorEmail, &p.TranscriptAfter,
		&p.RecipientFieldID, &p.Recipient)
	if err != nil {
		return TranscriptPlan{}, fmt.Errorf("store: transcript plan: %w", notFound(err))
	}
	return p, nil
}

// TranscriptKey is the outbox idempotency key of a conversation's n-th transcript email. Number
// 1 is the automatic one sent when the chat ends; re-sends are 2, 3, ...
func TranscriptKey(conversationID string, n int) string {
	return fmt.Sprintf("transcript:%s:%d", conversationID, n)
}

// TranscriptCounts is what a re-send is checked against.
type TranscriptCounts struct {
	Highest     int // the highest sending number queued so far (0 when none)
	InFlight    int // sendings queued, sending or retrying
	ResentSince int // re-sends (number >= 2) queued since the time asked about
}

// TranscriptCounts counts a conversation's transcript emails in the outbox.
func (t *Tx) TranscriptCounts(orgID, conversationID string, since time.Time) (TranscriptCounts, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT idempotency_key, status, created_at FROM outbox
		WHERE conversation_id = ? AND org_id = ? AND kind = 'transcript'`, conversationID, orgID)
	if err != nil {
		return TranscriptCounts{}, fmt.Errorf("store: transcript counts: %w", err)
	}
	defer rows.Close()
	var c TranscriptCounts
	for rows.Next() {
		var key, status string
		var created int64
		if err := rows.Scan(&key, &status, &created); err != nil {
			return TranscriptCounts{}, fmt.Errorf("store: transcript counts: %w", err)
		}
		n := transcriptNumber(key)
		c.Highest = max(c.Highest, n)
		switch status {
		case OutboxQueued, OutboxSending, OutboxRetrying:
			c.InFlight++
		}
		if n >= 2 && created >= Millis(since) {
			c.ResentSince++
		}
	}
	if err := rows.Err(); err != nil {
		return TranscriptCounts{}, fmt.Errorf("store: transcript counts: %w", err)
	}
	return c, nil
}

// transcriptNumber reads n from a TranscriptKey (0 if the key is not one).
func transcriptNumber(key string) int {
	var n int
	if i := strings.LastIndexByte(key, ':'); i >= 0 {
		fmt.Sscanf(key[i+1:], "%d", &n)
	}
	return n
}

// TranscriptSending is one transcript email of a conversation as the agent sees it, or a
// record that none was queued (Status "not_sent", Reason set).
type TranscriptSending struct {
	ID        string // the outbox message, or the audit record of a not_sent
	Number    int    // 1 = the automatic one; 0 for not_sent
	Status    string // an outbox status, or "not_sent"
	Attempts  int
	LastError string
	To        string
	// RequestedBy is the agent who re-sent it; "" when Vouch Desk sent it by itself.
	RequestedBy string
	Reason      string // not_sent only: a code such as "email_unverified"
	Message     string // not_sent only: the sentence for people
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SentAt      time.Time
	NextAttempt time.Time // when a retrying one is tried again
	// BounceReason and BouncedAt: the delivery report read back for a bounced one (bounces.go).
	BounceReason string
	BouncedAt    time.Time
}

// TranscriptSendingNotSent is the Status of a record that no transcript was queued.
const TranscriptSendingNotSent = "not_sent"

// TranscriptSendings lists a conversation's transcript emails and not-sent records, oldest first.
// outbox_conversation and audit_log_entity serve the two queries.
func (s *Store) TranscriptSendings(ctx context.Context, orgID, conversationID string) ([]TranscriptSending, error) {
	out := []TranscriptSending{}
	err := s.Read(ctx, func(tx *Tx) error {
		rows, err := tx.tx.QueryContext(ctx, `SELECT o.id, o.idempotency_key, o.status, o.attempts, o.last_error,
			o.to_addr, o.created_at, o.updated_at, o.sent_at, o.next_attempt_at, o.bounce_reason, o.bounced_at,
			CASE WHEN a.actor_kind = 'agent' THEN coalesce(u.name, 'an agent') ELSE '' END
			FROM outbox o
			LEFT JOIN audit_log a ON a.entity_id = o.conversation_id AND a.org_id = o.org_id
				AND a.action = '`+AuditTranscriptSend+`' AND json_extract(a.detail, '$.outbox') = o.id
			LEFT JOIN users u ON u.id = a.actor_user_id AND u.org_id = a.org_id
			WHERE o.conversation_id = ? AND o.org_id = ? AND o.kind = 'transcript'`, conversationID, orgID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ts TranscriptSending
			var key string
			var created, updated, next int64
			var sent, bounced *int64
			if err := rows.Scan(&ts.ID, &key, &ts.Status, &ts.Attempts, &ts.LastError, &ts.To, &created, &updated,
				&sent, &next, &ts.BounceReason, &bounced, &ts.RequestedBy); err != nil {
				return err
			}
			ts.Number = transcriptNumber(key)
			ts.BouncedAt = fromNullMillis(bounced)
			ts.CreatedAt, ts.UpdatedAt, ts.SentAt, ts.NextAttempt = FromMillis(created), FromMillis(updated), fromNullMillis(sent), FromMillis(next)
			out = append(out, ts)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		skips, err := tx.tx.QueryContext(ctx, `SELECT id, coalesce(json_extract(detail, '$.reason'), ''),
			coalesce(json_extract(detail, '$.message'), ''), at
			FROM audit_log WHERE entity_id = ? AND org_id = ? AND action = '`+AuditTranscriptNotSent+`'`,
			conversationID, orgID)
		if err != nil {
			return err
		}
		defer skips.Close()
		for skips.Next() {
			ts := TranscriptSending{Status: TranscriptSendingNotSent}
			var at int64
			if err := skips.Scan(&ts.ID, &ts.Reason, &ts.Message, &at); err != nil {
				return err
			}
			ts.CreatedAt = FromMillis(at)
			ts.UpdatedAt = ts.CreatedAt
			out = append(out, ts)
		}
		return skips.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: transcript sendings: %w", err)
	}
	slices.SortStableFunc(out, func(a, b TranscriptSending) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return a.Number - b.Number
	})
	return out, nil
}
