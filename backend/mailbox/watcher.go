package mailbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// Reconnection backoff: 1 s after the first failure, doubling up to 5 min.
const (
	minBackoff = time.Second
	maxBackoff = 5 * time.Minute
)

// ErrClosed is returned by PollOnce after Close.
var ErrClosed = errors.New("mailbox: the watcher is closed")

// Watcher watches one mailbox. Run and PollOnce may be called from different goroutines; they
// take turns on the one connection.
type Watcher struct {
	cfg Config
	cp  Checkpoints
	h   Handler
	log *slog.Logger
	now func() time.Time

	// lock (a channel, so waiting for it respects a context) guards sess and the checkpoint
	// fields below. Run holds it during a pass and while idling; PollOnce kicks Run out of IDLE
	// to get it.
	lock        chan struct{}
	sess        *session
	loaded      bool   // the checkpoint has been read from cp
	uidValidity uint32 // 0: the mailbox has no checkpoint yet
	lastUID     uint32
	saved       savedCheckpoint // what cp holds, so only changes are written

	newMail  chan struct{} // the server reported a new message count (capacity 1)
	kick     chan struct{} // wakes Run out of IDLE when PollOnce wants the connection (capacity 1)
	wantConn atomic.Int32  // PollOnce calls waiting for the connection: Run lets them go first

	runMu   sync.Mutex    // guards closed and inRun, so Close never races a starting Run
	closed  bool          // Close was called
	inRun   bool          // Run is running
	done    chan struct{} // closed by Close
	running sync.WaitGroup

	mu     sync.Mutex
	status Status

	// For tests: idling is true while an IDLE command runs; disableIdle makes the watcher poll
	// as if the server had no IDLE; the backoff bounds shorten the waits between reconnections.
	idling                 atomic.Bool
	disableIdle            bool
	minBackoff, maxBackoff time.Duration
}

type savedCheckpoint struct {
	uidValidity, lastUID uint32
	lastErr              string
	ok                   bool
}

