// Package smtprelay is the outbox's SMTP transport: it delivers queued messages through one relay
// with go-mail. It is the only package that imports go-mail (imports_test.go keeps it so); the
// queue and the worker in package outbox know it only as an outbox.Transport, and domain packages
// never see it: they queue mail with outbox.Enqueue. The engine builds a Relay from the
// organization's SMTP account (mailaccounts) at every delivery pass and hands it to the worker.
//
// Every failure comes back as an *outbox.SendError that says whether it is temporary (retry),
// permanent (the server refused the message) or a configuration problem (the admin must fix the
// account), with a message a person can act on and never the password.
package smtprelay

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	netsmtp "net/smtp"
	"net/textproto"
	"slices"
	"strconv"
	"time"

	gomail "github.com/go-mail/mail/v2"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
	"vouchdesk/backend/textrules"
)

// TLS modes of an SMTP account: the same words as the IMAP side (mailbox.TLSImplicit etc.) and
// the mail_accounts table.
const (
	TLSImplicit = "implicit" // TLS from the first byte (port 465)
	TLSStartTLS = "starttls" // STARTTLS required; a server that does not offer it is an error
	TLSNone     = "none"     // plain text: allowed for loopback hosts only
)

// Options says how to reach the relay (the SMTP account's settings).
//
// Secrets: Password is the only field that holds one, and only through the function it names:
// the password is fetched when Dial needs it, and is never logged nor put into an error. Printing
// an Options with %v or %+v shows the function's address, not the password. Host, Port, TLS,
// LocalName and Timeout are safe to log. Username is not a secret but names the account (often an
// email address): this package puts it in no error or log, and callers should not log it either.
type Options struct {
	Host string // host name or IP address
	Port int    // 1-65535
	TLS  string // TLSImplicit, TLSStartTLS or TLSNone
	// Username, when set, requires AUTH: a server that does not offer AUTH is an error, rather
	// than silently sending unauthenticated.
	Username string
	// Password returns the password (from the OS keyring or the environment) when it is needed.
	// nil means an empty password.
	Password func() (string, error)
	// RootCAs verifies the server's certificate; nil means the system's roots. Certificates are
	// always verified.
	RootCAs *x509.CertPool
	// LocalName is sent with EHLO ("localhost" when empty).
	LocalName string
	// Timeout bounds each network operation (10 s when zero).
	Timeout time.Duration
	// EnvelopeFrom, when set, is the envelope sender (MAIL FROM, which the receiving server
	// records as Return-Path) of every message instead of its From address: the organization's
	// bounce mailbox, so delivery reports go there rather than to the sender's mailbox. The From
	// header is unchanged. It must be a plain address (no display name).
	EnvelopeFrom string
	// OnConnect, when set, is told after every successful Dial whether the relay offered SMTPUTF8
	// (RFC 6531) in its EHLO answer, so the organization can refuse up front an address this relay
	// cannot carry (docs/decisions.md, "International addresses"). It carries nothing secret.
	OnConnect func(smtputf8 bool)
}

