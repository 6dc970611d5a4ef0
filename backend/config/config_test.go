package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
