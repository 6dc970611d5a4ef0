package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Sender kinds of a message.
const (
	SenderCustomer = "customer"
	SenderAgent    = "agent"
	SenderSystem   = "system"
)

const conversationColumns = `c.id, c.org_id, c.inbox_id, c.kind, c.status, coalesce(c.contact_id, ''), c.link_state,
	c.started_at, c.last_activity_at, c.ended_at, coalesce(c.link_field_id, ''), coalesce(c.device_id, ''),
	c.visitor_name, c.visitor_email, c.customer_tz, c.unread_count, c.ended_by, c.email_requested,
	coalesce(c.last_agent_id, ''), c.call_status, coalesce(c.duration_seconds, 0)`

func scanConversation(row scanner) (Conversation, error) {
	var c Conversation
	var started, last int64
	var ended *int64
	if err := row.Scan(&c.ID, &c.OrgID, &c.InboxID, &c.Kind, &c.Status, &c.ContactID, &c.LinkState,
		&started, &last, &ended, &c.LinkFieldID, &c.DeviceID, &c.VisitorName, &c.VisitorEmail,
		&c.CustomerTZ, &c.UnreadCount, &c.EndedBy, &c.EmailRequested, &c.LastAgentID, &c.CallStatus, &c.DurationSeconds); err != nil {
		return Conversation{}, err
	}
	c.StartedAt, c.LastActivityAt, c.EndedAt = FromMillis(started), FromMillis(last), fromNullMillis(ended)
	return c, nil
}

// InsertChat writes a new chat conversation opened by the widget; sessionHash is the hash of the
// session token the widget keeps.
func (t *Tx) InsertChat(c Conversation, sessionHash []byte) error {
	return t.exec("insert chat", `INSERT INTO conversations (id, org_id, inbox_id, kind, status, link_state,
		device_id, visitor_name, customer_tz, started_at, last_activity_at, session_hash)
		VALUES (?, ?, ?, 'chat', 'open', 'none', ?, ?, ?, ?, ?, ?)`,
		c.ID, c.OrgID, c.InboxID, nullString(c.DeviceID), c.VisitorName, c.CustomerTZ,
		Millis(c.StartedAt), Millis(c.LastActivityAt), sessionHash)
}

// ConversationBySession returns the conversation a widget session token (by hash) opens.
func (s *Store) ConversationBySession(ctx context.Context, hash []byte) (Conversation, error) {
	c, err := scanConversation(s.r.QueryRowContext(ctx, "SELECT "+conversationColumns+
		" FROM conversations c WHERE c.session_hash = ?", hash))
	if err != nil {
		return Conversation{}, fmt.Errorf("store: conversation by session: %w", notFound(err))
	}
	return c, nil
}

// ConversationByID returns one conversation of the organization.
func (s *Store) ConversationByID(ctx context.Context, orgID, id string) (Conversation, error) {
	c, err := scanConversation(s.r.QueryRowContext(ctx, "SELECT "+conversationColumns+
		" FROM conversations c WHERE c.org_id = ? AND c.id = ?", orgID, id))
	if err != nil {
		return Conversation{}, fmt.Errorf("store: conversation: %w", notFound(err))
	}
	return c, nil
}

// Conversation reads one conversation inside the transaction (for read-check-write).
func (t *Tx) Conversation(orgID, id string) (Conversation, error) {
	c, err := scanConversation(t.tx.QueryRowContext(t.ctx, "SELECT "+conversationColumns+
		" FROM conversations c WHERE c.org_id = ? AND c.id = ?", orgID, id))
	if err != nil {
		return Conversation{}, fmt.Errorf("store: conversation: %w", notFound(err))
	}
	return c, nil
}

