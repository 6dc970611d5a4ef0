package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrReadOnly is returned by Write on a store opened with OpenReadOnly.
var ErrReadOnly = errors.New("store: opened read-only")

// Tx is one write transaction. Its methods are the store's writes; each names the row it writes.
type Tx struct {
	tx     *sqlTx
	ctx    context.Context
	sealer Sealer
}

// Write runs fn in one write transaction and commits when fn returns nil. Writes queue one at a
// time: on SQLite on the single writer connection (BEGIN IMMEDIATE), on PostgreSQL behind a
// lock every node takes (lockWrites), so the domain's rules see the same serial writes on both.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	if s.readOnly {
		return ErrReadOnly
	}
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer sqlTx.Rollback()
	if err := lockWrites(ctx, sqlTx); err != nil {
		return fmt.Errorf("store: write lock: %w", err)
	}
	if err := fn(&Tx{tx: sqlTx, ctx: ctx, sealer: s.sealer}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Read runs fn in a read-only transaction on the read pool: its reads see one snapshot.
func (s *Store) Read(ctx context.Context, fn func(*Tx) error) error {
	sqlTx, err := s.r.BeginTx(ctx, readOptions(s.r.pg))
	if err != nil {
		return fmt.Errorf("store: begin read: %w", err)
	}
	defer sqlTx.Rollback()
	return fn(&Tx{tx: sqlTx, ctx: ctx})
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
