package mailaccounts

import (
	"context"
	"encoding/json"
	"time"

	"vouchdesk/backend/mailbox"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/wiretime"
)

// Health states (Health.State).
const (
	StateNotSetUp   = "not_set_up" // no account of this purpose
	StateWaiting    = "waiting"    // SMTP: set up, no delivery tried since the engine started
	StateOK         = "ok"         // SMTP: the last delivery pass went well
	StateConnecting = "connecting" // IMAP: set up, not logged in yet
	StateConnected  = "connected"  // IMAP: logged in, watching (Mode says how)
	StateRetrying   = "retrying"   // the server cannot be used; tried again with a growing wait
	StateFailed     = "failed"     // IMAP: the settings cannot be used at all; LastError says why
)

// Health is how one mail account is doing, for an operator: `vouchd status --json` and the
// desktop's Mail accounts page. Times are RFC 3339 UTC, "" when there is none.
type Health struct {
	Purpose string `json:"purpose"` // smtp, imap or bounce
	State   string `json:"state"`   // one of the State* values
	// Mode is how the IMAP watcher notices new mail once connected: "idle" (the server pushes
	// it) or "polling"; "" for SMTP and before the first login.
	Mode string `json:"mode"`
	// LastError is the last problem in words ("" when the last attempt went well); LastErrorAt
	// is when it happened and stays after a good attempt.
	LastError   string `json:"lastError"`
	LastErrorAt string `json:"lastErrorAt"`
	// RetryingSince is when the current run of failures began; "" while the account works.
	RetryingSince string `json:"retryingSince"`
	// LastOKAt is the last attempt that went well (SMTP: a delivery pass; IMAP: a mailbox check).
	LastOKAt string `json:"lastOkAt"`
	// ObservedAt is when this was seen; `vouchd status` reads what the running server last
	// recorded, so an old ObservedAt means no server is running.
	ObservedAt string `json:"observedAt"`
}

// SMTPHealth describes the relay from the outbox worker's status.
func SMTPHealth(configured bool, s outbox.Status, at time.Time) Health {
	h := Health{Purpose: SMTP, LastError: s.LastError, LastErrorAt: wiretime.Format(s.LastErrorAt),
		RetryingSince: wiretime.Format(s.FailingSince), ObservedAt: wiretime.Format(at)}
	if s.LastError == "" {
		h.LastOKAt = wiretime.Format(s.LastPass)
	}
	switch {
	case !configured:
		h.State = StateNotSetUp
	case s.LastError != "":
		h.State = StateRetrying
	case s.LastPass.IsZero():
		h.State = StateWaiting
	default:
		h.State = StateOK
	}
	return h
}

// IMAPHealth describes the watched mailbox from the watcher's status.
func IMAPHealth(configured bool, s mailbox.Status, at time.Time) Health {
	h := Health{Purpose: IMAP, Mode: s.Mode, LastError: s.LastError, LastErrorAt: wiretime.Format(s.LastErrorAt),
		RetryingSince: wiretime.Format(s.RetryingSince), LastOKAt: wiretime.Format(s.LastPoll), ObservedAt: wiretime.Format(at)}
	switch {
	case !configured:
		h.State, h.Mode = StateNotSetUp, ""
	case s.Connected:
		h.State = StateConnected
	case !s.RetryingSince.IsZero():
		h.State = StateRetrying
	default:
		h.State = StateConnecting
	}
	return h
}

// SaveHealth records h for another process to read (Recorded).
func (s *Service) SaveHealth(ctx context.Context, orgID string, h Health) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return s.st.SaveMailHealth(ctx, orgID, h.Purpose, b, s.now())
}

// Recorded returns what the running engine last recorded about each account (SMTP first, then
// IMAP, then the bounce mailbox when one is set up), corrected by the settings: an account
// removed reads not_set_up, one set up after the last record reads as not tried yet.
func (s *Service) Recorded(ctx context.Context, orgID string) ([]Health, error) {
	saved, err := s.st.MailHealth(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]Health, 0, 3)
	for _, purpose := range []string{SMTP, IMAP, Bounce} {
		_, configured, err := s.row(ctx, orgID, purpose)
		if err != nil {
			return nil, err
		}
		if purpose == Bounce && !configured {
			continue // optional: not listed unless set up
		}
		var h Health
		if raw, ok := saved[purpose]; ok {
			if err := json.Unmarshal(raw, &h); err != nil {
				return nil, err
			}
		}
		h.Purpose = purpose
		switch {
		case !configured:
			h = Health{Purpose: purpose, State: StateNotSetUp, ObservedAt: h.ObservedAt}
		case h.State == "" || h.State == StateNotSetUp:
			h.State = StateWaiting
			if purpose != SMTP {
				h.State = StateConnecting
			}
		}
		out = append(out, h)
	}
	return out, nil
}
