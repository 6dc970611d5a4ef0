package verify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/store"
	"vouchdesk/backend/verify"
)

func TestInertName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Ada Lovelace", "Ada Lovelace"},
		{"J. R. R. Tolkien", "J. R. R. Tolkien"},
		{"Click https://evil.example/x", "Click https[:]//evil[.]example/x"},
		{"mail me: bob@evil.example", "mail me: bob[at]evil[.]example"},
		{"www.evil.example", "www[.]evil[.]example"},
		{"Ada\r\nSubject: reset\tnow", "Ada Subject: reset now"},
		{"  Ada \x00\x1b[31m\x7f ", "Ada [31m"},
		{"Ada \u202egnp.exe\u200b", "Ada gnp[.]exe"},
		{`Say "confirm"`, `Say 'confirm'`},
		{strings.Repeat("a", 100), strings.Repeat("a", 59) + "…"},
		{"", ""},
	} {
		if got := verify.InertName(c.in); got != c.want {
			t.Errorf("InertName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestUTCTime(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 5, 0, 0, time.FixedZone("CET", 3600))
	if got, want := verify.UTCTime(at), "Sun 1 Mar 2026, 09:05 UTC"; got != want {
		t.Errorf("UTCTime(%v) = %q, want %q", at, got, want)
	}
}

// TestCodeEmailSaysWhoAsked: a chat code's email says what the code is for, who is chatting as the
// address, since when and under which name (inert), and not to give the code to anyone if it is
// not them.
func TestCodeEmailSaysWhoAsked(t *testing.T) {
	e := newCodeEnv(t)
	ctx := context.Background()
	dev, _, _, err := e.verify.Device(ctx, e.ws.Organization.ID, "", "test")
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.chat.Start(ctx, e.ws.Organization.ID, chat.StartInput{InboxID: e.inbox, DeviceID: dev, Name: "<b>Eve</b> visit http://evil.example"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.verify.SubmitEmail(ctx, s.Conversation, "Ada@example.com", true, store.Actor{Kind: "customer"}); err != nil {
		t.Fatal(err)
	}
	if err := e.verify.SendCode(ctx, e.ws.Me, s.Conversation.ID); err != nil {
		t.Fatal(err)
	}
	log, _ := e.st.OutboxLog(ctx, e.ws.Organization.ID, 1)
	m := log[0]
	for _, want := range []string{"Someone is chatting with Acme right now as Ada@example.com and asked for a code",
		"Chat started: Sun 1 Mar 2026, 09:00 UTC", `Name they gave: "‹b›Eve‹/b› visit http[:]//evil[.]example"`,
		"If it is not you, do not give this code to anyone; ignore this email."} {
		if !strings.Contains(m.BodyText, want) {
			t.Errorf("code email text lacks %q:\n%s", want, m.BodyText)
		}
	}
	for _, want := range []string{"Sun 1 Mar 2026, 09:00 UTC", "&ldquo;‹b›Eve‹/b› visit http[:]//evil[.]example&rdquo;",
		"If it is not you, do not give this code to anyone; ignore this email."} {
		if !strings.Contains(m.BodyHTML, want) {
			t.Errorf("code email HTML lacks %q:\n%s", want, m.BodyHTML)
		}
	}
	if strings.Contains(m.BodyHTML, "<b>Eve") || strings.Contains(m.BodyHTML, "http://evil") || strings.Contains(m.BodyText, "http://evil") {
		t.Errorf("the visitor's name is live in the code email:\n%s\n%s", m.BodyText, m.BodyHTML)
	}
}

// TestSigninCodeEmailSaysWhoAsked: a sign-in code's email says who is signing in as the address,
// when, and not to give the code to anyone if it is not them.
func TestSigninCodeEmailSaysWhoAsked(t *testing.T) {
	e := newCodeEnv(t)
	in, o := e.signinInbox()
	e.askSigninCode(in, o, "Ada@example.com")
	log, _ := e.st.OutboxLog(context.Background(), o.ID, 1)
	for _, want := range []string{"Someone is signing in to a chat with Acme as Ada@example.com.", "Asked at: Sun 1 Mar 2026, 09:00 UTC",
		"If it is not you, do not give this code to anyone; ignore this email."} {
		if !strings.Contains(log[0].BodyText, want) {
			t.Errorf("sign-in email text lacks %q:\n%s", want, log[0].BodyText)
		}
	}
	for _, want := range []string{"<strong>Ada@example.com</strong>", "Sun 1 Mar 2026, 09:00 UTC",
		"If it is not you, do not give this code to anyone; ignore this email."} {
		if !strings.Contains(log[0].BodyHTML, want) {
			t.Errorf("sign-in email HTML lacks %q:\n%s", want, log[0].BodyHTML)
		}
	}
}
