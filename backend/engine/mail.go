package engine

import (
	"context"
	"fmt"
	"time"

	"vouchdesk/backend/mailbox"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/outbox/smtprelay"
	"vouchdesk/backend/senders"
)

// Event names pushed to the desktop UI (see Config.OnEvent).
const (
	EventSenderChanged = "sender:changed"
	EventOutboxChanged = "outbox:changed"
	// EventChatChanged: a conversation or message changed (the Inbox view re-reads).
	EventChatChanged = "chat:changed"
)

// transport gives the outbox worker an organization's relay, read fresh at every pass. This is
// where the queue meets SMTP: the worker sees only an outbox.Transport.
func (e *Engine) transport(orgID string) (outbox.Transport, error) {
	cfg, ok, err := e.mailAccounts.SMTPConfig(context.Background(), orgID)
	if err != nil || !ok {
		return nil, err
	}
	cfg.OnConnect = func(smtputf8 bool) { e.relayConnected(orgID, smtputf8) }
	r, err := smtprelay.New(cfg)
	if err != nil {
		return nil, err // not a nil *Relay inside a non-nil interface
	}
	return r, nil
}

// relayConnected records whether an organization's relay offered SMTPUTF8 on its last connection
// (the worker's or "test the connection"). Kept in memory: unknown after a start or a settings
// change until the next connection, and unknown refuses nothing (docs/decisions.md).
func (e *Engine) relayConnected(orgID string, smtputf8 bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.relaySMTPUTF8 == nil {
		e.relaySMTPUTF8 = map[string]bool{}
	}
	e.relaySMTPUTF8[orgID] = smtputf8
}

// relayLacksSMTPUTF8 reports that the organization's relay is known not to offer SMTPUTF8.
func (e *Engine) relayLacksSMTPUTF8(orgID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	offered, known := e.relaySMTPUTF8[orgID]
	return known && !offered
}

// MailboxState is whether the sender's mailbox is watched, and how that goes.
type MailboxState struct {
	Configured bool
	Status     mailbox.Status
}

// MailboxState reports on the watcher of the sender's mailbox.
func (e *Engine) MailboxState() MailboxState {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.watcher == nil {
		return MailboxState{}
	}
	return MailboxState{Configured: true, Status: e.watcher.Status()}
}

// MailboxWatch is MailboxState in two values, for the desktop's services.
func (e *Engine) MailboxWatch() (configured bool, status mailbox.Status) {
	ms := e.MailboxState()
	return ms.Configured, ms.Status
}

// MailSettingsChanged makes the engine pick up new mail account settings now.
func (e *Engine) MailSettingsChanged() {
	e.mu.Lock()
	e.relaySMTPUTF8 = nil // another relay may be set up: learn it again at its next connection
	e.mu.Unlock()
	select {
	case e.mailKick <- struct{}{}:
	default:
	}
	e.worker.Wake()
}

// superviseMailbox runs a watcher on the organization's IMAP account while one is set up, and
// restarts it when the settings change. A delivery report (bounce) is recorded on the email it is
// about; every other message is offered to the sender verification: only an exact link token
// verifies anything. It runs the bounce mailbox's watcher the same way (bouncemailbox.go).
func (e *Engine) superviseMailbox(ctx context.Context) {
	sender := supervised{set: func(w *mailbox.Watcher) { e.mu.Lock(); e.watcher = w; e.mu.Unlock() }}
	bounces := supervised{set: func(w *mailbox.Watcher) { e.mu.Lock(); e.bounceWatcher = w; e.mu.Unlock() }}
	defer sender.halt()
	defer bounces.halt()
	tick := time.NewTicker(10 * time.Second) // settings are re-read this often (and at once on a kick)
	defer tick.Stop()
	// The watchers' state (connected, last error) is pushed to the UI when it changes.
	statusTick := time.NewTicker(time.Second)
	defer statusTick.Stop()
	var lastSeen string
	var health mailHealthRecorder
	for {
		key, start := e.mailboxPlan(ctx)
		sender.apply(ctx, key, start)
		key, start = e.bouncePlan(ctx)
		bounces.apply(ctx, key, start)
	wait:
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				break wait
			case <-e.mailKick:
				break wait
			case <-statusTick.C:
				ms, bs := e.MailboxState(), e.BounceMailboxState()
				seen := fmt.Sprint(ms.Configured, ms.Status.Connected, ms.Status.LastError,
					bs.Configured, bs.Status.Connected, bs.Status.LastError)
				if seen != lastSeen {
					lastSeen = seen
					e.emit(EventSenderChanged)
				}
				health.record(ctx, e)
			}
		}
	}
}

// supervised is one watcher the supervisor keeps running while its settings allow.
type supervised struct {
	key  string
	stop context.CancelFunc
	set  func(*mailbox.Watcher) // publishes the running watcher (nil: none)
}

// halt stops the watcher, if one runs.
func (s *supervised) halt() {
	if s.stop != nil {
		s.stop()
	}
}

// apply restarts the watcher when the settings' key changed: the old one stops, and start (nil
// when the settings are incomplete) makes the new one.
func (s *supervised) apply(ctx context.Context, key string, start func() *mailbox.Watcher) {
	if key == s.key && s.stop != nil {
		return
	}
	s.halt()
	s.set(nil)
	s.key = key
	if start == nil {
		s.stop = func() {}
		return
	}
	wctx, cancel := context.WithCancel(ctx)
	s.stop = cancel
	if w := start(); w != nil {
		s.set(w)
		go w.Run(wctx)
	}
}

// mailboxPlan returns a key for the current IMAP settings and, when they are complete, a function
// that makes the watcher.
func (e *Engine) mailboxPlan(ctx context.Context) (string, func() *mailbox.Watcher) {
	ws, err := e.orgs.Current(ctx)
	if err != nil {
		return "", nil
	}
	orgID := ws.Organization.ID
	acc, err := e.db.MailAccountByPurpose(ctx, orgID, "imap")
	if err != nil {
		return "", nil
	}
	cfg, ok, err := e.mailAccounts.IMAPConfig(ctx, orgID)
	if err != nil || !ok {
		return "", nil
	}
	key := fmt.Sprint(acc.ID, acc.UpdatedAt.UnixMilli())
	return key, func() *mailbox.Watcher {
		handler := func(ctx context.Context, m mailbox.Message) error {
			if m.Bounce != nil {
				// A delivery report quotes the email it is about, verification link and all: it
				// is recorded against that email and offered to nothing else.
				return e.recordBounce(ctx, orgID, m)
			}
			addr, err := e.senderEmails.VerifyFromMailbox(ctx, senders.Arrived{MessageID: m.MessageID, From: m.From, Subject: m.Subject, Text: m.Text})
			if err != nil {
				return err
			}
			if addr != "" {
				e.log.Info("sender email verified from its mailbox", "address", addr)
				e.emit(EventSenderChanged)
			}
			return nil
		}
		w, err := mailbox.NewWatcher(cfg, mailbox.StoreCheckpoints(e.db, orgID, acc.ID), handler, e.log, e.cfg.Now)
		e.mu.Lock()
		e.watchErr, e.watchErrAt = "", time.Time{}
		if err != nil {
			e.watchErr, e.watchErrAt = "the mailbox watcher cannot start: "+err.Error(), e.Now()
		}
		e.mu.Unlock()
		if err != nil {
			e.log.Warn("mailbox watcher not started", "err", err)
			return nil
		}
		return w
	}
}

func (e *Engine) emit(name string) {
	if e.cfg.OnEvent != nil {
		e.cfg.OnEvent(name)
	}
}
