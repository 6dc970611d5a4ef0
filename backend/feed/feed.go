// Package feed hands an organization's data to the desktops that replicate it (docs/api/agent.md,
// "The change feed"): a cursor, a snapshot in pages, then the changes after the cursor, and a
// wait that returns as soon as there are more. The order is the store's change sequence, which no
// late commit can fall behind (docs/decisions.md, "The change feed on PostgreSQL"); what is
// replicated, and which columns never leave the server, is the store's list (store.ReplicatedTables).
package feed

import (
	"context"
	"sync"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/store"
)

// Limits of one page.
const (
	MaxChanges = 1000
	MaxRows    = 1000
	// MaxWait bounds a wait for changes: under the usual proxies' idle timeouts (60 s).
	MaxWait = 25 * time.Second
	// pollEvery is how often a wait looks at the organization's newest change when nothing woke
	// it: Notify (a commit of this process, or another node's, told through the database's
	// notifications) wakes it at once; this only bounds a lost notification's delay.
	pollEvery = time.Second
)

// Service reads the feed.
type Service struct {
	st       *store.Store
	mu       sync.Mutex
	changed  chan struct{} // closed and replaced by Notify
	stopping chan struct{} // closed by Stop
	stopOnce sync.Once
}

// New returns the feed on the store.
func New(st *store.Store) *Service {
	return &Service{st: st, changed: make(chan struct{}), stopping: make(chan struct{})}
}

// Stop ends every long poll now, with nothing new (the server is shutting down: a desktop asks
// again, and finds the server gone or another node); later waits return at once.
func (s *Service) Stop() { s.stopOnce.Do(func() { close(s.stopping) }) }

// Notify wakes every Wait: something was committed (the engine calls it after each of its
// commits and when another node's commits are announced).
func (s *Service) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Service) changedChan() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// Tables lists the replicated tables with the columns withheld from each.
func Tables() map[string][]string { return store.ReplicatedTables() }

// Cursor is where a new replica starts: read it, then the snapshot, then the changes after it
// (a row changed while the snapshot is read comes again in the changes, applied last).
func (s *Service) Cursor(ctx context.Context, orgID string) (int64, error) {
	var seq int64
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		var err error
		seq, err = tx.OrgChangeSeq(orgID)
		return err
	})
	return seq, err
}

// Schema is the server's database schema version: a replica copied under another one lacks what
// the migrations since then added, and is copied again.
func (s *Service) Schema(ctx context.Context) (int, error) { return s.st.SchemaVersion(ctx) }

// Page is a page of changes.
type Page struct {
	Changes []store.FeedEntry `json:"changes"`
	// Cursor is what to ask after next.
	Cursor int64 `json:"cursor"`
	// More: the page was full; ask again at once.
	More bool `json:"more"`
}

// CodeCursorAhead: a cursor past the organization's newest change. No cursor this server handed
// out can be, unless the server was restored from an older backup: what the replica holds is then
// no longer the server's history, and it must be copied again.
const CodeCursorAhead = "cursor_ahead"

// ErrCursorAhead is the answer to such a cursor.
var ErrCursorAhead = &apperr.Error{Code: CodeCursorAhead, Field: "after",
	Message: "This cursor is past the server's newest change (the server was restored from an earlier backup): copy the organization again."}

// Changes returns the changes after the cursor (at most limit change rows read).
func (s *Service) Changes(ctx context.Context, orgID string, after int64, limit int) (Page, error) {
	if after < 0 {
		return Page{}, apperr.Invalid("after", "The cursor is a change number from an earlier answer (0 to start).")
	}
	limit = clamp(limit, MaxChanges)
	p := Page{Changes: []store.FeedEntry{}, Cursor: after}
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		entries, cursor, err := tx.FeedPage(orgID, after, limit)
		if err != nil {
			return err
		}
		// A page may end inside one commit's changes: the next page goes on from the cursor, and
		// the rows are as of the page's last change.
		newest, err := tx.OrgChangeSeq(orgID)
		if err != nil {
			return err
		}
		if after > newest {
			return ErrCursorAhead
		}
		p.More = newest > cursor
		p.Changes, p.Cursor = append(p.Changes, entries...), cursor
		return nil
	})
	return p, err
}

// Wait returns once the organization has changes after the cursor (true), or after wait
// (false), or when ctx ends. alive is asked every few seconds whether the caller may still wait
// (its session may have ended meanwhile); false stops the wait with its error.
func (s *Service) Wait(ctx context.Context, orgID string, after int64, wait time.Duration, alive func() error) (bool, error) {
	wait = min(max(wait, 0), MaxWait)
	deadline := time.Now().Add(wait)
	lastCheck := time.Now()
	for {
		woken := s.changedChan() // before the read: a commit after it closes this channel
		seq, err := s.Cursor(ctx, orgID)
		if err != nil {
			return false, err
		}
		if seq > after {
			return true, nil
		}
		if seq < after {
			return false, ErrCursorAhead // no change will ever come after it: say so now
		}
		if !time.Now().Before(deadline) {
			return false, nil
		}
		if alive != nil && time.Since(lastCheck) >= 5*time.Second {
			if err := alive(); err != nil {
				return false, err
			}
			lastCheck = time.Now()
		}
		t := time.NewTimer(min(pollEvery, time.Until(deadline)))
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-s.stopping:
			t.Stop()
			return false, nil
		case <-woken:
			t.Stop()
		case <-t.C:
		}
	}
}

// Rows is a page of a table's rows.
type Rows struct {
	Rows []map[string]any `json:"rows"`
	// Next is the id to ask after for the next page; "" when this was the last.
	Next string `json:"next"`
}

// TableRows returns a page of the organization's rows of a replicated table, in id order after
// after, up to to ("" for no end: a snapshot; set: a range record's rows).
func (s *Service) TableRows(ctx context.Context, orgID, table, after, to string, limit int) (Rows, error) {
	if !store.IsReplicated(table) {
		return Rows{}, apperr.Invalid("table", "That is not a table of the feed (docs/api/agent.md lists them).")
	}
	limit = clamp(limit, MaxRows)
	out := Rows{Rows: []map[string]any{}}
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.FeedRows(orgID, table, after, to, limit)
		if err != nil {
			return err
		}
		out.Rows = append(out.Rows, rows...)
		if len(rows) == limit {
			out.Next, _ = rows[len(rows)-1]["id"].(string)
		}
		return nil
	})
	return out, err
}

func clamp(n, most int) int {
	if n <= 0 || n > most {
		return most
	}
	return n
}
