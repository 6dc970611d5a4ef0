package mailbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// The test server: go-imap v2's in-memory server (imapmemserver) behind its real protocol server
// (imapserver) on 127.0.0.1. imapserver offers STARTTLS itself when given a certificate; implicit
// TLS is a TLS listener in front of it.

const (
	testUser = "sender@example.com"
	testPass = "Corr3ct-H0rse-Battery" // must never show up in an error, a status or a log line
)

type serverOptions struct {
	TLS      *testutil.TLSCert // offer STARTTLS with this certificate (or implicit TLS, below)
	Implicit bool
	// RequireTLSAuth refuses LOGIN on a connection without TLS, like a real server.
	RequireTLSAuth bool
	// DeafIdle makes IDLE never push anything: the watcher must find the mail by polling.
	DeafIdle bool
}

type testServer struct {
	t    testing.TB
	opt  serverOptions
	mem  *imapmemserver.Server
	user *imapmemserver.User
	addr string

	mu  sync.Mutex
	srv *imapserver.Server
}

// newTestServer starts a server with one user and an INBOX, and stops it when the test ends.
func newTestServer(t testing.TB, opt serverOptions) *testServer {
	t.Helper()
	s := &testServer{t: t, opt: opt, mem: imapmemserver.New(), user: imapmemserver.NewUser(testUser, testPass)}
	if err := s.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	s.mem.AddUser(s.user)
	s.start()
	t.Cleanup(s.stop)
	return s
}

// start listens (on the same address as before, after a stop).
func (s *testServer) start() {
	s.t.Helper()
	addr := s.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the old socket may linger for a moment after stop
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("listen %s: %v", addr, err)
	}
	s.addr = ln.Addr().String()
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			sess := s.mem.NewSession().(imapserver.SessionIMAP4rev2)
			if s.opt.DeafIdle {
				return deafIdleSession{sess}, nil, nil
			}
			return sess, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: !s.opt.RequireTLSAuth,
		Logger:       log.New(io.Discard, "", 0),
	}
	if s.opt.TLS != nil {
		if s.opt.Implicit {
			ln = tls.NewListener(ln, s.opt.TLS.Config)
		} else {
			opts.TLSConfig = s.opt.TLS.Config
		}
	}
	srv := imapserver.New(opts)
	go srv.Serve(ln)
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
}

// stop closes the listener and every connection (idempotent).
func (s *testServer) stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

func (s *testServer) port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	var n int
	fmt.Sscan(p, &n)
	return n
}

// deliver appends a message to mailbox as a mail server would on delivery, and returns its UID.
func (s *testServer) deliver(mailbox, subject, body string) uint32 {
	s.t.Helper()
	raw := rawMessage(subject, body)
	data, err := s.user.Append(mailbox, bytes.NewReader(raw), &imap.AppendOptions{})
	if err != nil {
		s.t.Fatalf("append to %s: %v", mailbox, err)
	}
	return uint32(data.UID)
}

// recreate deletes and re-creates a mailbox: the server gives it a new UIDVALIDITY.
func (s *testServer) recreate(mailbox string) {
	s.t.Helper()
	if err := s.user.Delete(mailbox); err != nil {
		s.t.Fatal(err)
	}
	if err := s.user.Create(mailbox, nil); err != nil {
		s.t.Fatal(err)
	}
}

// expunge removes messages by UID, through a client session as a mail client would.
func (s *testServer) expunge(uids ...uint32) {
	s.t.Helper()
	c, err := imapclient.DialInsecure(s.addr, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	defer c.Close()
	set := imap.UIDSet{}
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	if err := c.Login(testUser, testPass).Wait(); err != nil {
		s.t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		s.t.Fatal(err)
	}
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		s.t.Fatal(err)
	}
	if err := c.UIDExpunge(set).Close(); err != nil {
		s.t.Fatal(err)
	}
	c.Logout().Wait()
}

func (s *testServer) uidValidity(mailbox string) uint32 {
	s.t.Helper()
	st, err := s.user.Status(mailbox, &imap.StatusOptions{UIDValidity: true})
	if err != nil {
		s.t.Fatal(err)
	}
	return st.UIDValidity
}

func rawMessage(subject, body string) []byte {
	return []byte("From: Vouch Desk <noreply@vouchdesk.example>\r\n" +
		"To: sender@example.com\r\n" +
		"Subject: " + subject + "\r\n" +
		"Message-ID: <" + strings.ReplaceAll(subject, " ", "-") + "@vouchdesk.example>\r\n" +
		"Date: Mon, 02 Jan 2006 15:04:05 +0000\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" + body + "\r\n")
}

// deafIdleSession is the memserver's session with an IDLE that never reports anything.
type deafIdleSession struct{ imapserver.SessionIMAP4rev2 }

func (deafIdleSession) Idle(_ *imapserver.UpdateWriter, stop <-chan struct{}) error {
	<-stop
	return nil
}

