package engine_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/verify"
)

// The email swap (issue 13, hole 1): a customer starts a chat with an address they own, gives
// the address of an existing verified contact (POST /email), then uses the code or link that
// reached their own mailbox. A proof proves only the address it was sent to, for the conversation
// it was issued in: giving a new address cancels what was sent for the old one, and nothing
// makes the victim's address verified.

// count runs a counting query on the database, beside the engine.
func (c *chatEnv) count(query string, args ...any) int {
	c.t.Helper()
	db := testutil.OpenRaw(c.t, c.path)
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		c.t.Fatal(err)
	}
	return n
}

// victim makes bob@example.com a verified contact (the agent's judgement in an earlier chat).
func (c *chatEnv) victim() string {
	c.t.Helper()
	bob := c.start("bob@example.com", "")
	if err := c.e.Verify().MarkVerified(context.Background(), c.ws.Me, bob.Conversation, "bob@example.com"); err != nil {
		c.t.Fatal(err)
	}
	return c.panel(bob.Conversation).Contact.ID
}

// notVictim checks that the attacker's conversation is not verified, and that nothing in it
// verified Bob's address.
func (c *chatEnv) notVictim(conversationID, bobContact string) {
	c.t.Helper()
	p := c.panel(conversationID)
	if p.State == verify.PanelVerified {
		c.t.Fatalf("after the swap the chat is verified: %+v", p)
	}
	if p.Contact.ID == bobContact && p.State != verify.PanelPreliminary {
		c.t.Fatalf("the chat rests on Bob's contact as %q, want preliminary", p.State)
	}
	if n := c.count(`SELECT count(*) FROM verifications WHERE conversation_id = ?`, conversationID); n != 0 {
		c.t.Fatalf("the attacker's chat recorded %d verifications, want none", n)
	}
}

func TestEmailSwapAfterOptInLinkProvesNothing(t *testing.T) {
	c := newChatEnv(t, true)
	bob := c.victimOptIn()
	// Mallory starts with her own new address: pending, a confirmation link goes to her.
	mallory := c.start("mallory@evil.example", "")
	link := c.nextLink("/confirm/")
	// She gives Bob's address, then confirms the link from her own mailbox.
	if st := c.call("POST", "/api/widget/v1/email", mallory.Session, map[string]any{"email": "bob@example.com"}, nil); st != 200 {
		t.Fatalf("POST /email = %d", st)
	}
	resp, err := http.PostForm(link, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("the cancelled confirmation link answered %d, want 404 (no longer works)", resp.StatusCode)
	}
	c.notVictim(mallory.Conversation, bob)
	if p := c.panel(mallory.Conversation); p.Email != "bob@example.com" || p.State != verify.PanelPreliminary {
		t.Errorf("panel = %+v, want Bob's address preliminary (typed, not proven)", p)
	}
}

// victimOptIn makes bob@example.com a verified contact under double opt-in (confirmed link).
func (c *chatEnv) victimOptIn() string {
	c.t.Helper()
	bob := c.start("bob@example.com", "")
	resp, err := http.PostForm(c.nextLink("/confirm/"), url.Values{})
	if err != nil || resp.StatusCode != 200 {
		c.t.Fatalf("Bob's confirmation = %v %v", resp, err)
	}
	resp.Body.Close()
	p := c.panel(bob.Conversation)
	if p.State != verify.PanelVerified {
		c.t.Fatalf("Bob = %+v, want verified", p)
	}
	return p.Contact.ID
}

func TestEmailSwapAfterAgentLinkProvesNothing(t *testing.T) {
	c := newChatEnv(t, false)
	bob := c.victim()
	mallory := c.start("mallory@evil.example", "")
	if err := c.e.Verify().SendLink(context.Background(), c.ws.Me, mallory.Conversation); err != nil {
		t.Fatal(err)
	}
	link := c.nextLink("/verify/email/")
	if st := c.call("POST", "/api/widget/v1/email", mallory.Session, map[string]any{"email": "Bob@Example.com"}, nil); st != 200 {
		t.Fatalf("POST /email = %d", st)
	}
	resp, err := http.PostForm(link, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("the cancelled link answered %d, want 404", resp.StatusCode)
	}
	c.notVictim(mallory.Conversation, bob)
}

func TestEmailSwapAfterCodeProvesNothing(t *testing.T) {
	c := newChatEnv(t, false)
	bob := c.victim()
	mallory := c.start("mallory@evil.example", "")
	if err := c.e.Verify().SendCode(context.Background(), c.ws.Me, mallory.Conversation); err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(c.nextEmail())
	if st := c.call("POST", "/api/widget/v1/email", mallory.Session, map[string]any{"email": "bob@example.com"}, nil); st != 200 {
		t.Fatalf("POST /email = %d", st)
	}
	var out struct {
		State struct{ Verified bool }
		Error struct{ Code string }
	}
	st := c.call("POST", "/api/widget/v1/code", mallory.Session, map[string]string{"code": code[1]}, &out)
	if st == 200 || out.State.Verified {
		t.Fatalf("the code sent to her own address verified the chat after the swap: %d %+v", st, out)
	}
	if out.Error.Code != verify.CodeExpired {
		t.Errorf("code after the swap = %d %q, want %s", st, out.Error.Code, verify.CodeExpired)
	}
	c.notVictim(mallory.Conversation, bob)
}

