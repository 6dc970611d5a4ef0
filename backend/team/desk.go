package team

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"vouchdesk/backend/agents"
	"vouchdesk/backend/apperr"
	"vouchdesk/backend/feed"
	"vouchdesk/backend/org"
	"vouchdesk/backend/replica"
	"vouchdesk/backend/services"
	"vouchdesk/backend/store"
	"vouchdesk/backend/wiretime"
)

// Event names the desk sends the UI, beside the engine's (engine.Event*): the replica applied a
// page from the server (everything shown may have changed), and the desk's status changed.
const (
	EventChatChanged   = "chat:changed"
	EventSenderChanged = "sender:changed"
	EventOutboxChanged = "outbox:changed"
	EventStatusChanged = "team:changed"
)

// CodeCopying refuses a read while the first copy of the organization is still being made.
const CodeCopying = "copying"

// Config is what a Desk runs on.
type Config struct {
	DataDir string
	Session Session
	Token   string
	// Store is the replica's database: a Vouch Desk store of its own (an engine opened on it and
	// never started reads it for the UI).
	Store *store.Store
	Log   *slog.Logger
	// OnEvent hears the UI's event names (Event*); OnEnded hears that the server ended the
	// session (revoked, or the agent deactivated).
	OnEvent func(name string)
	OnEnded func()
	// OnCopied hears the schema versions (the replica's, the server's) once a copy is whole.
	OnCopied func(replicaSchema, serverSchema int)
	Now      func() time.Time
	// Retries while offline: 1 s doubling to 30 s when zero.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// PageRows is the bootstrap's page size (the feed's largest when zero).
	PageRows int
}

// Desk is a team member's desktop while it runs: it keeps the replica current and is the
// services' Remote (services/remote.go).
type Desk struct {
	cfg    Config
	client *Client
	src    *replica.HTTPSource
	kept   *keptReplies
	wake   chan struct{} // a reply to send, or the server is back

	mu      sync.Mutex
	status  Status
	applied int64
	moved   chan struct{} // closed when applied moves
}

// Status is the desk's link to the server, as the UI shows it.
type Status = services.TeamStatus

// NewDesk prepares a desk; Run starts it.
func NewDesk(cfg Config) (*Desk, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.OnEvent == nil {
		cfg.OnEvent = func(string) {}
	}
	src, err := replica.NewHTTPSource(cfg.Session.ServerURL, cfg.Token)
	if err != nil {
		return nil, err
	}
	kept, err := openKept(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	d := &Desk{cfg: cfg, client: NewClient(cfg.Session.ServerURL, cfg.Token), src: src, kept: kept,
		wake: make(chan struct{}, 1), moved: make(chan struct{})}
	d.status = Status{Phase: "copying", Online: true, Kept: kept.count()}
	if st, ok, err := cfg.Store.ReplicaState(context.Background()); err == nil && ok {
		d.applied = st.Cursor
		if !st.BootstrappedAt.IsZero() {
			d.status.Phase = "live"
		}
	}
	if cfg.Session.Ended != "" {
		d.status.Phase = "ended"
	}
	return d, nil
}

// Status returns the desk's status.
func (d *Desk) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.status
	s.Kept = d.kept.count()
	return s
}

func (d *Desk) update(fn func(s *Status)) {
	d.mu.Lock()
	fn(&d.status)
	d.mu.Unlock()
	d.cfg.OnEvent(EventStatusChanged)
}

// Run copies the organization when the replica is not whole yet, then follows the server's
// changes until ctx ends or the server ends the session. Failures of the network are retried
// with the status saying so; the replica stays readable throughout.
func (d *Desk) Run(ctx context.Context) error {
	if d.cfg.Session.Ended != "" {
		return nil
	}
	rep := d.replica(d.cfg.Store)
	if err := d.copyInto(ctx, rep); err != nil {
		return err
	}
	d.update(func(s *Status) {
		s.Phase, s.Online, s.OfflineSince, s.LastError, s.RetryInSeconds = "live", true, "", "", 0
	})
	if st, ok, err := d.cfg.Store.ReplicaState(ctx); err == nil && ok {
		d.onApplied(st.Cursor)
	}
	if why, err := d.stale(ctx); err != nil {
		return err
	} else if why != "" {
		return &RecopyNeeded{Why: why}
	}
	go d.sendKept(ctx)
	d.kick()
	err := rep.Follow(ctx, d.onApplied)
	var api *replica.APIError
	switch {
	case errors.Is(err, replica.ErrSignedOut):
		d.ended()
	case errors.As(err, &api) && api.Code == feed.CodeCursorAhead:
		return &RecopyNeeded{Why: "The team server was restored from an earlier backup: the organization is being copied again."}
	}
	return err
}

