package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"vouchdesk/backend/config"
	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/org"
)

// applyConfig makes the database match the configuration file: the organization (when the
// database has none), the mail accounts, and the sender email. vouchd has no screens, so the file
// is where these are set.
func applyConfig(ctx context.Context, e *engine.Engine, cfg config.Config, log *slog.Logger) error {
	ws, err := e.Org().Current(ctx)
	if errors.Is(err, org.ErrNoOrganization) && cfg.Organization.Name != "" {
		ws, err = e.Org().Setup(ctx, org.SetupInput{OrganizationName: cfg.Organization.Name,
			OwnerName: cfg.Organization.OwnerName, OwnerEmail: cfg.Organization.OwnerEmail})
		if err == nil {
			log.Info("organization set up from the config", "organization", ws.Organization.Name)
		}
	}
	if errors.Is(err, org.ErrNoOrganization) {
		log.Warn("no organization yet: set [organization] in the config, or run the desktop app's first run on this database")
		return nil
	}
	if err != nil {
		return fmt.Errorf("organization: %w", err)
	}
	for _, a := range []struct {
		purpose, section string
		acc              *config.MailAccount
	}{{mailaccounts.SMTP, "smtp", cfg.SMTP}, {mailaccounts.IMAP, "imap", cfg.IMAP}, {mailaccounts.Bounce, "bounce_imap", cfg.BounceIMAP}} {
		if a.acc == nil {
			continue
		}
		if _, err := e.Mail().Save(ctx, ws.Me, ws.Organization.ID, a.purpose, mailaccounts.Input{Host: a.acc.Host,
			Port: a.acc.Port, TLS: a.acc.TLS, Username: a.acc.Username, Address: a.acc.Address}); err != nil {
			return fmt.Errorf("[%s]: %w", a.section, err)
		}
	}
	// The file is the whole truth for vouchd: a bounce mailbox it no longer names is removed, so
	// reports go back to the sender's mailbox (the other accounts are required to run at all).
	if cfg.BounceIMAP == nil {
		if err := e.Mail().RemoveBounce(ctx, ws.Me, ws.Organization.ID); err != nil {
			return fmt.Errorf("[bounce_imap]: %w", err)
		}
	}
	if addr := cfg.Organization.SenderEmail; addr != "" {
		st, err := e.Senders().Current(ctx, ws.Organization.ID)
		if err != nil {
			return err
		}
		already := (st.Verified != nil && st.Verified.Address == addr) || (st.Pending != nil && st.Pending.Address == addr)
		if !already {
			if _, err := e.Senders().Set(ctx, ws.Me, ws.Organization, addr); err != nil {
				return fmt.Errorf("organization.sender_email: %w", err)
			}
			log.Info("sender email set: a verification email is queued", "address", addr)
		}
	}
	return nil
}
