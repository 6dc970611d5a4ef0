// Package replica keeps a desktop's local copy of its team's organization: an ordinary Vouch
// Desk SQLite store (same migrations, same schema, so the inbox, contacts, timelines, search and
// transcripts read it with the solo desk's own code), filled from the team server's change feed
// (docs/api/agent.md, "The change feed") and kept current from it.
//
// Bootstrap reads the feed's cursor, then every replicated table in pages, parents first, then
// the changes after the cursor until none are waiting. Each page is written in one transaction
// together with the replica's position (the replica_state row), so an interrupted bootstrap
// resumes at the page where it stopped and a crash never skips or repeats a page. Follow then
// long-polls the feed and applies each page the same way.
package replica

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"vouchdesk/backend/store"
)

// Page sizes: the feed's largest (feed.MaxRows, feed.MaxChanges).
const (
	DefaultPageRows    = 1000
	DefaultPageChanges = 1000
)

// parentsFirst is the order the snapshot reads the tables in: each after the tables its foreign
// keys point at (migrations/sqlite). The replica does not need it for its writes (ReplicaWrite
// does not enforce the keys, see there), but a bootstrap stopped half way then holds whole
// parents for the children it has, and the views are sensible as early as possible.
var parentsFirst = []string{"organizations", "users", "inboxes", "contacts", "contact_fields", "devices", "conversations",
	"verifications", "device_proofs", "messages", "merges", "sender_emails", "mail_accounts", "outbox", "invitations",
	"audit_log"}

// Replica writes a feed into a local store. The zero values of the optional fields are the
// defaults.
type Replica struct {
	Store  *store.Store
	Source Source
	// PageRows and PageChanges are the page sizes asked for (at most the server's 1,000).
	PageRows    int
	PageChanges int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Follow's retries: the first wait after a failed call, doubling up to MaxBackoff (1 s and
	// 30 s when zero).
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// OnStatus, when set, hears when Follow loses the server and when it has it back, so a UI
	// can say "offline since …".
	OnStatus func(Status)
}

// Status is Follow's connection to the server.
type Status struct {
	Online bool
	// OfflineSince is when the calls started failing (zero when online).
	OfflineSince time.Time
	// Err is the last failure, RetryIn when the next try is.
	Err     error
	RetryIn time.Duration
}

// Progress is how far a bootstrap is.
type Progress struct {
	// Phase is "snapshot" (reading the tables), "changes" (the changes made meanwhile) or "done".
	Phase string
	// Table is the table being read; TablesDone of TablesTotal are read whole.
	Table       string
	TablesDone  int
	TablesTotal int
	// Rows and Bytes are what was written so far (Bytes: the size of the server's answers),
	// including before an interruption.
	Rows  int64
	Bytes int64
	// Elapsed is this run's time.
	Elapsed time.Duration
	// Remaining is an estimate of the time left when TimeLeftKnown. The feed does not tell how
	// many rows a table has, so during the snapshot it is unknown; during the changes it is
	// estimated from the change numbers still to apply and the rate so far.
	Remaining     time.Duration
	TimeLeftKnown bool
}

// ErrOtherOrigin: the local store is a replica of another server or organization.
var ErrOtherOrigin = errors.New("replica: this local database is a replica of another server or organization")

// ErrNotBootstrapped: Follow needs a finished bootstrap.
var ErrNotBootstrapped = errors.New("replica: the local database has not been filled from the server yet (bootstrap first)")

// Bootstrap fills st from src with the default settings (Replica.Bootstrap).
func Bootstrap(ctx context.Context, st *store.Store, src Source, progress func(Progress)) error {
	return (&Replica{Store: st, Source: src}).Bootstrap(ctx, progress)
}

// Follow keeps st current from src with the default settings (Replica.Follow).
func Follow(ctx context.Context, st *store.Store, src Source, onApplied func(cursor int64)) error {
	return (&Replica{Store: st, Source: src}).Follow(ctx, onApplied)
}