// RecopyNeeded ends Run when the replica no longer matches the server: the Manager copies the
// organization again beside it and swaps the copies once the new one is whole.
type RecopyNeeded struct{ Why string }

func (e *RecopyNeeded) Error() string { return "team: copy the organization again: " + e.Why }

func (d *Desk) replica(st *store.Store) *replica.Replica {
	return &replica.Replica{Store: st, Source: d.src, Now: d.cfg.Now, PageRows: d.cfg.PageRows,
		MinBackoff: d.cfg.MinBackoff, MaxBackoff: d.cfg.MaxBackoff, OnStatus: d.onStatus}
}

// stale says why the replica must be copied again ("" when it need not): the schema the copy was
// made under, this app's or the server's, moved since. It waits for the server to answer.
func (d *Desk) stale(ctx context.Context) (string, error) {
	local, err := d.cfg.Store.SchemaVersion(ctx)
	if err != nil {
		return "", err
	}
	var me agents.Me
	backoff := d.backoff()
	for {
		err = d.client.Do(ctx, services.Call{Method: "GET", Path: "me"}, nil, &me, "")
		if err == nil || !IsOffline(err) {
			break
		}
		wait := backoff.next()
		d.seen(err)
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(wait):
		}
	}
	if IsSignedOut(err) {
		d.ended()
		return "", err
	}
	if err != nil {
		return "", err
	}
	s := d.cfg.Session
	switch {
	case s.ReplicaSchema == 0 && s.ServerSchema == 0:
		if d.cfg.OnCopied != nil {
			d.cfg.OnCopied(local, me.Schema)
		}
		return "", nil
	case s.ReplicaSchema != local:
		return "This version of Vouch Desk stores more than the copy holds: the organization is being copied again.", nil
	case s.ServerSchema != me.Schema:
		return "The team server was updated: the organization is being copied again.", nil
	}
	return "", nil
}

