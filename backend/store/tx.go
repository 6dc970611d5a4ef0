package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrReadOnly is returned by Write on a store opened with OpenReadOnly.
var ErrReadOnly = errors.New("store: opened read-only")

// Tx is one write transaction. Its methods are the store's writes; each names the row it writes.
type Tx struct {
	tx     *sql.Tx
	ctx    context.Context
	sealer Sealer
}

// Write runs fn in one write transaction (BEGIN IMMEDIATE) and commits when fn returns nil.
// Writes queue on the single writer connection.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	if s.readOnly {
		return ErrReadOnly
	}
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer sqlTx.Rollback()
	if err := fn(&Tx{tx: sqlTx, ctx: ctx, sealer: s.sealer}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

func (t *Tx) exec(what, query string, args ...any) error {
	if _, err := t.tx.ExecContext(t.ctx, query, args...); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// InsertOrganization writes a new organization.
func (t *Tx) InsertOrganization(o Organization) error {
	return t.exec("insert organization", `INSERT INTO organizations
		(id, name, default_region, double_opt_in, consent_text, google_client_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.Name, o.DefaultRegion, b2i(o.DoubleOptIn), o.ConsentText, o.GoogleClientID,
		Millis(o.CreatedAt), Millis(o.UpdatedAt))
}

// InsertUser writes a new agent.
func (t *Tx) InsertUser(u User) error {
	return t.exec("insert user", `INSERT INTO users (id, org_id, name, email, role, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, u.ID, u.OrgID, u.Name, u.Email, u.Role, Millis(u.CreatedAt))
}

// InsertInbox writes a new inbox.
func (t *Tx) InsertInbox(i Inbox) error {
	return t.exec("insert inbox", `INSERT INTO inboxes (id, org_id, kind, name, phone_number,
		prechat_ask_name, prechat_ask_email, email_signin, google_signin, transcript_after,
		idle_end_minutes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		i.ID, i.OrgID, i.Kind, i.Name, i.PhoneNumber, b2i(i.PrechatAskName), b2i(i.PrechatAskEmail),
		b2i(i.EmailSignin), b2i(i.GoogleSignin), b2i(i.TranscriptAfter), i.IdleEndMinutes,
		Millis(i.CreatedAt), Millis(i.UpdatedAt))
}

// InsertContact writes a new contact.
func (t *Tx) InsertContact(c Contact) error {
	return t.exec("insert contact", insertContactSQL, contactArgs(c)...)
}

// InsertField writes a new contact field. A value that already belongs to a live contact of the
// organization fails the identity index.
func (t *Tx) InsertField(f Field) error {
	return t.exec("insert contact field", insertFieldSQL, fieldArgs(f)...)
}

// InsertConversation writes a new conversation.
func (t *Tx) InsertConversation(c Conversation) error {
	return t.exec("insert conversation", insertConversationSQL, conversationArgs(c)...)
}

// InsertMessage writes a new message.
func (t *Tx) InsertMessage(m Message) error {
	return t.exec("insert message", insertMessageSQL, messageArgs(m)...)
}

// Audit appends to the audit trail. detail is stored as JSON.
func (t *Tx) Audit(orgID string, actor Actor, action, entity, entityID string, detail any) error {
	d := "{}"
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("store: audit detail: %w", err)
		}
		d = string(b)
	}
	return t.exec("audit", `INSERT INTO audit_log (id, org_id, actor_user_id, actor_kind, action, entity,
		entity_id, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		NewID(), orgID, nullString(actor.UserID), actor.Kind, action, entity, entityID, d, time.Now().UnixMilli())
}

const insertContactSQL = `INSERT INTO contacts (id, org_id, name, status, merged_into, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?)`

func contactArgs(c Contact) []any {
	return []any{c.ID, c.OrgID, c.Name, c.Status, nullString(c.MergedInto), Millis(c.CreatedAt), Millis(c.UpdatedAt)}
}

const insertFieldSQL = `INSERT INTO contact_fields (id, org_id, contact_id, kind, value_norm, value_display, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?)`

func fieldArgs(f Field) []any {
	return []any{f.ID, f.OrgID, f.ContactID, f.Kind, f.ValueNorm, f.ValueDisplay, Millis(f.CreatedAt)}
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

// CountOrganizations counts organizations inside the transaction (used to make setup race-free).
func (t *Tx) CountOrganizations() (int, error) {
	var n int
	if err := t.tx.QueryRowContext(t.ctx, "SELECT count(*) FROM organizations").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count organizations: %w", err)
	}
	return n, nil
}

// inboxToggleColumns maps a toggle's name to its column; nothing else can be set this way.
var inboxToggleColumns = map[string]string{
	"emailSignin":     "email_signin",
	"googleSignin":    "google_signin",
	"transcriptAfter": "transcript_after",
}

// SetInboxToggle switches one feature toggle of an inbox of the organization.
func (t *Tx) SetInboxToggle(orgID, inboxID, toggle string, on bool, now time.Time) error {
	col, ok := inboxToggleColumns[toggle]
	if !ok {
		return fmt.Errorf("store: unknown inbox toggle %q", toggle)
	}
	res, err := t.tx.ExecContext(t.ctx, "UPDATE inboxes SET "+col+" = ?, updated_at = ? WHERE org_id = ? AND id = ? AND deleted_at IS NULL",
		b2i(on), Millis(now), orgID, inboxID)
	if err != nil {
		return fmt.Errorf("store: set inbox toggle: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("store: set inbox toggle: %w", ErrNotFound)
	}
	return nil
}

// SetInboxIdleEnd sets after how many minutes without activity a chat of the inbox ends (0: never).
func (t *Tx) SetInboxIdleEnd(orgID, inboxID string, minutes int, now time.Time) error {
	res, err := t.tx.ExecContext(t.ctx, "UPDATE inboxes SET idle_end_minutes = ?, updated_at = ? WHERE org_id = ? AND id = ? AND deleted_at IS NULL",
		minutes, Millis(now), orgID, inboxID)
	if err != nil {
		return fmt.Errorf("store: set inbox idle end: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("store: set inbox idle end: %w", ErrNotFound)
	}
	return nil
}
