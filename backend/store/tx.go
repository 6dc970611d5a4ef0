package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
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

// Write runs fn in a write transaction and returns once its writes are committed (or fn's
// error, with none of its writes kept). Writes run one at a time: on SQLite on the single writer
// connection (BEGIN IMMEDIATE), on PostgreSQL behind a lock every node takes (lockWrites), so the
// domain's rules see the same serial writes on both.
//
// Writes that queue up behind each other share a commit (group commit, as databases do with
// their logs): each runs in its turn inside the open transaction, in a savepoint of its own, and
// the last one in line commits for all. A commit waits for the disk (SQLite's synchronous=FULL,
// PostgreSQL's fsync), so one commit per write capped the whole engine at the disk's sync rate;
// a group pays one sync. A write that fails is rolled back to its savepoint alone; a commit
// that fails fails every write of its group, none of which is then kept.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	if s.readOnly {
		return ErrReadOnly
	}
	return s.wr.write(ctx, s, fn)
}

// Group commit bounds: the first write of a group waits for at most this many others, or this
// long, before the group commits even with more writes waiting.
const (
	maxGroupWrites = 128
	maxGroupAge    = 5 * time.Millisecond
)

// writer queues the store's write transactions and commits them in groups.
type writer struct {
	turn    chan struct{} // holds one token: whose turn it is to run its fn
	waiting atomic.Int32  // writes waiting for their turn
	tx      *sqlTx        // the open group's transaction; nil between groups
	group   *group
	commits atomic.Int64 // groups committed (Store.WriteStats)
	writes  atomic.Int64 // writes kept in them
	// onCommit is called after each commit (Store.OnCommit).
	onCommit atomic.Pointer[func()]
}

// OnCommit sets f to be called after each commit of Write (nil: none): the feed's waiters learn
// that something changed without asking the database. f runs on the committing goroutine while
// the next write waits: it must be quick and must not write.
func (s *Store) OnCommit(f func()) {
	if s.wr == nil {
		return // read-only: no commits
	}
	if f == nil {
		s.wr.onCommit.Store(nil)
		return
	}
	s.wr.onCommit.Store(&f)
}

// WriteStats says how many write transactions were committed and in how many commits.
func (s *Store) WriteStats() (writes, commits int64) {
	if s.wr == nil {
		return 0, 0
	}
	return s.wr.writes.Load(), s.wr.commits.Load()
}

// group is the writes sharing one transaction.
type group struct {
	done    chan struct{} // closed once the group committed or failed
	err     error         // why the group's writes were not kept
	writes  int
	started time.Time
}

func newWriter() *writer { return &writer{turn: make(chan struct{}, 1)} }

func (w *writer) write(ctx context.Context, s *Store, fn func(*Tx) error) error {
	// The wait for the turn is not cancellable: a write that has queued is run, so that whoever
	// runs before it can count on it to commit the group (see waiting below).
	w.waiting.Add(1)
	w.turn <- struct{}{}
	w.waiting.Add(-1)
	holding := true
	release := func() {
		if holding {
			holding = false
			<-w.turn
		}
	}
	defer release()
	if w.tx == nil {
		// Not the caller's context: cancelling it must not roll back the others' writes.
		tx, err := s.w.BeginTx(context.Background(), nil)
		if err != nil {
			return fmt.Errorf("store: begin: %w", err)
		}
		if err := lockWrites(context.Background(), tx); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: write lock: %w", err)
		}
		w.tx, w.group = tx, &group{done: make(chan struct{}), started: time.Now()}
	}
	g := w.group
	first := g.writes == 0
	g.writes++
	// Statements run to completion even if the caller gives up meanwhile: interrupting one
	// (SQLite) would roll back the whole group's transaction.
	tx := &Tx{tx: w.tx, ctx: context.WithoutCancel(ctx), sealer: s.sealer}
	if !first {
		if err := tx.exec("savepoint", "SAVEPOINT write"); err != nil {
			w.fail(err)
			return err
		}
	}
	finished := false
	defer func() {
		if !finished { // fn panicked: nothing of the group can be trusted
			w.fail(errors.New("store: a write panicked; its group was rolled back"))
		}
	}()
	fnErr := fn(tx)
	finished = true
	switch {
	case fnErr != nil && first:
		// Alone in the transaction so far: drop it whole.
		w.tx.Rollback()
		close(g.done)
		w.tx, w.group = nil, nil
		return fnErr
	case fnErr != nil:
		g.writes--
		if err := tx.exec("rollback to savepoint", "ROLLBACK TO write"); err != nil {
			w.fail(err)
			return fnErr
		}
		if err := tx.exec("release savepoint", "RELEASE write"); err != nil {
			w.fail(err)
			return fnErr
		}
	case !first:
		if err := tx.exec("release savepoint", "RELEASE write"); err != nil {
			w.fail(err)
			return err
		}
	}
	// The last write in line commits. One that is waiting will run next and decide again.
	if w.waiting.Load() == 0 || g.writes >= maxGroupWrites || time.Since(g.started) >= maxGroupAge {
		if err := w.tx.Commit(); err != nil {
			g.err = fmt.Errorf("store: commit: %w", err)
		} else {
			w.commits.Add(1)
			w.writes.Add(int64(g.writes))
		}
		close(g.done)
		w.tx, w.group = nil, nil
		if f := w.onCommit.Load(); f != nil && g.err == nil {
			(*f)()
		}
	}
	release()
	if fnErr != nil {
		return fnErr
	}
	<-g.done
	return g.err
}

// fail rolls the open group back: none of its writes is kept, and each is told why.
func (w *writer) fail(err error) {
	if w.tx == nil {
		return
	}
	w.tx.Rollback()
	w.group.err = fmt.Errorf("store: a write of the same commit group failed, so nothing of the group was kept: %w", err)
	close(w.group.done)
	w.tx, w.group = nil, nil
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
