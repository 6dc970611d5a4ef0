package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// session is one logged-in connection.
//
// imapclient waits for answers without a deadline (it clears the read deadline between
// responses), so every operation runs under guard, which closes the TCP connection when the
// operation outlives Config.Timeout or its context: the blocked call then returns at once.
type session struct {
	cfg  Config
	raw  net.Conn // the TCP connection under TLS and imapclient; closing it unblocks everything
	c    *imapclient.Client
	idle bool // the server offers IDLE
}

// dial connects, sets up TLS as cfg.TLS says, reads the greeting and logs in. onExists is called
// (from imapclient's reader goroutine, so it must not block) whenever the server reports a new
// message count outside of a SELECT.
func dial(ctx context.Context, cfg Config, onExists func()) (*session, error) {
	d := net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	raw, err := d.DialContext(ctx, "tcp", cfg.addr())
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, classify(err, stepDial, cfg)
	}
	s := &session{cfg: cfg, raw: raw}
	opts := &imapclient.Options{
		// Never set DebugWriter: the protocol trace would contain the password.
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil && onExists != nil {
					onExists()
				}
			},
		},
		TLSConfig: &tls.Config{ServerName: cfg.Host, RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
	}
	ok := false
	defer func() {
		if !ok {
			s.close()
		}
	}()

	switch cfg.TLS {
	case TLSImplicit:
		tc := tls.Client(raw, opts.TLSConfig)
		if err := s.guard(ctx, stepTLS, func() error { return tc.HandshakeContext(ctx) }); err != nil {
			return nil, err
		}
		s.c = imapclient.New(tc, opts)
	case TLSStartTLS:
		// NewStartTLS sends STARTTLS and upgrades before anything else is sent; a server that
		// does not offer it answers NO and we stop: never continue in plain text.
		if err := s.guard(ctx, stepStartTLS, func() error {
			c, err := imapclient.NewStartTLS(raw, opts)
			s.c = c
			return err
		}); err != nil {
			return nil, err
		}
	default:
		s.c = imapclient.New(raw, opts)
	}
	if err := s.guard(ctx, stepGreeting, s.c.WaitGreeting); err != nil {
		return nil, err
	}
	if err := s.login(ctx); err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

func (s *session) login(ctx context.Context) error {
	if s.c.State() == imap.ConnStateAuthenticated {
		// PREAUTH (never after STARTTLS: imapclient refuses it there).
		s.idle = s.caps(ctx).Has(imap.CapIdle)
		return nil
	}
	caps := s.caps(ctx)
	pw := ""
	if s.cfg.Password != nil {
		var err error
		if pw, err = s.cfg.Password(); err != nil {
			return &Error{Kind: ErrConfig, Msg: "the IMAP password is not available: " + err.Error()}
		}
	}
	err := s.guard(ctx, stepLogin, func() error {
		if caps.Has(imap.CapLoginDisabled) {
			if !caps.Has(imap.Cap("AUTH=PLAIN")) {
				if s.cfg.TLS == TLSNone {
					return &Error{Kind: ErrConfig, Msg: "the server accepts a password only over TLS: choose implicit TLS or STARTTLS"}
				}
				return &Error{Kind: ErrConfig, Msg: "the server does not accept a password login (LOGINDISABLED, no AUTH=PLAIN)"}
			}
			return s.c.Authenticate(sasl.NewPlainClient("", s.cfg.Username, pw))
		}
		return s.c.Login(s.cfg.Username, pw).Wait()
	})
	if err != nil {
		return err
	}
	// LOGIN's answer usually carries the new capabilities; if not, imapclient asks for them.
	s.idle = s.caps(ctx).Has(imap.CapIdle)
	return nil
}

// caps returns the server's capabilities (nil when they cannot be had in time).
func (s *session) caps(ctx context.Context) imap.CapSet {
	var caps imap.CapSet
	_ = s.guard(ctx, stepCommand, func() error { caps = s.c.Caps(); return nil })
	return caps
}

// examine opens the mailbox read-only: the watcher never changes flags, so mail it reads stays
// unread in the person's mail client.
func (s *session) examine(ctx context.Context) (*imap.SelectData, error) {
	var data *imap.SelectData
	err := s.guard(ctx, stepSelect, func() error {
		var err error
		data, err = s.c.Select(s.cfg.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		return err
	})
	return data, err
}

// guard runs op and closes the connection if ctx ends or Config.Timeout passes first. It returns
// op's error classified for st.
func (s *session) guard(ctx context.Context, st step, op func() error) error {
	return s.guardFor(ctx, s.cfg.Timeout, st, op)
}

func (s *session) guardFor(ctx context.Context, timeout time.Duration, st step, op func() error) error {
	const (
		byTimeout = 1
		byContext = 2
	)
	var fired atomic.Int32
	timer := time.AfterFunc(timeout, func() {
		if fired.CompareAndSwap(0, byTimeout) {
			s.raw.Close()
		}
	})
	stop := context.AfterFunc(ctx, func() {
		if fired.CompareAndSwap(0, byContext) {
			s.raw.Close()
		}
	})
	err := op()
	timer.Stop()
	stop()
	switch fired.Load() {
	case byTimeout:
		return classify(errTimedOut, st, s.cfg)
	case byContext:
		return ctx.Err()
	}
	if err == nil {
		return nil
	}
	var imapErr *imap.Error
	if st >= stepGreeting && !errors.As(err, &imapErr) && s.closed() {
		// imapclient reports a dropped connection with its own unwrapped text.
		return &Error{Kind: ErrConnection, Msg: "the IMAP server at " + s.cfg.addr() + " closed the connection", Err: err}
	}
	return classify(err, st, s.cfg)
}

// closed reports whether imapclient's reader has stopped (the connection is gone).
func (s *session) closed() bool {
	if s.c == nil {
		return false
	}
	select {
	case <-s.c.Closed():
		return true
	default:
		return false
	}
}

// logout says goodbye politely, within a short time, then closes.
func (s *session) logout() {
	if s.c != nil && !s.closed() {
		ctx, cancel := context.WithTimeout(context.Background(), min(s.cfg.Timeout, 2*time.Second))
		_ = s.guard(ctx, stepCommand, func() error { return s.c.Logout().Wait() })
		cancel()
	}
	s.close()
}

// close drops the connection at once.
func (s *session) close() {
	s.raw.Close()
	if s.c != nil {
		s.c.Close()
	}
}

// TestConnection is the "Test connection" button: it connects, sets up TLS, logs in and opens the
// mailbox, then logs out. The error, if any, is an *Error whose text a person can act on.
func TestConnection(ctx context.Context, cfg Config) error {
	if err := cfg.Check(); err != nil {
		return &Error{Kind: ErrConfig, Msg: err.Error()}
	}
	cfg = cfg.withDefaults()
	s, err := dial(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer s.logout()
	_, err = s.examine(ctx)
	return err
}
