package services

import (
	"context"
	"net"
	"strings"
	"testing"
)

func TestSenderAndGateThroughTheServices(t *testing.T) {
	b := newBackend(t)
	if _, err := NewSetup(b).Complete(SetupRequest{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"}); err != nil {
		t.Fatal(err)
	}
	mail, inboxes := NewMail(b), NewInboxes(b)
	st, err := mail.SenderState()
	if err != nil || !st.CanManage || st.Verified != nil || st.Pending != nil || st.Mailbox.Configured {
		t.Fatalf("SenderState() = %+v, %v", st, err)
	}
	if _, err := mail.SetSender("not an address"); parse(t, err).Field != "address" {
		t.Errorf("SetSender(bad) error = %v, want field address", err)
	}
	st, err = mail.SetSender("support@acme.test")
	if err != nil || st.Pending == nil || st.Pending.Status != "unverified" || st.Pending.LinkSentAt == "" {
		t.Fatalf("SetSender() = %+v, %v", st, err)
	}
	if _, err := mail.ResendSenderLink(); parse(t, err).Code != "rate_limited" {
		t.Errorf("immediate ResendSenderLink() error = %v, want rate_limited", err)
	}
	list, err := inboxes.List()
	if err != nil || len(list) != 1 || list[0].MailGate.SenderVerified || list[0].MailGate.Message != "Set up and verify a sender email in Address" {
		t.Fatalf("Inboxes.List() = %+v, %v", list, err)
	}
	if _, err := inboxes.SetToggle(list[0].ID, "transcriptAfter", true); parse(t, err).Code != "sender_required" {
		t.Errorf("SetToggle(transcriptAfter) without sender error = %v", err)
	}
	log, err := mail.DeliveryLog()
	if err != nil || len(log.Entries) != 1 || log.Entries[0].Kind != "sender_verify" || log.Entries[0].To != "support@acme.test" {
		t.Errorf("DeliveryLog() = %+v, %v", log, err)
	}
	settings, err := mail.Settings()
	if err != nil || settings.SMTP != nil || settings.IMAP != nil || settings.KeyringAvailable {
		t.Errorf("Settings() = %+v, %v (the test engine's secrets come from the environment)", settings, err)
	}
	if _, err := mail.SaveSMTP(AccountRequest{Host: "bad host", Port: 587, TLS: "starttls"}); parse(t, err).Field != "host" {
		t.Errorf("SaveSMTP(bad host) error = %v", err)
	}
	if r, err := mail.TestSMTP(); err != nil || r.OK || r.Message == "" {
		t.Errorf("TestSMTP() without settings = %+v, %v", r, err)
	}
	if st, err := mail.RemovePendingSender(); err != nil || st.Pending != nil {
		t.Errorf("RemovePendingSender() = %+v, %v", st, err)
	}
}

// With the relay on a port where nothing listens, the services say so in words, with when it
// happened and since when delivery fails; the mailbox not set up reads not_set_up.
func TestMailHealthShowsTheRelayError(t *testing.T) {
	b := newBackend(t)
	if _, err := NewSetup(b).Complete(SetupRequest{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"}); err != nil {
		t.Fatal(err)
	}
	mail := NewMail(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there
	if _, err := mail.SaveSMTP(AccountRequest{Host: "127.0.0.1", Port: port, TLS: "none"}); err != nil {
		t.Fatal(err)
	}
	if _, err := mail.SetSender("support@acme.test"); err != nil {
		t.Fatal(err)
	}
	eng(b).Outbox().DeliverDue(context.Background())

	hs, err := mail.MailHealth()
	if err != nil || len(hs) != 2 {
		t.Fatalf("MailHealth() = %+v, %v", hs, err)
	}
	if h := hs[0]; h.Purpose != "smtp" || h.State != "retrying" || !strings.Contains(h.LastError, "cannot reach the SMTP server") ||
		h.LastErrorAt == "" || h.RetryingSince == "" {
		t.Errorf("MailHealth()[0] = %+v, want smtp retrying with the error, its time and since when", h)
	}
	if h := hs[1]; h.Purpose != "imap" || h.State != "not_set_up" {
		t.Errorf("MailHealth()[1] = %+v, want imap not_set_up", h)
	}
	log, err := mail.DeliveryLog()
	if err != nil || !strings.Contains(log.WorkerError, "cannot reach") || log.WorkerErrorAt != hs[0].LastErrorAt || log.FailingSince == "" {
		t.Errorf("DeliveryLog() = %+v, %v; want the worker error with its time and since when", log, err)
	}
}
