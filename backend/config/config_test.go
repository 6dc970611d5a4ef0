package config

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vouchdesk/backend/testutil"
)

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "vouchd.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadDefaults(t *testing.T) {
	p := write(t, `database = "data/vouchdesk.db"`)
	c, err := Load(p)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Database != filepath.Join(filepath.Dir(p), "data/vouchdesk.db") {
		t.Errorf("Database = %q, want it relative to the config file", c.Database)
	}
	if c.HTTP.Listen != "127.0.0.1:8470" || c.HTTP.PublicURL != "http://127.0.0.1:8470" || c.Log.Level != "info" || c.Log.Format != "text" {
		t.Errorf("defaults = %+v", c)
	}
}

func TestLoadNamesTheBadKey(t *testing.T) {
	for _, tc := range []struct{ body, key, msg string }{
		{``, "database", "required"},
		{"database = \"x.db\"\n[http]\nlisten = \"nowhere\"", "http.listen", "host:port"},
		{"database = \"x.db\"\n[http]\nlisten = \"127.0.0.1:99999\"", "http.listen", "port"},
		{"database = \"x.db\"\n[http]\npublic_url = \"ftp://x\"", "http.public_url", "http(s)"},
		{"database = \"x.db\"\n[log]\nlevel = \"loud\"", "log.level", "loud"},
		{"database = \"x.db\"\ncolour = \"blue\"", "colour", "unknown key"},
		{"database = \"x.db\"\n[smtp]\npassword = \"hunter2\"", "smtp.password", "secrets do not belong"},
		{"database = 5", "database", "line 1"},
		{"database = \"postgres://vouchd:hunter2@db.example/vouchdesk\"", "database", "PGPASSWORD"},
		{"database = \"postgres://vouchd@db.example/vouchdesk?password=hunter2\"", "database", "PGPASSWORD"},
		{"database = \"x.db\"\n[widget.live]\nper_address = -1", "widget.live.per_address", "not a number of connections"},
		{"database = \"x.db\"\n[widget.live]\nper_tab = 2", "widget.live.per_tab", "unknown key"},
	} {
		_, err := Load(write(t, tc.body))
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("Load(%q) error = %v, want *config.Error", tc.body, err)
			continue
		}
		if ce.Key != tc.key || !strings.Contains(ce.Msg, tc.msg) {
			t.Errorf("Load(%q) = key %q msg %q; want key %q msg containing %q", tc.body, ce.Key, ce.Msg, tc.key, tc.msg)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Load(%q) error repeats the secret: %v", tc.body, err)
		}
	}
}

func TestLoadSyntaxErrorSaysWhere(t *testing.T) {
	_, err := Load(write(t, "database = \"x.db\"\n[http\nlisten=1"))
	if err == nil || !strings.Contains(err.Error(), "line ") {
		t.Errorf("Load(bad syntax) error = %v, want the line", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "none.toml")); err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Errorf("Load(missing) error = %v", err)
	}
}

