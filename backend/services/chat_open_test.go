package services

import (
	"testing"
	"time"

	"vouchdesk/backend/store"
)

// TestOpenLabelsEachFieldByItsNewestVerification: a verified chat's contact panel lists every
// live field with how its newest live verification was made, and no label for a field nobody
// verified (the labels are read in one query for the whole contact).
func TestOpenLabelsEachFieldByItsNewestVerification(t *testing.T) {
	b, s := newChat(t)
	ctx, _, ws, _ := b.workspace()
	e := eng(b)
	orgID := ws.Organization.ID
	ch := NewChat(b)
	if _, err := ch.SetEmail(s.Conversation.ID, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	panel, err := ch.MarkVerified(s.Conversation.ID, "ada@example.com")
	if err != nil || panel.State != "verified" {
		t.Fatalf("MarkVerified = %+v, %v", panel, err)
	}

	// Two more fields: a phone nobody verified, and an email verified twice (the newer by code).
	now := time.Now()
	phone := store.Field{ID: store.NewID(), OrgID: orgID, ContactID: panel.ContactID, Kind: store.FieldPhone,
		ValueNorm: "+15551234567", ValueDisplay: "+1 555 123 4567", CreatedAt: now}
	work := store.Field{ID: store.NewID(), OrgID: orgID, ContactID: panel.ContactID, Kind: store.FieldEmail,
		ValueNorm: "ada@work.example", ValueDisplay: "ada@work.example", CreatedAt: now}
	err = e.Store().Write(ctx, func(tx *store.Tx) error {
		for _, f := range []store.Field{phone, work} {
			if err := tx.InsertField(f); err != nil {
				return err
			}
		}
		for i, m := range []string{store.MethodAgent, store.MethodEmailOTP} {
			v := store.Verification{ID: store.NewID(), OrgID: orgID, FieldID: work.ID, Method: m,
				VerifiedAt: now.Add(time.Duration(i) * time.Minute)}
			if m == store.MethodAgent {
				v.ActorUserID = ws.Me.ID
			}
			if err := tx.InsertVerification(v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	d, err := ch.Open(s.Conversation.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range d.Panel.Fields {
		got[f.Value] = f.VerifiedLabel
	}
	want := map[string]string{"ada@example.com": "Verified by Olive Owner", "+1 555 123 4567": "", "ada@work.example": "Verified by Email OTP"}
	if len(got) != len(want) {
		t.Fatalf("fields = %+v, want %v", d.Panel.Fields, want)
	}
	for value, label := range want {
		if l, ok := got[value]; !ok || l != label {
			t.Errorf("field %s labelled %q, want %q", value, l, label)
		}
	}
}
