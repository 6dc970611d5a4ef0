package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// FieldState is one field of a contact with its standing verification, if any, and the latest
// removed one, so the desktop can say "Verified by ..." or "Not verified (removed by ...)".
type FieldState struct {
	Field
	RemovedAt time.Time
	// Verified is the newest standing verification (zero ID when none).
	Verified Verification
	// Revoked is the newest removed verification (zero ID when none), RevokedAt/RevokedBy when.
	Revoked   Verification
	RevokedAt time.Time
	RevokedBy string // the agent's name
}

// ContactFieldStates returns the live fields of a contact, emails first then phones, each in
// the order they were added, with their verification state: one query for the whole contact.
func (s *Store) ContactFieldStates(ctx context.Context, orgID, contactID string) ([]FieldState, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT f.id, f.org_id, f.contact_id, f.kind, f.value_norm, f.value_display, f.created_at,
		coalesce(v.id, ''), coalesce(v.method, ''), coalesce(v.actor_user_id, ''), coalesce(va.name, ''), coalesce(v.conversation_id, ''), coalesce(v.verified_at, 0),
		coalesce(r.id, ''), coalesce(r.method, ''), coalesce(r.actor_user_id, ''), coalesce(ra.name, ''), coalesce(r.verified_at, 0),
		coalesce(r.revoked_at, 0), coalesce(rb.name, '')
		FROM contact_fields f
		LEFT JOIN verifications v ON v.id = (SELECT id FROM verifications WHERE field_id = f.id AND revoked_at IS NULL
			ORDER BY verified_at DESC LIMIT 1)
		LEFT JOIN users va ON va.id = v.actor_user_id
		LEFT JOIN verifications r ON r.id = (SELECT id FROM verifications WHERE field_id = f.id AND revoked_at IS NOT NULL
			ORDER BY revoked_at DESC LIMIT 1)
		LEFT JOIN users ra ON ra.id = r.actor_user_id
		LEFT JOIN users rb ON rb.id = r.revoked_by
		WHERE f.org_id = ? AND f.contact_id = ? AND f.removed_at IS NULL
		ORDER BY f.kind, f.created_at, f.id`, orgID, contactID)
	if err != nil {
		return nil, fmt.Errorf("store: contact fields: %w", err)
	}
	defer rows.Close()
	out := []FieldState{}
	for rows.Next() {
		var fs FieldState
		var created, vAt, rAt, rRevoked int64
		if err := rows.Scan(&fs.ID, &fs.OrgID, &fs.ContactID, &fs.Kind, &fs.ValueNorm, &fs.ValueDisplay, &created,
			&fs.Verified.ID, &fs.Verified.Method, &fs.Verified.ActorUserID, &fs.Verified.ActorName, &fs.Verified.ConversationID, &vAt,
			&fs.Revoked.ID, &fs.Revoked.Method, &fs.Revoked.ActorUserID, &fs.Revoked.ActorName, &rAt, &rRevoked, &fs.RevokedBy); err != nil {
			return nil, fmt.Errorf("store: contact fields: %w", err)
		}
		fs.CreatedAt = FromMillis(created)
		if fs.Verified.ID != "" {
			fs.Verified.FieldID, fs.Verified.OrgID, fs.Verified.VerifiedAt = fs.ID, fs.OrgID, FromMillis(vAt)
		}
		if fs.Revoked.ID != "" {
			fs.Revoked.FieldID, fs.Revoked.OrgID, fs.Revoked.VerifiedAt = fs.ID, fs.OrgID, FromMillis(rAt)
			fs.RevokedAt = FromMillis(rRevoked)
		}
		out = append(out, fs)
	}
	return out, rows.Err()
}

// Field reads one field of the organization (live or removed) inside a transaction.
func (t *Tx) Field(orgID, id string) (Field, error) {
	var f Field
	var created int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT id, org_id, contact_id, kind, value_norm, value_display, created_at
		FROM contact_fields WHERE org_id = ? AND id = ? AND removed_at IS NULL`, orgID, id).Scan(
		&f.ID, &f.OrgID, &f.ContactID, &f.Kind, &f.ValueNorm, &f.ValueDisplay, &created)
	if err != nil {
		return Field{}, fmt.Errorf("store: field: %w", notFound(err))
	}
	f.CreatedAt = FromMillis(created)
	return f, nil
}