func (r *Replica) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func pageSize(n, def int) int {
	if n <= 0 || n > def {
		return def
	}
	return n
}

// Bootstrap fills the store from the source: the cursor, every replicated table in pages, then
// the changes after the cursor until none are waiting; it then marks the replica complete.
// progress, when set, hears after every page. Cancelled (ctx) or failed, it leaves the replica
// where its last page left it, and a later Bootstrap goes on from there. On a replica already
// complete it does nothing.
func (r *Replica) Bootstrap(ctx context.Context, progress func(Progress)) error {
	started := r.now()
	origin, err := r.Source.Origin(ctx)
	if err != nil {
		return err
	}
	state, ok, err := r.Store.ReplicaState(ctx)
	if err != nil {
		return err
	}
	if ok && (state.ServerURL != origin.URL || state.OrgID != origin.OrgID) {
		return fmt.Errorf("%w (%s)", ErrOtherOrigin, state.ServerURL)
	}
	if ok && !state.BootstrappedAt.IsZero() {
		return nil
	}
	served, err := r.Source.Tables(ctx)
	if err != nil {
		return err
	}
	tables := order(served)
	if !ok {
		// The cursor first: a row changed while the tables are read comes again in the changes.
		cursor, err := r.Source.Cursor(ctx)
		if err != nil {
			return err
		}
		state = store.ReplicaState{ServerURL: origin.URL, OrgID: origin.OrgID, Cursor: cursor}
		if len(tables) > 0 {
			state.SnapshotTable = tables[0]
		}
		if err := r.save(ctx, state, nil); err != nil {
			return err
		}
	}
	report := func(p Progress) {
		if progress != nil {
			p.Rows, p.Bytes, p.Elapsed, p.TablesTotal = state.RowsDone, state.BytesDone, r.now().Sub(started), len(tables)
			progress(p)
		}
	}
	if !state.SnapshotDone {
		if err := r.snapshot(ctx, tables, &state, report); err != nil {
			return err
		}
	}
	if err := r.catchUp(ctx, &state, started, len(tables), report); err != nil {
		return err
	}
	report(Progress{Phase: "done", TablesDone: len(tables), TimeLeftKnown: true})
	return nil
}

