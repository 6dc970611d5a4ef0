package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A desktop's replica of its team's organization (backend/replica) is an ordinary SQLite store
// written from the team server's change feed: rows arrive as column -> value, as JSON decoded
// them, and are written here into the local table of the same name. Table names are only ever
// those of the feed's list (replicated) and column names only those of the local table itself
// (PRAGMA table_info): the server's text is never spliced into a statement.

// ErrReplicaPostgres: a replica is a desktop's local SQLite store, never a PostgreSQL one.
var ErrReplicaPostgres = errors.New("store: a replica is a local SQLite store, not PostgreSQL")

// ReplicaWrite runs fn in one write transaction with foreign keys not enforced, for writing what
// the feed hands out. The feed's batches are not each consistent on their own: the snapshot reads
// table after table while the server goes on (a message may arrive before the new conversation
// it belongs to, which comes later through the changes), a page of changes may end inside one of
// the server's commits, and some replicated rows point at rows that never leave the server (an
// invitation's or a code email's challenge). The server enforced its keys when it wrote the rows;
// the replica equals the server's rows once it has caught up with the feed. SQLite only changes
// foreign_keys outside a transaction, so this takes the writer's turn, runs on the writer
// connection with them off, and turns them on again before anyone else writes.
func (s *Store) ReplicaWrite(ctx context.Context, fn func(*Tx) error) error {
	if s.readOnly {
		return ErrReadOnly
	}
	if s.w.pg {
		return ErrReplicaPostgres
	}
	w := s.wr
	w.turn <- struct{}{}
	defer func() { <-w.turn }()
	if w.tx != nil {
		// A group left open for a write that has not taken its turn yet: commit it first, as its
		// last write would have.
		g := w.group
		if err := w.tx.Commit(); err != nil {
			g.err = fmt.Errorf("store: commit: %w", err)
		} else {
			w.commits.Add(1)
			w.writes.Add(int64(g.writes))
		}
		close(g.done)
		w.tx, w.group = nil, nil
	}
	bg := context.WithoutCancel(ctx) // as Write: statements run to completion
	conn, err := s.w.DB.Conn(bg)
	if err != nil {
		return fmt.Errorf("store: replica write: %w", err)
	}
	if _, err := conn.ExecContext(bg, "PRAGMA foreign_keys = OFF"); err != nil {
		conn.Close()
		return fmt.Errorf("store: replica write: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(bg, "PRAGMA foreign_keys = ON"); err != nil {
			// Never hand the pool a connection that does not enforce foreign keys.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}()
	tx, err := conn.BeginTx(bg, nil)
	if err != nil {
		return fmt.Errorf("store: replica write: begin: %w", err)
	}
	if err := fn(&Tx{tx: &sqlTx{Tx: tx}, ctx: bg, sealer: s.sealer}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: replica write: commit: %w", err)
	}
	w.commits.Add(1)
	w.writes.Add(1)
	// A bootstrap writes the whole organization in a row of commits, faster than the background
	// checkpointer's PASSIVE runs empty the WAL (and a PASSIVE checkpoint never shrinks the
	// file): the WAL grew to 1.2x the finished file at 100,000 contacts. Past replicaCheckpointAt
	// it is copied into the database and emptied here, while the writer's turn is held.
	if fi, err := os.Stat(s.path + "-wal"); err == nil && fi.Size() >= replicaCheckpointAt {
		// An error (a reader on an older snapshot past the busy timeout) only leaves the WAL for
		// the next write to try again: the data is safe in it meanwhile.
		_, _ = conn.ExecContext(bg, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	return nil
}

// replicaCheckpointAt is the WAL size past which a replica write checkpoints it (see ReplicaWrite).
const replicaCheckpointAt = 64 << 20

// replicaColumn is a column of a local table.
type replicaColumn struct {
	name     string
	kind     byte // 'i' INTEGER, 'b' BLOB, 't' TEXT (SQLite's type affinity of the declared type)
	notNull  bool
	defaults bool
	withheld bool
}

// replicaTable is a replicated table as the local schema has it.
type replicaTable struct {
	name string // replicated's key, never the caller's string
	cols []replicaColumn
}

// replicaTables caches the local tables' columns: every store this build opens for writing is at
// its latest schema, so they are the same for all.
var replicaTables sync.Map // table -> *replicaTable

// replicaTableOf returns the local table of a replicated table name, or an error for any other.
func (t *Tx) replicaTableOf(table string) (*replicaTable, error) {
	if t.tx.pg {
		return nil, ErrReplicaPostgres
	}
	if rt, ok := replicaTables.Load(table); ok {
		return rt.(*replicaTable), nil
	}
	var name string
	for n := range replicated {
		if n == table {
			name = n
		}
	}
	if name == "" {
		return nil, fmt.Errorf("store: %q is not a replicated table", table)
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT name, upper(type), "notnull", dflt_value IS NOT NULL FROM pragma_table_info(?)`, name)
	if err != nil {
		return nil, fmt.Errorf("store: columns of %s: %w", name, err)
	}
	defer rows.Close()
	rt := &replicaTable{name: name}
	for rows.Next() {
		var c replicaColumn
		var typ string
		if err := rows.Scan(&c.name, &typ, &c.notNull, &c.defaults); err != nil {
			return nil, fmt.Errorf("store: columns of %s: %w", name, err)
		}
		switch {
		case strings.Contains(typ, "INT"):
			c.kind = 'i'
		case strings.Contains(typ, "BLOB"):
			c.kind = 'b'
		default:
			c.kind = 't'
		}
		for _, w := range replicated[name] {
			c.withheld = c.withheld || w == c.name
		}
		rt.cols = append(rt.cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: columns of %s: %w", name, err)
	}
	if len(rt.cols) == 0 {
		return nil, fmt.Errorf("store: the local database has no table %s", name)
	}
	replicaTables.Store(name, rt)
	return rt, nil
}

// ReplicaUpsert writes a row of a replicated table as the feed handed it out: inserted, or
// replacing the local row with the same id. Only the local table's columns are written; values
// are converted from what JSON decoded (float64 or json.Number for integers, true/false or 0/1 for
// flags, base64 strings for binary). A withheld column the local schema cannot leave empty gets
// a local placeholder on insert (replicaPlaceholder) and is never overwritten.
func (t *Tx) ReplicaUpsert(table string, row map[string]any) error {
	rt, err := t.replicaTableOf(table)
	if err != nil {
		return err
	}
	id, ok := row["id"].(string)
	if !ok || id == "" {
		return fmt.Errorf("store: a %s row without an id", rt.name)
	}
	var names, marks, sets []string
	var args, setArgs []any
	for _, c := range rt.cols {
		v, present := row[c.name]
		if c.withheld || !present {
			if !c.withheld || !c.notNull || c.defaults {
				continue // left to the column's default, or (an update) unchanged
			}
			v = replicaPlaceholder(id, c.kind)
		} else {
			if v, err = replicaValue(c, v); err != nil {
				return fmt.Errorf("store: %s %s column %s: %w", rt.name, id, c.name, err)
			}
			if c.name != "id" {
				sets = append(sets, `"`+c.name+`" = ?`)
				setArgs = append(setArgs, v)
			}
		}
		names = append(names, `"`+c.name+`"`)
		marks = append(marks, "?")
		args = append(args, v)
	}
	// An INSERT, then an UPDATE when the row is there, rather than one upsert: inside an upsert
	// SQLite applies the statement's conflict handling to the triggers' own INSERT OR IGNORE (the
	// search index's), which then fails on a key that is already there. The INSERT comes first
	// because a bootstrap's rows are new: one statement a row instead of two (a refused INSERT
	// fires no trigger and leaves the transaction as it was).
	insErr := t.exec("replica insert into "+rt.name, "INSERT INTO "+rt.name+" ("+strings.Join(names, ", ")+") VALUES ("+
		strings.Join(marks, ", ")+")", args...)
	if insErr == nil || !IsUniqueViolation(insErr) || len(sets) == 0 {
		return insErr
	}
	res, err := t.tx.ExecContext(t.ctx, "UPDATE "+rt.name+" SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(setArgs, id)...)
	if err != nil {
		return fmt.Errorf("store: replica update of %s: %w", rt.name, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return insErr // not this id's row: another unique value (e.g. an address) is taken
	}
	return nil
}

// ReplicaDelete removes a row of a replicated table (gone on the server).
func (t *Tx) ReplicaDelete(table, id string) error {
	rt, err := t.replicaTableOf(table)
	if err != nil {
		return err
	}
	return t.exec("replica delete from "+rt.name, "DELETE FROM "+rt.name+" WHERE id = ?", id)
}

// replicaPlaceholder is the local value of a withheld column the schema cannot leave empty:
// binary gets SHA-256 of "replica:"+id (32 bytes, unique per row, as devices.token_hash must be;
// it matches no token, since a token's hash is of the token), text the empty string and integers 0.
func replicaPlaceholder(id string, kind byte) any {
	switch kind {
	case 'b':
		h := sha256.Sum256([]byte("replica:" + id))
		return h[:]
	case 'i':
		return int64(0)
	}
	return ""
}

// replicaValue converts a JSON-decoded value for a local column.
func replicaValue(c replicaColumn, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.kind {
	case 'i':
		switch x := v.(type) {
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
				return nil, fmt.Errorf("%v is not a whole number", x)
			}
			return int64(x), nil
		case json.Number:
			n, err := strconv.ParseInt(string(x), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s is not a whole number", x)
			}
			return n, nil
		case bool:
			return int64(b2i(x)), nil
		case int64:
			return x, nil
		case int:
			return int64(x), nil
		}
	case 'b':
		switch x := v.(type) {
		case string:
			b, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return nil, errors.New("binary is not base64")
			}
			return b, nil
		case []byte:
			return x, nil
		}
	default:
		if s, ok := v.(string); ok {
			return s, nil
		}
	}
	return nil, fmt.Errorf("unexpected %T for a %s column", v, map[byte]string{'i': "whole-number", 'b': "binary", 't': "text"}[c.kind])
}

// ReplicaState is where a desktop's replica is (the replica_state row).
type ReplicaState struct {
	ServerURL string
	OrgID     string
	// Cursor: every change of the feed up to it is applied.
	Cursor int64
	// SnapshotTable is the next table of the snapshot to read ("" before the first and after the
	// last), SnapshotAfter the id after which its rows are still to come.
	SnapshotTable string
	SnapshotAfter string
	SnapshotDone  bool
	// RowsDone and BytesDone count what the bootstrap has written so far.
	RowsDone  int64
	BytesDone int64
	// BootstrappedAt is set once the snapshot and the changes after it are applied.
	BootstrappedAt time.Time
}

// ReplicaState reads the replica's state; false when this store is no replica (yet).
func (t *Tx) ReplicaState() (ReplicaState, bool, error) {
	var s ReplicaState
	var done int
	var boot sql.NullInt64
	err := t.tx.QueryRowContext(t.ctx, `SELECT server_url, org_id, feed_cursor, snapshot_table, snapshot_after, snapshot_done,
		rows_done, bytes_done, bootstrapped_at FROM replica_state WHERE id = 1`).Scan(&s.ServerURL, &s.OrgID, &s.Cursor,
		&s.SnapshotTable, &s.SnapshotAfter, &done, &s.RowsDone, &s.BytesDone, &boot)
	if errors.Is(err, sql.ErrNoRows) {
		return ReplicaState{}, false, nil
	}
	if err != nil {
		return ReplicaState{}, false, fmt.Errorf("store: replica state: %w", err)
	}
	s.SnapshotDone = done == 1
	if boot.Valid {
		s.BootstrappedAt = time.UnixMilli(boot.Int64).UTC()
	}
	return s, true, nil
}

// SaveReplicaState writes the replica's state.
func (t *Tx) SaveReplicaState(s ReplicaState, now time.Time) error {
	return t.exec("save replica state", `INSERT INTO replica_state (id, server_url, org_id, feed_cursor, snapshot_table,
		snapshot_after, snapshot_done, rows_done, bytes_done, bootstrapped_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET server_url = excluded.server_url, org_id = excluded.org_id,
		feed_cursor = excluded.feed_cursor, snapshot_table = excluded.snapshot_table, snapshot_after = excluded.snapshot_after,
		snapshot_done = excluded.snapshot_done, rows_done = excluded.rows_done, bytes_done = excluded.bytes_done,
		bootstrapped_at = excluded.bootstrapped_at, updated_at = excluded.updated_at`,
		s.ServerURL, s.OrgID, s.Cursor, s.SnapshotTable, s.SnapshotAfter, b2i(s.SnapshotDone), s.RowsDone, s.BytesDone,
		nullMillis(s.BootstrappedAt), now.UnixMilli())
}

// ReplicaState reads the replica's state in a read transaction.
func (s *Store) ReplicaState(ctx context.Context) (ReplicaState, bool, error) {
	var st ReplicaState
	var ok bool
	err := s.Read(ctx, func(tx *Tx) error {
		var err error
		st, ok, err = tx.ReplicaState()
		return err
	})
	return st, ok, err
}
