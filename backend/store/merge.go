package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Why a merge or its undo cannot go ahead.
var (
	// ErrMergeOrgs: the two contacts are not of one organization (nothing merges across them).
	ErrMergeOrgs = errors.New("store: contacts of different organizations")
	// ErrUndoOrder: the survivor has since been merged into another contact; that merge must be
	// undone first, or what moved would land on a contact nobody sees.
	ErrUndoOrder = errors.New("store: undo the later merge first")
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

// MergeContacts makes mergedID part of survivorID, inside the caller's transaction: its
// conversations, fields (with their verifications and device proofs, which hang on the fields)
// and emailed transcripts move to the survivor; the merged contact stays, with status 'merged'
// and merged_into set, so nothing is deleted and Undo can split it out again. The survivor keeps
// its name; when it has none it takes the merged one. Both ids are first resolved to the
// contacts they live on, so merging twice, or two agents merging the same pair at once (the
// writer serializes them), gives one merge: done is false when there was nothing left to merge.
func (t *Tx) MergeContacts(orgID, survivorID, mergedID string, actor Actor, reason string, now time.Time) (m Merge, done bool, err error) {
	surv, err := t.LiveContact(orgID, survivorID)
	if err != nil {
		return Merge{}, false, err
	}
	gone, err := t.LiveContact(orgID, mergedID)
	if err != nil {
		return Merge{}, false, err
	}
	if surv.OrgID != orgID || gone.OrgID != orgID {
		return Merge{}, false, ErrMergeOrgs
	}
	if surv.ID == gone.ID {
		return Merge{}, false, nil
	}
	moved := MergeMoved{MergedStatus: gone.Status, SurvivorStatus: surv.Status, MergedName: gone.Name}
	if moved.Conversations, err = t.ids("merge: conversations", `SELECT id FROM conversations WHERE org_id = ? AND contact_id = ?`, orgID, gone.ID); err != nil {
		return Merge{}, false, err
	}
	if moved.Fields, err = t.ids("merge: fields", `SELECT id FROM contact_fields WHERE org_id = ? AND contact_id = ?`, orgID, gone.ID); err != nil {
		return Merge{}, false, err
	}
	if moved.Outbox, err = t.ids("merge: outbox", `SELECT id FROM outbox WHERE org_id = ? AND contact_id = ?`, orgID, gone.ID); err != nil {
		return Merge{}, false, err
	}
	for _, st := range []struct{ what, sql string }{
		{"merge conversations", `UPDATE conversations SET contact_id = ?1 WHERE org_id = ?2 AND contact_id = ?3`},
		{"merge fields", `UPDATE contact_fields SET contact_id = ?1 WHERE org_id = ?2 AND contact_id = ?3`},
		{"merge outbox", `UPDATE outbox SET contact_id = ?1 WHERE org_id = ?2 AND contact_id = ?3`},
	} {
		if err := t.exec(st.what, st.sql, surv.ID, orgID, gone.ID); err != nil {
			return Merge{}, false, err
		}
	}
	if err := t.exec("merge contact", `UPDATE contacts SET status = 'merged', merged_into = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		surv.ID, Millis(now), orgID, gone.ID); err != nil {
		return Merge{}, false, err
	}
	name, status := surv.Name, surv.Status
	if name == "" && gone.Name != "" {
		name, moved.NameTaken = gone.Name, gone.Name
	}
	if status == ContactPending && gone.Status == ContactActive {
		status = ContactActive // verified evidence on the other side confirms the person
	}
	if err := t.exec("merge survivor", `UPDATE contacts SET name = ?, status = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		name, status, Millis(now), orgID, surv.ID); err != nil {
		return Merge{}, false, err
	}
	js, err := json.Marshal(moved)
	if err != nil {
		return Merge{}, false, fmt.Errorf("store: merge: %w", err)
	}
	m = Merge{ID: NewID(), OrgID: orgID, SurvivorID: surv.ID, MergedID: gone.ID, ActorUserID: actor.UserID, Reason: reason, Moved: moved, CreatedAt: now}
	if err := t.exec("insert merge", `INSERT INTO merges (id, org_id, survivor_id, merged_id, actor_user_id, reason, moved, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, orgID, m.SurvivorID, m.MergedID, nullString(actor.UserID), reason, string(js), Millis(now)); err != nil {
		return Merge{}, false, err
	}
	err = t.Audit(orgID, actor, "contact.merge", "contacts", surv.ID, map[string]any{"merge": m.ID, "merged": gone.ID, "reason": reason,
		"conversations": len(moved.Conversations), "fields": len(moved.Fields), "outbox": len(moved.Outbox)})
	return m, true, err
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

// UndoMerge splits a merged contact out of its survivor again, inside the caller's transaction.
// What the merge moved goes back where it is still on the survivor; so do the conversations that
// arrived after the merge through a field that moved (a later call from the merged contact's
// number belongs with that number). Everything else that happened since stays on the survivor.
// Undoing an undone merge does nothing (done false).
func (t *Tx) UndoMerge(orgID, mergeID string, actor Actor, now time.Time) (m Merge, done bool, err error) {
	m, err = t.Merge(orgID, mergeID)
	if err != nil {
		return Merge{}, false, err
	}
	if !m.UndoneAt.IsZero() {
		return m, false, nil
	}
	surv, err := t.Contact(orgID, m.SurvivorID)
	if err != nil {
		return Merge{}, false, err
	}
	if surv.Status == ContactMerged {
		return Merge{}, false, ErrUndoOrder
	}
	gone, err := t.Contact(orgID, m.MergedID)
	if err != nil {
		return Merge{}, false, err
	}
	if gone.Status != ContactMerged || gone.MergedInto != surv.ID {
		return Merge{}, false, fmt.Errorf("store: undo merge %s: the merged contact is no longer part of the survivor", m.ID)
	}
	convs, _ := json.Marshal(m.Moved.Conversations)
	fields, _ := json.Marshal(m.Moved.Fields)
	outbox, _ := json.Marshal(m.Moved.Outbox)
	// Later conversations that rest on a moved field go back with it; listed first, while their
	// fields are still on the survivor.
	later, err := t.ids("undo merge: later conversations", `SELECT id FROM conversations
		WHERE org_id = ? AND contact_id = ? AND started_at >= ? AND link_field_id IN (SELECT value FROM json_each(?))`,
		orgID, surv.ID, Millis(m.CreatedAt), string(fields))
	if err != nil {
		return Merge{}, false, err
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
		if err := t.exec(st.what, st.sql, gone.ID, orgID, surv.ID, string(st.ids)); err != nil {
			return Merge{}, false, err
		}
	}
	status := m.Moved.MergedStatus
	if status != ContactPending {
		status = ContactActive
	}
	if err := t.exec("undo merge contact", `UPDATE contacts SET status = ?, merged_into = NULL, updated_at = ? WHERE org_id = ? AND id = ?`,
		status, Millis(now), orgID, gone.ID); err != nil {
		return Merge{}, false, err
	}
	if m.Moved.NameTaken != "" && surv.Name == m.Moved.NameTaken {
		if err := t.exec("undo merge name", `UPDATE contacts SET name = '', updated_at = ? WHERE org_id = ? AND id = ?`,
			Millis(now), orgID, surv.ID); err != nil {
			return Merge{}, false, err
		}
	}
	if err := t.exec("undo merge record", `UPDATE merges SET undone_at = ?, undone_by = ? WHERE org_id = ? AND id = ?`,
		Millis(now), nullString(actor.UserID), orgID, m.ID); err != nil {
		return Merge{}, false, err
	}
	m.UndoneAt, m.UndoneBy = now, actor.UserID
	err = t.Audit(orgID, actor, "contact.unmerge", "contacts", surv.ID, map[string]any{"merge": m.ID, "merged": gone.ID,
		"conversations": len(m.Moved.Conversations) + len(later), "fields": len(m.Moved.Fields)})
	return m, true, err
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
