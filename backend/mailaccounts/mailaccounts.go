// Package mailaccounts keeps the organization's mail accounts: the outgoing SMTP relay the outbox
// delivers through, the IMAP mailbox the app watches to verify the sender email by itself, and an
// optional separate IMAP mailbox for bounces (bounce.go), whose address becomes the envelope
// sender of every email. Settings live in the database; passwords only in the secret store (the
// OS keyring on the desktop, the environment for vouchd).
package mailaccounts

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/mailbox"
	"vouchdesk/backend/org"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/outbox/smtprelay"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/store"
)

// Purposes.
const (
	SMTP   = store.MailAccountSMTP
	IMAP   = store.MailAccountIMAP
	Bounce = store.MailAccountBounce
)

// Service reads and writes the accounts.
type Service struct {
	st      *store.Store
	secrets secrets.Store
	now     func() time.Time
	// SMTPRootCAs, IMAPRootCAs and BounceRootCAs verify each server's certificate (nil: the
	// system's roots). Each account has its own, so a private CA given for one server never
	// vouches for another. Set by tests and by vouchd when an operator points an account at a
	// private CA.
	SMTPRootCAs, IMAPRootCAs, BounceRootCAs *x509.CertPool
	// SMTPConnected, when set, is told after "test the connection" reached the relay whether it
	// offered SMTPUTF8 (the engine records it; the outbox's own connections report the same).
	SMTPConnected func(orgID string, smtputf8 bool)
}

// New returns the service.
func New(st *store.Store, sec secrets.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, secrets: sec, now: now}
}

// Input is what an admin enters for an account. An empty Password keeps the stored one.
type Input struct {
	Host     string
	Port     int
	TLS      string
	Username string
	Password string
	// Address is the bounce mailbox's email address (Bounce only; ignored for the others).
	Address string
}

// Account is an account as the UI shows it.
type Account struct {
	store.MailAccount
	HasPassword bool
}

// SecretsAvailable says whether passwords can be stored here, and if not, why.
func (s *Service) SecretsAvailable() (bool, string) { return s.secrets.Available() }

// row reads the account's settings without asking the secret store anything: the configs below
// run on every outbox pass and mailbox check, and the password is fetched only when dialing.
func (s *Service) row(ctx context.Context, orgID, purpose string) (store.MailAccount, bool, error) {
	a, err := s.st.MailAccountByPurpose(ctx, orgID, purpose)
	if errors.Is(err, store.ErrNotFound) {
		return store.MailAccount{}, false, nil
	}
	return a, err == nil, err
}

// Get returns the organization's account for purpose, with whether a password is stored (one
// secret-store lookup); ok is false when none is set up.
func (s *Service) Get(ctx context.Context, orgID, purpose string) (Account, bool, error) {
	a, ok, err := s.row(ctx, orgID, purpose)
	if err != nil || !ok {
		return Account{}, false, err
	}
	acc := Account{MailAccount: a}
	if a.SecretRef != "" {
		_, gerr := s.secrets.Get(a.SecretRef)
		acc.HasPassword = gerr == nil
	}
	return acc, true, nil
}

// Save checks and stores an account (owner/admin only). The password goes to the secret store
// first; only its reference is written to the database.
func (s *Service) Save(ctx context.Context, actor store.User, orgID, purpose string, in Input) (Account, error) {
	if err := org.RequireAdmin(actor, "change the mail accounts"); err != nil {
		return Account{}, err
	}
	if purpose != SMTP && purpose != IMAP && purpose != Bounce {
		return Account{}, fmt.Errorf("mailaccounts: unknown purpose %q", purpose)
	}
	if err := check(in); err != nil {
		return Account{}, err
	}
	address := ""
	if purpose == Bounce {
		var err error
		if address, err = checkBounceAddress(in.Address); err != nil {
			return Account{}, err
		}
	}
	ref := purpose
	if in.Password != "" {
		if ok, why := s.secrets.Available(); !ok {
			return Account{}, apperr.Invalid("password", why)
		}
		if err := s.secrets.Set(ref, in.Password); err != nil {
			return Account{}, apperr.Invalid("password", "The password could not be stored in the system keyring. Nothing was saved.")
		}
	}
	now := s.now()
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.UpsertMailAccount(store.MailAccount{ID: store.NewID(), OrgID: orgID, Purpose: purpose,
			Host: strings.TrimSpace(in.Host), Port: in.Port, TLSMode: in.TLS, Username: strings.TrimSpace(in.Username),
			SecretRef: ref, Address: address, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		if purpose == SMTP {
			// New relay settings: mail waiting out a backoff from the old ones (or from having
			// none) goes at the next pass, not up to 30 minutes later.
			if err := tx.RetryOutboxNow(orgID, now); err != nil {
				return err
			}
		}
		// The audit names what changed, never the password.
		detail := map[string]any{"host": in.Host, "port": in.Port, "tls": in.TLS, "password_changed": in.Password != ""}
		if purpose == Bounce {
			detail["address"] = address
		}
		return tx.Audit(orgID, store.AgentActor(actor.ID), "mail_account.save", "mail_accounts", purpose, detail)
	})
	if err != nil {
		return Account{}, err
	}
	acc, _, err := s.Get(ctx, orgID, purpose)
	return acc, err
}

