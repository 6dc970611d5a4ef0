package services

import "testing"

// TestGoogleClientID: an owner sets the organization's Google client ID (trimmed), a malformed
// one is refused on its field and changes nothing, and "" removes it.
func TestGoogleClientID(t *testing.T) {
	b := newBackend(t)
	if _, err := NewSetup(b).Complete(SetupRequest{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"}); err != nil {
		t.Fatal(err)
	}
	inboxes := NewInboxes(b)
	if id, err := inboxes.GoogleClientID(); err != nil || id != "" {
		t.Fatalf("GoogleClientID() at first = %q, %v; want none", id, err)
	}
	const good = "1234567890-abc123def456.apps.googleusercontent.com"
	if id, err := inboxes.SetGoogleClientID("  " + good + "\n"); err != nil || id != good {
		t.Fatalf("SetGoogleClientID(good) = %q, %v", id, err)
	}
	for _, bad := range []string{"abc", "1234567890-abc.apps.googleusercontent.com.evil.test", "<b>1-a.apps.googleusercontent.com</b>",
		"1234567890-ABC.apps.googleusercontent.com", "1234-abc.apps.googleusercontent.com\r\nX: y"} {
		if _, err := inboxes.SetGoogleClientID(bad); parse(t, err).Field != "clientId" {
			t.Errorf("SetGoogleClientID(%q) error = %v, want invalid clientId", bad, err)
		}
	}
	if id, err := inboxes.GoogleClientID(); err != nil || id != good {
		t.Errorf("GoogleClientID() after refusals = %q, %v; want %q", id, err, good)
	}
	if id, err := inboxes.SetGoogleClientID(""); err != nil || id != "" {
		t.Errorf("SetGoogleClientID(\"\") = %q, %v", id, err)
	}
	if id, _ := inboxes.GoogleClientID(); id != "" {
		t.Errorf("GoogleClientID() after removing = %q", id)
	}
}
