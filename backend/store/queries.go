package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// queries are the statements on hot paths, prepared once per store.
type queries struct {
	contactByField *sql.Stmt
}

func prepareQueries(ctx context.Context, r *db) (*queries, error) {
	q := &queries{}
	var err error
	// The partial identity index (org_id, kind, value_norm) WHERE removed_at IS NULL answers the
	// inner lookup; repeating its WHERE clause is what lets SQLite use it. A scalar subquery, not a
	// JOIN: SQLite marks the parameters of this JOIN "re-prepare when rebound", and the driver
	// rebinds on every call, so the JOIN form was parsed and planned again on every lookup (3x the
	// bare index lookup; see docs/benchmarks.md).
	q.contactByField, err = r.PrepareContext(ctx, `SELECT id, org_id, name, status,
		coalesce(merged_into, ''), created_at, updated_at FROM contacts
		WHERE org_id = ?1 AND id = (SELECT contact_id FROM contact_fields
			WHERE org_id = ?1 AND kind = ?2 AND value_norm = ?3 AND removed_at IS NULL)`)
	if err != nil {
		return nil, fmt.Errorf("store: prepare contact by field: %w", err)
	}
	return q, nil
}

func (q *queries) close() {
	q.contactByField.Close()
}

type scanner interface{ Scan(dest ...any) error }

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// LastChangeSeq returns the newest change sequence number (0 when nothing was ever written).
func (s *Store) LastChangeSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.r.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM changes").Scan(&seq); err != nil {
		return 0, fmt.Errorf("store: last change seq: %w", err)
	}
	return seq, nil
}
