package mailaccounts_test

import (
	"errors"
	"testing"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/mailaccounts"
	"vouchdesk/backend/mailbox"
	"vouchdesk/backend/store"
)

var bounceInput = mailaccounts.Input{Host: "imap.example.com", Port: 993, TLS: "implicit",
	Username: "bounces", Password: "bounce-pw", Address: "bounces@acme.test"}

// Setting up a bounce mailbox makes its address the envelope sender of every email (the relay's
// reports go there); removing it gives the sender email back the reports.
func TestBounceMailboxIsTheEnvelopeSender(t *testing.T) {
	svc, sec, _, ws := setup(t, true)
	orgID := ws.Organization.ID
	if _, err := svc.Save(ctx, ws.Me, orgID, mailaccounts.SMTP, mailaccounts.Input{Host: "smtp.example.com", Port: 587,
		TLS: "starttls", Username: "support@acme.test"}); err != nil {
		t.Fatal(err)
	}
	if opt, _, err := svc.SMTPConfig(ctx, orgID); err != nil || opt.EnvelopeFrom != "" {
		t.Fatalf("SMTPConfig() without a bounce mailbox = EnvelopeFrom %q, %v; want \"\"", opt.EnvelopeFrom, err)
	}
	acc, err := svc.Save(ctx, ws.Me, orgID, mailaccounts.Bounce, bounceInput)
	if err != nil || acc.Address != "bounces@acme.test" || !acc.HasPassword || acc.SecretRef != "bounce" {
		t.Fatalf("Save(bounce) = %+v, %v; want address bounces@acme.test, password in the keyring as \"bounce\"", acc, err)
	}
	if sec.m["bounce"] != "bounce-pw" {
		t.Errorf("keyring holds %q for the bounce mailbox, want its password", sec.m["bounce"])
	}
	if opt, _, err := svc.SMTPConfig(ctx, orgID); err != nil || opt.EnvelopeFrom != "bounces@acme.test" {
		t.Errorf("SMTPConfig() = EnvelopeFrom %q, %v; want bounces@acme.test", opt.EnvelopeFrom, err)
	}
	cfg, ok, err := svc.BounceConfig(ctx, orgID)
	if err != nil || !ok || cfg.Host != "imap.example.com" || cfg.Username != "bounces" {
		t.Fatalf("BounceConfig() = %+v, %v, %v", cfg, ok, err)
	}
	if pw, err := cfg.Password(); err != nil || pw != "bounce-pw" {
		t.Errorf("BounceConfig().Password() = %q, %v; want the bounce mailbox's own", pw, err)
	}
	// The sender's mailbox (IMAP) is a different account: the bounce one does not set it up.
	if _, ok, err := svc.IMAPConfig(ctx, orgID); err != nil || ok {
		t.Errorf("IMAPConfig() = ok %v, %v; want none set up", ok, err)
	}

	if err := svc.RemoveBounce(ctx, ws.Me, orgID); err != nil {
		t.Fatal(err)
	}
	if opt, _, err := svc.SMTPConfig(ctx, orgID); err != nil || opt.EnvelopeFrom != "" {
		t.Errorf("SMTPConfig() after RemoveBounce = EnvelopeFrom %q, %v; want \"\"", opt.EnvelopeFrom, err)
	}
	if _, ok, err := svc.BounceConfig(ctx, orgID); err != nil || ok {
		t.Errorf("BounceConfig() after RemoveBounce = ok %v, %v; want none", ok, err)
	}
	if _, ok := sec.m["bounce"]; ok {
		t.Errorf("the bounce password is still in the keyring after RemoveBounce")
	}
}

func TestBounceMailboxNeedsAnAdminAndAnAddress(t *testing.T) {
	svc, _, _, ws := setup(t, true)
	orgID := ws.Organization.ID
	agent := ws.Me
	agent.Role = store.RoleAgent
	var ae *apperr.Error
	if _, err := svc.Save(ctx, agent, orgID, mailaccounts.Bounce, bounceInput); !errors.As(err, &ae) || ae.Code != "forbidden" {
		t.Errorf("Save(bounce) by an agent = %v, want forbidden", err)
	}
	for _, addr := range []string{"", "bounces", "Bounces <bounces@acme.test>", "bounces@acme.test\r\nBcc: x@y.test"} {
		in := bounceInput
		in.Address = addr
		if _, err := svc.Save(ctx, ws.Me, orgID, mailaccounts.Bounce, in); !errors.As(err, &ae) || ae.Field != "address" {
			t.Errorf("Save(bounce, address %q) = %v, want a field error on address", addr, err)
		}
	}
	if _, err := svc.Save(ctx, ws.Me, orgID, mailaccounts.Bounce, bounceInput); err != nil {
		t.Fatal(err)
	}
	if err := svc.RemoveBounce(ctx, agent, orgID); !errors.As(err, &ae) || ae.Code != "forbidden" {
		t.Errorf("RemoveBounce() by an agent = %v, want forbidden", err)
	}
	if _, ok, _ := svc.BounceConfig(ctx, orgID); !ok {
		t.Errorf("the bounce mailbox is gone after an agent's refused RemoveBounce")
	}
}

// The bounce mailbox is listed in the recorded health only while it is set up.
func TestRecordedHealthListsTheBounceMailboxWhenSetUp(t *testing.T) {
	svc, _, _, ws := setup(t, true)
	orgID := ws.Organization.ID
	purposes := func() []string {
		hs, err := svc.Recorded(ctx, orgID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hs {
			out = append(out, h.Purpose+"="+h.State)
		}
		return out
	}
	if got := purposes(); len(got) != 2 {
		t.Errorf("Recorded() without a bounce mailbox = %v, want smtp and imap only", got)
	}
	if _, err := svc.Save(ctx, ws.Me, orgID, mailaccounts.Bounce, bounceInput); err != nil {
		t.Fatal(err)
	}
	if got := purposes(); len(got) != 3 || got[2] != "bounce=connecting" {
		t.Errorf("Recorded() with a bounce mailbox not yet watched = %v, want a third entry bounce=connecting", got)
	}
	h := mailaccounts.BounceHealth(true, mailboxStatusConnected(), time0)
	if err := svc.SaveHealth(ctx, orgID, h); err != nil {
		t.Fatal(err)
	}
	if got := purposes(); len(got) != 3 || got[2] != "bounce=connected" {
		t.Errorf("Recorded() after the engine recorded it = %v, want bounce=connected", got)
	}
	if err := svc.RemoveBounce(ctx, ws.Me, orgID); err != nil {
		t.Fatal(err)
	}
	if got := purposes(); len(got) != 2 {
		t.Errorf("Recorded() after RemoveBounce = %v, want smtp and imap only", got)
	}
}

var time0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func mailboxStatusConnected() mailbox.Status {
	return mailbox.Status{Connected: true, Mode: mailbox.ModeIdle, LastPoll: time0}
}
