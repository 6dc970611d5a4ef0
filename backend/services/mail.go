package services

import (
	"context"

	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/senders"
	"vouchdesk/backend/wiretime"
)

// Mail is the Organization page's service: the sender email, the mail accounts, the delivery log.
type Mail struct{ b *Backend }

// NewMail returns the Mail service.
func NewMail(b *Backend) *Mail { return &Mail{b: b} }

// SenderEmailView is one sender email.
type SenderEmailView struct {
	Address        string `json:"address"`
	Status         string `json:"status"`
	VerifiedAt     string `json:"verifiedAt"`
	VerifiedMethod string `json:"verifiedMethod"`
	LinkSentAt     string `json:"linkSentAt"`
	// LinkBounced is why the verification email came back undeliverable after it was last sent,
	// e.g. "mailbox unknown (5.1.1)"; "" when it did not. LinkBouncedAt is when.
	LinkBounced   string `json:"linkBounced"`
	LinkBouncedAt string `json:"linkBouncedAt"`
}

// MailboxWatchView says whether the app watches the sender's mailbox and how that goes.
type MailboxWatchView struct {
	Configured bool   `json:"configured"`
	Connected  bool   `json:"connected"`
	LastError  string `json:"lastError"`
	LastPoll   string `json:"lastPoll"`
	// Mode is "idle" or "polling" once logged in; LastErrorAt is when LastError happened;
	// RetryingSince is when the current run of failed connections began ("" while it works).
	Mode          string `json:"mode"`
	LastErrorAt   string `json:"lastErrorAt"`
	RetryingSince string `json:"retryingSince"`
}

// SenderState is the Sender's Email section.
type SenderState struct {
	CanManage bool             `json:"canManage"`
	Verified  *SenderEmailView `json:"verified"`
	Pending   *SenderEmailView `json:"pending"`
	Mailbox   MailboxWatchView `json:"mailbox"`
}

func senderView(se *senders.Email) *SenderEmailView {
	if se == nil {
		return nil
	}
	return &SenderEmailView{Address: se.Address, Status: se.Status, VerifiedAt: wiretime.Format(se.VerifiedAt),
		VerifiedMethod: se.VerifiedMethod, LinkSentAt: wiretime.Format(se.LinkSentAt)}
}

func canManage(u org.Agent) bool { return org.IsAdmin(u) }

func (m *Mail) senderState(ctx context.Context, st senders.State, me org.Agent) SenderState {
	out := SenderState{CanManage: canManage(me), Verified: senderView(st.Verified), Pending: senderView(st.Pending)}
	if _, e, _ := m.b.engine(); e != nil {
		if p := out.Pending; p != nil && st.Pending != nil {
			// A bounce of the link sent last: the address cannot receive mail, so waiting is pointless.
			b, ok, err := e.Outbox.LastBounce(ctx, me.OrgID, p.Address)
			if err == nil && ok && !b.At.Before(st.Pending.LinkSentAt) {
				p.LinkBounced, p.LinkBouncedAt = b.Reason, wiretime.Format(b.At)
			}
		}
		configured, status := e.MailRuntime.MailboxWatch()
		out.Mailbox = MailboxWatchView{Configured: configured, Connected: status.Connected,
			LastError: status.LastError, LastPoll: wiretime.Format(status.LastPoll), Mode: status.Mode,
			LastErrorAt: wiretime.Format(status.LastErrorAt), RetryingSince: wiretime.Format(status.RetryingSince)}
	}
	return out
}

// SenderState reads the sender email state.
func (m *Mail) SenderState() (SenderState, error) {
	if out, ok, err := forward[SenderState](m.b, "mail.sender_state", RouteSender.At(), nil); ok {
		return out, err
	}
	ctx, e, ws, err := m.b.workspace()
	if err != nil {
		return SenderState{}, m.b.jsError("mail.sender_state", err)
	}
	st, err := e.Senders.Current(ctx, ws.Organization.ID)
	if err != nil {
		return SenderState{}, m.b.jsError("mail.sender_state", err)
	}
	return m.senderState(ctx, st, ws.Me), nil
}

