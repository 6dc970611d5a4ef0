package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/outbox/smtprelay"
	"vouchdesk/backend/store"
	"vouchdesk/backend/verify"
)

// International addresses through the widget API (docs/decisions.md): once the organization's
// relay has been reached (newEnv mails the sender's verification link), an address with
// non-ASCII letters before the @ is refused up front when the relay does not offer SMTPUTF8,
// and mailed with SMTPUTF8, as typed, when it does.
func TestNonASCIIAddressRefusedUpFrontWithoutSMTPUTF8(t *testing.T) {
	ctx := context.Background()
	c := newEnv(t, envOptions{doubleOptIn: true})
	var a sessionAnswer
	if code := c.call("POST", "/api/widget/v1/sessions", "", map[string]any{"inbox": c.inboxID(), "name": "José",
		"email": "josé@example.com"}, &a); code != 400 || a.Error.Code != verify.CodeEmailNotCarried {
		t.Fatalf("POST /sessions josé@example.com = %d %q, want 400 %s", code, a.Error.Code, verify.CodeEmailNotCarried)
	}
	if n := c.count(`SELECT count(*) FROM conversations`); n != 0 {
		t.Errorf("a refused start left %d conversations", n)
	}
	// The desktop's "Enter email" is refused the same way, as an invalid email field.
	s := c.start("", "")
	err := c.e.Verify().AgentGivesEmail(ctx, c.ws.Me, s.Conversation, "josé@example.com")
	if ae, ok := apperr.As(err); !ok || ae.Code != apperr.CodeInvalid || ae.Field != "email" || !strings.Contains(ae.Message, "before the @") {
		t.Errorf("AgentGivesEmail(josé@example.com) = %v, want an invalid email field saying why", err)
	}
	// Another relay may be set up: unknown again, until "test the connection" learns it.
	c.e.MailSettingsChanged()
	if err := c.e.Mail().TestSMTP(ctx, c.ws.Organization.ID); err != nil {
		t.Fatalf("TestSMTP() = %v", err)
	}
	if code := c.call("POST", "/api/widget/v1/sessions", "", map[string]any{"inbox": c.inboxID(), "name": "José",
		"email": "josé@example.com"}, &a); code != 400 || a.Error.Code != verify.CodeEmailNotCarried {
		t.Errorf("after TestSMTP: POST /sessions josé@example.com = %d %q, want 400 %s", code, a.Error.Code, verify.CodeEmailNotCarried)
	}
	// While unknown nothing is refused up front; the email then fails with the reason, never sent.
	c.e.MailSettingsChanged()
	c.start("josé@example.com", "")
	deadline := time.Now().Add(10 * time.Second)
	for {
		rows, err := c.e.Store().OutboxLog(ctx, c.ws.Organization.ID, 1)
		if err != nil || len(rows) != 1 || rows[0].ToAddr != "josé@example.com" {
			t.Fatalf("outbox log = %+v, %v; want the opt-in to josé@example.com on top", rows, err)
		}
		if rows[0].Status == store.OutboxFailed && rows[0].LastError == smtprelay.NoSMTPUTF8Reason {
			break
		}
		if rows[0].Status == store.OutboxSent || time.Now().After(deadline) {
			t.Fatalf("opt-in to josé@example.com = %s %q, want failed %q", rows[0].Status, rows[0].LastError, smtprelay.NoSMTPUTF8Reason)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// An internationalized domain needs no SMTPUTF8: accepted, mailed to its A-label.
	c.start("Jose@Bücher.de", "")
	got := c.smtp.WaitFor(c.seen+1, 10*time.Second)
	if len(got) != c.seen+1 {
		t.Fatalf("no double opt-in email arrived")
	}
	r := got[c.seen]
	if len(r.To) != 1 || r.To[0] != "Jose@xn--bcher-kva.de" || r.Msg.Header.Get("To") != "Jose@xn--bcher-kva.de" {
		t.Errorf("opt-in mailed to RCPT %v, To %q; want Jose@xn--bcher-kva.de in both", r.To, r.Msg.Header.Get("To"))
	}
}

func TestNonASCIIAddressMailedWithSMTPUTF8(t *testing.T) {
	c := newEnv(t, envOptions{doubleOptIn: true, smtputf8: true})
	c.start("José@Bücher.de", "")
	got := c.smtp.WaitFor(c.seen+1, 10*time.Second)
	if len(got) != c.seen+1 {
		rows, _ := c.e.Store().OutboxLog(context.Background(), c.ws.Organization.ID, 5)
		t.Fatalf("no double opt-in email arrived; outbox %+v", rows)
	}
	r := got[c.seen]
	if !r.SMTPUTF8 || len(r.To) != 1 || r.To[0] != "José@xn--bcher-kva.de" {
		t.Errorf("opt-in envelope RCPT %v SMTPUTF8 %v, want José@xn--bcher-kva.de with SMTPUTF8", r.To, r.SMTPUTF8)
	}
	if to := r.Msg.Header.Get("To"); to != "José@xn--bcher-kva.de" || strings.Contains(to, "=?") {
		t.Errorf("To header = %q, want José@xn--bcher-kva.de", to)
	}
}