// AddMessage stores a message and moves the conversation's activity time. A customer message
// also counts as unread for the agents; an agent message marks everything read and records who
// answered. A customer message whose ClientMsgID is already stored is not stored again: the
// stored one is returned with dup = true.
func (t *Tx) AddMessage(m Message) (stored Message, dup bool, err error) {
	if m.ClientMsgID != "" {
		existing, err := scanMessage(t.tx.QueryRowContext(t.ctx, "SELECT "+messageColumns+
			" FROM messages m WHERE m.conversation_id = ? AND m.client_msg_id = ?",
			m.ConversationID, m.ClientMsgID))
		if err == nil {
			return existing, true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return Message{}, false, fmt.Errorf("store: find message: %w", err)
		}
	}
	// Readers page a conversation by id (the widget sends what is stored after the last id it
	// has), so a message's id must sort after every earlier one of its conversation. A UUIDv7
	// follows the clock of the node that made it: on another node (its clock behind, or the same
	// millisecond) a later message could sort first and a live widget would skip it. The write
	// lock makes this read-then-insert safe.
	var newest string
	if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce(max(id), '') FROM messages WHERE conversation_id = ?`,
		m.ConversationID).Scan(&newest); err != nil {
		return Message{}, false, fmt.Errorf("store: newest message: %w", err)
	}
	if m.ID <= newest {
		if m.ID, err = idAfter(newest); err != nil {
			return Message{}, false, err
		}
	}
	if err := t.exec("insert message", `INSERT INTO messages (id, org_id, conversation_id, sender_kind,
		sender_user_id, body, client_msg_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.OrgID, m.ConversationID, m.SenderKind, nullString(m.SenderUserID), m.Body,
		nullString(m.ClientMsgID), Millis(m.CreatedAt)); err != nil {
		return Message{}, false, err
	}
	// The touch comes right after the insert: the live chat followers take it for part of the
	// message (ChatChangesAfter).
	switch m.SenderKind {
	case SenderCustomer:
		err = t.exec("touch conversation", `UPDATE conversations SET last_activity_at = ?, unread_count = unread_count + 1
			WHERE org_id = ? AND id = ?`, Millis(m.CreatedAt), m.OrgID, m.ConversationID)
	case SenderAgent:
		err = t.exec("touch conversation", `UPDATE conversations SET last_activity_at = ?, unread_count = 0,
			last_agent_id = ? WHERE org_id = ? AND id = ?`, Millis(m.CreatedAt), m.SenderUserID, m.OrgID, m.ConversationID)
	default:
		err = t.exec("touch conversation", `UPDATE conversations SET last_activity_at = ? WHERE org_id = ? AND id = ?`,
			Millis(m.CreatedAt), m.OrgID, m.ConversationID)
	}
	if err != nil {
		return Message{}, false, err
	}
	return m, false, nil
}

// The sender's name is a scalar subquery, not a LEFT JOIN: in a join SQLite marks the `= ?`
// terms "re-prepare on bind", and the driver's clear-bindings after each run then makes every call
// parse and plan again (docs/benchmarks.md, the lookup section). Messages is read once per live
// connection per new message, so that cost showed in the chat load test's profile.
const messageColumns = `m.id, m.org_id, m.conversation_id, m.sender_kind, coalesce(m.sender_user_id, ''), m.body,
	m.created_at, coalesce(m.client_msg_id, ''), coalesce((SELECT u.name FROM users u WHERE u.id = m.sender_user_id), '')`

func scanMessage(row scanner) (Message, error) {
	var m Message
	var created int64
	if err := row.Scan(&m.ID, &m.OrgID, &m.ConversationID, &m.SenderKind, &m.SenderUserID, &m.Body,
		&created, &m.ClientMsgID, &m.AuthorName); err != nil {
		return Message{}, err
	}
	m.CreatedAt = FromMillis(created)
	return m, nil
}

