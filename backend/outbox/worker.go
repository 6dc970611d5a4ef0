package outbox

import (
	"context"
	"hash/fnv"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"vouchdesk/backend/store"
)

// Worker delivers due messages. One worker per database: claiming happens in write transactions,
// so even two workers would never send the same message twice at once.
type Worker struct {
	st        *store.Store
	transport func(orgID string) (Transport, error) // looked up at each pass: settings may change
	now       func() time.Time
	log       *slog.Logger
	// Batch is how many messages one pass claims.
	Batch int
	// Connections is how many connections to an organization's relay one pass may use at once
	// (one per MinPerConnection messages): each carries at most one message accepted by the relay
	// and not yet recorded, so it is also how many can go twice at a kill (docs/decisions.md,
	// "The duplicate window").
	Connections int
	// Poll is the longest the worker sleeps with nothing due (a safety net; Wake is the fast path).
	Poll time.Duration
	// MaxAge is how long temporary failures are retried before the message is marked failed.
	MaxAge time.Duration
	// Changed, when set, is called after a pass that recorded an outcome (for live UI updates).
	Changed func()

	wake chan struct{}
	mu   sync.Mutex
	last Status
}

// Status is what the admin sees about delivery.
type Status struct {
	LastError string    // the last connection-level problem, "" when the last pass was fine
	LastPass  time.Time // when the worker last tried
	// LastErrorAt is when the last problem happened; it stays after a pass that went well.
	LastErrorAt time.Time
	// FailingSince is when the current run of failed passes began; zero while passes go well.
	FailingSince time.Time
}

// NewWorker returns a worker. transport gives an organization's relay at every pass (settings may
// change); a nil Transport means no relay is set up yet and that organization's mail stays queued.
func NewWorker(st *store.Store, transport func(orgID string) (Transport, error), now func() time.Time, log *slog.Logger) *Worker {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Worker{st: st, transport: transport, now: now, log: log, Batch: 50, Connections: DefaultConnections, Poll: 30 * time.Second,
		MaxAge: 72 * time.Hour, wake: make(chan struct{}, 1)}
}

// Wake asks the worker to look at the queue now (after a message was queued).
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Message is a stored email as the delivery log shows it (its codes and links hidden).
type Message = store.OutboxMessage

// AddressBounce is the latest bounce of an address (Worker.LastBounce).
type AddressBounce = store.AddressBounce

// Log returns the organization's newest n emails, newest first, for the delivery log: the stored
// rows, with their codes and links hidden.
func (w *Worker) Log(ctx context.Context, orgID string, n int) ([]Message, error) {
	return w.st.OutboxLog(ctx, orgID, n)
}

// LastBounce returns the newest bounce of mail to addr in the organization; ok is false when mail
// to it never bounced.
func (w *Worker) LastBounce(ctx context.Context, orgID, addr string) (AddressBounce, bool, error) {
	return w.st.LastBounceTo(ctx, orgID, addr)
}

// Status reports how the worker's last pass went.
func (w *Worker) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// Backoff is the wait before attempt n+1 after n failed attempts: 15 s doubling to at most 30 min.
func Backoff(attempts int) time.Duration {
	d := 15 * time.Second
	for i := 1; i < attempts && d < 30*time.Minute; i++ {
		d *= 2
	}
	return min(d, 30*time.Minute)
}

// requeueEvery is how often the worker looks for messages a stopped node left half-sent (another
// vouchd node that died mid-delivery; its own earlier run is found at start).
const requeueEvery = 10 * time.Second

// requeue puts back the messages a stopped node (or an earlier run of this one) left half-sent.
func (w *Worker) requeue(ctx context.Context) {
	if n, err := w.st.RequeueInterruptedOutbox(ctx, w.now()); err != nil {
		if ctx.Err() == nil {
			w.log.Error("outbox: requeue interrupted", "err", err)
		}
	} else if n > 0 {
		w.log.Warn("outbox: requeued messages interrupted while sending", "count", n)
	}
}

