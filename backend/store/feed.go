package store

import (
	"fmt"
	"slices"
	"strings"
)

// The change feed as desktops replicate it (docs/api/agent.md, "The change feed"): which tables
// a desktop's replica holds, and which of their columns never leave the server.
//
// Not replicated at all: challenges (the hash of a six-digit code is found by trying a million
// codes, so it is as good as the code), agent_sessions (credentials; no change rows either),
// mailbox_checkpoints (the server's IMAP position), signed_in (a desktop's own), changes (the log
// itself), contact_search (derived: each replica indexes its own rows).
var replicated = map[string][]string{
	"organizations":  nil,
	"users":          nil,
	"inboxes":        {"webhook_secret_ref"},
	"contacts":       nil,
	"contact_fields": nil,
	"verifications":  {"token_hash"},
	"devices":        {"token_hash"},
	"device_proofs":  nil,
	"conversations":  {"session_hash"},
	"messages":       nil,
	"sender_emails":  nil,
	"mail_accounts":  {"secret_ref"},
	"merges":         nil,
	"audit_log":      nil,
	"outbox":         {"sealed"},
	"invitations":    nil,
}

// ReplicatedTables lists the tables a replica holds, in name order, each with the columns the
// feed withholds (a replica fills them with its own placeholders).
func ReplicatedTables() map[string][]string {
	out := make(map[string][]string, len(replicated))
	for t, cols := range replicated {
		out[t] = slices.Clone(cols)
	}
	return out
}

// IsReplicated reports whether a table is in the feed.
func IsReplicated(table string) bool {
	_, ok := replicated[table]
	return ok
}

// FeedEntry is one change as the feed hands it out: the row as it is now (nil once deleted), or,
// for a bulk load's range record, the key range whose rows the reader fetches with FeedRows.
type FeedEntry struct {
	Seq    int64          `json:"seq"`
	Entity string         `json:"entity"`
	ID     string         `json:"id"`
	Op     string         `json:"op"`
	Row    map[string]any `json:"row,omitempty"`
	// RangeTo is set for a range record: every key from ID to RangeTo (inclusive) changed.
	RangeTo string `json:"rangeTo,omitempty"`
}

// FeedPage returns the organization's replicated changes after the cursor, at most limit change
// rows read, and the cursor to ask after next (past every change read, replicated or not). Each
// row is read in the same transaction as the changes, so it is exactly as of the cursor; a row
// changed several times within the page is handed out once, at its last change. Call it in a
// Read transaction.
func (t *Tx) FeedPage(orgID string, after int64, limit int) ([]FeedEntry, int64, error) {
	changes, err := t.ChangesAfter(orgID, after, limit)
	if err != nil {
		return nil, after, err
	}
	cursor := after
	last := map[string]int{} // entity+id -> index in changes of its last change
	for i, c := range changes {
		cursor = c.Seq
		if IsReplicated(c.Entity) && c.LastEntityID == "" {
			last[c.Entity+"\x00"+c.EntityID] = i
		}
	}
	ids := map[string][]string{}
	for i, c := range changes {
		if IsReplicated(c.Entity) && c.LastEntityID == "" && last[c.Entity+"\x00"+c.EntityID] == i && c.Op != "delete" {
			ids[c.Entity] = append(ids[c.Entity], c.EntityID)
		}
	}
	rows := map[string]map[string]any{}
	for entity, list := range ids {
		got, err := t.rowsByID(orgID, entity, list)
		if err != nil {
			return nil, after, err
		}
		for _, r := range got {
			rows[entity+"\x00"+fmt.Sprint(r["id"])] = r
		}
	}
	var out []FeedEntry
	for i, c := range changes {
		if !IsReplicated(c.Entity) {
			continue
		}
		if c.LastEntityID != "" {
			out = append(out, FeedEntry{Seq: c.Seq, Entity: c.Entity, ID: c.EntityID, Op: c.Op, RangeTo: c.LastEntityID})
			continue
		}
		key := c.Entity + "\x00" + c.EntityID
		if last[key] != i {
			continue
		}
		e := FeedEntry{Seq: c.Seq, Entity: c.Entity, ID: c.EntityID, Op: c.Op, Row: rows[key]}
		if e.Row == nil {
			e.Op = "delete" // gone since (a later change in another page says so too)
		}
		out = append(out, e)
	}
	return out, cursor, nil
}

// FeedRows returns the organization's rows of a replicated table in id order, from after (""
// for the start) up to and including to ("" for no end), at most limit: a snapshot's pages, and
// the rows of a range record. Call it in a Read transaction.
func (t *Tx) FeedRows(orgID, entity, after, to string, limit int) ([]map[string]any, error) {
	if !IsReplicated(entity) {
		return nil, fmt.Errorf("store: feed rows: %q is not replicated", entity)
	}
	q := "SELECT * FROM " + entity + " WHERE " + orgColumn(entity) + " = ? AND id > ?"
	args := []any{orgID, after}
	if to != "" {
		q += " AND id <= ?"
		args = append(args, to)
	}
	q += " ORDER BY id LIMIT ?"
	return t.feedRows(entity, q, append(args, limit)...)
}

// orgColumn is the column naming a row's organization.
func orgColumn(entity string) string {
	if entity == "organizations" {
		return "id"
	}
	return "org_id"
}

// rowsByID reads the rows of one table with these ids (the table is one of replicated's keys,
// never caller text).
func (t *Tx) rowsByID(orgID, entity string, ids []string) ([]map[string]any, error) {
	var out []map[string]any
	for chunk := range slices.Chunk(ids, 500) {
		q := "SELECT * FROM " + entity + " WHERE " + orgColumn(entity) + " = ? AND id IN (?" + strings.Repeat(", ?", len(chunk)-1) + ")"
		args := []any{orgID}
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := t.feedRows(entity, q, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// feedRows runs a SELECT * and returns each row as column -> value, without the withheld columns.
func (t *Tx) feedRows(entity, q string, args ...any) ([]map[string]any, error) {
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: feed rows of %s: %w", entity, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("store: feed rows of %s: %w", entity, err)
	}
	withheld := replicated[entity]
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("store: feed rows of %s: %w", entity, err)
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			if slices.Contains(withheld, c) {
				continue
			}
			row[c] = vals[i]
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// OrgChangeSeq returns the organization's newest change sequence number (0 when none): a
// snapshot taken after reading it, followed by the feed after it, misses nothing.
func (t *Tx) OrgChangeSeq(orgID string) (int64, error) {
	var seq int64
	if err := t.tx.QueryRowContext(t.ctx, "SELECT coalesce(max(seq), 0) FROM changes WHERE org_id = ?", orgID).Scan(&seq); err != nil {
		return 0, fmt.Errorf("store: organization change seq: %w", err)
	}
	return seq, nil
}
