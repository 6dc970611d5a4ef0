package testutil

import (
	"bytes"
	"io"
	"log"
	"net"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// IMAPServer is a real IMAP server (go-imap v2's protocol server over its in-memory backend) on
// 127.0.0.1 with one account and an INBOX.
type IMAPServer struct {
	Addr, Username, Password string
	user                     *imapmemserver.User
	srv                      *imapserver.Server
}

// NewIMAPServer starts a server for username/password (STARTTLS offered when cert is not nil) and
// stops it when the test ends.
func NewIMAPServer(t testing.TB, username, password string, cert *TLSCert) *IMAPServer {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(username, password)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: cert == nil,
		Logger:       log.New(io.Discard, "", 0),
	}
	if cert != nil {
		opts.TLSConfig = cert.Config
	}
	srv := imapserver.New(opts)
	go srv.Serve(ln)
	s := &IMAPServer{Addr: ln.Addr().String(), Username: username, Password: password, user: user, srv: srv}
	t.Cleanup(func() { srv.Close() })
	return s
}

// Deliver appends a raw RFC 5322 message to the INBOX, as a mail server does on delivery.
func (s *IMAPServer) Deliver(raw []byte) error {
	_, err := s.user.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{})
	return err
}