// SetSender adds a sender email or changes to another one; a verification link is emailed.
func (m *Mail) SetSender(address string) (SenderState, error) {
	if out, ok, err := forward[SenderState](m.b, "mail.set_sender", RouteSetSender.At(), AddressBody{Address: address}); ok {
		return out, err
	}
	ctx, e, ws, err := m.b.workspace()
	if err != nil {
		return SenderState{}, m.b.jsError("mail.set_sender", err)
	}
	st, err := e.Senders.Set(ctx, ws.Me, ws.Organization, address)
	if err != nil {
		return SenderState{}, m.b.jsError("mail.set_sender", err)
	}
	return m.senderState(ctx, st, ws.Me), nil
}

// ResendSenderLink emails a fresh verification link to the pending address.
func (m *Mail) ResendSenderLink() (SenderState, error) {
	if out, ok, err := forward[SenderState](m.b, "mail.resend", RouteResendSender.At(), nil); ok {
		return out, err
	}
	ctx, e, ws, err := m.b.workspace()
	if err != nil {
		return SenderState{}, m.b.jsError("mail.resend", err)
	}
	st, err := e.Senders.Resend(ctx, ws.Me, ws.Organization)
	if err != nil {
		return SenderState{}, m.b.jsError("mail.resend", err)
	}
	return m.senderState(ctx, st, ws.Me), nil
}

// RemovePendingSender removes the address waiting for verification.
func (m *Mail) RemovePendingSender() (SenderState, error) {
	if out, ok, err := forward[SenderState](m.b, "mail.remove", RouteRemovePending.At(), nil); ok {
		return out, err
	}
	ctx, e, ws, err := m.b.workspace()
	if err != nil {
		return SenderState{}, m.b.jsError("mail.remove", err)
	}
	st, err := e.Senders.RemovePending(ctx, ws.Me, ws.Organization)
	if err != nil {
		return SenderState{}, m.b.jsError("mail.remove", err)
	}
	return m.senderState(ctx, st, ws.Me), nil
}

// AccountView is a mail account without its password.
type AccountView struct {
	Host        string `json:"host"`
	Port        int    `json:"port"`
	TLS         string `json:"tls"`
	Username    string `json:"username"`
	HasPassword bool   `json:"hasPassword"`
	// Address is the bounce mailbox's email address, the envelope sender of every email ("" for
	// the other accounts).
	Address string `json:"address"`
}

// AccountRequest is the account form. An empty Password keeps the stored one.
type AccountRequest struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	TLS      string `json:"tls"`
	Username string `json:"username"`
	Password string `json:"password"`
	// Address is the bounce mailbox's email address (SaveBounce only).
	Address string `json:"address"`
}

// MailSettings are the accounts (Bounce, optional, is nil unless set up) and whether passwords
// can be stored.
type MailSettings struct {
	SMTP             *AccountView `json:"smtp"`
	IMAP             *AccountView `json:"imap"`
	Bounce           *AccountView `json:"bounce"`
	KeyringAvailable bool         `json:"keyringAvailable"`
	KeyringProblem   string       `json:"keyringProblem"`
}

// TestResult is the answer of a "Test connection" button.
type TestResult struct {
	OK      bool   `json:"ok"`
	Message string `json:"message"`
}

// Settings reads the mail accounts.
func (m *Mail) Settings() (MailSettings, error) {
	if out, ok, err := forward[MailSettings](m.b, "mail.settings", RouteMailAccounts.At(), nil); ok {
		return out, err
	}
	ctx, e, ws, err := m.b.workspace()
	if err != nil {
		return MailSettings{}, m.b.jsError("mail.settings", err)
	}
	var out MailSettings
	out.KeyringAvailable, out.KeyringProblem = e.Mail.SecretsAvailable()
	for _, p := range []struct {
		purpose string
		dst     **AccountView
	}{{mailaccounts.SMTP, &out.SMTP}, {mailaccounts.IMAP, &out.IMAP}, {mailaccounts.Bounce, &out.Bounce}} {
		a, ok, err := e.Mail.Get(ctx, ws.Organization.ID, p.purpose)
		if err != nil {
			return MailSettings{}, m.b.jsError("mail.settings", err)
		}
		if ok {
			*p.dst = &AccountView{Host: a.Host, Port: a.Port, TLS: a.TLSMode, Username: a.Username, HasPassword: a.HasPassword,
				Address: a.Address}
		}
	}
	return out, nil
}

