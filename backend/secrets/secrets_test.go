package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestEnv(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte("from-file\n"), 0o600)
	env := map[string]string{"VOUCHD_SMTP_PASSWORD": "s3cret", "VOUCHD_IMAP_PASSWORD_FILE": pwFile, "VOUCHD_OTHER_PASSWORD_FILE": filepath.Join(dir, "missing")}
	e := Env{Getenv: func(k string) string { return env[k] }}
	for _, tc := range []struct{ ref, want string }{{"smtp", "s3cret"}, {"imap", "from-file"}} {
		if got, err := e.Get(tc.ref); err != nil || got != tc.want {
			t.Errorf("Env.Get(%q) = %q, %v; want %q", tc.ref, got, err, tc.want)
		}
	}
	if _, err := e.Get("nothing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Env.Get(nothing) error = %v, want ErrNotFound", err)
	}
	if _, err := e.Get("other"); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Env.Get(other) error = %v, want a read error", err)
	}
	if err := e.Set("smtp", "x"); err == nil {
		t.Error("Env.Set succeeded, want a refusal")
	}
	if ok, why := e.Available(); ok || why == "" {
		t.Errorf("Env.Available() = %v, %q", ok, why)
	}
}