// NewWatcher checks cfg and returns a watcher that has not connected yet. log may be nil (silent);
// now may be nil (time.Now).
func NewWatcher(cfg Config, cp Checkpoints, h Handler, log *slog.Logger, now func() time.Time) (*Watcher, error) {
	if err := cfg.Check(); err != nil {
		return nil, &Error{Kind: ErrConfig, Msg: err.Error()}
	}
	if cp == nil || h == nil {
		return nil, errors.New("mailbox: NewWatcher needs checkpoints and a handler")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	cfg = cfg.withDefaults()
	return &Watcher{
		cfg: cfg, cp: cp, h: h, now: now,
		log:        log.With("mailbox", cfg.Mailbox, "server", cfg.addr()),
		lock:       make(chan struct{}, 1),
		newMail:    make(chan struct{}, 1),
		kick:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		minBackoff: minBackoff,
		maxBackoff: maxBackoff,
	}, nil
}

// Status returns a snapshot of what the watcher is doing.
func (w *Watcher) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

func (w *Watcher) setStatus(f func(*Status)) {
	w.mu.Lock()
	f(&w.status)
	w.mu.Unlock()
}

func (w *Watcher) acquire(ctx context.Context) error {
	select {
	case w.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *Watcher) release() { <-w.lock }

// notifyNewMail runs on imapclient's reader goroutine: it must not block.
func (w *Watcher) notifyNewMail() {
	select {
	case w.newMail <- struct{}{}:
	default:
	}
}

// Run watches the mailbox until ctx ends or Close is called: connect, hand over new mail, wait
// (IDLE or poll), repeat; after any error, reconnect with backoff. It never gives up. Call it at
// most once at a time.
func (w *Watcher) Run(ctx context.Context) {
	w.runMu.Lock()
	if w.closed || w.inRun {
		w.runMu.Unlock()
		if w.inRun {
			w.log.Error("mailbox watcher: Run called while already running")
		}
		return
	}
	w.inRun = true
	w.running.Add(1)
	w.runMu.Unlock()
	defer func() {
		w.runMu.Lock()
		w.inRun = false
		w.runMu.Unlock()
		w.running.Done()
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-w.done:
			cancel()
		case <-ctx.Done():
		}
	}()

	backoff := w.minBackoff
	for {
		healthy, err := w.serve(ctx)
		if ctx.Err() != nil {
			break
		}
		if healthy {
			backoff = w.minBackoff
		}
		if w.acquire(ctx) != nil {
			break
		}
		w.recordLocked(ctx, err)
		w.dropLocked(false)
		w.release()
		w.log.Info("mailbox watcher: reconnecting", "in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil {
			break
		}
		backoff = min(2*backoff, w.maxBackoff)
	}
	// Say goodbye politely; Close (or the next Run) finds no connection.
	w.lock <- struct{}{}
	w.dropLocked(true)
	w.release()
}

// serve runs passes on one connection until an error. healthy reports that at least one pass
// went through, so the backoff starts over.
func (w *Watcher) serve(ctx context.Context) (healthy bool, err error) {
	for {
		if err := w.yield(ctx); err != nil {
			return healthy, err
		}
		if err := w.acquire(ctx); err != nil {
			return healthy, err
		}
		_, err := w.passLocked(ctx)
		if err != nil && KindOf(err) != ErrHandler {
			w.release()
			return healthy, err
		}
		healthy = true
		w.recordLocked(ctx, err)
		s := w.sess
		if s.idle && !w.disableIdle {
			err = w.idleLocked(ctx, s)
			w.release()
			if err != nil {
				return healthy, err
			}
			continue
		}
		w.release()
		if err := w.sleep(ctx, s); err != nil {
			return healthy, err
		}
	}
}

// yield waits while a PollOnce call waits for the connection, so Run does not take it back first.
func (w *Watcher) yield(ctx context.Context) error {
	for w.wantConn.Load() > 0 {
		t := time.NewTimer(time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// idleLocked runs one IDLE command until new mail is reported, PollInterval passes (the safety
// net), PollOnce wants the connection, or ctx ends.
func (w *Watcher) idleLocked(ctx context.Context, s *session) error {
	if w.wantConn.Load() > 0 {
		return nil // PollOnce is waiting: let it have the connection first
	}
	var idle *imapclient.IdleCommand
	if err := s.guard(ctx, stepCommand, func() error {
		var err error
		idle, err = s.c.Idle()
		return err
	}); err != nil {
		return err
	}
	w.idling.Store(true)
	t := time.NewTimer(min(w.cfg.PollInterval, idleRestart))
	var waitErr error
	select {
	case <-w.newMail:
	case <-t.C:
	case <-w.kick:
	case <-ctx.Done():
		waitErr = ctx.Err()
	case <-s.c.Closed():
		waitErr = &Error{Kind: ErrConnection, Msg: "the IMAP server at " + w.cfg.addr() + " closed the connection"}
	}
	t.Stop()
	w.idling.Store(false)
	endIdle := func() error {
		if err := idle.Close(); err != nil {
			return err
		}
		return idle.Wait()
	}
	switch {
	case ctx.Err() != nil:
		// Shutting down: end IDLE so that LOGOUT can be sent, but do not wait long for it.
		_ = s.guardFor(context.Background(), min(w.cfg.Timeout, 2*time.Second), stepCommand, endIdle)
		return waitErr
	case waitErr != nil:
		return waitErr // the connection is gone; no DONE to send
	}
	return s.guard(ctx, stepCommand, endIdle)
}

// sleep waits PollInterval between passes when the server has no IDLE.
func (w *Watcher) sleep(ctx context.Context, s *session) error {
	t := time.NewTimer(w.cfg.PollInterval)
	defer t.Stop()
	select {
	case <-t.C:
	case <-w.kick:
	case <-w.newMail:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.c.Closed():
		return &Error{Kind: ErrConnection, Msg: "the IMAP server at " + w.cfg.addr() + " closed the connection"}
	}
	return nil
}

// PollOnce connects (or reuses the connection), hands over the mail that is new since the
// checkpoint, and returns how many messages the handler accepted. With Run going, it takes the
// connection between Run's passes.
func (w *Watcher) PollOnce(ctx context.Context) (int, error) {
	select {
	case <-w.done:
		return 0, ErrClosed
	default:
	}
	// Announce the wait before kicking: Run checks wantConn before it idles and after each
	// pass, so in any order it lets this call have the connection.
	w.wantConn.Add(1)
	select {
	case w.kick <- struct{}{}: // end Run's IDLE, if it is idling
	default:
	}
	err := w.acquire(ctx)
	w.wantConn.Add(-1)
	if err != nil {
		return 0, err
	}
	defer w.release()
	n, err := w.passLocked(ctx)
	w.recordLocked(ctx, err)
	if err != nil && KindOf(err) != ErrHandler && KindOf(err) != ErrCheckpoint {
		w.dropLocked(false)
	}
	return n, err
}

// Close stops Run, logs out and closes the connection. The watcher cannot be used afterwards.
func (w *Watcher) Close() error {
	w.runMu.Lock()
	if !w.closed {
		w.closed = true
		close(w.done)
	}
	w.runMu.Unlock()
	w.running.Wait()
	w.lock <- struct{}{}
	w.dropLocked(true)
	w.release()
	return nil
}

// passLocked connects when needed, then hands over the new mail.
func (w *Watcher) passLocked(ctx context.Context) (int, error) {
	if err := w.loadLocked(ctx); err != nil {
		return 0, err
	}
	if w.sess != nil && w.sess.closed() {
		w.dropLocked(false)
	}
	if w.sess == nil {
		s, err := dial(ctx, w.cfg, w.notifyNewMail)
		if err != nil {
			return 0, err
		}
		w.sess = s
		w.setStatus(func(st *Status) {
			st.IdleSupported, st.Mode = s.idle, ModePolling
			if s.idle && !w.disableIdle {
				st.Mode = ModeIdle
			}
		})
		w.log.Info("mailbox watcher: connected", "idle", s.idle, "tls", w.cfg.TLS)
	}
	return w.fetchNew(ctx, w.sess)
}

// dropLocked closes the connection (politely when graceful).
func (w *Watcher) dropLocked(graceful bool) {
	if w.sess != nil {
		if graceful {
			w.sess.logout()
		} else {
			w.sess.close()
		}
		w.sess = nil
	}
	w.setStatus(func(st *Status) { st.Connected = false })
}

// recordLocked puts the outcome of a pass into Status, the log and the checkpoint's last error.
func (w *Watcher) recordLocked(ctx context.Context, err error) {
	if err == nil {
		w.setStatus(func(st *Status) {
			st.LastError, st.LastPoll, st.LastUID = "", w.now(), w.lastUID
			st.RetryingSince = time.Time{}
		})
		return
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return // shutting down: not a failure
	}
	msg := err.Error()
	var e *Error
	if !errors.As(err, &e) {
		msg = "the mailbox watcher failed: " + msg
	}
	w.setStatus(func(st *Status) {
		st.LastError, st.LastUID, st.LastErrorAt = msg, w.lastUID, w.now()
		if KindOf(err) != ErrHandler && st.RetryingSince.IsZero() {
			st.RetryingSince = st.LastErrorAt
		}
		if KindOf(err) != ErrHandler {
			st.Connected = w.sess != nil && !w.sess.closed() && KindOf(err) == ErrCheckpoint
		}
	})
	w.log.Warn("mailbox watcher: "+msg, "kind", string(KindOf(err)))
	if KindOf(err) != ErrCheckpoint && w.loaded {
		if serr := w.saveLocked(ctx, msg); serr != nil {
			w.log.Warn("mailbox watcher: " + serr.Error())
		}
	}
}

// loadLocked reads the checkpoint once.
func (w *Watcher) loadLocked(ctx context.Context) error {
	if w.loaded {
		return nil
	}
	v, last, ok, err := w.cp.Load(ctx, w.cfg.Mailbox)
	if err != nil {
		return &Error{Kind: ErrCheckpoint, Msg: "the mailbox checkpoint cannot be read: " + err.Error(), Err: err}
	}
	if ok {
		w.uidValidity, w.lastUID = v, last
		// The stored last error is not known here: an impossible value makes the next save write.
		w.saved = savedCheckpoint{uidValidity: v, lastUID: last, ok: true, lastErr: "\x00unknown"}
	}
	w.loaded = true
	w.setStatus(func(st *Status) { st.LastUID = w.lastUID })
	return nil
}

// saveLocked writes the checkpoint with lastErr when anything changed since the last write.
func (w *Watcher) saveLocked(ctx context.Context, lastErr string) error {
	now := savedCheckpoint{uidValidity: w.uidValidity, lastUID: w.lastUID, lastErr: lastErr, ok: true}
	if now == w.saved {
		return nil
	}
	if err := w.cp.Save(ctx, w.cfg.Mailbox, w.uidValidity, w.lastUID, lastErr); err != nil {
		return &Error{Kind: ErrCheckpoint, Msg: fmt.Sprintf("the mailbox checkpoint (UID %d) cannot be saved: %v", w.lastUID, err), Err: err}
	}
	w.saved = now
	return nil
}