func (m *Mail) save(purpose string, req AccountRequest) (MailSettings, error) {
	if out, ok, err := forward[MailSettings](m.b, "mail.save", RouteSaveAccount.At(purpose), req); ok {
		return out, err
	}
	ctx, e, ws, err := m.b.workspace()
	if err != nil {
		return MailSettings{}, m.b.jsError("mail.save", err)
	}
	_, err = e.Mail.Save(ctx, ws.Me, ws.Organization.ID, purpose, mailaccounts.Input{Host: req.Host, Port: req.Port,
		TLS: req.TLS, Username: req.Username, Password: req.Password, Address: req.Address})
	if err != nil {
		return MailSettings{}, m.b.jsError("mail.save", err)
	}
	e.MailRuntime.MailSettingsChanged()
	return m.Settings()
}

// SaveSMTP stores the outgoing relay's settings.
func (m *Mail) SaveSMTP(req AccountRequest) (MailSettings, error) {
	return m.save(mailaccounts.SMTP, req)
}

// SaveIMAP stores the watched mailbox's settings.
func (m *Mail) SaveIMAP(req AccountRequest) (MailSettings, error) {
	return m.save(mailaccounts.IMAP, req)
}

// SaveBounce stores the bounce mailbox: from then on its address is the envelope sender of
// every email, and the app reads that mailbox for delivery reports only.
func (m *Mail) SaveBounce(req AccountRequest) (MailSettings, error) {
	return m.save(mailaccounts.Bounce, req)
}

// RemoveBounce removes the bounce mailbox: reports go to the sender email's mailbox again.
func (m *Mail) RemoveBounce() (MailSettings, error) {
	if out, ok, err := forward[MailSettings](m.b, "mail.remove_bounce", RouteRemoveBounce.At(), nil); ok {
		return out, err
	}
	ctx, e, ws, err := m.b.workspace()
	if err != nil {
		return MailSettings{}, m.b.jsError("mail.remove_bounce", err)
	}
	if err := e.Mail.RemoveBounce(ctx, ws.Me, ws.Organization.ID); err != nil {
		return MailSettings{}, m.b.jsError("mail.remove_bounce", err)
	}
	e.MailRuntime.MailSettingsChanged()
	return m.Settings()
}

func (m *Mail) test(op, purpose string, run func(*Mail) error) (TestResult, error) {
	if out, ok, err := forward[TestResult](m.b, op, RouteTestAccount.At(purpose), nil); ok {
		return out, err
	}
	if err := run(m); err != nil {
		if _, ok := asAppErr(err); ok {
			return TestResult{OK: false, Message: appMessage(err)}, nil
		}
		return TestResult{}, m.b.jsError(op, err)
	}
	return TestResult{OK: true, Message: "Connected and signed in."}, nil
}

// TestSMTP connects to the relay with the saved settings.
func (m *Mail) TestSMTP() (TestResult, error) {
	return m.test("mail.test_smtp", mailaccounts.SMTP, func(m *Mail) error {
		ctx, e, ws, err := m.b.workspace()
		if err != nil {
			return err
		}
		return e.Mail.TestSMTP(ctx, ws.Organization.ID)
	})
}

// TestIMAP connects to the mailbox with the saved settings.
func (m *Mail) TestIMAP() (TestResult, error) {
	return m.test("mail.test_imap", mailaccounts.IMAP, func(m *Mail) error {
		ctx, e, ws, err := m.b.workspace()
		if err != nil {
			return err
		}
		return e.Mail.TestIMAP(ctx, ws.Organization.ID)
	})
}

