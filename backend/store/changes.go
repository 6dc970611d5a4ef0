package store

import (
	"fmt"
	"time"
)

// Change is one row of the change sequence: what changed, not its content (a reader reads the
// current row). A bulk load's range record covers every key from EntityID to LastEntityID.
type Change struct {
	Seq          int64
	Entity       string // the table
	EntityID     string
	LastEntityID string // "" unless a range record (migrations/sqlite/0003_change_ranges.sql)
	Op           string // insert, update, delete
	At           time.Time
}

// ChangesAfter returns up to limit changes of the organization with a sequence number above
// after, in order. Call it in a Read transaction and read the rows it names in the same one: they
// are then exactly as of the last change returned. A sequence number, once returned, is never
// followed by a smaller one committed later: both databases commit writes one at a time, and the
// number is taken inside the write (docs/decisions.md, "The change feed on PostgreSQL").
func (t *Tx) ChangesAfter(orgID string, after int64, limit int) ([]Change, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT seq, entity, entity_id, coalesce(last_entity_id, ''), op, at
		FROM changes WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?`, orgID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: changes after: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var at int64
		if err := rows.Scan(&c.Seq, &c.Entity, &c.EntityID, &c.LastEntityID, &c.Op, &at); err != nil {
			return nil, fmt.Errorf("store: changes after: %w", err)
		}
		c.At = FromMillis(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
