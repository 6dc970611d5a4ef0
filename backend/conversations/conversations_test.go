package conversations_test

import (
	"context"
	"testing"
	"time"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/conversations"
	"vouchdesk/backend/org"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/verify"
)

// TestOpenIsGatedByWhatWasProven: a chat whose email belongs to a contact, not proven on this
// device, shows counts of the contact's history and fields and never their content (nor the
// contact's name, in the list or the view); once verified, the name, fields and history show.
func TestOpenIsGatedByWhatWasProven(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	now := time.Now
	ws, err := org.New(st, now).Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive Owner", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	c := chat.New(st, now, chat.NewHub())
	v := verify.New(st, now, func() string { return "http://127.0.0.1" }, c)
	views := conversations.New(st, v)
	inboxes, _ := st.InboxesByOrg(ctx, ws.Organization.ID)
	start := func(name string) store.Conversation {
		s, err := c.Start(ctx, ws.Organization.ID, chat.StartInput{InboxID: inboxes[0].ID, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return s.Conversation
	}
	// Ada's earlier chat, verified by the agent: her contact has a name, a field and a history.
	first := start("Ada Lovelace")
	if err := v.AgentGivesEmail(ctx, ws.Me, first.ID, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := v.MarkVerified(ctx, ws.Me, first.ID, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	// Someone gives Ada's address in a new chat, under another name.
	second := start("Not Ada")
	if err := v.AgentGivesEmail(ctx, ws.Me, second.ID, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	d, err := views.Open(ctx, ws.Me, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	p := d.Panel
	if p.State != verify.PanelPreliminary || p.Name != "" || len(p.Fields) != 0 || len(p.History) != 0 || p.VerifiedLabel != "" {
		t.Fatalf("preliminary panel = %+v, want no account data", p)
	}
	if p.HiddenConversations != 1 || p.HiddenFields != 1 || p.Warning != verify.WarningUnverified {
		t.Errorf("preliminary panel counts = %d conversations, %d fields, warning %q; want 1, 1 and the warning",
			p.HiddenConversations, p.HiddenFields, p.Warning)
	}
	if d.Summary.Title != "Not Ada" {
		t.Errorf("title = %q, want the name the visitor gave", d.Summary.Title)
	}
	list, err := views.List(ctx, ws.Me, "open")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.ID == second.ID && s.Title != "Not Ada" {
			t.Errorf("list title = %q, want the name the visitor gave", s.Title)
		}
	}
	// Verified: the contact's name, fields and history.
	if err := v.MarkVerified(ctx, ws.Me, second.ID, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	d, err = views.Open(ctx, ws.Me, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	p = d.Panel
	if p.State != verify.PanelVerified || p.Name != "Ada Lovelace" || len(p.Fields) != 1 || len(p.History) != 1 ||
		p.VerifiedLabel != "Verified by Olive Owner" || d.Summary.Title != "Ada Lovelace" {
		t.Fatalf("verified view = %+v / %q, want Ada's name, field and history", p, d.Summary.Title)
	}
	if _, err := views.Open(ctx, ws.Me, store.NewID()); err == nil {
		t.Error("Open(unknown id) succeeded")
	}
}
