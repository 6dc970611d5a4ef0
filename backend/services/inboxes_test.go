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

// TestSetIdleEnd: an owner sets a chat inbox's idle time (0 = never, up to a day); out-of-range
// values are refused on their field and change nothing; an unknown inbox is not found.
func TestSetIdleEnd(t *testing.T) {
	b := newBackend(t)
	if _, err := NewSetup(b).Complete(SetupRequest{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"}); err != nil {
		t.Fatal(err)
	}
	inboxes := NewInboxes(b)
	list, err := inboxes.List()
	if err != nil || len(list) == 0 {
		t.Fatalf("List() = %v, %v", list, err)
	}
	var chatInbox InboxSettings
	for _, i := range list {
		if i.Kind == "chat" {
			chatInbox = i
		}
	}
	if chatInbox.IdleEndMinutes != 30 {
		t.Fatalf("default idle end = %d, want 30", chatInbox.IdleEndMinutes)
	}
	for _, m := range []int{0, 1, 1440} {
		got, err := inboxes.SetIdleEnd(chatInbox.ID, m)
		if err != nil || got.IdleEndMinutes != m {
			t.Fatalf("SetIdleEnd(%d) = %d, %v", m, got.IdleEndMinutes, err)
		}
	}
	for _, bad := range []int{-1, 1441} {
		if _, err := inboxes.SetIdleEnd(chatInbox.ID, bad); parse(t, err).Field != "idleEndMinutes" {
			t.Errorf("SetIdleEnd(%d) error = %v, want invalid idleEndMinutes", bad, err)
		}
	}
	if _, err := inboxes.SetIdleEnd("no-such-inbox", 10); parse(t, err).Code != "not_found" {
		t.Errorf("SetIdleEnd(unknown inbox) error = %v, want not_found", err)
	}
	list, _ = inboxes.List()
	for _, i := range list {
		if i.ID == chatInbox.ID && i.IdleEndMinutes != 1440 {
			t.Errorf("idle end after refusals = %d, want 1440", i.IdleEndMinutes)
		}
	}
}
