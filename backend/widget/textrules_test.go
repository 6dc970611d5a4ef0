package widget_test

import (
	"context"
	"strings"
	"testing"

	"vouchdesk/backend/widget"
)

// hidden are the characters no stored or answered text may carry: NUL, ESC, direction overrides
// and isolates, zero-width space, BOM.
const hidden = "\x00\x1b\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\ufeff"

// The text rules hold through the real widget API: an email with a zero-width space is refused,
// a name with a direction override is refused, and a message with NUL, ESC and U+202E is stored
// neutralised, so GET /conversation answers none of them.
func TestWidgetAPIAppliesTextRules(t *testing.T) {
	e := newChatEnv(t, widget.Limits{})
	ctx := context.Background()

	// An email with U+200B: refused before anything is created, in the pre-chat form and later.
	res, out := e.call("POST", "/api/widget/v1/sessions", "", map[string]any{"inbox": e.inbox, "name": "Ada", "email": "ada\u200b@example.com", "consent": true})
	if res.StatusCode != 400 || errCode(out) != "invalid_email" {
		t.Errorf("POST /sessions with email %q = %d %v, want 400 invalid_email", "ada\u200b@example.com", res.StatusCode, out)
	}

	// A name with U+202E: refused; a name with CR LF and U+200B: folded and stripped.
	res, out = e.call("POST", "/api/widget/v1/sessions", "", map[string]any{"inbox": e.inbox, "name": "Ada\u202egnp.exe"})
	if res.StatusCode != 400 || errCode(out) != "invalid_name" {
		t.Errorf("POST /sessions with name %q = %d %v, want 400 invalid_name", "Ada\u202egnp.exe", res.StatusCode, out)
	}
	s := e.start(map[string]any{"name": "Ada\r\nLove\u200blace"})
	session, convID := s["session"].(string), s["conversation"].(string)
	conv, err := e.st.ConversationByID(ctx, e.ws.Organization.ID, convID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.VisitorName != "Ada Lovelace" {
		t.Errorf("stored name for %q = %q, want %q", "Ada\r\nLove\u200blace", conv.VisitorName, "Ada Lovelace")
	}

	res, out = e.call("POST", "/api/widget/v1/email", session, map[string]any{"email": "ada@exa\u2060mple.com", "consent": true})
	if res.StatusCode != 400 || errCode(out) != "invalid_email" {
		t.Errorf("POST /email with a word joiner = %d %v, want 400 invalid_email", res.StatusCode, out)
	}

	// A message with NUL, ESC and U+202E: stored without them, the letters in the order typed.
	body := "pay\x00 \x1b[2Jnow \u202eexe.fdp"
	res, out = e.call("POST", "/api/widget/v1/messages", session, map[string]any{"clientMsgId": "m1", "body": body})
	if res.StatusCode != 201 {
		t.Fatalf("POST /messages %q = %d %v, want 201", body, res.StatusCode, out)
	}
	res, out = e.call("GET", "/api/widget/v1/conversation", session, nil)
	msgs, _ := out["messages"].([]any)
	if res.StatusCode != 200 || len(msgs) == 0 {
		t.Fatalf("GET /conversation = %d %v, want 200 with the message", res.StatusCode, out)
	}
	found := false
	for _, m := range msgs {
		b, _ := m.(map[string]any)["body"].(string)
		if strings.ContainsAny(b, hidden) {
			t.Errorf("GET /conversation body %q holds a control, override or invisible character", b)
		}
		found = found || b == "pay [2Jnow exe.fdp"
	}
	if !found {
		t.Errorf("GET /conversation messages = %v, want one with body %q", msgs, "pay [2Jnow exe.fdp")
	}
}
