package integration

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/testutil"
)

// TestEachMailAccountTrustsOnlyItsOwnCA: with the right CA on one account and a wrong one on the
// other, the account with the wrong CA is refused with a certificate error in words and the other
// one works, against the real Postfix and Dovecot, both ways round.
func TestEachMailAccountTrustsOnlyItsOwnCA(t *testing.T) {
	me := env(t)
	wrong := testutil.NewTLSCert(t).Pool // a CA that signed neither server
	for _, tc := range []struct {
		name           string
		smtpCA, imapCA bool // true: the servers' CA; false: the wrong one
	}{
		{"wrong SMTP CA, right IMAP CA", false, true},
		{"right SMTP CA, wrong IMAP CA", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := engine.Config{DatabasePath: testutil.DBPath(t),
				Secrets: secrets.Env{Getenv: func(k string) string {
					return map[string]string{"VOUCHD_SMTP_PASSWORD": me.password, "VOUCHD_IMAP_PASSWORD": me.password}[k]
				}}}
			cfg.SMTPRootCAs, cfg.IMAPRootCAs = me.ca, me.ca
			if !tc.smtpCA {
				cfg.SMTPRootCAs = wrong
			}
			if !tc.imapCA {
				cfg.IMAPRootCAs = wrong
			}
			e, err := engine.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close(ctx)
			if err := e.Start(ctx); err != nil {
				t.Fatal(err)
			}
			ws, err := e.Org().Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"})
			if err != nil {
				t.Fatal(err)
			}
			imapHost, imapPort, _ := net.SplitHostPort(me.imapAddr)
			ip, _ := strconv.Atoi(imapPort)
			for purpose, in := range map[string]mailaccounts.Input{
				mailaccounts.SMTP: {Host: me.smtpHost, Port: me.smtpPort, TLS: "starttls", Username: me.user},
				mailaccounts.IMAP: {Host: imapHost, Port: ip, TLS: "starttls", Username: me.user},
			} {
				if _, err := e.Mail().Save(ctx, ws.Me, ws.Organization.ID, purpose, in); err != nil {
					t.Fatal(err)
				}
			}
			orgID := ws.Organization.ID
			smtpErr, imapErr := e.Mail().TestSMTP(ctx, orgID), e.Mail().TestIMAP(ctx, orgID)
			for _, acc := range []struct {
				name  string
				right bool
				err   error
			}{{"SMTP", tc.smtpCA, smtpErr}, {"IMAP", tc.imapCA, imapErr}} {
				switch {
				case acc.right && acc.err != nil:
					t.Errorf("Test%s with its right CA = %v, want it to work", acc.name, acc.err)
				case !acc.right && (acc.err == nil || !strings.Contains(acc.err.Error(), "certificate is not trusted")):
					t.Errorf("Test%s with a wrong CA = %v, want a refusal saying the certificate is not trusted", acc.name, acc.err)
				}
			}
			// The watcher the engine runs uses the IMAP account's own trust too.
			e.MailSettingsChanged()
			for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				st := e.MailboxState().Status
				if tc.imapCA && st.Connected {
					break
				}
				if !tc.imapCA && strings.Contains(st.LastError, "certificate is not trusted") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("watcher with right IMAP CA %v: %+v", tc.imapCA, st)
				}
			}
		})
	}
}
