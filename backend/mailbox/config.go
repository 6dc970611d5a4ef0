// Package mailbox watches one IMAP mailbox and hands every new message to a handler, exactly once
// and in the order the server received them. The desktop app uses it to watch the mailbox of the
// organization's sender address, so that it can complete the sender-email verification itself when
// the verification message arrives.
//
// Where the watcher stands is a UID checkpoint (UIDVALIDITY and the last UID accepted), kept by a
// Checkpoints implementation (StoreCheckpoints keeps it in SQLite), so a restart continues where
// the last run stopped. The checkpoint moves past a message only after the handler has accepted it;
// a handler error leaves it before that message, which is offered again on the next pass. When the
// server changes UIDVALIDITY, or when a mailbox is watched for the first time, the watcher starts at
// the mailbox's current end instead of handing over the whole mailbox.
//
// A Watcher keeps one connection. It waits for new mail with IDLE where the server offers it and
// also polls every PollInterval as a safety net (some servers, go-imap's in-memory server among
// them, may miss an IDLE push); without IDLE it only polls. Any network or protocol error closes
// the connection and the watcher reconnects with backoff, forever, until its context ends. Every
// error is also kept in Status as one sentence a person can act on.
//
// The password is asked for (Config.Password) only to log in; it is never logged nor put into an
// error, and no raw protocol trace is ever written anywhere.
package mailbox

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"

	"vouchdesk/backend/bounce"
)

// TLS modes: the same words as the SMTP side (smtprelay.TLSImplicit etc.) and the mail_accounts table.
const (
	TLSImplicit = "implicit" // TLS from the first byte (port 993)
	TLSStartTLS = "starttls" // STARTTLS required; a server that does not offer it is an error (port 143)
	TLSNone     = "none"     // plain text: allowed for loopback hosts only
)

// Defaults for the zero values of Config.
const (
	DefaultMailbox      = "INBOX"
	DefaultPollInterval = 30 * time.Second
	DefaultTimeout      = 15 * time.Second
)

// idleRestart bounds one IDLE command: RFC 9051 asks clients to re-issue IDLE at least every 29
// minutes, because servers may drop a connection idle for 30.
const idleRestart = 25 * time.Minute

// Config says which mailbox to watch and how to reach it. No field holds a secret except what
// Password returns, which is never logged nor put into an error.
type Config struct {
	Host string // host name or IP address
	Port int    // 1-65535
	TLS  string // TLSImplicit, TLSStartTLS or TLSNone
	// Username logs in with LOGIN (or AUTHENTICATE PLAIN where LOGIN is disabled).
	Username string
	// Password returns the password (from the OS keyring or the environment) each time the
	// watcher logs in.
	Password func() (string, error)
	// RootCAs verifies the server's certificate; nil means the system's roots. Certificates are
	// always verified.
	RootCAs *x509.CertPool
	// Mailbox to watch ("INBOX" when empty).
	Mailbox string
	// PollInterval is how often the mailbox is checked when the server has no IDLE, and also with
	// IDLE, as a safety net (30 s when zero).
	PollInterval time.Duration
	// Lookback is how many of the newest UIDs already in the mailbox the first look hands over
	// (0: only mail that arrives later). It lets a message that landed before the watcher was
	// set up still count.
	Lookback uint32
	// Timeout bounds each network operation: dialing, the TLS handshake, each command (15 s when zero).
	Timeout time.Duration
}

// Check refuses a configuration that cannot work or would be unsafe. Its errors are sentences a
// person can act on.
func (c Config) Check() error {
	switch {
	case c.Host == "":
		return errors.New("the IMAP host is empty")
	case c.Port < 1 || c.Port > 65535:
		return fmt.Errorf("the IMAP port %d is not between 1 and 65535", c.Port)
	case c.Username == "":
		return errors.New("the IMAP username is empty")
	case c.PollInterval < 0 || c.Timeout < 0:
		return errors.New("the poll interval and timeout cannot be negative")
	}
	switch c.TLS {
	case TLSImplicit, TLSStartTLS:
	case TLSNone:
		if !isLoopback(c.Host) {
			return fmt.Errorf("TLS can be turned off only for a server on this machine (127.0.0.1), not %s", c.Host)
		}
	default:
		return fmt.Errorf("unknown TLS mode %q: choose %q, %q or %q", c.TLS, TLSImplicit, TLSStartTLS, TLSNone)
	}
	return nil
}

// withDefaults fills the zero values.
func (c Config) withDefaults() Config {
	if c.Mailbox == "" {
		c.Mailbox = DefaultMailbox
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

func (c Config) addr() string { return net.JoinHostPort(c.Host, fmt.Sprint(c.Port)) }

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Message is one new message, as handed to the Handler.
type Message struct {
	UID       uint32
	MessageID string    // the Message-ID header without angle brackets; "" when missing
	From      string    // the first From address (addr-spec only, e.g. "noreply@example.com")
	To        string    // the To addresses (addr-spec only), joined with ", "
	Subject   string    // decoded (RFC 2047)
	Date      time.Time // the Date header; the server's arrival time when the header is missing or bad
	// Text is the decoded text/plain body (or the text of the text/html body when there is no
	// plain part), at most the first 64 KiB.
	Text string
	// Bounce is the delivery status notification this message is (package bounce), nil when it is
	// not one. A handler must treat a message with a Bounce as nothing else: it quotes the
	// original email, links and all, and it is never a customer's mail.
	Bounce *bounce.Report
}

// Handler receives each new message once, in UID order. Returning nil accepts the message and
// the checkpoint moves past it; an error stops the pass at this message, which is offered again
// on the next pass. A handler that cannot ever accept a message should log it and return nil.
type Handler func(ctx context.Context, m Message) error

// Checkpoints keeps where the watcher stands, per mailbox. ok is false when the mailbox has never
// been watched. lastErr is "" after a pass that went well.
type Checkpoints interface {
	Load(ctx context.Context, mailbox string) (uidValidity, lastUID uint32, ok bool, err error)
	Save(ctx context.Context, mailbox string, uidValidity, lastUID uint32, lastErr string) error
}

// Status is what the watcher is doing, for the settings page.
type Status struct {
	Connected     bool      // logged in and the mailbox is selected
	IdleSupported bool      // the server offers IDLE (known after the first login)
	LastError     string    // one sentence a person can act on; "" after a pass that went well
	LastPoll      time.Time // the end of the last pass that went well
	LastUID       uint32    // the checkpoint: the last UID accepted
	// Mode is how new mail is noticed once connected: ModeIdle or ModePolling; "" before the
	// first login.
	Mode string
	// LastErrorAt is when LastError happened (it stays after a good pass, LastError does not).
	LastErrorAt time.Time
	// RetryingSince is when the current run of failed connections began; zero while the
	// connection works (a handler's error is not a connection failure).
	RetryingSince time.Time
}

// Status.Mode values.
const (
	ModeIdle    = "idle"    // the server pushes new mail (IMAP IDLE)
	ModePolling = "polling" // the watcher asks every PollInterval
)