// config returns a watcher configuration for the server, with short waits for tests.
func (s *testServer) config() Config {
	cfg := Config{Host: "127.0.0.1", Port: s.port(), TLS: TLSNone, Username: testUser,
		Password: func() (string, error) { return testPass, nil }, PollInterval: time.Minute, Timeout: 3 * time.Second}
	if s.opt.TLS != nil {
		cfg.TLS, cfg.RootCAs = TLSStartTLS, s.opt.TLS.Pool
		if s.opt.Implicit {
			cfg.TLS = TLSImplicit
		}
	}
	return cfg
}

// recorder is a Handler that keeps what it accepted. fail, when set, may refuse a message.
type recorder struct {
	mu       sync.Mutex
	accepted []Message
	calls    []uint32
	fail     func(m Message) error
	arrived  chan Message
}

func newRecorder() *recorder { return &recorder{arrived: make(chan Message, 1000)} }

func (r *recorder) handle(_ context.Context, m Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, m.UID)
	if r.fail != nil {
		if err := r.fail(m); err != nil {
			return err
		}
	}
	r.accepted = append(r.accepted, m)
	r.arrived <- m
	return nil
}

func (r *recorder) uids() []uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]uint32, len(r.accepted))
	for i, m := range r.accepted {
		out[i] = m.UID
	}
	return out
}

func (r *recorder) subjects() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.accepted))
	for i, m := range r.accepted {
		out[i] = m.Subject
	}
	return out
}

// wait returns the next accepted message, or fails the test after timeout.
func (r *recorder) wait(t testing.TB, timeout time.Duration) Message {
	t.Helper()
	select {
	case m := <-r.arrived:
		return m
	case <-time.After(timeout):
		t.Fatalf("no message reached the handler within %s", timeout)
		return Message{}
	}
}

// memCheckpoints keeps checkpoints in memory.
type memCheckpoints struct {
	mu sync.Mutex
	m  map[string][3]uint32 // validity, last, 1
	e  map[string]string
}

func newMemCheckpoints() *memCheckpoints {
	return &memCheckpoints{m: map[string][3]uint32{}, e: map[string]string{}}
}

func (c *memCheckpoints) Load(_ context.Context, mailbox string) (uint32, uint32, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[mailbox]
	return v[0], v[1], ok, nil
}

func (c *memCheckpoints) Save(_ context.Context, mailbox string, validity, last uint32, lastErr string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[mailbox] = [3]uint32{validity, last, 1}
	c.e[mailbox] = lastErr
	return nil
}

// storeAccount makes an organization and its IMAP account in a fresh database and returns the
// store checkpoints for it.
func storeAccount(t testing.TB) (*store.Store, Checkpoints, string) {
	t.Helper()
	st, orgID, acctID := newAccount(t)
	return st, StoreCheckpoints(st, orgID, acctID), acctID
}

func newAccount(t testing.TB) (st *store.Store, orgID, acctID string) {
	t.Helper()
	st = testutil.NewStore(t)
	now := time.Now()
	org := store.Organization{ID: store.NewID(), Name: "Acme", DefaultRegion: "DE", CreatedAt: now, UpdatedAt: now}
	acct := store.MailAccount{ID: store.NewID(), OrgID: org.ID, Purpose: store.MailAccountIMAP, Host: "127.0.0.1",
		Port: 993, TLSMode: TLSImplicit, Username: testUser, SecretRef: "keyring:imap", CreatedAt: now, UpdatedAt: now}
	if err := st.Write(context.Background(), func(tx *store.Tx) error {
		if err := tx.InsertOrganization(org); err != nil {
			return err
		}
		return tx.UpsertMailAccount(acct)
	}); err != nil {
		t.Fatal(err)
	}
	return st, org.ID, acct.ID
}

// syncBuffer is a log sink safe for the watcher's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// testLogger logs everything (Debug and up) into buf, so tests can look for secrets in it.
func testLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// newTestWatcher builds a watcher with short backoff and stops it when the test ends.
func newTestWatcher(t testing.TB, cfg Config, cp Checkpoints, h Handler, logBuf *syncBuffer) *Watcher {
	t.Helper()
	var lg *slog.Logger
	if logBuf != nil {
		lg = testLogger(logBuf)
	}
	w, err := NewWatcher(cfg, cp, h, lg, nil)
	if err != nil {
		t.Fatalf("NewWatcher: %v", err)
	}
	w.minBackoff, w.maxBackoff = 50*time.Millisecond, 400*time.Millisecond
	t.Cleanup(func() { w.Close() })
	return w
}

// eventually polls cond every 10 ms until it holds or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitIdling waits until the watcher's IDLE command runs. imapserver answers "+ idling" a moment
// before its session starts listening for updates (mail appended in that moment is found only by
// the safety-net poll: the missed push the watcher polls for), so it then waits 50 ms more.
func waitIdling(t testing.TB, w *Watcher) {
	t.Helper()
	eventually(t, 5*time.Second, "watcher idling", w.idling.Load)
	time.Sleep(50 * time.Millisecond)
}
