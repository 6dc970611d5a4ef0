package engine

import (
	"context"
	"fmt"

	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/mailbox"
)

// MailHealth is how each of the organization's mail accounts is doing right now (SMTP, then
// IMAP, then the bounce mailbox when one is set up): the state, the last error in words and when, since when it retries, IDLE or polling.
func (e *Engine) MailHealth(ctx context.Context, orgID string) ([]mailaccounts.Health, error) {
	_, smtpSet, err := e.mailAccounts.SMTPConfig(ctx, orgID)
	if err != nil {
		return nil, err
	}
	_, imapSet, err := e.mailAccounts.IMAPConfig(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ms := e.MailboxState()
	now := e.Now()
	imap := mailaccounts.IMAPHealth(ms.Configured, ms.Status, now)
	e.mu.Lock()
	if imapSet && !ms.Configured && e.watchErr != "" {
		// Set up, but the settings cannot make a watcher: say why rather than "not set up".
		imap = mailaccounts.IMAPHealth(true, mailbox.Status{LastError: e.watchErr, LastErrorAt: e.watchErrAt}, now)
		imap.State = mailaccounts.StateFailed
	}
	e.mu.Unlock()
	out := []mailaccounts.Health{mailaccounts.SMTPHealth(smtpSet, e.worker.Status(), now), imap}
	if b, ok, err := e.bounceHealth(ctx, orgID, now); err != nil {
		return nil, err
	} else if ok {
		out = append(out, b)
	}
	return out, nil
}

// mailHealthRecorder writes MailHealth to the database when it changes, so `vouchd status` (another
// process) can show it. Called from the mailbox supervisor's status tick, one goroutine.
type mailHealthRecorder struct{ last string }

func (r *mailHealthRecorder) record(ctx context.Context, e *Engine) {
	ms, bs := e.MailboxState(), e.BounceMailboxState()
	// Only the runtime state is compared: the settings are re-read at every record.
	e.mu.Lock()
	watchErr, bounceErr := e.watchErr, e.bounceErr
	e.mu.Unlock()
	key := fmt.Sprintf("%+v|%v|%+v|%s|%v|%+v|%s", e.worker.Status(), ms.Configured, ms.Status, watchErr,
		bs.Configured, bs.Status, bounceErr)
	if key == r.last {
		return
	}
	ws, err := e.orgs.Current(ctx)
	if err != nil {
		return // no organization yet: nothing to record
	}
	hs, err := e.MailHealth(ctx, ws.Organization.ID)
	if err == nil {
		for _, h := range hs {
			if err = e.mailAccounts.SaveHealth(ctx, ws.Organization.ID, h); err != nil {
				break
			}
		}
	}
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("mail health not recorded", "err", err)
		}
		return // tried again at the next tick
	}
	r.last = key
}