// Messages returns a conversation's messages oldest first; with afterID, only those added after
// that message (ids are UUIDv7, so their order is the order they were added in).
func (s *Store) Messages(ctx context.Context, orgID, conversationID, afterID string, limit int) ([]Message, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.r.QueryContext(ctx, "SELECT "+messageColumns+` FROM messages m
		WHERE m.org_id = ? AND m.conversation_id = ? AND m.id > ? ORDER BY m.id LIMIT ?`,
		orgID, conversationID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: messages: %w", err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("store: messages: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MessagesBefore returns a page of a conversation's messages: the newest limit of those added
// before beforeID ("" for the newest of all), oldest first, and whether older ones remain. The
// agent's view opens on the newest page and pages back from its oldest message.
func (s *Store) MessagesBefore(ctx context.Context, orgID, conversationID, beforeID string, limit int) ([]Message, bool, error) {
	if limit <= 0 {
		limit = 200
	}
	if beforeID == "" {
		beforeID = "~" // after every id: ids are lowercase hex and dashes
	}
	// m.id < ? keeps the walk on the index (conversation_id, id), from the page's start down.
	rows, err := s.r.QueryContext(ctx, "SELECT "+messageColumns+` FROM messages m
		WHERE m.conversation_id = ? AND m.id < ? AND m.org_id = ? ORDER BY m.id DESC LIMIT ?`,
		conversationID, beforeID, orgID, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("store: messages before: %w", err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, false, fmt.Errorf("store: messages before: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("store: messages before: %w", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	slices.Reverse(out)
	return out, more, nil
}

// ConversationListItem is a row of the agent's inbox.
type ConversationListItem struct {
	Conversation
	InboxName   string
	ContactName string
	LastMessage string
	// LinkDisplay and LinkNorm are the field the conversation's link rests on ("" when
	// unlinked): what the agent is shown as the customer's address, since it is what was proven
	// (or, while preliminary, matched); the typed VisitorEmail may differ.
	LinkDisplay string
	LinkNorm    string
}

// ListConversations returns the organization's conversations with status ("" for all), newest
// activity first.
func (s *Store) ListConversations(ctx context.Context, orgID, status string, limit int) ([]ConversationListItem, error) {
	if limit <= 0 {
		limit = 200
	}
	q := "SELECT " + conversationColumns + `, i.name, coalesce(ct.name, ''),
		coalesce((SELECT substr(m.body, 1, 200) FROM messages m WHERE m.conversation_id = c.id
			ORDER BY m.created_at DESC LIMIT 1), ''),
		coalesce(lf.value_display, ''), coalesce(lf.value_norm, '')
		FROM conversations c JOIN inboxes i ON i.id = c.inbox_id
		LEFT JOIN contacts ct ON ct.id = c.contact_id
		LEFT JOIN contact_fields lf ON lf.id = c.link_field_id
		WHERE c.org_id = ?1 AND (?2 = '' OR c.status = ?2)
		ORDER BY c.last_activity_at DESC LIMIT ?3`
	rows, err := s.r.QueryContext(ctx, q, orgID, status, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list conversations: %w", err)
	}
	defer rows.Close()
	out := []ConversationListItem{}
	for rows.Next() {
		it, err := scanListItem(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list conversations: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// scanListItem reads a conversation followed by its inbox name, contact name, last message and link field.
func scanListItem(row scanner) (ConversationListItem, error) {
	var it ConversationListItem
	var started, last int64
	var ended *int64
	c := &it.Conversation
	if err := row.Scan(&c.ID, &c.OrgID, &c.InboxID, &c.Kind, &c.Status, &c.ContactID, &c.LinkState,
		&started, &last, &ended, &c.LinkFieldID, &c.DeviceID, &c.VisitorName, &c.VisitorEmail,
		&c.CustomerTZ, &c.UnreadCount, &c.EndedBy, &c.EmailRequested, &c.LastAgentID, &c.CallStatus, &c.DurationSeconds,
		&it.InboxName, &it.ContactName, &it.LastMessage, &it.LinkDisplay, &it.LinkNorm); err != nil {
		return ConversationListItem{}, err
	}
	c.StartedAt, c.LastActivityAt, c.EndedAt = FromMillis(started), FromMillis(last), fromNullMillis(ended)
	return it, nil
}

// MarkRead clears a conversation's unread count.
func (t *Tx) MarkRead(orgID, id string) error {
	return t.exec("mark read", "UPDATE conversations SET unread_count = 0 WHERE org_id = ? AND id = ? AND unread_count <> 0", orgID, id)
}

// EndConversation ends an open conversation; ended reports whether it was open. by is what
// conversations.ended_by allows: "agent", "customer", "idle" or "system".
func (t *Tx) EndConversation(orgID, id, by string, now time.Time) (ended bool, err error) {
	return t.endConversation(orgID, id, by, now, math.MaxInt64)
}

// EndIdleConversation ends an open conversation only if its last activity is still before
// activeBefore (ended_by "idle"): a message that arrived after the idle sweep chose it keeps it open.
func (t *Tx) EndIdleConversation(orgID, id string, activeBefore, now time.Time) (ended bool, err error) {
	return t.endConversation(orgID, id, "idle", now, Millis(activeBefore))
}

func (t *Tx) endConversation(orgID, id, by string, now time.Time, activeBefore int64) (bool, error) {
	res, err := t.tx.ExecContext(t.ctx, `UPDATE conversations SET status = 'ended', ended_at = ?, ended_by = ?,
		email_requested = 0, last_activity_at = ? WHERE org_id = ? AND id = ? AND status = 'open' AND last_activity_at < ?`,
		Millis(now), by, Millis(now), orgID, id, activeBefore)
	if err != nil {
		return false, fmt.Errorf("store: end conversation: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// IdleChat is an open chat whose last activity is older than its inbox's idle_end_minutes.
type IdleChat struct {
	OrgID       string
	ID          string
	IdleMinutes int
}

// IdleChats returns up to limit open chats, of every organization, whose last activity (the
// newest message from anyone, or the start: AddMessage keeps last_activity_at so) is more than
// their inbox's idle_end_minutes before now; inboxes with 0 never end chats.
//
// The inboxes are the outer loop on purpose (CROSS JOIN fixes the order in SQLite): there are
// few, and for each one conversations_inbox_list (org_id, status, last_activity_at) is a range
// seek over the open conversations past that inbox's limit, so the ended millions are never read.
func (s *Store) IdleChats(ctx context.Context, now time.Time, limit int) ([]IdleChat, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT c.org_id, c.id, i.idle_end_minutes
		FROM inboxes i CROSS JOIN conversations c
		WHERE i.kind = 'chat' AND i.idle_end_minutes > 0
		AND c.org_id = i.org_id AND c.status = 'open' AND c.last_activity_at < CAST(?1 AS BIGINT) - i.idle_end_minutes * 60000
		AND c.inbox_id = i.id AND c.kind = 'chat'
		LIMIT ?2`, Millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: idle chats: %w", err)
	}
	defer rows.Close()
	var out []IdleChat
	for rows.Next() {
		var c IdleChat
		if err := rows.Scan(&c.OrgID, &c.ID, &c.IdleMinutes); err != nil {
			return nil, fmt.Errorf("store: idle chats: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetEmailRequested records that the agent asked for the customer's email (or that it came).
func (t *Tx) SetEmailRequested(orgID, id string, on bool) error {
	return t.exec("set email requested", "UPDATE conversations SET email_requested = ? WHERE org_id = ? AND id = ?",
		b2i(on), orgID, id)
}

// SetVisitorEmail records the email given in a conversation (display form); an email request is
// then answered.
func (t *Tx) SetVisitorEmail(orgID, id, display string) error {
	return t.exec("set visitor email", "UPDATE conversations SET visitor_email = ?, email_requested = 0 WHERE org_id = ? AND id = ?",
		display, orgID, id)
}

// SetLink sets what a conversation is linked to: contactID and fieldID empty with LinkNone, or
// both set with LinkPreliminary or LinkVerified.
func (t *Tx) SetLink(orgID, id, contactID, fieldID, state string) error {
	return t.exec("set link", "UPDATE conversations SET contact_id = ?, link_field_id = ?, link_state = ? WHERE org_id = ? AND id = ?",
		nullString(contactID), nullString(fieldID), state, orgID, id)
}

// ContactHistory returns a contact's conversations, newest first, without the one given.
func (s *Store) ContactHistory(ctx context.Context, orgID, contactID, except string, limit int) ([]ConversationListItem, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+conversationColumns+`, '', '',
		coalesce((SELECT substr(m.body, 1, 200) FROM messages m WHERE m.conversation_id = c.id
			ORDER BY m.created_at DESC LIMIT 1), ''),
		coalesce(lf.value_display, ''), coalesce(lf.value_norm, '')
		FROM conversations c LEFT JOIN contact_fields lf ON lf.id = c.link_field_id
		WHERE c.contact_id = ? AND c.org_id = ? AND c.id <> ?
		ORDER BY c.started_at DESC LIMIT ?`, contactID, orgID, except, limit)
	if err != nil {
		return nil, fmt.Errorf("store: contact history: %w", err)
	}
	defer rows.Close()
	out := []ConversationListItem{}
	for rows.Next() {
		it, err := scanListItem(rows)
		if err != nil {
			return nil, fmt.Errorf("store: contact history: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// CountContactHistory counts a contact's conversations other than the one given, and its live fields.
func (s *Store) CountContactHistory(ctx context.Context, orgID, contactID, except string) (conversations, fields int, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM conversations WHERE contact_id = ?2 AND org_id = ?1 AND id <> ?3),
		(SELECT count(*) FROM contact_fields WHERE contact_id = ?2 AND org_id = ?1 AND removed_at IS NULL)`,
		orgID, contactID, except).Scan(&conversations, &fields)
	if err != nil {
		return 0, 0, fmt.Errorf("store: count contact history: %w", err)
	}
	return conversations, fields, nil
}

// InsertConversation writes a new conversation.
func (t *Tx) InsertConversation(c Conversation) error {
	return t.exec("insert conversation", insertConversationSQL, conversationArgs(c)...)
}

// InsertMessage writes a new message.
func (t *Tx) InsertMessage(m Message) error {
	return t.exec("insert message", insertMessageSQL, messageArgs(m)...)
}

const insertConversationSQL = `INSERT INTO conversations (id, org_id, inbox_id, kind, status, contact_id,
	link_state, started_at, last_activity_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func conversationArgs(c Conversation) []any {
	return []any{c.ID, c.OrgID, c.InboxID, c.Kind, c.Status, nullString(c.ContactID), c.LinkState,
		Millis(c.StartedAt), Millis(c.LastActivityAt), nullMillis(c.EndedAt)}
}

const insertMessageSQL = `INSERT INTO messages (id, org_id, conversation_id, sender_kind, sender_user_id, body, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?)`

func messageArgs(m Message) []any {
	return []any{m.ID, m.OrgID, m.ConversationID, m.SenderKind, nullString(m.SenderUserID), m.Body, Millis(m.CreatedAt)}
}