// Run delivers until ctx ends. It first puts back messages a previous process left half-sent,
// and then, every requeueEvery, those of nodes that stopped since.
func (w *Worker) Run(ctx context.Context) {
	w.requeue(ctx)
	lastRequeue := time.Now()
	for {
		if time.Since(lastRequeue) >= requeueEvery {
			w.requeue(ctx)
			lastRequeue = time.Now()
		}
		sent, err := w.DeliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Warn("outbox: delivery pass", "err", err)
		}
		if sent > 0 && err == nil {
			continue // more may be due right away
		}
		wait := min(w.Poll, requeueEvery)
		if next, ok, err := w.st.NextOutboxDue(ctx); err == nil && ok {
			wait = min(wait, max(next.Sub(w.now()), 10*time.Millisecond))
		}
		// A sealed code or link is wiped when its challenge expires, not up to Poll later.
		if next, ok, err := w.st.NextOutboxSecretExpiry(ctx); err == nil && ok {
			wait = min(wait, max(next.Sub(w.now()), 10*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-w.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// DeliverDue makes one pass: claim up to Batch due messages, send each organization's to its own
// relay (over up to Connections connections at once, a share each), and record each outcome. It returns how many were delivered. A
// connection problem puts the claimed messages back with backoff and is returned.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	now := w.now()
	// First the codes and links whose challenge expired: wiped, and never sent.
	if n, err := w.st.EndExpiredOutboxSecrets(ctx, now); err != nil {
		return 0, err
	} else if n > 0 && w.Changed != nil {
		w.Changed()
	}
	next, ok, err := w.st.NextOutboxDue(ctx)
	if err != nil || !ok || next.After(now) {
		return 0, err
	}
	msgs, err := w.st.ClaimDueOutbox(ctx, now, w.Batch)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	// Outcomes are recorded even when ctx is cancelled meanwhile (shutdown): a message that went
	// out but was not recorded would be sent again on the next start.
	rec := context.WithoutCancel(ctx)
	byOrg := map[string][]store.OutboxMessage{}
	var orgs []string
	for _, m := range msgs {
		m, reason := Reveal(w.st.Sealer(), m)
		if reason != "" {
			// Fails alone: the rest of the batch, and the relay's status, are not affected.
			if err := w.st.MarkOutboxFailed(rec, m.ID, reason, w.now()); err != nil {
				w.log.Error("outbox: recording a failure", "id", m.ID, "err", err)
			}
			continue
		}
		if byOrg[m.OrgID] == nil {
			orgs = append(orgs, m.OrgID)
		}
		byOrg[m.OrgID] = append(byOrg[m.OrgID], m)
	}
	sent := 0
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, orgID := range orgs {
		for _, share := range w.shares(byOrg[orgID]) {
			wg.Go(func() {
				n, err := w.deliverOrg(ctx, rec, orgID, share, now)
				mu.Lock()
				defer mu.Unlock()
				sent += n
				if err != nil && firstErr == nil {
					firstErr = err
				}
			})
		}
	}
	wg.Wait()
	if firstErr == nil {
		w.setStatus("", now)
	}
	if w.Changed != nil {
		w.Changed()
	}
	return sent, firstErr
}

// DefaultConnections is Worker.Connections of a new worker. Two, because one connection is bound
// by a chain of waits (the relay's answer to the end of the data, then the durable record, then
// the next message's end of data): under the chat load test it carried 97 emails/s where two
// carried 139 (docs/benchmarks.md).
const DefaultConnections = 2

// MinPerConnection is the fewest messages a pass sends over each connection: a few messages go
// over one, and a second (up to Worker.Connections) opens only for a backlog.
const MinPerConnection = 8

// shares splits one organization's messages of a pass between the connections that send them,
// each share in claim order. The connection a message goes over depends on its id alone
// (ConnectionOf), so the duplicate window can be checked from outside.
func (w *Worker) shares(msgs []store.OutboxMessage) [][]store.OutboxMessage {
	n := max(1, min(w.Connections, len(msgs)/MinPerConnection))
	out := make([][]store.OutboxMessage, n)
	for _, m := range msgs {
		i := ConnectionOf(m.ID, n)
		out[i] = append(out[i], m)
	}
	return slices.DeleteFunc(out, func(s []store.OutboxMessage) bool { return len(s) == 0 })
}

// ConnectionOf is which of n connections carries the message with this id.
func ConnectionOf(id string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(n))
}

func (w *Worker) deliverOrg(ctx, rec context.Context, orgID string, msgs []store.OutboxMessage, now time.Time) (int, error) {
	tr, err := w.transport(orgID)
	if err != nil || tr == nil {
		se := &SendError{Kind: ErrConfig, Msg: errText(err, "No outgoing mail server (SMTP) is set up")}
		w.setStatus(se.Msg, now)
		for _, m := range msgs {
			w.retryOrFail(rec, m, se)
		}
		return 0, se
	}
	conn, err := tr.Dial(ctx)
	if err != nil {
		se := asSendError(err)
		w.setStatus(se.Msg, now)
		for _, m := range msgs {
			w.retryOrFail(rec, m, se)
		}
		return 0, se
	}
	defer conn.Close()
	sent, connErr := w.sendAll(rec, conn, msgs)
	if sent > 0 {
		// The relay works again: mail waiting out a backoff from the outage goes now, not up to
		// 30 minutes later.
		if err := w.st.RetryOutboxNow(rec, orgID, w.now()); err != nil {
			w.log.Error("outbox: pulling retries forward", "err", err)
		}
	}
	if connErr != nil {
		w.setStatus(connErr.Msg, now)
		return sent, connErr
	}
	return sent, nil
}

// sendAll sends msgs in order over conn and records each outcome. Each message is recorded as
// sent right after the relay accepted it, and no message is accepted before the one before it is
// recorded: a kill at any moment leaves at most one message of conn accepted but not recorded (it goes
// again after the restart, with the same Message-ID). With a HeldConn the record is committed
// while the next message's SMTP transaction goes out up to its final "." (held until then), so the
// commit's wait for the database's single writer overlaps the relay's round trips instead of
// adding to them. It returns how many were recorded sent, and the connection-level error that
// stopped it, if any (the rest are put back).
func (w *Worker) sendAll(rec context.Context, conn Conn, msgs []store.OutboxMessage) (int, *SendError) {
	hc, holds := conn.(HeldConn)
	sent := 0
	// marked is closed when the last accepted message's record is written (nil: none pending);
	// markOK tells how that went, read only after marked is closed.
	var marked chan struct{}
	var markOK bool
	waitMark := func() bool {
		if marked == nil {
			return true
		}
		<-marked
		marked = nil
		if markOK {
			sent++
		}
		return markOK
	}
	var connErr *SendError
	for i, m := range msgs {
		if connErr != nil {
			w.retryOrFail(rec, m, connErr)
			continue
		}
		var err error
		if holds {
			err = hc.SendHeld(m, marked)
		} else {
			waitMark()
			err = conn.Send(m)
		}
		if err != nil {
			se := asSendError(err)
			w.retryOrFail(rec, m, se)
			// After a network error the connection is unusable: put the rest back.
			if se.Kind != ErrPermanent && se.Code == 0 {
				connErr = se
				w.log.Warn("outbox: connection lost", "remaining", len(msgs)-i-1, "err", se.Msg)
			}
			continue
		}
		// The previous record is written (the release of this message's end of data waited for
		// it); when it failed, stop after this one: see below.
		prevOK := waitMark()
		done := make(chan struct{})
		marked = done
		go func(id string) {
			defer close(done)
			if err := w.st.MarkOutboxSent(rec, id, w.now()); err != nil {
				// Sent but not recorded: it stays "sending" and the next start requeues it, sent
				// again with the same Message-ID (at least once; receivers can drop the duplicate).
				w.log.Error("outbox: recording a delivery", "id", id, "err", err)
				markOK = false
				return
			}
			markOK = true
		}(m.ID)
		if !prevOK {
			// The database refuses writes: sending more would only add messages that go out
			// without a record. The rest go back to the queue (if that write works).
			connErr = &SendError{Kind: ErrTemporary, Msg: "could not record deliveries in the database"}
		}
	}
	waitMark()
	return sent, connErr
}

func (w *Worker) retryOrFail(ctx context.Context, m store.OutboxMessage, se *SendError) {
	now := w.now()
	var err error
	if se.Kind == ErrPermanent || now.Sub(m.CreatedAt) > w.MaxAge {
		reason := se.Msg
		if se.Kind != ErrPermanent {
			reason = "gave up after " + w.MaxAge.String() + ": " + se.Msg
		}
		err = w.st.MarkOutboxFailed(ctx, m.ID, reason, now)
	} else {
		err = w.st.MarkOutboxRetry(ctx, m.ID, se.Msg, now.Add(Backoff(m.Attempts)), now)
	}
	if err != nil {
		w.log.Error("outbox: recording a failure", "id", m.ID, "err", err)
	}
}

func (w *Worker) setStatus(msg string, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	prev := w.last
	w.last = Status{LastError: msg, LastPass: at, LastErrorAt: prev.LastErrorAt}
	if msg != "" {
		w.last.LastErrorAt, w.last.FailingSince = at, prev.FailingSince
		if prev.FailingSince.IsZero() {
			w.last.FailingSince = at
		}
	}
}

func errText(err error, otherwise string) string {
	if err != nil {
		return err.Error()
	}
	return otherwise
}