func check(in Input) error {
	host := strings.TrimSpace(in.Host)
	if !validHost(host) {
		return apperr.Invalid("host", "Enter the server's host name, like mail.example.com.")
	}
	if in.Port < 1 || in.Port > 65535 {
		return apperr.Invalid("port", "Enter a port from 1 to 65535 (usually 587 or 465 for SMTP, 993 for IMAP).")
	}
	switch in.TLS {
	case smtprelay.TLSImplicit, smtprelay.TLSStartTLS:
	case smtprelay.TLSNone:
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return apperr.Invalid("tls", "Security can be turned off only for a server on this computer (127.0.0.1). Choose TLS or STARTTLS.")
		}
	default:
		return apperr.Invalid("tls", "Choose implicit TLS, STARTTLS or none.")
	}
	if len(in.Username) > 254 || strings.ContainsAny(in.Username, "\r\n\x00") {
		return apperr.Invalid("username", "The username is too long or contains a line break.")
	}
	if len(in.Password) > 1024 || strings.ContainsAny(in.Password, "\r\n\x00") {
		return apperr.Invalid("password", "The password is too long or contains a line break.")
	}
	return nil
}

func (s *Service) password(ref string) func() (string, error) {
	return func() (string, error) {
		if ref == "" {
			return "", nil
		}
		return s.secrets.Get(ref)
	}
}

// SMTPConfig returns the options of the relay the outbox delivers through (the engine builds an
// smtprelay.Relay from them); ok is false when no SMTP account is set up.
func (s *Service) SMTPConfig(ctx context.Context, orgID string) (smtprelay.Options, bool, error) {
	a, ok, err := s.row(ctx, orgID, SMTP)
	if err != nil || !ok {
		return smtprelay.Options{}, false, err
	}
	// With a bounce mailbox, delivery reports go there: it is the envelope sender (Return-Path).
	b, _, err := s.row(ctx, orgID, Bounce)
	if err != nil {
		return smtprelay.Options{}, false, err
	}
	return smtprelay.Options{Host: a.Host, Port: a.Port, TLS: a.TLSMode, Username: a.Username,
		Password: s.password(a.SecretRef), RootCAs: s.SMTPRootCAs, EnvelopeFrom: b.Address}, true, nil
}

// IMAPConfig returns the watcher settings; ok is false when no IMAP account is set up.
func (s *Service) IMAPConfig(ctx context.Context, orgID string) (mailbox.Config, bool, error) {
	a, ok, err := s.row(ctx, orgID, IMAP)
	if err != nil || !ok {
		return mailbox.Config{}, false, err
	}
	// Lookback: a verification email that landed before the mailbox was set up still counts
	// (only a live, exact token verifies anything, so older mail is harmless).
	return mailbox.Config{Host: a.Host, Port: a.Port, TLS: a.TLSMode, Username: a.Username,
		Password: s.password(a.SecretRef), RootCAs: s.IMAPRootCAs, Lookback: 50}, true, nil
}

// TestSMTP connects (TLS, AUTH) to the organization's relay and disconnects. The error says what
// to fix: authentication, reachability or TLS.
func (s *Service) TestSMTP(ctx context.Context, orgID string) error {
	cfg, ok, err := s.SMTPConfig(ctx, orgID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.NotFound("Save the SMTP settings first.")
	}
	if s.SMTPConnected != nil {
		cfg.OnConnect = func(smtputf8 bool) { s.SMTPConnected(orgID, smtputf8) }
	}
	tr, err := smtprelay.New(cfg)
	if err != nil {
		return apperr.Invalid("", err.Error())
	}
	conn, err := tr.Dial(ctx)
	if err != nil {
		var se *outbox.SendError
		if errors.As(err, &se) {
			return &apperr.Error{Code: "connection_failed", Message: se.Msg}
		}
		return &apperr.Error{Code: "connection_failed", Message: err.Error()}
	}
	return conn.Close()
}

// TestIMAP connects (TLS, login, select) to the organization's mailbox and disconnects.
func (s *Service) TestIMAP(ctx context.Context, orgID string) error {
	cfg, ok, err := s.IMAPConfig(ctx, orgID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.NotFound("Save the IMAP settings first.")
	}
	if err := mailbox.TestConnection(ctx, cfg); err != nil {
		return &apperr.Error{Code: "connection_failed", Message: err.Error()}
	}
	return nil
}

// validHost accepts an IP address or a DNS name of letters, digits, hyphens and dots.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}
