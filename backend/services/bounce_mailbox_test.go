package services

import (
	"testing"

	"vouchdesk/backend/store"
)

// The bounce mailbox goes through the Mail service like the other accounts: saved with its
// address, listed in Settings and in MailHealth, removed again; only an owner or admin may.
func TestBounceMailboxThroughTheServices(t *testing.T) {
	b := newBackend(t)
	if _, err := NewSetup(b).Complete(SetupRequest{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"}); err != nil {
		t.Fatal(err)
	}
	mail := NewMail(b)
	req := AccountRequest{Host: "127.0.0.1", Port: 1, TLS: "none", Username: "bounces", Address: "bounces@acme.test"}
	if _, err := mail.SaveBounce(AccountRequest{Host: "127.0.0.1", Port: 1, TLS: "none"}); parse(t, err).Field != "address" {
		t.Errorf("SaveBounce(no address) error = %v, want field address", err)
	}
	s, err := mail.SaveBounce(req)
	if err != nil || s.Bounce == nil || s.Bounce.Address != "bounces@acme.test" || s.Bounce.Username != "bounces" || s.IMAP != nil {
		t.Fatalf("SaveBounce() = %+v, %v; want the bounce account with its address, no IMAP account", s, err)
	}
	hs, err := mail.MailHealth()
	if err != nil || len(hs) != 3 || hs[2].Purpose != "bounce" {
		t.Errorf("MailHealth() = %+v, %v; want the bounce mailbox third", hs, err)
	}
	if r, err := mail.TestBounce(); err != nil || r.OK || r.Message == "" {
		t.Errorf("TestBounce() with nothing listening = %+v, %v; want not OK with a reason", r, err)
	}

	// An agent cannot remove it.
	ctx := t.Context()
	ws, err := eng(b).Org().Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	agent := ws.Me
	agent.Role = store.RoleAgent
	if err := eng(b).Mail().RemoveBounce(ctx, agent, ws.Organization.ID); err == nil {
		t.Errorf("RemoveBounce() by an agent succeeded, want forbidden")
	}

	if s, err = mail.RemoveBounce(); err != nil || s.Bounce != nil {
		t.Fatalf("RemoveBounce() = %+v, %v; want no bounce account", s, err)
	}
	if hs, err := mail.MailHealth(); err != nil || len(hs) != 2 {
		t.Errorf("MailHealth() after RemoveBounce = %+v, %v; want smtp and imap only", hs, err)
	}
}
