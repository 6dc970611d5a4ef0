package engine

import (
	"context"
	"fmt"
	"time"

	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/mailbox"
)

// BounceMailboxState reports on the watcher of the bounce mailbox (Configured is false when none
// is set up, or when its settings could not make a watcher).
func (e *Engine) BounceMailboxState() MailboxState {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.bounceWatcher == nil {
		return MailboxState{}
	}
	return MailboxState{Configured: true, Status: e.bounceWatcher.Status()}
}

// bouncePlan returns a key for the current bounce mailbox settings and, when they are complete, a
// function that makes its watcher. That mailbox is read for delivery reports only: a report is
// recorded against the email it is about; any other message in it is skipped. It is never a
// customer's mail and never offered to the sender verification, even when it quotes a link: the
// only mailbox that can verify the sender is the sender's own (superviseMailbox).
func (e *Engine) bouncePlan(ctx context.Context) (string, func() *mailbox.Watcher) {
	ws, err := e.orgs.Current(ctx)
	if err != nil {
		return "", nil
	}
	orgID := ws.Organization.ID
	acc, err := e.db.MailAccountByPurpose(ctx, orgID, mailaccounts.Bounce)
	if err != nil {
		return "", nil
	}
	cfg, ok, err := e.mailAccounts.BounceConfig(ctx, orgID)
	if err != nil || !ok {
		return "", nil
	}
	key := fmt.Sprint(acc.ID, acc.UpdatedAt.UnixMilli())
	return key, func() *mailbox.Watcher {
		handler := func(ctx context.Context, m mailbox.Message) error {
			if m.Bounce == nil {
				e.log.Info("bounce mailbox: a message that is not a delivery report, ignored", "uid", m.UID)
				return nil
			}
			return e.recordBounce(ctx, orgID, m)
		}
		log := e.log.With("account", mailaccounts.Bounce)
		w, err := mailbox.NewWatcher(cfg, mailbox.StoreCheckpoints(e.db, orgID, acc.ID), handler, log, e.cfg.Now)
		e.mu.Lock()
		e.bounceErr, e.bounceErrAt = "", time.Time{}
		if err != nil {
			e.bounceErr, e.bounceErrAt = "the bounce mailbox watcher cannot start: "+err.Error(), e.Now()
		}
		e.mu.Unlock()
		if err != nil {
			e.log.Warn("bounce mailbox watcher not started", "err", err)
			return nil
		}
		return w
	}
}

// bounceHealth is the bounce mailbox's health; ok is false when none is set up.
func (e *Engine) bounceHealth(ctx context.Context, orgID string, now time.Time) (mailaccounts.Health, bool, error) {
	_, set, err := e.mailAccounts.BounceConfig(ctx, orgID)
	if err != nil || !set {
		return mailaccounts.Health{}, false, err
	}
	bs := e.BounceMailboxState()
	h := mailaccounts.BounceHealth(bs.Configured, bs.Status, now)
	e.mu.Lock()
	defer e.mu.Unlock()
	if !bs.Configured {
		if e.bounceErr != "" {
			// Set up, but the settings cannot make a watcher: say why rather than "not set up".
			h = mailaccounts.BounceHealth(true, mailbox.Status{LastError: e.bounceErr, LastErrorAt: e.bounceErrAt}, now)
			h.State = mailaccounts.StateFailed
		} else {
			h.State = mailaccounts.StateConnecting // saved, the supervisor has not started it yet
		}
	}
	return h, true, nil
}