func TestMailAndOrganizationSections(t *testing.T) {
	p := write(t, `database = "x.db"
[organization]
name = "Acme"
owner_name = "Olive"
owner_email = "olive@acme.test"
sender_email = "support@acme.test"
[smtp]
host = "127.0.0.1"
port = 2525
tls = "starttls"
username = "support@acme.test"
ca_file = "ca.pem"
[imap]
host = "127.0.0.1"
port = 1143
tls = "starttls"
username = "support@acme.test"
`)
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP == nil || c.SMTP.Port != 2525 || c.IMAP == nil || c.Organization.SenderEmail != "support@acme.test" ||
		c.SMTP.CAFile != filepath.Join(filepath.Dir(p), "ca.pem") {
		t.Errorf("Load() = %+v smtp %+v", c, c.SMTP)
	}
	for _, tc := range []struct{ body, key string }{
		{"database = \"x.db\"\n[smtp]\nport = 25\ntls = \"starttls\"", "smtp.host"},
		{"database = \"x.db\"\n[imap]\nhost = \"h\"\ntls = \"starttls\"", "imap.port"},
		{"database = \"x.db\"\n[bounce_imap]\nhost = \"h\"\nport = 993\ntls = \"implicit\"", "bounce_imap.address"},
		{"database = \"x.db\"\n[imap]\nhost = \"h\"\nport = 993\ntls = \"implicit\"\naddress = \"a@b.test\"", "imap.address"},
		{"database = \"x.db\"\n[bounce_imap]\nhost = \"h\"\nport = 993\ntls = \"implicit\"\naddress = \"b@acme.test\"\npassword = \"x\"", "bounce_imap.password"},
		{"database = \"x.db\"\n[smtp]\nhost = \"h\"\nport = 25\ntls = \"ssl\"", "smtp.tls"},
		{"database = \"x.db\"\n[organization]\nname = \"Acme\"", "organization"},
	} {
		_, err := Load(write(t, tc.body))
		var ce *Error
		if !errors.As(err, &ce) || ce.Key != tc.key {
			t.Errorf("Load(%q) error = %v, want key %s", tc.body, err, tc.key)
		}
	}
}

func TestGoogleSection(t *testing.T) {
	c, err := Load(write(t, `database = "x.db"`))
	if err != nil || c.Google != (Google{}) {
		t.Fatalf("Load(no [google]) = %+v, %v; want empty (Google's own)", c.Google, err)
	}
	for _, ok := range []Google{
		{IssuerURL: "https://accounts.google.com", ScriptURL: "https://accounts.google.com/gsi/client"},
		{IssuerURL: "http://127.0.0.1:41234", ScriptURL: "http://127.0.0.1:41234/gsi/client"},
		{IssuerURL: "http://localhost:8080/tenant", ScriptURL: "http://[::1]:9/gsi/client"},
	} {
		body := "database = \"x.db\"\n[google]\nissuer_url = \"" + ok.IssuerURL + "\"\nscript_url = \"" + ok.ScriptURL + "\""
		c, err := Load(write(t, body))
		if err != nil || c.Google != ok {
			t.Errorf("Load(%q) = %+v, %v; want %+v", body, c.Google, err, ok)
		}
	}
	for _, tc := range []struct{ key, value, msg string }{
		{"issuer_url", "http://accounts.example.com", "https"},
		{"issuer_url", "http://10.0.0.1:8080", "https"},
		{"script_url", "http://gsi.example.com/client", "https"},
		{"issuer_url", "ftp://127.0.0.1", "https"},
		{"issuer_url", "accounts.google.com", "absolute"},
		{"issuer_url", "https://user:pw@accounts.example.com", "credentials"},
		{"script_url", "https://gsi.example.com/client?hl=en", "query"},
		{"issuer_url", "https://accounts.example.com#x", "fragment"},
	} {
		body := "database = \"x.db\"\n[google]\n" + tc.key + " = \"" + tc.value + "\""
		_, err := Load(write(t, body))
		var ce *Error
		if !errors.As(err, &ce) || ce.Key != "google."+tc.key || !strings.Contains(ce.Msg, tc.msg) {
			t.Errorf("Load(%q) error = %v, want key google.%s and %q", body, err, tc.key, tc.msg)
		}
	}
}

// TestWidgetLiveSection: the live caps are read as written; absent ones stay 0 (the engine's
// defaults).
func TestWidgetLiveSection(t *testing.T) {
	c, err := Load(write(t, "database = \"x.db\"\n[widget.live]\nper_session = 2\nper_address = 1000\nper_server = 50000\n"))
	if err != nil || c.Widget.Live != (Live{PerSession: 2, PerAddress: 1000, PerServer: 50000}) {
		t.Errorf("Load([widget.live]) = %+v, %v; want 2, 1000, 50000", c.Widget.Live, err)
	}
	c, err = Load(write(t, `database = "x.db"`))
	if err != nil || c.Widget.Live != (Live{}) {
		t.Errorf("Load(no [widget.live]) = %+v, %v; want zeros (the defaults)", c.Widget.Live, err)
	}
}

