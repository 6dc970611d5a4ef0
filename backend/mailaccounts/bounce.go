package mailaccounts

import (
	"context"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/mailbox"
	"vouchdesk/backend/org"
	"vouchdesk/backend/store"
	"vouchdesk/backend/textrules"
)

// The bounce mailbox is optional. Without it, the envelope sender of every email is the sender
// email and the relay's delivery reports come back to the watched mailbox (IMAP). With it, the
// envelope sender (MAIL FROM, the Return-Path the reports go to) is its Address, and the engine
// watches it for delivery reports only: anything else in it is ignored, never customer mail and
// never a sender verification (docs/verification.md, "Bounces").

// checkBounceAddress returns the bounce address as it is stored, or a field error.
func checkBounceAddress(raw string) (string, error) {
	_, display, err := textrules.NormalizeEmail(raw)
	if err != nil {
		return "", apperr.Invalid("address", "Enter the bounce mailbox's email address, like bounces@example.com.")
	}
	return display, nil
}

// BounceConfig returns the settings of the bounce mailbox's watcher; ok is false when none is set up.
func (s *Service) BounceConfig(ctx context.Context, orgID string) (mailbox.Config, bool, error) {
	a, ok, err := s.row(ctx, orgID, Bounce)
	if err != nil || !ok {
		return mailbox.Config{}, false, err
	}
	// Lookback: a report that landed before the watcher first looked is still read (a report is
	// matched to its email by Message-ID, and recording one twice changes nothing).
	return mailbox.Config{Host: a.Host, Port: a.Port, TLS: a.TLSMode, Username: a.Username,
		Password: s.password(a.SecretRef), RootCAs: s.BounceRootCAs, Lookback: 50}, true, nil
}

// TestBounce connects (TLS, login, select) to the bounce mailbox and disconnects.
func (s *Service) TestBounce(ctx context.Context, orgID string) error {
	cfg, ok, err := s.BounceConfig(ctx, orgID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.NotFound("Save the bounce mailbox settings first.")
	}
	if err := mailbox.TestConnection(ctx, cfg); err != nil {
		return &apperr.Error{Code: "connection_failed", Message: err.Error()}
	}
	return nil
}

// RemoveBounce removes the bounce mailbox (owner/admin only): emails go out with the sender email
// as their envelope sender again, and reports come back to the watched mailbox. Its password is
// deleted from the keyring where that can be done (vouchd's environment is the operator's).
func (s *Service) RemoveBounce(ctx context.Context, actor store.User, orgID string) error {
	if err := org.RequireAdmin(actor, "change the mail accounts"); err != nil {
		return err
	}
	a, ok, err := s.row(ctx, orgID, Bounce)
	if err != nil || !ok {
		return err
	}
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.DeleteMailAccount(orgID, Bounce); err != nil {
			return err
		}
		return tx.Audit(orgID, store.AgentActor(actor.ID), "mail_account.remove", "mail_accounts", Bounce,
			map[string]any{"address": a.Address})
	})
	if err != nil {
		return err
	}
	if ok, _ := s.secrets.Available(); ok && a.SecretRef != "" {
		_ = s.secrets.Delete(a.SecretRef) // a stale keyring entry is harmless: nothing refers to it
	}
	return nil
}

// BounceHealth describes the bounce mailbox from its watcher's status (the same states as IMAP).
func BounceHealth(configured bool, st mailbox.Status, at time.Time) Health {
	h := IMAPHealth(configured, st, at)
	h.Purpose = Bounce
	return h
}
