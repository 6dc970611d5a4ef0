package mailaccounts_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

var ctx = context.Background()

// memSecrets is an in-memory secrets.Store for these tests; the OS keyring is exercised by the
// desktop integration suite, where a Secret Service runs.
type memSecrets struct {
	mu        sync.Mutex
	m         map[string]string
	available bool
}

func (s *memSecrets) Get(ref string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[ref]
	if !ok {
		return "", secrets.ErrNotFound
	}
	return v, nil
}
func (s *memSecrets) Set(ref, v string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[ref] = v
	return nil
}
func (s *memSecrets) Delete(ref string) error { delete(s.m, ref); return nil }
func (s *memSecrets) Available() (bool, string) {
	if s.available {
		return true, ""
	}
	return false, "no keyring here"
}

func setup(t *testing.T, available bool) (*mailaccounts.Service, *memSecrets, *store.Store, org.Workspace) {
	t.Helper()
	st := testutil.NewStore(t)
	ws, err := org.New(st, nil).Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	sec := &memSecrets{m: map[string]string{}, available: available}
	return mailaccounts.New(st, sec, nil), sec, st, ws
}

func TestSaveKeepsThePasswordOutOfTheDatabase(t *testing.T) {
	svc, sec, st, ws := setup(t, true)
	acc, err := svc.Save(ctx, ws.Me, ws.Organization.ID, mailaccounts.SMTP, mailaccounts.Input{
		Host: "smtp.example.com", Port: 587, TLS: "starttls", Username: "support@acme.test", Password: "correct horse"})
	if err != nil || !acc.HasPassword || acc.SecretRef != "smtp" {
		t.Fatalf("Save() = %+v, %v", acc, err)
	}
	if sec.m["smtp"] != "correct horse" {
		t.Errorf("secret store holds %q", sec.m["smtp"])
	}
	// Nothing in the database file holds the password.
	st.Close()
	raw, _ := readAll(st.Path())
	if strings.Contains(raw, "correct horse") {
		t.Error("the password is in the database file")
	}
}

func TestEmptyPasswordKeepsTheStoredOne(t *testing.T) {
	svc, sec, _, ws := setup(t, true)
	in := mailaccounts.Input{Host: "smtp.example.com", Port: 587, TLS: "starttls", Username: "u", Password: "first"}
	svc.Save(ctx, ws.Me, ws.Organization.ID, mailaccounts.SMTP, in)
	in.Password, in.Port = "", 2525
	acc, err := svc.Save(ctx, ws.Me, ws.Organization.ID, mailaccounts.SMTP, in)
	if err != nil || acc.Port != 2525 || !acc.HasPassword || sec.m["smtp"] != "first" {
		t.Errorf("Save(no password) = %+v, %v; secret %q", acc, err, sec.m["smtp"])
	}
}

func TestNoKeyringStoresNothing(t *testing.T) {
	svc, sec, _, ws := setup(t, false)
	_, err := svc.Save(ctx, ws.Me, ws.Organization.ID, mailaccounts.IMAP, mailaccounts.Input{
		Host: "imap.example.com", Port: 993, TLS: "implicit", Username: "u", Password: "pw"})
	if e, ok := apperr.As(err); !ok || e.Field != "password" || !strings.Contains(e.Message, "no keyring") {
		t.Fatalf("Save() without keyring error = %v", err)
	}
	if len(sec.m) != 0 {
		t.Error("a secret was stored without a keyring")
	}
	if _, ok, _ := svc.Get(ctx, ws.Organization.ID, mailaccounts.IMAP); ok {
		t.Error("the account was saved although its password could not be")
	}
}

