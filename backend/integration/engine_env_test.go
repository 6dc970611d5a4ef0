package integration

import (
	"net"
	"strconv"
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/testutil"
)

// openEngine starts an engine on a fresh database with the test servers' password in its
// environment (cfg gives the rest: trust, limits), and sets up an organization. It is closed when
// the test ends.
func openEngine(t *testing.T, me mailEnv, cfg engine.Config) (*engine.Engine, org.Workspace) {
	t.Helper()
	cfg.DatabasePath = testutil.DBPath(t)
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	secretEnv := map[string]string{"VOUCHD_SMTP_PASSWORD": me.password, "VOUCHD_IMAP_PASSWORD": me.password,
		"VOUCHD_BOUNCE_PASSWORD": me.password}
	cfg.Secrets = secrets.Env{Getenv: func(k string) string { return secretEnv[k] }}
	e, err := engine.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(ctx) })
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ws, err := e.Org().Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	return e, ws
}

// useAccounts saves the test servers as the organization's mail accounts (mailaccounts.SMTP,
// mailaccounts.IMAP, or both), tells the engine, and with IMAP waits until the watcher is in.
func useAccounts(t *testing.T, e *engine.Engine, ws org.Workspace, me mailEnv, purposes ...string) {
	t.Helper()
	imapHost, imapPort, _ := net.SplitHostPort(me.imapAddr)
	ip, _ := strconv.Atoi(imapPort)
	inputs := map[string]mailaccounts.Input{
		mailaccounts.SMTP: {Host: me.smtpHost, Port: me.smtpPort, TLS: "starttls", Username: me.user},
		mailaccounts.IMAP: {Host: imapHost, Port: ip, TLS: "starttls", Username: me.user},
	}
	watch := false
	for _, p := range purposes {
		if _, err := e.Mail().Save(ctx, ws.Me, ws.Organization.ID, p, inputs[p]); err != nil {
			t.Fatal(err)
		}
		watch = watch || p == mailaccounts.IMAP
	}
	e.MailSettingsChanged()
	for deadline := time.Now().Add(15 * time.Second); watch && !e.MailboxState().Status.Connected; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the watcher did not connect to Dovecot: %+v", e.MailboxState())
		}
	}
}
