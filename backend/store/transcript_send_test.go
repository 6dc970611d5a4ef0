package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// TestTranscriptPlanRecipientRule: a transcript may go only to the email the conversation's link
// rests on, and only while the link is verified, the field is live, the contact is active and
// the field has a live verification; otherwise no address comes back at all.
func TestTranscriptPlanRecipientRule(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 8, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		link  string
		after string // SQL run after the setup, with :field / :contact replaced
		want  string
	}{
		{"verified link, live verification", store.LinkVerified, "", "Ada@Example.com"},
		{"preliminary link", store.LinkPreliminary, "", ""},
		{"verification revoked", store.LinkVerified, "UPDATE verifications SET revoked_at = 1 WHERE field_id = ':field'", ""},
		{"field removed", store.LinkVerified, "UPDATE contact_fields SET removed_at = 1 WHERE id = ':field'", ""},
		{"contact pending", store.LinkVerified, "UPDATE contacts SET status = 'pending' WHERE id = ':contact'", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := testutil.NewStore(t)
			o := store.Organization{ID: store.NewID(), Name: "Acme", CreatedAt: t0, UpdatedAt: t0}
			other := store.Organization{ID: store.NewID(), Name: "Other", CreatedAt: t0, UpdatedAt: t0}
			in := store.Inbox{ID: store.NewID(), OrgID: o.ID, Kind: store.InboxChat, Name: "Chat", TranscriptAfter: true, CreatedAt: t0, UpdatedAt: t0}
			conv := store.Conversation{ID: store.NewID(), OrgID: o.ID, InboxID: in.ID, StartedAt: t0, LastActivityAt: t0}
			ct := store.Contact{ID: store.NewID(), OrgID: o.ID, Status: store.ContactActive, CreatedAt: t0, UpdatedAt: t0}
			fd := store.Field{ID: store.NewID(), OrgID: o.ID, ContactID: ct.ID, Kind: store.FieldEmail, ValueNorm: "ada@example.com",
				ValueDisplay: "Ada@Example.com", CreatedAt: t0}
			v := store.Verification{ID: store.NewID(), OrgID: o.ID, FieldID: fd.ID, Method: store.MethodEmailOTP, VerifiedAt: t0}
			err := s.Write(ctx, func(tx *store.Tx) error {
				for _, step := range []error{tx.InsertOrganization(o), tx.InsertOrganization(other), tx.InsertInbox(in),
					tx.InsertChat(conv, nil), tx.InsertContact(ct), tx.InsertField(fd), tx.InsertVerification(v),
					tx.SetLink(o.ID, conv.ID, ct.ID, fd.ID, tc.link)} {
					if step != nil {
						return step
					}
				}
				if tc.after == "" {
					return nil
				}
				q := tc.after
				for k, val := range map[string]string{":field": fd.ID, ":contact": ct.ID} {
					q = strings.ReplaceAll(q, k, val)
				}
				return tx.ExecRaw(q)
			})
			if err != nil {
				t.Fatal(err)
			}
			var plan store.TranscriptPlan
			var otherErr error
			err = s.Write(ctx, func(tx *store.Tx) error {
				var err error
				plan, err = tx.TranscriptPlan(o.ID, conv.ID)
				_, otherErr = tx.TranscriptPlan(other.ID, conv.ID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if plan.Recipient != tc.want || (tc.want != "") != (plan.RecipientFieldID == fd.ID) || !plan.TranscriptAfter {
				t.Errorf("TranscriptPlan() = %+v, want recipient %q", plan, tc.want)
			}
			if !errors.Is(otherErr, store.ErrNotFound) {
				t.Errorf("TranscriptPlan(other organization) error = %v, want ErrNotFound", otherErr)
			}
		})
	}
}
