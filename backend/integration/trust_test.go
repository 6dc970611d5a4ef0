package integration

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/engine"
	"vouchdesk/backend/mailaccounts"
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
			var cfg engine.Config
			cfg.SMTPRootCAs, cfg.IMAPRootCAs = me.ca, me.ca
			if !tc.smtpCA {
				cfg.SMTPRootCAs = wrong
			}
			if !tc.imapCA {
				cfg.IMAPRootCAs = wrong
			}
			e, ws := openEngine(t, me, cfg)
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

// TestVouchdCAFilesStayApartAndStatusSaysWhy runs vouchd as an operator would, with [smtp] and
// [imap] each given a ca_file, one of them the wrong CA: `vouchd status --json` shows that account
// retrying with the certificate error in words and when, and the other one working (the mailbox
// connected and watched by IDLE). Both ways round.
func TestVouchdCAFilesStayApartAndStatusSaysWhy(t *testing.T) {
	me := env(t)
	bin := buildVouchd(t)
	right := os.Getenv("VOUCHDESK_IT_CA")
	wrong := filepath.Join(t.TempDir(), "wrong-ca.pem")
	wc := testutil.NewTLSCert(t)
	if err := os.WriteFile(wrong, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: wc.Config.Certificates[0].Leaf.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	imapHost, imapPort, _ := net.SplitHostPort(me.imapAddr)
	for _, tc := range []struct {
		name           string
		smtpCA, imapCA string
		bad            int // index in mailAccounts of the account with the wrong CA
	}{
		{"wrong SMTP CA", wrong, right, 0},
		{"wrong IMAP CA", right, wrong, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfgPath := filepath.Join(dir, "vouchd.toml")
			// sender_email queues a verification email, so the outbox has something to try.
			cfg := fmt.Sprintf(`database = "vouchd.db"
[http]
listen = "127.0.0.1:0"
[organization]
name = "Acme"
owner_name = "Olive Owner"
owner_email = "olive@acme.test"
sender_email = %q
[smtp]
host = %q
port = %d
tls = "starttls"
username = %q
ca_file = %q
[imap]
host = %q
port = %s
tls = "starttls"
username = %q
ca_file = %q
`, me.user, me.smtpHost, me.smtpPort, me.user, tc.smtpCA, imapHost, imapPort, me.user, tc.imapCA)
			if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			p := startVouchd(t, tc.name, bin, cfgPath, "VOUCHD_SMTP_PASSWORD="+me.password, "VOUCHD_IMAP_PASSWORD="+me.password)
			defer p.stop(15 * time.Second)
			var hs []mailaccounts.Health
			var raw []byte
			settled := func() bool {
				out, err := exec.Command(bin, "status", "--config", cfgPath, "--json").Output()
				if err != nil {
					return false
				}
				raw = out
				var s struct {
					MailAccounts []mailaccounts.Health `json:"mailAccounts"`
				}
				if json.Unmarshal(out, &s) != nil || len(s.MailAccounts) != 2 {
					return false
				}
				hs = s.MailAccounts
				good := hs[1-tc.bad]
				goodOK := (good.Purpose == "smtp" && good.State == mailaccounts.StateOK) ||
					(good.Purpose == "imap" && good.State == mailaccounts.StateConnected)
				return hs[tc.bad].State == mailaccounts.StateRetrying && goodOK
			}
			for deadline := time.Now().Add(30 * time.Second); !settled(); time.Sleep(200 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("vouchd status never showed one account refused and the other working:\n%s", raw)
				}
			}
			bad := hs[tc.bad]
			if !strings.Contains(bad.LastError, "certificate is not trusted") || bad.LastErrorAt == "" || bad.RetryingSince == "" {
				t.Errorf("status mailAccounts[%d] = %+v, want the certificate error in words, its time and since when", tc.bad, bad)
			}
			if good := hs[1-tc.bad]; good.Purpose == "imap" && good.Mode != "idle" {
				t.Errorf("status mailAccounts[1] = %+v, want the mailbox watched by IDLE (Dovecot has it)", good)
			}
		})
	}
}
