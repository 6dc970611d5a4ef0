package store

import (
	"context"
	"fmt"
)

// The pieces both bulk writers share, the Loader (seed data, SQLite or PostgreSQL) and Import (a
// desktop's file into PostgreSQL): suspending a table's per-row triggers inside a batch's
// transaction, the range record that stands for the rows the batch wrote, and the statement that
// builds a contact's search document on PostgreSQL.

// suspendTriggers turns the triggers off for the rest of tx: SQLite drops them, PostgreSQL
// disables them on their tables. Both are DDL that commits or rolls back with the batch, so no
// other connection ever sees a table without its triggers.
func suspendTriggers(ctx context.Context, tx *sqlTx, ts []trigger) error {
	for _, t := range ts {
		suspend := "DROP TRIGGER " + t.name
		if tx.pg {
			suspend = "ALTER TABLE " + t.table + " DISABLE TRIGGER " + t.name
		}
		if _, err := tx.ExecContext(ctx, suspend); err != nil {
			return fmt.Errorf("suspend %s: %w", t.name, err)
		}
	}
	return nil
}

// restoreTriggers puts back what suspendTriggers took away, before the batch commits.
func restoreTriggers(ctx context.Context, tx *sqlTx, ts []trigger) error {
	for _, t := range ts {
		restore := t.sql
		if tx.pg {
			restore = "ALTER TABLE " + t.table + " ENABLE TRIGGER " + t.name
		}
		if _, err := tx.ExecContext(ctx, restore); err != nil {
			return fmt.Errorf("restore %s: %w", t.name, err)
		}
	}
	return nil
}

// recordRange appends one range record to the change sequence: every row of table whose key is
// in [first, last] may be new (migrations/sqlite/0003_change_ranges.sql).
func recordRange(ctx context.Context, tx *sqlTx, orgID, table, first, last string, at int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO changes (org_id, entity, entity_id, last_entity_id, op, at)
		VALUES (?, ?, ?, ?, 'insert', ?)`, orgID, table, first, last, at)
	return err
}

// postgresSearchDoc is a contact's search document on PostgreSQL for the contact c, the same text
// as reindex_contact_search in migrations/postgres/0001_schema.sql.
const postgresSearchDoc = `lower(c.name || ' ' || coalesce((SELECT string_agg(f.value_norm, ' ' ORDER BY f.created_at, f.id)
	FROM contact_fields f WHERE f.contact_id = c.id AND f.removed_at IS NULL), ''))`
