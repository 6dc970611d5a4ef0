package mailbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/emersion/go-imap/v2"
)

// ErrorKind says what went wrong, so that a caller can decide how to show it.
type ErrorKind string

const (
	ErrConfig      ErrorKind = "config"      // the settings cannot work (no STARTTLS, LOGIN disabled, no password)
	ErrAuth        ErrorKind = "auth"        // the server refused the username or password
	ErrTLS         ErrorKind = "tls"         // the certificate is not trusted, or the port does not speak TLS
	ErrUnreachable ErrorKind = "unreachable" // the host cannot be reached or refused the connection
	ErrTimeout     ErrorKind = "timeout"     // the server did not answer in time
	ErrMailbox     ErrorKind = "mailbox"     // the mailbox does not exist or cannot be opened
	ErrConnection  ErrorKind = "connection"  // the server closed the connection or answered nonsense
	ErrHandler     ErrorKind = "handler"     // the handler refused a message; retried on the next pass
	ErrCheckpoint  ErrorKind = "checkpoint"  // the checkpoint cannot be read or saved (the database)
)

// Error is a classified failure. Its text is one sentence a person can act on; it never contains
// the password.
type Error struct {
	Kind ErrorKind
	Msg  string
	Err  error // the underlying error, when there is one
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of a watcher error, or "" when err is not an *Error.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// errTimedOut is what guard returns when Config.Timeout passed first.
var errTimedOut = errors.New("timed out")

// step names where in the session an error happened, to choose its sentence.
type step int

const (
	stepDial step = iota
	stepTLS
	stepGreeting
	stepStartTLS
	stepLogin
	stepSelect
	stepCommand
)

// classify turns what the network, TLS or imapclient returned at step into an *Error.
func classify(err error, st step, cfg Config) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	addr := cfg.addr()
	if errors.Is(err, errTimedOut) || errors.Is(err, context.DeadlineExceeded) || isNetTimeout(err) {
		if st == stepDial {
			return &Error{Kind: ErrUnreachable, Msg: fmt.Sprintf("cannot reach %s: no answer within %s (check the host, the port and the firewall)", addr, cfg.Timeout), Err: err}
		}
		if st == stepTLS {
			return &Error{Kind: ErrTimeout, Msg: fmt.Sprintf("the server at %s did not complete a TLS handshake within %s: the port may expect STARTTLS (port 143)", addr, cfg.Timeout), Err: err}
		}
		if st == stepGreeting && cfg.TLS == TLSNone {
			return &Error{Kind: ErrTimeout, Msg: fmt.Sprintf("the server at %s did not greet us within %s: the port may expect TLS (choose implicit TLS for port 993)", addr, cfg.Timeout), Err: err}
		}
		return &Error{Kind: ErrTimeout, Msg: fmt.Sprintf("the IMAP server at %s did not answer within %s", addr, cfg.Timeout), Err: err}
	}

	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &invalid) {
		return &Error{Kind: ErrTLS, Msg: "the server's TLS certificate is not trusted: " + certDetail(err), Err: err}
	}
	var recErr tls.RecordHeaderError
	if errors.As(err, &recErr) {
		hint := "choose STARTTLS (port 143) or check the port"
		if st == stepStartTLS {
			hint = "check the port"
		}
		return &Error{Kind: ErrTLS, Msg: fmt.Sprintf("the server at %s does not speak TLS: %s", addr, hint), Err: err}
	}

	var imapErr *imap.Error
	if errors.As(err, &imapErr) {
		said := serverSaid(imapErr)
		switch st {
		case stepStartTLS:
			return &Error{Kind: ErrConfig, Msg: "the server does not offer STARTTLS: choose implicit TLS (port 993) or check the port" + said, Err: err}
		case stepLogin:
			if imapErr.Code == imap.ResponseCodePrivacyRequired {
				return &Error{Kind: ErrConfig, Msg: "the server accepts a password only over TLS: choose implicit TLS or STARTTLS", Err: err}
			}
			if imapErr.Code == imap.ResponseCodeUnavailable {
				return &Error{Kind: ErrConnection, Msg: "the server cannot log you in right now; it will be tried again" + said, Err: err}
			}
			return &Error{Kind: ErrAuth, Msg: "authentication failed: check the username and password" + said, Err: err}
		case stepSelect:
			if imapErr.Code == imap.ResponseCodeNonExistent || imapErr.Type == imap.StatusResponseTypeNo && strings.Contains(strings.ToLower(imapErr.Text), "no such") {
				return &Error{Kind: ErrMailbox, Msg: fmt.Sprintf("the mailbox %s does not exist", cfg.Mailbox), Err: err}
			}
			return &Error{Kind: ErrMailbox, Msg: fmt.Sprintf("the mailbox %s cannot be opened", cfg.Mailbox) + said, Err: err}
		case stepGreeting:
			return &Error{Kind: ErrConnection, Msg: fmt.Sprintf("the IMAP server at %s refused the connection", addr) + said, Err: err}
		}
		return &Error{Kind: ErrConnection, Msg: "the IMAP server refused a command" + said, Err: err}
	}

	if st == stepStartTLS {
		// imapclient reports a server that hangs up on STARTTLS with its own unwrapped text.
		return &Error{Kind: ErrTLS, Msg: fmt.Sprintf("the server at %s hung up when asked for STARTTLS: it may expect implicit TLS (port 993)", addr), Err: err}
	}
	if st == stepDial {
		var dnsErr *net.DNSError
		switch {
		case errors.As(err, &dnsErr):
			return &Error{Kind: ErrUnreachable, Msg: fmt.Sprintf("cannot reach %s: the host name %s is not known", addr, cfg.Host), Err: err}
		case errors.Is(err, syscall.ECONNREFUSED):
			return &Error{Kind: ErrUnreachable, Msg: fmt.Sprintf("cannot reach %s: nothing accepts connections there (check the host and the port)", addr), Err: err}
		}
		return &Error{Kind: ErrUnreachable, Msg: fmt.Sprintf("cannot reach %s: %v", addr, err), Err: err}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		if st == stepGreeting || st == stepTLS {
			return &Error{Kind: ErrConnection, Msg: fmt.Sprintf("the server at %s closed the connection before greeting: check the port and the TLS mode", addr), Err: err}
		}
		return &Error{Kind: ErrConnection, Msg: fmt.Sprintf("the IMAP server at %s closed the connection", addr), Err: err}
	}
	if st == stepGreeting {
		return &Error{Kind: ErrConnection, Msg: fmt.Sprintf("the server at %s did not answer like an IMAP server: check the port and the TLS mode", addr), Err: err}
	}
	return &Error{Kind: ErrConnection, Msg: fmt.Sprintf("the connection to %s failed: %v", addr, err), Err: err}
}

// serverSaid quotes the server's own words, which often say what to do ("(server said: ...)").
func serverSaid(e *imap.Error) string {
	t := strings.TrimSpace(e.Text)
	if t == "" {
		return ""
	}
	if len(t) > 200 {
		t = t[:200] + "..."
	}
	return " (server said: " + t + ")"
}

func certDetail(err error) string {
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknownAuth):
		return "it is signed by an unknown authority (self-signed?)"
	case errors.As(err, &hostErr):
		return hostErr.Error()
	case errors.As(err, &invalid):
		return invalid.Error()
	}
	return err.Error()
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