// Check refuses a configuration that cannot work or would be unsafe.
func (c Options) Check() error {
	switch {
	case c.Host == "":
		return errors.New("the SMTP host is empty")
	case c.Port < 1 || c.Port > 65535:
		return fmt.Errorf("the SMTP port %d is not between 1 and 65535", c.Port)
	}
	if c.EnvelopeFrom != "" {
		if _, _, err := textrules.MailingForm(c.EnvelopeFrom); err != nil {
			return fmt.Errorf("the bounce address %q is not an email address: %v", c.EnvelopeFrom, err)
		}
	}
	switch c.TLS {
	case TLSImplicit, TLSStartTLS:
	case TLSNone:
		if !isLoopback(c.Host) {
			return fmt.Errorf("TLS can be turned off only for a server on this machine (127.0.0.1), not %s", c.Host)
		}
	default:
		return fmt.Errorf("unknown TLS mode %q", c.TLS)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Relay is an outbox.Transport that delivers through one SMTP relay.
type Relay struct{ cfg Options }

var _ outbox.Transport = (*Relay)(nil)

// New checks cfg and returns the transport.
func New(cfg Options) (*Relay, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	return &Relay{cfg: cfg}, nil
}

// Dial connects and authenticates; the connection sends many messages. Errors are
// *outbox.SendError.
func (s *Relay) Dial(ctx context.Context) (outbox.Conn, error) {
	c := s.cfg
	d := &gomail.Dialer{Host: c.Host, Port: c.Port, LocalName: c.LocalName, Timeout: c.Timeout,
		TLSConfig: &tls.Config{ServerName: c.Host, RootCAs: c.RootCAs, MinVersion: tls.VersionTLS12}}
	switch c.TLS {
	case TLSImplicit:
		d.SSL = true
	case TLSStartTLS:
		// go-mail's default (opportunistic) would continue in plain text: never.
		d.StartTLSPolicy = gomail.MandatoryStartTLS
	case TLSNone:
		d.StartTLSPolicy = gomail.NoStartTLS
	}
	if c.Username != "" {
		pw := ""
		if c.Password != nil {
			var err error
			if pw, err = c.Password(); err != nil {
				return nil, &outbox.SendError{Kind: outbox.ErrConfig, Msg: "the SMTP password is not available: " + err.Error()}
			}
		}
		// An explicit Auth makes a server without AUTH an error; go-mail would otherwise skip it.
		d.Auth = requireAuth{netsmtp.PlainAuth("", c.Username, pw, c.Host)}
	}
	type result struct {
		sc  gomail.SendCloser
		err error
	}
	ch := make(chan result, 1)
	go func() { sc, err := d.Dial(); ch <- result{sc, err} }()
	select {
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.sc != nil {
				r.sc.Close()
			}
		}()
		return nil, classify(ctx.Err())
	case r := <-ch:
		if r.err != nil {
			return nil, classify(r.err)
		}
		conn := &smtpConn{sc: r.sc, envelopeFrom: c.EnvelopeFrom}
		// go-mail's sender embeds net/smtp's client, which knows the EHLO extensions; net/smtp adds
		// the SMTPUTF8 parameter to MAIL FROM by itself whenever the relay offers it.
		if ext, ok := r.sc.(interface{ Extension(string) (bool, string) }); ok {
			conn.smtputf8, _ = ext.Extension("SMTPUTF8")
		}
		if c.OnConnect != nil {
			c.OnConnect(conn.smtputf8)
		}
		return conn, nil
	}
}

var (
	errNoAuth  = errors.New("no AUTH offered")
	errNoPlain = errors.New("no AUTH PLAIN offered")
)

// requireAuth fails when the server advertises no AUTH: net/smtp would otherwise try anyway (or
// go-mail skip it), and a configured username must never end in unauthenticated sending.
type requireAuth struct{ netsmtp.Auth }

func (a requireAuth) Start(s *netsmtp.ServerInfo) (string, []byte, error) {
	if len(s.Auth) == 0 {
		return "", nil, errNoAuth
	}
	if !slices.Contains(s.Auth, "PLAIN") {
		return "", nil, errNoPlain
	}
	return a.Auth.Start(s)
}

type smtpConn struct {
	sc           gomail.SendCloser
	smtputf8     bool   // the relay offered SMTPUTF8 in its EHLO answer
	envelopeFrom string // Options.EnvelopeFrom
}

var _ outbox.HeldConn = (*smtpConn)(nil)

// Send sends one message; errors are *outbox.SendError.
func (c *smtpConn) Send(m store.OutboxMessage) error { return c.SendHeld(m, nil) }

// SendHeld sends one message but writes the end of its data (the final ".", after which the relay
// accepts it) only once release is closed; errors are *outbox.SendError.
func (c *smtpConn) SendHeld(m store.OutboxMessage, release <-chan struct{}) error {
	env, err := envelope(m, c.envelopeFrom)
	if err != nil {
		return &outbox.SendError{Kind: outbox.ErrPermanent, Msg: err.Error()}
	}
	if env.utf8 && !c.smtputf8 {
		// Sent anyway, the 8-bit address would be refused or mangled by the relay or a server after
		// it; no encoding can make a local part ASCII. The message is fine, the relay cannot carry it.
		return &outbox.SendError{Kind: outbox.ErrPermanent, Msg: NoSMTPUTF8Reason}
	}
	if err := c.sc.Send(env.mailFrom, []string{env.to}, held{compose(m, env), release}); err != nil {
		return classify(err)
	}
	return nil
}

// NoSMTPUTF8Reason is the reason a message fails when its address has non-ASCII letters before
// the @ and the relay does not offer SMTPUTF8.
const NoSMTPUTF8Reason = "the address has non-ASCII letters before the @, and the SMTP server does not offer SMTPUTF8 (RFC 6531), so it cannot carry it: ask the customer for another address, or use a relay that offers SMTPUTF8"

// addresses are a message's sender and recipient as they go on the wire.
type addresses struct {
	fromName string
	from, to string // textrules.MailingForm: local part as given, domain in A-labels
	mailFrom string // the envelope sender: from, or the bounce address
	utf8     bool   // a local part has non-ASCII letters: needs SMTPUTF8
}

// envelope returns the wire form of m's addresses (the same in MAIL FROM/RCPT TO and the
// headers, except that bounceTo, when set, is the envelope sender).
func envelope(m store.OutboxMessage, bounceTo string) (addresses, error) {
	from, err := mail.ParseAddress(m.FromAddr)
	if err != nil {
		return addresses{}, fmt.Errorf("bad sender address: %w", err)
	}
	fromAddr, fromUTF8, err := textrules.MailingForm(from.Address)
	if err != nil {
		return addresses{}, fmt.Errorf("bad sender address: %w", err)
	}
	toAddr, toUTF8, err := textrules.MailingForm(m.ToAddr)
	if err != nil {
		return addresses{}, fmt.Errorf("bad recipient address: %w", err)
	}
	mailFrom, mailFromUTF8 := fromAddr, false
	if bounceTo != "" {
		if mailFrom, mailFromUTF8, err = textrules.MailingForm(bounceTo); err != nil {
			return addresses{}, fmt.Errorf("bad bounce address: %w", err)
		}
	}
	return addresses{fromName: from.Name, from: fromAddr, to: toAddr, mailFrom: mailFrom,
		utf8: fromUTF8 || toUTF8 || mailFromUTF8}, nil
}

func (c *smtpConn) Close() error { return c.sc.Close() }

// held writes the message, then waits for release before returning: net/smtp writes the final
// "." (and the relay accepts the message) only after WriteTo returns. It never returns an error
// of its own, because go-mail answers a WriteTo error by ending the data, which would hand over a
// cut message.
type held struct {
	msg     io.WriterTo
	release <-chan struct{}
}

func (h held) WriteTo(w io.Writer) (int64, error) {
	n, err := h.msg.WriteTo(w)
	if err == nil && h.release != nil {
		<-h.release
	}
	return n, err
}

// compose builds the MIME message: plain text, with an HTML alternative when there is one.
// Addresses are written as they are (SetAddressHeader encodes only the display name): go-mail's
// SetHeader would make a non-ASCII address an RFC 2047 encoded-word, which is not allowed inside
// an address; raw UTF-8 in the headers (RFC 6532) goes only through a relay that offers SMTPUTF8.
func compose(m store.OutboxMessage, env addresses) *gomail.Message {
	msg := gomail.NewMessage()
	msg.SetAddressHeader("From", env.from, env.fromName)
	msg.SetAddressHeader("To", env.to, "")
	msg.SetHeader("Subject", m.Subject)
	msg.SetHeader("Message-ID", m.MessageID)
	msg.SetDateHeader("Date", m.CreatedAt)
	// Automated mail: tells auto-responders not to answer (RFC 3834).
	msg.SetHeader("Auto-Submitted", "auto-generated")
	msg.SetBody("text/plain", m.BodyText)
	if m.BodyHTML != "" {
		msg.AddAlternative("text/html", m.BodyHTML)
	}
	return msg
}

// classify turns what go-mail/net/smtp returned into an *outbox.SendError.
func classify(err error) *outbox.SendError {
	var se *outbox.SendError
	if errors.As(err, &se) {
		return se
	}
	var tpe *textproto.Error
	if errors.As(err, &tpe) {
		msg := "the SMTP server answered " + strconv.Itoa(tpe.Code) + " " + tpe.Msg
		switch {
		case tpe.Code == 530 || tpe.Code == 534 || tpe.Code == 535 || tpe.Code == 538:
			return &outbox.SendError{Kind: outbox.ErrConfig, Code: tpe.Code, Msg: "SMTP authentication failed (" + strconv.Itoa(tpe.Code) + "): check the username and password"}
		case tpe.Code >= 500:
			return &outbox.SendError{Kind: outbox.ErrPermanent, Code: tpe.Code, Msg: msg}
		default:
			return &outbox.SendError{Kind: outbox.ErrTemporary, Code: tpe.Code, Msg: msg}
		}
	}
	var stls gomail.StartTLSUnsupportedError
	if errors.As(err, &stls) {
		return &outbox.SendError{Kind: outbox.ErrConfig, Msg: "the SMTP server does not offer STARTTLS: choose implicit TLS (port 465) or check the port"}
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) {
		return &outbox.SendError{Kind: outbox.ErrConfig, Msg: "the SMTP server's TLS certificate is not trusted: " + err.Error()}
	}
	var recErr tls.RecordHeaderError
	if errors.As(err, &recErr) {
		return &outbox.SendError{Kind: outbox.ErrConfig, Msg: "the SMTP server does not speak TLS on this port: choose STARTTLS or check the port"}
	}
	if errors.Is(err, errNoAuth) {
		return &outbox.SendError{Kind: outbox.ErrConfig, Msg: "the SMTP server does not offer authentication (AUTH): remove the username, or use STARTTLS/TLS so it is offered"}
	}
	if errors.Is(err, errNoPlain) {
		return &outbox.SendError{Kind: outbox.ErrConfig, Msg: "the SMTP server does not offer PLAIN authentication"}
	}
	if err.Error() == "unencrypted connection" {
		return &outbox.SendError{Kind: outbox.ErrConfig, Msg: "refusing to send the password over an unencrypted connection"}
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) || errors.Is(err, io.EOF) || errors.Is(err, context.DeadlineExceeded) {
		return &outbox.SendError{Kind: outbox.ErrTemporary, Msg: "cannot reach the SMTP server: " + err.Error()}
	}
	return &outbox.SendError{Kind: outbox.ErrTemporary, Msg: err.Error()}
}
