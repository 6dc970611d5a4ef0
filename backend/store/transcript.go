package store

import (
	"context"
	"fmt"
	"time"
)

// TranscriptHead is what a transcript shows about its conversation: the conversation itself, the
// names of its organization and inbox, the linked contact's name, and how many messages it has.
type TranscriptHead struct {
	Conversation
	OrgName      string
	InboxName    string
	ContactName  string // '' when the conversation is linked to no contact
	MessageCount int
}

// TranscriptLine is one message as a transcript shows it. Only the agent's display name is read
// for an agent message: a transcript goes to customers, who never see an agent's email.
type TranscriptLine struct {
	SenderKind string
	AuthorName string // the agent's name for agent messages; '' otherwise
	Body       string
	CreatedAt  time.Time
}

// Transcript reads a conversation of the organization and all of its messages, oldest first, in
// two queries inside one read transaction, so the head and the messages are one snapshot. A
// conversation of another organization is ErrNotFound.
func (s *Store) Transcript(ctx context.Context, orgID, conversationID string) (TranscriptHead, []TranscriptLine, error) {
	var head TranscriptHead
	var lines []TranscriptLine
	err := s.Read(ctx, func(tx *Tx) error {
		var err error
		if head, err = tx.transcriptHead(orgID, conversationID); err != nil {
			return err
		}
		lines, err = tx.transcriptLines(orgID, conversationID, head.MessageCount)
		return err
	})
	if err != nil {
		return TranscriptHead{}, nil, err
	}
	return head, lines, nil
}

// Transcript reads the same as Store.Transcript inside the caller's transaction: the transcript
// mailed when a chat ends is rendered in the transaction that ends it.
func (t *Tx) Transcript(orgID, conversationID string) (TranscriptHead, []TranscriptLine, error) {
	head, err := t.transcriptHead(orgID, conversationID)
	if err != nil {
		return TranscriptHead{}, nil, err
	}
	lines, err := t.transcriptLines(orgID, conversationID, head.MessageCount)
	if err != nil {
		return TranscriptHead{}, nil, err
	}
	return head, lines, nil
}

func (t *Tx) transcriptHead(orgID, id string) (TranscriptHead, error) {
	var h TranscriptHead
	var started, last int64
	var ended *int64
	c := &h.Conversation
	// Organization and inbox are joined on org_id too: nothing is read across organizations even
	// if a row were ever mis-linked.
	err := t.tx.QueryRowContext(t.ctx, "SELECT "+conversationColumns+`, o.name, i.name, coalesce(ct.name, ''),
		(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.org_id = c.org_id)
		FROM conversations c
		JOIN organizations o ON o.id = c.org_id
		JOIN inboxes i ON i.id = c.inbox_id AND i.org_id = c.org_id
		LEFT JOIN contacts ct ON ct.id = c.contact_id AND ct.org_id = c.org_id
		WHERE c.org_id = ? AND c.id = ?`, orgID, id).Scan(
		&c.ID, &c.OrgID, &c.InboxID, &c.Kind, &c.Status, &c.ContactID, &c.LinkState,
		&started, &last, &ended, &c.LinkFieldID, &c.DeviceID, &c.VisitorName, &c.VisitorEmail,
		&c.CustomerTZ, &c.UnreadCount, &c.EndedBy, &c.EmailRequested, &c.LastAgentID, &c.CallStatus, &c.DurationSeconds,
		&h.OrgName, &h.InboxName, &h.ContactName, &h.MessageCount)
	if err != nil {
		return TranscriptHead{}, fmt.Errorf("store: transcript head: %w", notFound(err))
	}
	c.StartedAt, c.LastActivityAt, c.EndedAt = FromMillis(started), FromMillis(last), fromNullMillis(ended)
	return h, nil
}

// transcriptLines reads the messages in the order they were written; sizeHint preallocates.
func (t *Tx) transcriptLines(orgID, conversationID string, sizeHint int) ([]TranscriptLine, error) {
	// messages_conversation (conversation_id, created_at) gives the order; the id breaks ties
	// between messages of the same millisecond (UUIDv7 ids sort by creation).
	rows, err := t.tx.QueryContext(t.ctx, `SELECT m.sender_kind,
		CASE WHEN m.sender_kind = 'agent' THEN coalesce(u.name, '') ELSE '' END, m.body, m.created_at
		FROM messages m LEFT JOIN users u ON u.id = m.sender_user_id AND u.org_id = m.org_id
		WHERE m.conversation_id = ? AND m.org_id = ?
		ORDER BY m.created_at, m.id`, conversationID, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: transcript messages: %w", err)
	}
	defer rows.Close()
	out := make([]TranscriptLine, 0, sizeHint)
	for rows.Next() {
		var l TranscriptLine
		var created int64
		if err := rows.Scan(&l.SenderKind, &l.AuthorName, &l.Body, &created); err != nil {
			return nil, fmt.Errorf("store: transcript messages: %w", err)
		}
		l.CreatedAt = FromMillis(created)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: transcript messages: %w", err)
	}
	return out, nil
}
