package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// MergeMoved is what a merge moved, kept in merges.moved so Undo can put it back.
type MergeMoved struct {
	Conversations []string `json:"conversations"`
	Fields        []string `json:"fields"`
	Outbox        []string `json:"outbox"`
	// MergedStatus and SurvivorStatus are the two contacts' statuses before the merge.
	MergedStatus   string `json:"merged_status"`
	SurvivorStatus string `json:"survivor_status"`
	// NameTaken is the merged contact's name when the survivor had none and took it.
	NameTaken string `json:"name_taken,omitempty"`
	// MergedName is the merged contact's name at the time (shown in the survivor's history).
	MergedName string `json:"merged_name"`
}

// Merge is one merge: the merged contact became part of the survivor.
type Merge struct {
	ID          string
	OrgID       string
	SurvivorID  string
	MergedID    string
	ActorUserID string
	ActorName   string // read only
	Reason      string
	Moved       MergeMoved
	CreatedAt   time.Time
	UndoneAt    time.Time
	UndoneBy    string
	UndoneName  string // read only
}

// LiveContact follows merged_into from a contact to the contact it lives on in (itself when not
// merged). Chains are short (each merge adds one hop); more than 64 hops means a cycle, which the
// merge code never makes.
func (t *Tx) LiveContact(orgID, id string) (Contact, error) {
	for range 64 {
		c, err := t.Contact(orgID, id)
		if err != nil {
			return Contact{}, err
		}
		if c.Status != ContactMerged {
			return c, nil
		}
		id = c.MergedInto
	}
	return Contact{}, fmt.Errorf("store: live contact: merge chain too long at %s", id)
}