// SetContactName renames a contact.
func (t *Tx) SetContactName(orgID, id, name string, now time.Time) error {
	return t.exec("set contact name", `UPDATE contacts SET name = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		name, Millis(now), orgID, id)
}

// RevokeFieldVerifications withdraws every standing verification of a field (by: the agent),
// revokes the device proofs that rest on the field, so browsers that proved it are no longer
// recognised, and drops open conversations verified on it back to preliminary. It returns how
// many verifications it withdrew.
func (t *Tx) RevokeFieldVerifications(orgID, fieldID, by string, now time.Time) (int, error) {
	res, err := t.tx.ExecContext(t.ctx, `UPDATE verifications SET revoked_at = ?, revoked_by = ?
		WHERE org_id = ? AND field_id = ? AND revoked_at IS NULL`, Millis(now), nullString(by), orgID, fieldID)
	if err != nil {
		return 0, fmt.Errorf("store: revoke verifications: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := t.exec("revoke device proofs", `UPDATE device_proofs SET revoked_at = ? WHERE org_id = ? AND field_id = ? AND revoked_at IS NULL`,
		Millis(now), orgID, fieldID); err != nil {
		return 0, err
	}
	err = t.exec("unverify open conversations", `UPDATE conversations SET link_state = 'preliminary'
		WHERE org_id = ? AND link_field_id = ? AND status = 'open' AND link_state = 'verified'`, orgID, fieldID)
	return int(n), err
}

// ContactCounts is how many conversations and live fields a contact has.
func (s *Store) ContactCounts(ctx context.Context, orgID, contactID string) (conversations, fields int, err error) {
	return s.CountContactHistory(ctx, orgID, contactID, "")
}

// Timeline entry kinds.
const (
	TimelineChat           = "chat"
	TimelineCall           = "call"
	TimelineTranscript     = "transcript"
	TimelineVerification   = "verification"
	TimelineUnverification = "unverification"
	TimelineMerge          = "merge"
	TimelineUnmerge        = "unmerge"
)

// TimelineEntry is one thing that happened to a contact. Which fields are set depends on Kind.
type TimelineEntry struct {
	Kind string
	// Key orders entries with the same time and is the page cursor's tie-breaker; unique.
	Key string
	At  time.Time
	// Chats, calls and transcripts.
	ConversationID string
	InboxName      string
	Status         string // conversation status; outbox status for transcripts
	LinkState      string
	CallStatus     string
	Duration       int
	FieldValue     string // the caller's number, the chat's email; the verified field; the transcript's address
	Preview        string // a chat's last message (first 200 characters)
	// Verifications and merges.
	FieldKind string
	Method    string
	ActorName string
	// Merges: the other contact, its name then, the reason, how many conversations moved,
	// whether this contact survived, and whether the merge was undone since.
	MergeID      string
	OtherContact string
	OtherName    string
	Reason       string
	Moved        int
	Survivor     bool
	MergeUndone  bool
}

// TimelineCursor is where a timeline page starts: entries strictly older than (At, Key).
type TimelineCursor struct {
	At  int64
	Key string
}

// The timeline is one UNION ALL of keyset-paged reads. SQLite runs a compound SELECT with ORDER BY
// as a merge: each branch is a co-routine delivering its rows in (at, key) order from its own
// index, and the merge stops at the LIMIT, so the first page costs one short range per source
// however long the history is. The branches are plain SELECTs on purpose: wrapped in
// subqueries with their own ORDER BY and LIMIT, each branch's rows were sorted a second time
// (a whole 10,000-entry read took 45 ms of SQL instead of 31).
const timelineSQL = `
SELECT c.kind, c.id AS k, c.started_at AS at, c.id, coalesce(i.name, ''), c.status, c.link_state, c.call_status,
	coalesce(c.duration_seconds, 0), coalesce(f.value_display, c.visitor_email), '', '', '', '', '', '', '', 0, 0, 0
	FROM conversations c LEFT JOIN inboxes i ON i.id = c.inbox_id LEFT JOIN contact_fields f ON f.id = c.link_field_id
	WHERE c.contact_id = ?1 AND c.org_id = ?2 AND (c.started_at < ?3 OR (c.started_at = ?3 AND c.id < ?4))
UNION ALL
SELECT 'verification', v.id, v.verified_at, coalesce(v.conversation_id, ''), '', '', '', '', 0, f.value_display,
	f.kind, v.method, coalesce(u.name, ''), '', '', '', '', 0, 0, 0
	FROM contact_fields f JOIN verifications v ON v.field_id = f.id LEFT JOIN users u ON u.id = v.actor_user_id
	WHERE f.contact_id = ?1 AND f.org_id = ?2 AND (v.verified_at < ?3 OR (v.verified_at = ?3 AND v.id < ?4))
UNION ALL
SELECT 'unverification', v.id || '.r', v.revoked_at, '', '', '', '', '', 0, f.value_display,
	f.kind, v.method, coalesce(u.name, ''), '', '', '', '', 0, 0, 0
	FROM contact_fields f JOIN verifications v ON v.field_id = f.id LEFT JOIN users u ON u.id = v.revoked_by
	WHERE f.contact_id = ?1 AND f.org_id = ?2 AND v.revoked_at IS NOT NULL
		AND (v.revoked_at < ?3 OR (v.revoked_at = ?3 AND v.id || '.r' < ?4))
UNION ALL
SELECT 'transcript', o.id, o.created_at, coalesce(o.conversation_id, ''), '', o.status, '', '', 0, o.to_addr,
	'', '', '', '', '', '', '', 0, 0, 0
	FROM outbox o WHERE o.contact_id = ?1 AND o.org_id = ?2 AND o.kind = 'transcript'
		AND (o.created_at < ?3 OR (o.created_at = ?3 AND o.id < ?4))
UNION ALL
SELECT 'merge', m.id, m.created_at, '', '', '', '', '', 0, '', '', '', coalesce(u.name, ''), m.id,
	CASE WHEN m.survivor_id = ?1 THEN m.merged_id ELSE m.survivor_id END,
	CASE WHEN m.survivor_id = ?1 THEN coalesce(json_extract(m.moved, '$.merged_name'), '') ELSE coalesce(s.name, '') END,
	m.reason, json_array_length(m.moved, '$.conversations'), CASE WHEN m.survivor_id = ?1 THEN 1 ELSE 0 END,
	CASE WHEN m.undone_at IS NOT NULL THEN 1 ELSE 0 END
	FROM merges m LEFT JOIN users u ON u.id = m.actor_user_id LEFT JOIN contacts s ON s.id = m.survivor_id
	WHERE (m.survivor_id = ?1 OR m.merged_id = ?1) AND m.org_id = ?2 AND (m.created_at < ?3 OR (m.created_at = ?3 AND m.id < ?4))
UNION ALL
SELECT 'unmerge', m.id || '.u', m.undone_at, '', '', '', '', '', 0, '', '', '', coalesce(u.name, ''), m.id,
	CASE WHEN m.survivor_id = ?1 THEN m.merged_id ELSE m.survivor_id END,
	CASE WHEN m.survivor_id = ?1 THEN coalesce(json_extract(m.moved, '$.merged_name'), '') ELSE coalesce(s.name, '') END,
	m.reason, json_array_length(m.moved, '$.conversations'), CASE WHEN m.survivor_id = ?1 THEN 1 ELSE 0 END, 1
	FROM merges m LEFT JOIN users u ON u.id = m.undone_by LEFT JOIN contacts s ON s.id = m.survivor_id
	WHERE (m.survivor_id = ?1 OR m.merged_id = ?1) AND m.org_id = ?2 AND m.undone_at IS NOT NULL
		AND (m.undone_at < ?3 OR (m.undone_at = ?3 AND m.id || '.u' < ?4))
ORDER BY 3 DESC, 2 DESC LIMIT ?5`

// Timeline returns up to limit entries of a contact's timeline older than the cursor (the zero
// cursor starts at the newest), newest first, and the cursor of the next page (zero at the end).
func (s *Store) Timeline(ctx context.Context, orgID, contactID string, from TimelineCursor, limit int) ([]TimelineEntry, TimelineCursor, error) {
	if from.At == 0 && from.Key == "" {
		from = TimelineCursor{At: 1<<62 - 1, Key: "\U0010FFFF"}
	}
	rows, err := s.r.QueryContext(ctx, timelineSQL, contactID, orgID, from.At, from.Key, limit+1)
	if err != nil {
		return nil, TimelineCursor{}, fmt.Errorf("store: timeline: %w", err)
	}
	defer rows.Close()
	// Entries are wide: growing the slice entry by entry was a sixth of a whole-timeline read.
	out := make([]TimelineEntry, 0, min(limit+1, 16384))
	chats := []int{}
	for rows.Next() {
		var e TimelineEntry
		var at int64
		if err := rows.Scan(&e.Kind, &e.Key, &at, &e.ConversationID, &e.InboxName, &e.Status, &e.LinkState, &e.CallStatus,
			&e.Duration, &e.FieldValue, &e.FieldKind, &e.Method, &e.ActorName, &e.MergeID, &e.OtherContact, &e.OtherName,
			&e.Reason, &e.Moved, &e.Survivor, &e.MergeUndone); err != nil {
			return nil, TimelineCursor{}, fmt.Errorf("store: timeline: %w", err)
		}
		e.At = FromMillis(at)
		if e.Kind == TimelineChat {
			chats = append(chats, len(out))
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, TimelineCursor{}, fmt.Errorf("store: timeline: %w", err)
	}
	var next TimelineCursor
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = TimelineCursor{At: Millis(last.At), Key: last.Key}
	}
	// Previews only for the chats on this page: one statement, one index seek per chat.
	ids := make([]string, 0, len(chats))
	at := make(map[string]int, len(chats))
	for _, i := range chats {
		if i < len(out) {
			ids = append(ids, out[i].ConversationID)
			at[out[i].ConversationID] = i
		}
	}
	if len(ids) > 0 {
		js, _ := json.Marshal(ids)
		rows, err := s.r.QueryContext(ctx, `SELECT j.value, coalesce((SELECT substr(m.body, 1, 200) FROM messages m
			WHERE m.conversation_id = j.value ORDER BY m.id DESC LIMIT 1), '') FROM json_each(?) j`, string(js))
		if err != nil {
			return nil, TimelineCursor{}, fmt.Errorf("store: timeline previews: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, body string
			if err := rows.Scan(&id, &body); err != nil {
				return nil, TimelineCursor{}, fmt.Errorf("store: timeline previews: %w", err)
			}
			out[at[id]].Preview = body
		}
		if err := rows.Err(); err != nil {
			return nil, TimelineCursor{}, fmt.Errorf("store: timeline previews: %w", err)
		}
	}
	return out, next, nil
}

// ContactSize counts a contact's conversations and live fields inside a transaction (what a
// merge would bring along).
func (t *Tx) ContactSize(orgID, contactID string) (conversations, fields int, err error) {
	err = t.tx.QueryRowContext(t.ctx, `SELECT
		(SELECT count(*) FROM conversations WHERE contact_id = ?2 AND org_id = ?1),
		(SELECT count(*) FROM contact_fields WHERE contact_id = ?2 AND org_id = ?1 AND removed_at IS NULL)`,
		orgID, contactID).Scan(&conversations, &fields)
	if err != nil {
		return 0, 0, fmt.Errorf("store: contact size: %w", err)
	}
	return conversations, fields, nil
}

// ProvenInConversation returns the contact the customer of a conversation proved to be in that
// very conversation: the live contact holding the field of its newest standing verification
// made there ("" when none). A later proof in the same conversation of a value another contact
// has is then evidence that one person holds both.
func (t *Tx) ProvenInConversation(orgID, conversationID string) (string, error) {
	var contactID string
	err := t.tx.QueryRowContext(t.ctx, `SELECT f.contact_id FROM verifications v JOIN contact_fields f ON f.id = v.field_id
		WHERE v.org_id = ? AND v.conversation_id = ? AND v.revoked_at IS NULL AND f.removed_at IS NULL
		ORDER BY v.verified_at DESC, v.id DESC LIMIT 1`, orgID, conversationID).Scan(&contactID)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: proven in conversation: %w", err)
	}
	c, err := t.LiveContact(orgID, contactID)
	if err != nil {
		return "", err
	}
	return c.ID, nil
}

// RemoveField takes a field off its contact: kept for history (removed_at), no longer part of
// the contact's identity, so the value may be given to another contact.
func (t *Tx) RemoveField(orgID, id string, now time.Time) error {
	return t.exec("remove field", `UPDATE contact_fields SET removed_at = ? WHERE org_id = ? AND id = ? AND removed_at IS NULL`,
		Millis(now), orgID, id)
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

// InsertContact writes a new contact.
func (t *Tx) InsertContact(c Contact) error {
	return t.exec("insert contact", insertContactSQL, contactArgs(c)...)
}

// InsertField writes a new contact field. A value that already belongs to a live contact of the
// organization fails the identity index.
func (t *Tx) InsertField(f Field) error {
	return t.exec("insert contact field", insertFieldSQL, fieldArgs(f)...)
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

// ContactByField returns the live contact that owns the normalized email or phone value in the
// organization, or ErrNotFound.
func (s *Store) ContactByField(ctx context.Context, orgID, kind, valueNorm string) (Contact, error) {
	c, err := scanContact(s.q.contactByField.QueryRowContext(ctx, orgID, kind, valueNorm))
	if err != nil {
		return Contact{}, fmt.Errorf("store: contact by field: %w", notFound(err))
	}
	return c, nil
}

func scanContact(row scanner) (Contact, error) {
	var c Contact
	var created, updated int64
	if err := row.Scan(&c.ID, &c.OrgID, &c.Name, &c.Status, &c.MergedInto, &created, &updated); err != nil {
		return Contact{}, err
	}
	c.CreatedAt, c.UpdatedAt = FromMillis(created), FromMillis(updated)
	return c, nil
}

// ContactByID returns one contact of the organization.
func (s *Store) ContactByID(ctx context.Context, orgID, id string) (Contact, error) {
	c, err := scanContact(s.r.QueryRowContext(ctx, `SELECT id, org_id, name, status, coalesce(merged_into, ''),
		created_at, updated_at FROM contacts WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return Contact{}, fmt.Errorf("store: contact by id: %w", notFound(err))
	}
	return c, nil
}

// FieldsByContact returns the live fields of a contact, emails first.
func (s *Store) FieldsByContact(ctx context.Context, orgID, contactID string) ([]Field, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, org_id, contact_id, kind, value_norm, value_display, created_at
		FROM contact_fields WHERE contact_id = ? AND org_id = ? AND removed_at IS NULL
		ORDER BY kind, created_at`, contactID, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: fields by contact: %w", err)
	}
	defer rows.Close()
	var fs []Field
	for rows.Next() {
		var f Field
		var created int64
		if err := rows.Scan(&f.ID, &f.OrgID, &f.ContactID, &f.Kind, &f.ValueNorm, &f.ValueDisplay, &created); err != nil {
			return nil, fmt.Errorf("store: fields by contact: %w", err)
		}
		f.CreatedAt = FromMillis(created)
		fs = append(fs, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: fields by contact: %w", err)
	}
	return fs, nil
}

// ContactFieldTotal counts every contact field in the file, removed ones included, across all
// organizations.
func (s *Store) ContactFieldTotal(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM contact_fields").Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count contact fields: %w", err)
	}
	return n, nil
}