// TestProofShowsTheProvenAddressNotTheTypedOne: even with the cancel bypassed (the typed email
// changed behind the challenge's back), a link proves the address it was sent to, shows that
// address, and the agent sees the typed one beside it.
func TestProofShowsTheProvenAddressNotTheTypedOne(t *testing.T) {
	c := newChatEnv(t, false)
	ctx := context.Background()
	org := c.ws.Organization.ID
	bob := c.victim()
	mallory := c.start("mallory@evil.example", "")
	if err := c.e.Verify().SendLink(ctx, c.ws.Me, mallory.Conversation); err != nil {
		t.Fatal(err)
	}
	link := c.nextLink("/verify/email/")
	if err := c.e.Store().Write(ctx, func(tx *store.Tx) error {
		return tx.SetVisitorEmail(org, mallory.Conversation, "bob@example.com")
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.PostForm(link, url.Values{})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST link = %v %v", resp, err)
	}
	resp.Body.Close()
	p := c.panel(mallory.Conversation)
	if p.State != verify.PanelVerified || p.Contact.ID == bob || p.Email != "mallory@evil.example" || p.TypedEmail != "bob@example.com" {
		t.Fatalf("panel = %+v, want verified as mallory@ (her own contact) with bob@ typed beside it", p)
	}
	items, err := c.e.Store().ListConversations(ctx, org, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.ID == mallory.Conversation && (it.LinkDisplay != "mallory@evil.example" || it.ContactID == bob) {
			t.Errorf("list item = %+v, want linked to mallory@", it)
		}
	}
	// Bob's field still carries only the agent's verification, and no field shows his address
	// for another value.
	if shown := c.count(`SELECT count(*) FROM contact_fields WHERE value_display = 'bob@example.com' AND value_norm <> 'bob@example.com'`); shown != 0 {
		t.Errorf("%d fields show Bob's address for another value", shown)
	}
}

// TestSigninThenTypedAddressKeepsWhatWasProven: a chat signed in as one address stays verified as
// that address when the customer types another; the agent sees both.
func TestVerifiedChatThenTypedAddressKeepsWhatWasProven(t *testing.T) {
	c := newChatEnv(t, false)
	ctx := context.Background()
	bob := c.victim()
	mallory := c.start("mallory@evil.example", "")
	if err := c.e.Verify().SendCode(ctx, c.ws.Me, mallory.Conversation); err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`\b(\d{6})\b`).FindStringSubmatch(c.nextEmail())
	if st := c.call("POST", "/api/widget/v1/code", mallory.Session, map[string]string{"code": code[1]}, nil); st != 200 {
		t.Fatalf("code = %d", st)
	}
	var out struct{ State struct{ Verified bool } }
	if st := c.call("POST", "/api/widget/v1/email", mallory.Session, map[string]any{"email": "bob@example.com"}, &out); st != 200 {
		t.Fatalf("POST /email = %d", st)
	}
	if out.State.Verified {
		t.Errorf("the widget says verified for a typed, unproven address")
	}
	p := c.panel(mallory.Conversation)
	if p.State != verify.PanelVerified || p.Contact.ID == bob || p.Email != "mallory@evil.example" || p.TypedEmail != "bob@example.com" {
		t.Fatalf("panel = %+v, want verified as mallory@ with bob@ typed beside it", p)
	}
}

// TestMarkVerifiedRefusesAnAddressSwappedUnderTheAgent: the agent vouches for the address they
// were shown; a customer who gives another one just before the click gets nothing verified.
func TestMarkVerifiedRefusesAnAddressSwappedUnderTheAgent(t *testing.T) {
	c := newChatEnv(t, false)
	ctx := context.Background()
	bob := c.victim()
	mallory := c.start("mallory@evil.example", "")
	if st := c.call("POST", "/api/widget/v1/email", mallory.Session, map[string]any{"email": "bob@example.com"}, nil); st != 200 {
		t.Fatalf("POST /email = %d", st)
	}
	err := c.e.Verify().MarkVerified(ctx, c.ws.Me, mallory.Conversation, "mallory@evil.example")
	if e, ok := apperr.As(err); !ok || e.Code != verify.CodeEmailChanged {
		t.Fatalf("MarkVerified(seen mallory@, now bob@) = %v, want %s", err, verify.CodeEmailChanged)
	}
	c.notVictim(mallory.Conversation, bob)
}
