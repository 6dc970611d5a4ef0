package engine_test

import (
	"context"
	"regexp"
	"testing"

	"vouchdesk/backend/store"
	"vouchdesk/backend/verify"
)

// TestChatProofMergesOnlyOnVerifiedEvidence: a customer who proved one email in a chat and then
// proves, in the same chat, an email another contact has is one person: the two contacts merge.
// Typing someone else's email merges nothing.
func TestChatProofMergesOnlyOnVerifiedEvidence(t *testing.T) {
	c := newChatEnv(t, false)
	ctx := context.Background()
	org := c.ws.Organization.ID
	codeRE := regexp.MustCompile(`\b(\d{6})\b`)

	// Bob exists, verified by the agent in an earlier chat.
	bobChat := c.start("bob@example.com", "")
	if err := c.e.Verify().MarkVerified(ctx, c.ws.Me, bobChat.Conversation, "bob@example.com"); err != nil {
		t.Fatal(err)
	}
	bob := c.panel(bobChat.Conversation).Contact

	// Ada proves ada@ by code in her chat.
	ada := c.start("ada@example.com", "")
	if err := c.e.Verify().SendCode(ctx, c.ws.Me, ada.Conversation); err != nil {
		t.Fatal(err)
	}
	code := codeRE.FindStringSubmatch(c.nextEmail())
	var ok struct{ State struct{ Verified bool } }
	if st := c.call("POST", "/api/widget/v1/code", ada.Session, map[string]string{"code": code[1]}, &ok); st != 200 || !ok.State.Verified {
		t.Fatalf("code = %d %+v", st, ok)
	}
	adaContact := c.panel(ada.Conversation).Contact

	// She types Bob's address: what she proved stays, Bob's address is shown beside it as
	// typed, and nothing merges.
	if st := c.call("POST", "/api/widget/v1/email", ada.Session, map[string]any{"email": "bob@example.com"}, nil); st != 200 {
		t.Fatalf("POST /email = %d", st)
	}
	if p := c.panel(ada.Conversation); p.State != verify.PanelVerified || p.Contact.ID != adaContact.ID ||
		p.Email != "ada@example.com" || p.TypedEmail != "bob@example.com" {
		t.Fatalf("after typing another's email: %+v, want verified as ada@ with bob@ typed beside it", p)
	}
	ms, _ := c.e.Store().MergesOf(ctx, org, bob.ID)
	if len(ms) != 0 {
		t.Fatalf("typing an email merged: %+v", ms)
	}
	if b, _ := c.e.Store().ContactByID(ctx, org, bob.ID); b.Status != store.ContactActive {
		t.Fatalf("Bob after a typed email = %+v", b)
	}

	// She proves it by code: the same person holds both; Bob merges into Ada's contact.
	if err := c.e.Verify().SendCode(ctx, c.ws.Me, ada.Conversation); err != nil {
		t.Fatal(err)
	}
	code = codeRE.FindStringSubmatch(c.nextEmail())
	if st := c.call("POST", "/api/widget/v1/code", ada.Session, map[string]string{"code": code[1]}, &ok); st != 200 || !ok.State.Verified {
		t.Fatalf("second code = %d %+v", st, ok)
	}
	p := c.panel(ada.Conversation)
	if p.State != verify.PanelVerified || p.Contact.ID != adaContact.ID {
		t.Fatalf("panel after proving Bob's email = %+v, want verified as Ada's contact", p)
	}
	b, _ := c.e.Store().ContactByID(ctx, org, bob.ID)
	if b.Status != store.ContactMerged || b.MergedInto != adaContact.ID {
		t.Fatalf("Bob = %+v, want merged into Ada's contact", b)
	}
	conv, _ := c.e.Store().ConversationByID(ctx, org, bobChat.Conversation)
	if conv.ContactID != adaContact.ID {
		t.Errorf("Bob's earlier chat is on %s, want the merged contact", conv.ContactID)
	}
	ms, _ = c.e.Store().MergesOf(ctx, org, adaContact.ID)
	if len(ms) != 1 || ms[0].ActorUserID != "" || ms[0].Reason != "bob@example.com: Verified by Email OTP in a chat" {
		t.Errorf("merge record = %+v", ms)
	}
	// A later chat with Bob's address lands on the same contact.
	later := c.start("bob@example.com", "")
	if p := c.panel(later.Conversation); p.Contact.ID != adaContact.ID {
		t.Errorf("a later chat with bob@ is on %s, want %s", p.Contact.ID, adaContact.ID)
	}
}

// TestRemovedVerificationStopsTheDeviceToken: after an agent removes the verification of an
// email, the browser that proved it is no longer recognised as that person.
func TestRemovedVerificationStopsTheDeviceToken(t *testing.T) {
	c := newChatEnv(t, false)
	ctx := context.Background()
	first := c.start("ada@example.com", "")
	if err := c.e.Verify().SendCode(ctx, c.ws.Me, first.Conversation); err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(c.nextEmail())
	var ok struct{ State struct{ Verified bool } }
	if st := c.call("POST", "/api/widget/v1/code", first.Session, map[string]string{"code": code[1]}, &ok); st != 200 || !ok.State.Verified {
		t.Fatalf("code = %d %+v", st, ok)
	}
	if back := c.start("ada@example.com", first.DeviceToken); !back.State.Verified {
		t.Fatalf("before removal the browser is not recognised: %+v", back)
	}
	p := c.panel(first.Conversation)
	if _, err := c.e.Contacts().RemoveVerification(ctx, c.ws.Me, p.FieldID); err != nil {
		t.Fatal(err)
	}
	back := c.start("ada@example.com", first.DeviceToken)
	if back.State.Verified {
		t.Fatalf("after removal the browser is still verified: %+v", back)
	}
	if p := c.panel(back.Conversation); p.State != verify.PanelPreliminary {
		t.Errorf("panel after removal = %+v, want preliminary", p)
	}
	if p := c.panel(first.Conversation); p.State != verify.PanelPreliminary {
		t.Errorf("the open chat that rested on it = %+v, want preliminary", p)
	}
}
