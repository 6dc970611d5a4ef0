package outbox

import (
	"context"
	"errors"

	"vouchdesk/backend/store"
)

// Transport opens connections to a mail relay. The worker knows delivery only through it; the SMTP
// implementation (go-mail) is package outbox/smtprelay, wired in by the engine, so nothing that
// queues mail depends on a mail library.
type Transport interface {
	// Dial connects (and authenticates); ctx bounds the attempt.
	Dial(ctx context.Context) (Conn, error)
}

// Conn sends messages over one open connection.
type Conn interface {
	// Send delivers one message. The message carries its final headers' content (Message-ID and
	// Date fixed at queue time), so a resend after a crash is recognisable as the same message.
	Send(m store.OutboxMessage) error
	Close() error
}

// HeldConn is a Conn that can send a message up to its last step and hold it there: everything
// but the end of the data (SMTP's final ".", after which the relay accepts the message) goes out,
// then it waits until release is closed. The worker uses it to overlap the next message's SMTP
// round trips with the commit of the previous one's "sent" mark, while no message is accepted by
// the relay before the one before it is recorded (so a kill can make at most one per connection go twice:
// docs/decisions.md, "The duplicate window"). A message held when the process dies was not
// accepted. A Conn without it is used with Send, one message after the other's mark.
type HeldConn interface {
	Conn
	// SendHeld is Send that holds the end of the data until release is closed (nil: no wait).
	SendHeld(m store.OutboxMessage, release <-chan struct{}) error
}

// ErrorKind classifies a delivery failure.
type ErrorKind int

const (
	// ErrTemporary: try again later (4xx, network trouble).
	ErrTemporary ErrorKind = iota
	// ErrPermanent: the server refused this message for good (5xx other than authentication).
	ErrPermanent
	// ErrConfig: the account's settings are wrong (authentication, TLS, no AUTH offered). Retried,
	// because the message is fine and the admin can fix the settings; shown to the admin.
	ErrConfig
)

// SendError is a classified failure with a message a person can act on. A Transport reports its
// failures as *SendError so the worker knows whether to retry, give up or show the admin a
// settings problem; any other error is taken as temporary. Msg is stored with the message and
// shown in the delivery log: a Transport must never put a password in it.
type SendError struct {
	Kind ErrorKind
	Code int // SMTP reply code, 0 when none
	Msg  string
}

func (e *SendError) Error() string { return e.Msg }

// asSendError returns err's *SendError, or a temporary one when the transport did not classify it.
func asSendError(err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	return &SendError{Kind: ErrTemporary, Msg: err.Error()}
}
