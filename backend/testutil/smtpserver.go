package testutil

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/mail"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPServer is a real SMTP server (emersion/go-smtp) on 127.0.0.1, in-process, that keeps what it
// receives. It can require AUTH, offer STARTTLS or implicit TLS and SMTPUTF8, and refuse on demand.
type SMTPServer struct {
	Addr string
	// Username/Password, when set, are the only credentials AUTH PLAIN accepts, and AUTH is required.
	Username, Password string

	mu        sync.Mutex
	received  []Received
	refuse    []*smtp.SMTPError // answers for the next DATA commands, in order
	srv       *smtp.Server
	ln        net.Listener
	onMessage func(Received)
}

// Received is one delivered message.
type Received struct {
	From string
	To   []string
	// SMTPUTF8 says the client sent MAIL FROM with the SMTPUTF8 parameter (RFC 6531).
	SMTPUTF8 bool
	Data     []byte
	Msg      *mail.Message
}

// SMTPOptions choose the server's features.
type SMTPOptions struct {
	Username, Password string
	// STARTTLS offers STARTTLS with this certificate; Implicit wraps the listener in TLS instead.
	TLS      *TLSCert
	Implicit bool
	// Addr to listen on; "" picks a free port on 127.0.0.1.
	Addr string
	// OnMessage, when set, is called with every delivered message (e.g. to put it in a mailbox).
	OnMessage func(Received)
	// SMTPUTF8 advertises SMTPUTF8 (RFC 6531) in EHLO; without it MAIL FROM ... SMTPUTF8 is refused.
	SMTPUTF8 bool
}

// NewSMTPServer starts a server and stops it when the test ends.
func NewSMTPServer(t testing.TB, opt SMTPOptions) *SMTPServer {
	t.Helper()
	s := &SMTPServer{Username: opt.Username, Password: opt.Password, onMessage: opt.OnMessage}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		if s.Username == "" {
			// Without credentials the server does not offer AUTH at all.
			return noAuthSession{&smtpSession{s: s}}, nil
		}
		return &smtpSession{s: s}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.AllowInsecureAuth = opt.TLS == nil
	srv.EnableSMTPUTF8 = opt.SMTPUTF8
	addr := opt.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if opt.TLS != nil {
		srv.TLSConfig = opt.TLS.Config
		if opt.Implicit {
			ln = tlsListener(ln, opt.TLS)
		}
	}
	s.srv, s.ln, s.Addr = srv, ln, ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return s
}

// Close stops the server (idempotent).
func (s *SMTPServer) Close() { s.srv.Close() }

// Refuse makes the next DATA commands fail with these SMTP codes (e.g. 451, 550).
func (s *SMTPServer) Refuse(codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range codes {
		s.refuse = append(s.refuse, &smtp.SMTPError{Code: c, EnhancedCode: smtp.EnhancedCode{c / 100, 0, 0}, Message: "refused by the test"})
	}
}

// Received returns a copy of what was delivered so far.
func (s *SMTPServer) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// WaitFor waits until n messages have arrived or the timeout passes, and returns them.
func (s *SMTPServer) WaitFor(n int, timeout time.Duration) []Received {
	deadline := time.Now().Add(timeout)
	for {
		got := s.Received()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type smtpSession struct {
	s      *SMTPServer
	authed bool
	from   string
	utf8   bool
	to     []string
}

func (ss *smtpSession) AuthMechanisms() []string {
	if ss.s.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.Username || password != ss.s.Password {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, o *smtp.MailOptions) error {
	if ss.s.Username != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from, ss.utf8 = from, o != nil && o.UTF8
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if len(ss.s.refuse) > 0 {
		e := ss.s.refuse[0]
		ss.s.refuse = ss.s.refuse[1:]
		return e
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return errors.New("unparseable message: " + err.Error())
	}
	rec := Received{From: ss.from, To: append([]string(nil), ss.to...), SMTPUTF8: ss.utf8, Data: data, Msg: msg}
	ss.s.received = append(ss.s.received, rec)
	if ss.s.onMessage != nil {
		go ss.s.onMessage(rec) // outside the lock: the callback may take its time
	}
	return nil
}

func (ss *smtpSession) Reset()        { ss.from, ss.utf8, ss.to = "", false, nil }
func (ss *smtpSession) Logout() error { return nil }

// noAuthSession hides the AUTH methods of smtpSession.
type noAuthSession struct{ ss *smtpSession }

func (n noAuthSession) Mail(from string, o *smtp.MailOptions) error { return n.ss.Mail(from, o) }
func (n noAuthSession) Rcpt(to string, o *smtp.RcptOptions) error   { return n.ss.Rcpt(to, o) }
func (n noAuthSession) Data(r io.Reader) error                      { return n.ss.Data(r) }
func (n noAuthSession) Reset()                                      { n.ss.Reset() }
func (n noAuthSession) Logout() error                               { return nil }