// TestBounce connects to the bounce mailbox with the saved settings.
func (m *Mail) TestBounce() (TestResult, error) {
	return m.test("mail.test_bounce", mailaccounts.Bounce, func(m *Mail) error {
		ctx, e, ws, err := m.b.workspace()
		if err != nil {
			return err
		}
		return e.Mail.TestBounce(ctx, ws.Organization.ID)
	})
}

// DeliveryEntry is one row of the delivery log.
type DeliveryEntry struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	To        string `json:"to"`
	Subject   string `json:"subject"`
	Status    string `json:"status"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"lastError"`
	CreatedAt string `json:"createdAt"`
	SentAt    string `json:"sentAt"`
	// BounceKind is "" (no report came back), "hard" or "soft" (Status is "bounced"), or
	// "delayed" (a warning on a sent email); BounceReason is in words with its code, e.g.
	// "mailbox unknown (5.1.1)", and BouncedAt is when the report arrived.
	BounceKind   string `json:"bounceKind"`
	BounceReason string `json:"bounceReason"`
	BouncedAt    string `json:"bouncedAt"`
}

// DeliveryLog is the newest emails and the worker's connection problem, if any.
type DeliveryLog struct {
	Entries     []DeliveryEntry `json:"entries"`
	WorkerError string          `json:"workerError"`
	// WorkerErrorAt is when WorkerError happened; FailingSince when the relay began failing.
	WorkerErrorAt string `json:"workerErrorAt"`
	FailingSince  string `json:"failingSince"`
}

// DeliveryLog lists the newest 200 emails.
func (m *Mail) DeliveryLog() (DeliveryLog, error) {
	if out, ok, err := forward[DeliveryLog](m.b, "mail.delivery_log", RouteDeliveryLog.At(), nil); ok {
		return out, err
	}
	ctx, e, ws, err := m.b.workspace()
	if err != nil {
		return DeliveryLog{}, m.b.jsError("mail.delivery_log", err)
	}
	rows, err := e.Outbox.Log(ctx, ws.Organization.ID, 200)
	if err != nil {
		return DeliveryLog{}, m.b.jsError("mail.delivery_log", err)
	}
	worker := e.Outbox.Status()
	out := DeliveryLog{Entries: []DeliveryEntry{}, WorkerError: worker.LastError, FailingSince: wiretime.Format(worker.FailingSince)}
	if worker.LastError != "" {
		out.WorkerErrorAt = wiretime.Format(worker.LastErrorAt)
	}
	for _, r := range rows {
		out.Entries = append(out.Entries, DeliveryEntry{ID: r.ID, Kind: r.Kind, To: r.ToAddr, Subject: r.Subject,
			Status: r.Status, Attempts: r.Attempts, LastError: r.LastError, CreatedAt: wiretime.Format(r.CreatedAt), SentAt: wiretime.Format(r.SentAt),
			BounceKind: r.BounceKind, BounceReason: r.BounceReason, BouncedAt: wiretime.Format(r.BouncedAt)})
	}
	return out, nil
}

// MailHealth is how each mail account is doing, SMTP, IMAP, then the bounce mailbox when one is
// set up: its state, the last error in
// words and when, since when it retries, and whether the mailbox is watched by IDLE or polling.
func (m *Mail) MailHealth() ([]mailaccounts.Health, error) {
	if out, ok, err := forward[[]mailaccounts.Health](m.b, "mail.health", RouteMailHealth.At(), nil); ok {
		return out, err
	}
	ctx, e, ws, err := m.b.workspace()
	if err != nil {
		return nil, m.b.jsError("mail.health", err)
	}
	hs, err := e.MailRuntime.MailHealth(ctx, ws.Organization.ID)
	if err != nil {
		return nil, m.b.jsError("mail.health", err)
	}
	return hs, nil
}