// copyInto runs rep's bootstrap until it is whole, retrying what the network breaks.
func (d *Desk) copyInto(ctx context.Context, rep *replica.Replica) error {
	backoff := d.backoff()
	var since time.Time
	for {
		err := rep.Bootstrap(ctx, d.onProgress)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, replica.ErrSignedOut) {
			d.ended()
			return err
		}
		var api *replica.APIError
		if errors.As(err, &api) && !api.Temporary() {
			d.cfg.Log.Error("the team server refused the copy", "err", err)
		}
		if since.IsZero() {
			since = d.cfg.Now()
		}
		wait := backoff.next()
		d.onStatus(replica.Status{OfflineSince: since, Err: err, RetryIn: wait})
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

type backoff struct{ cur, max time.Duration }

func (d *Desk) backoff() *backoff {
	lo, hi := d.cfg.MinBackoff, d.cfg.MaxBackoff
	if lo <= 0 {
		lo = time.Second
	}
	if hi <= 0 {
		hi = 30 * time.Second
	}
	return &backoff{cur: lo, max: hi}
}

func (b *backoff) next() time.Duration {
	w := b.cur
	b.cur = min(b.cur*2, b.max)
	return w
}

func (d *Desk) onProgress(p replica.Progress) {
	d.update(func(s *Status) {
		s.Online, s.OfflineSince, s.LastError = true, "", ""
		s.Copy = services.CopyProgress{Phase: p.Phase, Table: p.Table, TablesDone: p.TablesDone, TablesTotal: p.TablesTotal, Rows: p.Rows,
			Bytes: p.Bytes, ElapsedSecs: int(p.Elapsed / time.Second), RemainingSecs: int(p.Remaining / time.Second),
			TimeLeftKnown: p.TimeLeftKnown}
	})
}

func (d *Desk) onStatus(st replica.Status) {
	d.update(func(s *Status) {
		s.Online = st.Online
		if st.Online {
			s.OfflineSince, s.LastError, s.RetryInSeconds = "", "", 0
			return
		}
		s.OfflineSince = wiretime.Format(st.OfflineSince)
		s.LastError = "The team server cannot be reached."
		s.RetryInSeconds = int((st.RetryIn + time.Second - 1) / time.Second)
	})
	if st.Online {
		d.kick() // the server is back: send what waits
	}
}

// onApplied hears the replica's cursor after each page from the server.
func (d *Desk) onApplied(cursor int64) {
	d.mu.Lock()
	if cursor > d.applied {
		d.applied = cursor
		close(d.moved)
		d.moved = make(chan struct{})
	}
	d.mu.Unlock()
	// The UI re-reads what it shows; the names are the solo engine's.
	d.cfg.OnEvent(EventChatChanged)
	d.cfg.OnEvent(EventSenderChanged)
	d.cfg.OnEvent(EventOutboxChanged)
}

// ended marks the session ended by the server.
func (d *Desk) ended() {
	d.update(func(s *Status) { s.Phase = "ended"; s.Online = false })
	if d.cfg.OnEnded != nil {
		d.cfg.OnEnded()
	}
}

// Workspace is the signed-in agent in the organization, from the replica (services.Remote).
func (d *Desk) Workspace(ctx context.Context) (org.Workspace, error) {
	var ws org.Workspace
	err := d.cfg.Store.Read(ctx, func(tx *store.Tx) error {
		o, err := tx.Organization(d.cfg.Session.OrganizationID)
		if err != nil {
			return err
		}
		u, err := tx.User(o.ID, d.cfg.Session.AgentID)
		if errors.Is(err, store.ErrNotFound) {
			// Deactivated (the copy stays readable for them until they remove it): the views
			// need an agent; the server refuses any change.
			s := d.cfg.Session
			u, err = store.User{ID: s.AgentID, OrgID: o.ID, Name: s.AgentName, Email: s.AgentEmail, Role: store.RoleAgent}, nil
		}
		ws = org.Workspace{Organization: o, Me: u}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return org.Workspace{}, &apperr.Error{Code: CodeCopying, Message: "Vouch Desk is still copying your organization from the team server."}
	}
	return ws, err
}

// writeWait bounds how long a write waits for its change to reach the replica.
const writeWait = 3 * time.Second

// Call sends a call to the server (services.Remote). A write carries a fresh Idempotency-Key and
// is tried again once at once when the network failed, with the same key; after it, the call
// waits (a little) until the replica has the change, so the screen read next shows it.
func (d *Desk) Call(ctx context.Context, c services.Call, in, out any) error {
	if err := d.usable(); err != nil {
		return err
	}
	if c.Method == "GET" {
		return d.seen(d.client.Do(ctx, c, in, out, ""))
	}
	key := NewKey()
	err := d.client.Do(ctx, c, in, out, key)
	if IsOffline(err) {
		err = d.client.Do(ctx, c, in, out, key)
	}
	if err = d.seen(err); err != nil {
		return err
	}
	d.catchUp(ctx)
	return nil
}

// usable refuses calls once the session ended.
func (d *Desk) usable() error {
	if d.Status().Phase == "ended" {
		return &apperr.Error{Code: CodeSignedOut, Message: "You are signed out of the team server: sign in again to change anything. What was copied stays readable."}
	}
	return nil
}

// seen notes what a call's outcome says about the link to the server.
func (d *Desk) seen(err error) error {
	switch {
	case IsSignedOut(err):
		d.ended()
	case IsOffline(err):
		d.update(func(s *Status) {
			if s.Online || s.OfflineSince == "" {
				s.Online, s.OfflineSince = false, wiretime.Format(d.cfg.Now())
			}
			s.LastError = "The team server cannot be reached."
		})
	}
	return err
}

// catchUp waits until the replica has applied the server's newest change, at most writeWait.
func (d *Desk) catchUp(ctx context.Context) {
	var cur struct {
		Cursor int64 `json:"cursor"`
	}
	if d.client.Do(ctx, services.Call{Method: "GET", Path: "feed/cursor"}, nil, &cur, "") != nil {
		return
	}
	deadline := time.NewTimer(writeWait)
	defer deadline.Stop()
	for {
		d.mu.Lock()
		applied, moved := d.applied, d.moved
		d.mu.Unlock()
		if applied >= cur.Cursor {
			return
		}
		select {
		case <-moved:
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// kick wakes the sender of kept replies.
func (d *Desk) kick() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}
