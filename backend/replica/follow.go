package replica

import (
	"context"
	"errors"
	"time"

	"vouchdesk/backend/store"
)

// LongPoll is how long Follow asks the server to wait for a change (the feed's most).
const LongPoll = 25 * time.Second

// Follow keeps the replica current: it long-polls the feed from the stored cursor and applies
// each page in one transaction together with the new cursor, calling onApplied (when set) with
// the cursor after each page that moved it. It returns when ctx ends (ctx's error), with
// ErrSignedOut when the server no longer accepts the session, with an error the server will
// answer again (a refused request) or a local one (the database). Any other failure (the network,
// the server down or overloaded) is retried after 1 s, doubling up to 30 s, and told to
// OnStatus.
func (r *Replica) Follow(ctx context.Context, onApplied func(cursor int64)) error {
	state, ok, err := r.Store.ReplicaState(ctx)
	if err != nil {
		return err
	}
	if !ok || state.BootstrappedAt.IsZero() {
		return ErrNotBootstrapped
	}
	minWait, maxWait := r.MinBackoff, r.MaxBackoff
	if minWait <= 0 {
		minWait = time.Second
	}
	if maxWait <= 0 {
		maxWait = 30 * time.Second
	}
	backoff := minWait
	var offlineSince time.Time
	wait := LongPoll
	for {
		page, err := r.Source.Changes(ctx, state.Cursor, pageSize(r.PageChanges, DefaultPageChanges), wait)
		var next = state
		if err == nil {
			next, err = r.applyPageOnline(ctx, state, page)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if !retryable(err) {
				return err
			}
			if offlineSince.IsZero() {
				offlineSince = r.now()
			}
			if r.OnStatus != nil {
				r.OnStatus(Status{OfflineSince: offlineSince, Err: err, RetryIn: backoff})
			}
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			backoff = min(backoff*2, maxWait)
			continue
		}
		if !offlineSince.IsZero() {
			offlineSince, backoff = time.Time{}, minWait
			if r.OnStatus != nil {
				r.OnStatus(Status{Online: true})
			}
		}
		moved := next.Cursor != state.Cursor
		state = next
		if moved && onApplied != nil {
			onApplied(state.Cursor)
		}
		wait = LongPoll
		if page.More {
			wait = 0
		}
	}
}

// applyPageOnline applies a page, marking a failure to write locally so that it is not retried
// as if the network had failed.
func (r *Replica) applyPageOnline(ctx context.Context, state store.ReplicaState, page ChangesPage) (store.ReplicaState, error) {
	if len(page.Changes) == 0 && page.Cursor == state.Cursor {
		return state, nil
	}
	return r.applyPage(ctx, state, page, false)
}

// retryable: a failure that asking again later may cure.
func retryable(err error) bool {
	if errors.Is(err, ErrSignedOut) {
		return false
	}
	var api *APIError
	if errors.As(err, &api) {
		return api.Temporary()
	}
	var local *localError
	return !errors.As(err, &local)
}

// localError is a failure of the local database while applying a page.
type localError struct{ err error }

func (e *localError) Error() string { return e.err.Error() }
func (e *localError) Unwrap() error { return e.err }