// order lists the tables to read: those both the server and this build replicate, parents first.
// A table only the server has (a newer server) is left out: this build has nowhere to put it.
func order(served map[string][]string) []string {
	var out []string
	for _, t := range parentsFirst {
		if _, ok := served[t]; ok && store.IsReplicated(t) {
			out = append(out, t)
		}
	}
	var rest []string
	for t := range served {
		if store.IsReplicated(t) && !slices.Contains(parentsFirst, t) {
			rest = append(rest, t)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// snapshot reads the tables from where the state says, a page per transaction.
func (r *Replica) snapshot(ctx context.Context, tables []string, state *store.ReplicaState, report func(Progress)) error {
	start := slices.Index(tables, state.SnapshotTable)
	if start < 0 { // not begun, or the server's tables changed since: read them all again
		start, state.SnapshotAfter = 0, ""
	}
	for i := start; i < len(tables); i++ {
		table := tables[i]
		report(Progress{Phase: "snapshot", Table: table, TablesDone: i})
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			page, err := r.Source.Rows(ctx, table, state.SnapshotAfter, "", pageSize(r.PageRows, DefaultPageRows))
			if err != nil {
				return err
			}
			next := *state
			next.RowsDone += int64(len(page.Rows))
			next.BytesDone += page.Bytes
			next.SnapshotAfter = page.Next
			if page.Next == "" {
				next.SnapshotAfter = ""
				if i+1 < len(tables) {
					next.SnapshotTable = tables[i+1]
				} else {
					next.SnapshotTable, next.SnapshotDone = "", true
				}
			}
			if err := r.save(ctx, next, func(tx *store.Tx) error {
				for _, row := range page.Rows {
					if err := tx.ReplicaUpsert(table, row); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				return err
			}
			*state = next
			report(Progress{Phase: "snapshot", Table: table, TablesDone: i})
			if page.Next == "" {
				break
			}
		}
	}
	return nil
}

// catchUp applies the changes after the state's cursor until none are waiting, then marks the
// replica complete (with the last page).
func (r *Replica) catchUp(ctx context.Context, state *store.ReplicaState, started time.Time, tables int, report func(Progress)) error {
	from := state.Cursor
	target, err := r.Source.Cursor(ctx)
	if err != nil {
		return err
	}
	began := r.now()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		page, err := r.Source.Changes(ctx, state.Cursor, pageSize(r.PageChanges, DefaultPageChanges), 0)
		if err != nil {
			return err
		}
		next, err := r.applyPage(ctx, *state, page, !page.More)
		if err != nil {
			return err
		}
		*state = next
		p := Progress{Phase: "changes", TablesDone: tables}
		if done := state.Cursor - from; done > 0 && target > state.Cursor {
			left := float64(target-state.Cursor) / float64(done)
			p.Remaining, p.TimeLeftKnown = time.Duration(float64(r.now().Sub(began))*left), true
		} else if state.Cursor >= target {
			p.TimeLeftKnown = true
		}
		report(p)
		if !page.More {
			return nil
		}
	}
}

// applyPage writes a page of changes and the new cursor in one transaction (complete: and marks
// the bootstrap complete). The rows of range records are read first, outside the transaction.
func (r *Replica) applyPage(ctx context.Context, state store.ReplicaState, page ChangesPage, complete bool) (store.ReplicaState, error) {
	ranges := map[int][]map[string]any{}
	for i, c := range page.Changes {
		if c.RangeTo == "" {
			continue
		}
		// The feed reads a range from the table's start up to its last id (docs/api/agent.md):
		// rows before its first id come too, as they are now, which a replica may apply.
		after := ""
		for {
			p, err := r.Source.Rows(ctx, c.Entity, after, c.RangeTo, pageSize(r.PageRows, DefaultPageRows))
			if err != nil {
				return state, err
			}
			ranges[i] = append(ranges[i], p.Rows...)
			page.Bytes += p.Bytes
			if p.Next == "" {
				break
			}
			after = p.Next
		}
	}
	next := state
	next.Cursor = page.Cursor
	if state.BootstrappedAt.IsZero() {
		next.BytesDone += page.Bytes
		next.RowsDone += int64(len(page.Changes))
		for _, rows := range ranges {
			next.RowsDone += int64(len(rows))
		}
		if complete {
			next.BootstrappedAt = r.now()
		}
	}
	err := r.save(ctx, next, func(tx *store.Tx) error {
		for i, c := range page.Changes {
			if !store.IsReplicated(c.Entity) {
				continue // a table this build does not keep (a newer server's)
			}
			switch {
			case c.RangeTo != "":
				for _, row := range ranges[i] {
					if err := tx.ReplicaUpsert(c.Entity, row); err != nil {
						return err
					}
				}
			case c.Op == "delete" || c.Row == nil:
				if err := tx.ReplicaDelete(c.Entity, c.ID); err != nil {
					return err
				}
			default:
				if err := tx.ReplicaUpsert(c.Entity, c.Row); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return state, &localError{err}
	}
	return next, nil
}

// save writes fn's rows and the replica's new state in one transaction.
func (r *Replica) save(ctx context.Context, state store.ReplicaState, fn func(tx *store.Tx) error) error {
	now := r.now()
	return r.Store.ReplicaWrite(ctx, func(tx *store.Tx) error {
		if fn != nil {
			if err := fn(tx); err != nil {
				return err
			}
		}
		return tx.SaveReplicaState(state, now)
	})
}