func TestSaveRejectsBadInput(t *testing.T) {
	svc, _, _, ws := setup(t, true)
	good := mailaccounts.Input{Host: "smtp.example.com", Port: 587, TLS: "starttls"}
	for field, mutate := range map[string]func(*mailaccounts.Input){
		"host":     func(i *mailaccounts.Input) { i.Host = "smtp.example.com\r\nRCPT TO:<x>" },
		"port":     func(i *mailaccounts.Input) { i.Port = 70000 },
		"tls":      func(i *mailaccounts.Input) { i.TLS = "none" }, // not loopback
		"username": func(i *mailaccounts.Input) { i.Username = "u\r\nx" },
		"password": func(i *mailaccounts.Input) { i.Password = "p\nw" },
	} {
		in := good
		mutate(&in)
		_, err := svc.Save(ctx, ws.Me, ws.Organization.ID, mailaccounts.SMTP, in)
		if e, ok := apperr.As(err); !ok || e.Field != field {
			t.Errorf("Save(bad %s) error = %v", field, err)
		}
	}
	agent := ws.Me
	agent.Role = store.RoleAgent
	if _, err := svc.Save(ctx, agent, ws.Organization.ID, mailaccounts.SMTP, good); err == nil {
		t.Error("an agent saved mail settings")
	}
}

func TestTestSMTPReportsAuthenticationAndReachability(t *testing.T) {
	svc, _, _, ws := setup(t, true)
	cert := testutil.NewTLSCert(t)
	svc.SMTPRootCAs, svc.IMAPRootCAs = cert.Pool, cert.Pool
	srv := testutil.NewSMTPServer(t, testutil.SMTPOptions{TLS: &cert, Username: "u", Password: "right"})
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	save := func(pw string, port int) {
		if _, err := svc.Save(ctx, ws.Me, ws.Organization.ID, mailaccounts.SMTP, mailaccounts.Input{
			Host: host, Port: port, TLS: "starttls", Username: "u", Password: pw}); err != nil {
			t.Fatal(err)
		}
	}
	save("right", p)
	if err := svc.TestSMTP(ctx, ws.Organization.ID); err != nil {
		t.Errorf("TestSMTP(right password) = %v", err)
	}
	save("wrong", p)
	if err := svc.TestSMTP(ctx, ws.Organization.ID); err == nil || !strings.Contains(err.Error(), "authentication failed") || strings.Contains(err.Error(), "wrong") {
		t.Errorf("TestSMTP(wrong password) = %v", err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	save("right", closed)
	if err := svc.TestSMTP(ctx, ws.Organization.ID); err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("TestSMTP(closed port) = %v", err)
	}
	var e *apperr.Error
	if err := svc.TestIMAP(ctx, ws.Organization.ID); !errors.As(err, &e) || e.Code != apperr.CodeNotFound {
		t.Errorf("TestIMAP(not set up) = %v", err)
	}
}

func readAll(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

// TestNewRelaySettingsSendWaitingMailNow: mail waiting out a backoff (here from having no relay)
// is due again as soon as an admin saves the relay's settings, not when its backoff ends.
func TestNewRelaySettingsSendWaitingMailNow(t *testing.T) {
	svc, _, st, ws := setup(t, true)
	var id string
	if err := st.Write(ctx, func(tx *store.Tx) error {
		var err error
		id, err = outbox.Enqueue(tx, outbox.Email{OrgID: ws.Organization.ID, Kind: outbox.KindTranscript, IdempotencyKey: "waiting",
			FromAddr: "support@acme.test", To: "ada@example.com", Subject: "Your conversation", Text: "Hello"}, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(30 * time.Minute)
	if err := st.MarkOutboxRetry(ctx, id, "No outgoing mail server (SMTP) is set up", later, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Save(ctx, ws.Me, ws.Organization.ID, mailaccounts.SMTP, mailaccounts.Input{Host: "smtp.example.com", Port: 587,
		TLS: "starttls", Username: "u", Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	m, err := st.OutboxByID(ctx, id)
	if err != nil || m.NextAttemptAt.After(time.Now()) {
		t.Fatalf("after saving the relay the email is due %v (%v), want now", m.NextAttemptAt, err)
	}
}
