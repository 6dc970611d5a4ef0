package org_test

import (
	"context"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/org"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// TestCurrentIsTheSignedInAgent: the workspace's agent is the one signed in on this desktop,
// not the organization's first user, so a second agent can act.
func TestCurrentIsTheSignedInAgent(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	svc := org.New(st, time.Now)
	ws, err := svc.Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive Owner", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if cur, err := svc.Current(ctx); err != nil || cur.Me.ID != ws.Me.ID {
		t.Fatalf("Current() after setup = %+v, %v; want the owner", cur.Me, err)
	}
	ann := store.User{ID: store.NewID(), OrgID: ws.Organization.ID, Name: "Ann Agent", Email: "ann@acme.test", Role: store.RoleAgent, CreatedAt: time.Now()}
	if err := st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertUser(ann); err != nil {
			return err
		}
		return tx.SignIn(ann.ID, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	cur, err := svc.Current(ctx)
	if err != nil || cur.Me.ID != ann.ID || cur.Organization.ID != ws.Organization.ID {
		t.Fatalf("Current() = %+v, %v; want Ann in Acme", cur, err)
	}
	// Ann is an agent: the one role check refuses her every setting, and nothing changes.
	for name, change := range map[string]func() error{
		"regulatory": func() error { _, err := svc.SetRegulatory(ctx, ann, false, "x"); return err },
		"google":     func() error { _, err := svc.SetGoogleClientID(ctx, ann, ""); return err },
		"country":    func() error { _, err := svc.SetCountry(ctx, ann, "US"); return err },
		"idle":       func() error { _, err := svc.SetInboxIdleEnd(ctx, ann, "x", 5); return err },
		"toggle":     func() error { _, err := svc.SetInboxToggle(ctx, ann, "x", "googleSignin", true); return err },
	} {
		if e, ok := apperr.As(change()); !ok || e.Code != apperr.CodeForbidden {
			t.Errorf("%s by an agent = %v, want forbidden", name, e)
		}
	}
	after, _ := svc.Current(ctx)
	if after.Organization.DefaultRegion != "" || !after.Organization.DoubleOptIn {
		t.Errorf("an agent's refused changes changed the organization: %+v", after.Organization)
	}
}

// TestSettingsAreCheckedAndAudited: an owner's changes are checked, saved with the engine's
// clock and written to the audit log with the actor.
func TestSettingsAreCheckedAndAudited(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	clk := testutil.NewClock(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	svc := org.New(st, clk.Now)
	ws, err := svc.Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive Owner", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetCountry(ctx, ws.Me, "Narnia"); err == nil {
		t.Error("SetCountry(Narnia) succeeded")
	}
	if _, err := svc.SetGoogleClientID(ctx, ws.Me, "not-a-client-id"); err == nil {
		t.Error("SetGoogleClientID(not-a-client-id) succeeded")
	}
	clk.Advance(time.Hour)
	o, err := svc.SetCountry(ctx, ws.Me, " us ")
	if err != nil || o.DefaultRegion != "US" || !o.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("SetCountry(us) = %+v, %v; want US at the engine's clock", o, err)
	}
	inboxes, _ := st.InboxesByOrg(ctx, ws.Organization.ID)
	if _, err := svc.SetInboxToggle(ctx, ws.Me, inboxes[0].ID, "transcriptAfter", true); err == nil {
		t.Error("a mail toggle went on without a verified sender (MailReady unset)")
	}
	svc.MailReady = func(context.Context, string) (bool, error) { return true, nil }
	if in, err := svc.SetInboxToggle(ctx, ws.Me, inboxes[0].ID, "transcriptAfter", true); err != nil || !in.TranscriptAfter {
		t.Errorf("SetInboxToggle(transcriptAfter) with a sender = %+v, %v", in, err)
	}
	db := testutil.OpenRaw(t, st.Path())
	var n int
	err = db.QueryRow(`SELECT count(*) FROM audit_log WHERE actor_user_id = ? AND action IN ('organization.country', 'inbox.toggle')`, ws.Me.ID).Scan(&n)
	if err != nil || n != 2 {
		t.Errorf("audit rows for the two changes = %d, %v; want 2", n, err)
	}
}