func (t *Tx) ids(what, query string, args ...any) ([]string, error) {
	rows, err := t.tx.QueryContext(t.ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// MoveContactRows moves everything of the contact mergedID onto survivorID, inside the caller's
// transaction: its conversations, fields (with their verifications and device proofs, which hang
// on the fields) and emailed transcripts; the merged contact stays, with status 'merged' and
// merged_into set, so nothing is deleted and UnmergeRows can split it out again. It returns the
// ids it moved. Which contacts merge, and what the survivor becomes, is contacts.Merge's
// decision: the store only moves rows.
func (t *Tx) MoveContactRows(orgID, survivorID, mergedID string, now time.Time) (MergeMoved, error) {
	var moved MergeMoved
	var err error
	if moved.Conversations, err = t.ids("merge: conversations", `SELECT id FROM conversations WHERE org_id = ? AND contact_id = ?`, orgID, mergedID); err != nil {
		return MergeMoved{}, err
	}
	if moved.Fields, err = t.ids("merge: fields", `SELECT id FROM contact_fields WHERE org_id = ? AND contact_id = ?`, orgID, mergedID); err != nil {
		return MergeMoved{}, err
	}
	if moved.Outbox, err = t.ids("merge: outbox", `SELECT id FROM outbox WHERE org_id = ? AND contact_id = ?`, orgID, mergedID); err != nil {
		return MergeMoved{}, err
	}
	for _, st := range []struct{ what, sql string }{
		{"merge conversations", `UPDATE conversations SET contact_id = ?1 WHERE org_id = ?2 AND contact_id = ?3`},
		{"merge fields", `UPDATE contact_fields SET contact_id = ?1 WHERE org_id = ?2 AND contact_id = ?3`},
		{"merge outbox", `UPDATE outbox SET contact_id = ?1 WHERE org_id = ?2 AND contact_id = ?3`},
	} {
		if err := t.exec(st.what, st.sql, survivorID, orgID, mergedID); err != nil {
			return MergeMoved{}, err
		}
	}
	if err := t.exec("merge contact", `UPDATE contacts SET status = 'merged', merged_into = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		survivorID, Millis(now), orgID, mergedID); err != nil {
		return MergeMoved{}, err
	}
	return moved, nil
}

// SetContactNameStatus sets a contact's name and status (a merge's survivor, an undone merge's
// survivor).
func (t *Tx) SetContactNameStatus(orgID, id, name, status string, now time.Time) error {
	return t.exec("set contact name and status", `UPDATE contacts SET name = ?, status = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		name, status, Millis(now), orgID, id)
}

// InsertMerge records a merge.
func (t *Tx) InsertMerge(m Merge) error {
	js, err := json.Marshal(m.Moved)
	if err != nil {
		return fmt.Errorf("store: merge: %w", err)
	}
	return t.exec("insert merge", `INSERT INTO merges (id, org_id, survivor_id, merged_id, actor_user_id, reason, moved, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, m.OrgID, m.SurvivorID, m.MergedID, nullString(m.ActorUserID), m.Reason, string(js), Millis(m.CreatedAt))
}

const mergeColumns = `m.id, m.org_id, m.survivor_id, m.merged_id, coalesce(m.actor_user_id, ''), coalesce(ua.name, ''),
	m.reason, m.moved, m.created_at, m.undone_at, coalesce(m.undone_by, ''), coalesce(ub.name, '')`

const mergeFrom = ` FROM merges m LEFT JOIN users ua ON ua.id = m.actor_user_id LEFT JOIN users ub ON ub.id = m.undone_by`

func scanMerge(row scanner) (Merge, error) {
	var m Merge
	var moved string
	var at int64
	var undone sql.NullInt64
	if err := row.Scan(&m.ID, &m.OrgID, &m.SurvivorID, &m.MergedID, &m.ActorUserID, &m.ActorName, &m.Reason, &moved,
		&at, &undone, &m.UndoneBy, &m.UndoneName); err != nil {
		return Merge{}, err
	}
	if err := json.Unmarshal([]byte(moved), &m.Moved); err != nil {
		return Merge{}, fmt.Errorf("store: merge %s: moved: %w", m.ID, err)
	}
	m.CreatedAt = FromMillis(at)
	if undone.Valid {
		m.UndoneAt = FromMillis(undone.Int64)
	}
	return m, nil
}

// Merge reads one merge of the organization.
func (t *Tx) Merge(orgID, id string) (Merge, error) {
	m, err := scanMerge(t.tx.QueryRowContext(t.ctx, "SELECT "+mergeColumns+mergeFrom+" WHERE m.org_id = ? AND m.id = ?", orgID, id))
	if err != nil {
		return Merge{}, fmt.Errorf("store: merge: %w", notFound(err))
	}
	return m, nil
}

// UnmergeRows puts back, inside the caller's transaction, what merge m moved where it is still
// on the survivor; so do the conversations that arrived after the merge through a field that
// moved (a later call from the merged contact's number belongs with that number). Everything
// else that happened since stays on the survivor. The merged contact becomes status again,
// and the merge is marked undone by actor. It returns the later conversations it moved.
// Whether the undo may happen, and the contacts' names, are contacts.UndoMerge's decisions.
func (t *Tx) UnmergeRows(m Merge, status string, actor Actor, now time.Time) (later []string, err error) {
	orgID := m.OrgID
	convs, _ := json.Marshal(m.Moved.Conversations)
	fields, _ := json.Marshal(m.Moved.Fields)
	outbox, _ := json.Marshal(m.Moved.Outbox)
	// Later conversations that rest on a moved field go back with it; listed first, while their
	// fields are still on the survivor.
	later, err = t.ids("undo merge: later conversations", `SELECT id FROM conversations
		WHERE org_id = ? AND contact_id = ? AND started_at >= ? AND link_field_id IN (SELECT value FROM json_each(?))`,
		orgID, m.SurvivorID, Millis(m.CreatedAt), string(fields))
	if err != nil {
		return nil, err
	}
	laterJS, _ := json.Marshal(later)
	for _, st := range []struct {
		what, sql string
		ids       []byte
	}{
		{"undo merge conversations", `UPDATE conversations SET contact_id = ?1 WHERE org_id = ?2 AND contact_id = ?3 AND id IN (SELECT value FROM json_each(?4))`, convs},
		{"undo merge later conversations", `UPDATE conversations SET contact_id = ?1 WHERE org_id = ?2 AND contact_id = ?3 AND id IN (SELECT value FROM json_each(?4))`, laterJS},
		{"undo merge fields", `UPDATE contact_fields SET contact_id = ?1 WHERE org_id = ?2 AND contact_id = ?3 AND id IN (SELECT value FROM json_each(?4))`, fields},
		{"undo merge outbox", `UPDATE outbox SET contact_id = ?1 WHERE org_id = ?2 AND contact_id = ?3 AND id IN (SELECT value FROM json_each(?4))`, outbox},
		{"undo merge later outbox", `UPDATE outbox SET contact_id = ?1 WHERE org_id = ?2 AND contact_id = ?3 AND conversation_id IN (SELECT value FROM json_each(?4))`, laterJS},
	} {
		if err := t.exec(st.what, st.sql, m.MergedID, orgID, m.SurvivorID, string(st.ids)); err != nil {
			return nil, err
		}
	}
	if err := t.exec("undo merge contact", `UPDATE contacts SET status = ?, merged_into = NULL, updated_at = ? WHERE org_id = ? AND id = ?`,
		status, Millis(now), orgID, m.MergedID); err != nil {
		return nil, err
	}
	if err := t.exec("undo merge record", `UPDATE merges SET undone_at = ?, undone_by = ? WHERE org_id = ? AND id = ?`,
		Millis(now), nullString(actor.UserID), orgID, m.ID); err != nil {
		return nil, err
	}
	return later, nil
}

// MergesOf returns the merges a contact took part in (as survivor or as the one merged away),
// newest first.
func (s *Store) MergesOf(ctx context.Context, orgID, contactID string) ([]Merge, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+mergeColumns+mergeFrom+` WHERE m.org_id = ?1 AND m.survivor_id = ?2
		UNION ALL SELECT `+mergeColumns+mergeFrom+` WHERE m.org_id = ?1 AND m.merged_id = ?2 ORDER BY 9 DESC`, orgID, contactID)
	if err != nil {
		return nil, fmt.Errorf("store: merges: %w", err)
	}
	defer rows.Close()
	out := []Merge{}
	for rows.Next() {
		m, err := scanMerge(rows)
		if err != nil {
			return nil, fmt.Errorf("store: merges: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