// Each account's ca_file makes a pool for that account alone: the SMTP CA never vouches for the
// IMAP server, nor the other way round.
func TestMailAccountRootCAsAreSeparate(t *testing.T) {
	dir := t.TempDir()
	smtpCert, imapCert := testutil.NewTLSCert(t), testutil.NewTLSCert(t)
	writePEM := func(name string, c testutil.TLSCert) {
		b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Config.Certificates[0].Leaf.Raw})
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	bounceCert := testutil.NewTLSCert(t)
	writePEM("smtp-ca.pem", smtpCert)
	writePEM("imap-ca.pem", imapCert)
	writePEM("bounce-ca.pem", bounceCert)
	p := filepath.Join(dir, "vouchd.toml")
	os.WriteFile(p, []byte(`database = "x.db"
[smtp]
host = "smtp.example.com"
port = 587
tls = "starttls"
ca_file = "smtp-ca.pem"
[imap]
host = "imap.example.com"
port = 993
tls = "implicit"
ca_file = "imap-ca.pem"
[bounce_imap]
host = "bounces.example.com"
port = 993
tls = "implicit"
username = "bounces"
address = "bounces@acme.test"
ca_file = "bounce-ca.pem"
`), 0o600)
	c, err := Load(p)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	smtpPool, err := c.SMTP.RootCAs("smtp")
	if err != nil {
		t.Fatal(err)
	}
	imapPool, err := c.IMAP.RootCAs("imap")
	if err != nil {
		t.Fatal(err)
	}
	bouncePool, err := c.BounceIMAP.RootCAs("bounce_imap")
	if err != nil {
		t.Fatal(err)
	}
	if c.BounceIMAP.Address != "bounces@acme.test" || c.BounceIMAP.Username != "bounces" {
		t.Errorf("[bounce_imap] = %+v, want address bounces@acme.test, username bounces", *c.BounceIMAP)
	}
	trusts := func(pool *x509.CertPool, cert testutil.TLSCert) bool {
		_, err := cert.Config.Certificates[0].Leaf.Verify(x509.VerifyOptions{Roots: pool})
		return err == nil
	}
	for _, tc := range []struct {
		name string
		pool *x509.CertPool
		cert testutil.TLSCert
		want bool
	}{
		{"smtp pool, smtp CA", smtpPool, smtpCert, true},
		{"smtp pool, imap CA", smtpPool, imapCert, false},
		{"imap pool, imap CA", imapPool, imapCert, true},
		{"imap pool, smtp CA", imapPool, smtpCert, false},
		{"bounce pool, bounce CA", bouncePool, bounceCert, true},
		{"bounce pool, imap CA", bouncePool, imapCert, false},
		{"imap pool, bounce CA", imapPool, bounceCert, false},
	} {
		if got := trusts(tc.pool, tc.cert); got != tc.want {
			t.Errorf("%s: trusted = %v, want %v", tc.name, got, tc.want)
		}
	}

	// No ca_file: nil, the system's roots.
	c.IMAP.CAFile = ""
	if pool, err := c.IMAP.RootCAs("imap"); pool != nil || err != nil {
		t.Errorf("RootCAs(no ca_file) = %v, %v; want nil, nil (the system's roots)", pool, err)
	}
	// A file that is not PEM names the key.
	os.WriteFile(filepath.Join(dir, "junk.pem"), []byte("not a certificate"), 0o600)
	c.SMTP.CAFile = filepath.Join(dir, "junk.pem")
	var ce *Error
	if _, err := c.SMTP.RootCAs("smtp"); !errors.As(err, &ce) || ce.Key != "smtp.ca_file" || !strings.Contains(ce.Msg, "no PEM certificate") {
		t.Errorf("RootCAs(junk) = %v, want a config error naming smtp.ca_file", err)
	}
}
