package secrets

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealerOpensOnlyItsOwn(t *testing.T) {
	key := NewKey()
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal([]byte("code 482913"), []byte("row-1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("482913")) {
		t.Fatal("the sealed value carries the plain text")
	}
	if got, err := s.Open(sealed, []byte("row-1")); err != nil || string(got) != "code 482913" {
		t.Errorf("Open(own) = %q, %v; want the plain text", got, err)
	}
	again, _ := s.Seal([]byte("code 482913"), []byte("row-1"))
	if bytes.Equal(again, sealed) {
		t.Error("two seals of the same text are equal: the nonce is not fresh")
	}
	other, _ := NewSealer(NewKey())
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	for name, open := range map[string]func() ([]byte, error){
		"another row": func() ([]byte, error) { return s.Open(sealed, []byte("row-2")) },
		"another key": func() ([]byte, error) { return other.Open(sealed, []byte("row-1")) },
		"altered":     func() ([]byte, error) { return s.Open(tampered, []byte("row-1")) },
		"truncated":   func() ([]byte, error) { return s.Open(sealed[:5], []byte("row-1")) },
	} {
		if got, err := open(); !errors.Is(err, ErrUnsealable) || got != nil {
			t.Errorf("Open(%s) = %q, %v; want ErrUnsealable", name, got, err)
		}
	}
	if _, err := NewSealer(key[:16]); err == nil {
		t.Error("NewSealer(16 bytes) = nil error, want a refusal")
	}
}

func TestParseKey(t *testing.T) {
	k := NewKey()
	if got, err := ParseKey(" " + EncodeKey(k) + "\n"); err != nil || !bytes.Equal(got, k) {
		t.Errorf("ParseKey(EncodeKey(k)) = %x, %v; want k", got, err)
	}
	for _, bad := range []string{"", "not base64!", EncodeKey(k[:31])} {
		if _, err := ParseKey(bad); err == nil || !strings.Contains(err.Error(), "44 characters") {
			t.Errorf("ParseKey(%q) = %v, want an error saying what a key is", bad, err)
		}
	}
}

// mapStore is a keyring in memory (the real one is exercised by TestKeyringRoundTrip).
type mapStore map[string]string

func (m mapStore) Get(ref string) (string, error) {
	v, ok := m[ref]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}
func (m mapStore) Set(ref, v string) error   { m[ref] = v; return nil }
func (m mapStore) Delete(ref string) error   { delete(m, ref); return nil }
func (m mapStore) Available() (bool, string) { return true, "" }

func TestSealKeyIsMadeOnceAndKept(t *testing.T) {
	st := mapStore{}
	first, err := SealKey(st)
	if err != nil || len(first) != KeySize {
		t.Fatalf("SealKey(empty) = %d bytes, %v; want a new key", len(first), err)
	}
	if again, err := SealKey(st); err != nil || !bytes.Equal(again, first) {
		t.Errorf("SealKey(again) = a different key or %v; want the stored one", err)
	}
	st[SealKeyRef] = "garbage"
	if _, err := SealKey(st); err == nil || st[SealKeyRef] != "garbage" {
		t.Errorf("SealKey(unreadable entry) = %v, entry %q; want an error and the entry left alone", err, st[SealKeyRef])
	}
}

func TestEnvSealKey(t *testing.T) {
	k := NewKey()
	file := filepath.Join(t.TempDir(), "key")
	os.WriteFile(file, []byte(EncodeKey(k)+"\n"), 0o600)
	for name, tc := range map[string]struct {
		env    map[string]string
		ok     bool
		hasErr bool
	}{
		"unset":    {map[string]string{}, false, false},
		"variable": {map[string]string{"VOUCHD_OUTBOX_KEY": EncodeKey(k)}, true, false},
		"file":     {map[string]string{"VOUCHD_OUTBOX_KEY_FILE": file}, true, false},
		"bad":      {map[string]string{"VOUCHD_OUTBOX_KEY": "short"}, true, true},
		"no file":  {map[string]string{"VOUCHD_OUTBOX_KEY_FILE": file + ".missing"}, true, true},
	} {
		got, ok, err := Env{Getenv: func(n string) string { return tc.env[n] }}.EnvSealKey()
		if ok != tc.ok || (err != nil) != tc.hasErr || (ok && !tc.hasErr && !bytes.Equal(got, k)) {
			t.Errorf("%s: EnvSealKey() = %d bytes, %v, %v", name, len(got), ok, err)
		}
	}
}
