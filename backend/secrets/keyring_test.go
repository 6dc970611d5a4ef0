package secrets

import (
	"errors"
	"os"
	"testing"
)

// TestKeyringRoundTrip talks to a real Secret Service. scripts/keyring-test.sh runs it inside a
// private D-Bus session with gnome-keyring-daemon; elsewhere it is skipped.
func TestKeyringRoundTrip(t *testing.T) {
	if os.Getenv("VOUCHDESK_KEYRING_IT") == "" {
		t.Skip("needs a Secret Service: run scripts/keyring-test.sh")
	}
	var k Keyring
	if ok, why := k.Available(); !ok {
		t.Fatalf("Available() = false, %q", why)
	}
	ref := "test-" + t.Name()
	if err := k.Set(ref, "pässwörd with spaces"); err != nil {
		t.Fatal(err)
	}
	if v, err := k.Get(ref); err != nil || v != "pässwörd with spaces" {
		t.Errorf("Get() = %q, %v", v, err)
	}
	if err := k.Delete(ref); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(ref); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get() after Delete error = %v, want ErrNotFound", err)
	}
}

// TestNoKeyringIsReported runs without any session bus: the keyring must say it is unavailable
// (and the app then stores nothing), never pretend.
func TestNoKeyringIsReported(t *testing.T) {
	if os.Getenv("VOUCHDESK_KEYRING_IT") != "" {
		t.Skip("a Secret Service is running")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	var k Keyring
	if ok, why := k.Available(); ok || why == "" {
		t.Errorf("Available() without a session bus = %v, %q", ok, why)
	}
	if err := k.Set("x", "y"); err == nil {
		t.Error("Set() without a keyring succeeded")
	}
}
