package services

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
)

// transcriptChat sets up the organization and an ended, verified chat with a hostile message.
func transcriptChat(t *testing.T, b *Backend) (conversationID string) {
	t.Helper()
	if _, err := NewSetup(b).Complete(SetupRequest{OrganizationName: "Acme", OwnerName: "Olive Owner", OwnerEmail: "olive.private@acme.test"}); err != nil {
		t.Fatal(err)
	}
	ctx, _, ws, err := b.workspace()
	e := eng(b)
	if err != nil {
		t.Fatal(err)
	}
	inboxes, _ := e.Store().InboxesByOrg(ctx, ws.Organization.ID)
	s, err := e.Chat().Start(ctx, ws.Organization.ID, chat.StartInput{InboxID: inboxes[0].ID, Name: "Ada", Timezone: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	id := s.Conversation.ID
	ch := NewChat(b)
	if _, err := ch.SetEmail(id, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.MarkVerified(id, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Chat().CustomerSays(ctx, s.Conversation, "c1", `<script>alert(1)</script>`); err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Send(id, "Hello Ada"); err != nil {
		t.Fatal(err)
	}
	if err := ch.End(id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestTranscriptDocumentAndSave: the view gets the rendered document from the local database, and
// "Save as HTML…" writes exactly that document where the dialog says (".html" added to a bare
// name, readable by this user only); cancelling writes nothing; without a window it says so.
func TestTranscriptDocumentAndSave(t *testing.T) {
	b := newBackend(t)
	id := transcriptChat(t, b)
	dir := t.TempDir()
	var asked string
	tr := NewTranscripts(b, func(_ context.Context, _ string, name string) (string, error) {
		asked = name
		return filepath.Join(dir, "ada"), nil
	})
	doc, err := tr.Document(id)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.HTML, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(doc.HTML, "<script>") ||
		!strings.Contains(doc.HTML, "Olive Owner") || strings.Contains(doc.HTML, "olive.private") {
		t.Errorf("Document() HTML does not escape the customer or names the agent by email:\n%s", doc.HTML)
	}
	if !strings.HasPrefix(doc.Title, "Your chat with Acme on ") || !strings.HasPrefix(doc.FileName, "chat-transcript-") {
		t.Errorf("Document() title %q, file name %q", doc.Title, doc.FileName)
	}

	saved, err := tr.SaveHTML(id)
	if err != nil || !saved.Saved || saved.Path != filepath.Join(dir, "ada.html") || asked != doc.FileName {
		t.Fatalf("SaveHTML() = %+v, %v (dialog offered %q)", saved, err, asked)
	}
	got, err := os.ReadFile(saved.Path)
	if err != nil || string(got) != doc.HTML {
		t.Errorf("the saved file differs from the document (%v)", err)
	}
	if fi, _ := os.Stat(saved.Path); fi.Mode().Perm() != 0o600 {
		t.Errorf("saved with mode %v, want 0600", fi.Mode().Perm())
	}

	cancel := NewTranscripts(b, func(context.Context, string, string) (string, error) { return "", nil })
	if saved, err := cancel.SaveHTML(id); err != nil || saved.Saved {
		t.Errorf("SaveHTML() cancelled = %+v, %v", saved, err)
	}
	broken := NewTranscripts(b, func(context.Context, string, string) (string, error) { return "", errors.New("no portal") })
	if _, err := broken.SaveHTML(id); parse(t, err).Code != "unavailable" {
		t.Errorf("SaveHTML() with a failing dialog = %v", err)
	}
	if _, err := NewTranscripts(b, nil).SaveHTML(id); parse(t, err).Code != "unavailable" {
		t.Errorf("SaveHTML() without a window = %v", err)
	}
	unwritable := NewTranscripts(b, func(context.Context, string, string) (string, error) {
		return filepath.Join(dir, "missing", "x.html"), nil
	})
	if _, err := unwritable.SaveHTML(id); parse(t, err).Code != "write_failed" {
		t.Errorf("SaveHTML() into a missing folder = %v", err)
	}
	if _, err := tr.Document("nope"); parse(t, err).Code != "not_found" {
		t.Errorf("Document(unknown) = %v", err)
	}
}

// TestTranscriptSendingsAndResend: with the toggle off nothing was sent; without a verified
// sender a re-send is blocked with the reason; with one, "Send again" queues an email to the
// verified address, recorded as the agent's, and a second one waits for the first.
func TestTranscriptSendingsAndResend(t *testing.T) {
	b := newBackend(t)
	id := transcriptChat(t, b)
	tr := NewTranscripts(b, nil)
	got, err := tr.Sendings(id)
	if err != nil || len(got.Sendings) != 0 || got.CanResend || got.ResendBlocked != "Set up and verify a sender email in Address first." {
		t.Fatalf("Sendings() without a sender = %+v, %v", got, err)
	}
	if _, err := tr.Resend(id); parse(t, err).Code != "no_sender" {
		t.Errorf("Resend() without a sender = %v", err)
	}

	ctx, _, ws, _ := b.workspace()
	e := eng(b)
	now := time.Now()
	if err := e.Store().Write(ctx, func(tx *store.Tx) error {
		return tx.InsertSenderEmail(store.SenderEmail{ID: store.NewID(), OrgID: ws.Organization.ID, Address: "help@acme.test",
			Status: store.SenderVerified, VerifiedAt: now, VerifiedMethod: "link", CreatedBy: ws.Me.ID, CreatedAt: now, UpdatedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	if got, err = tr.Sendings(id); err != nil || !got.CanResend || got.ResendBlocked != "" {
		t.Fatalf("Sendings() with a sender = %+v, %v", got, err)
	}
	got, err = tr.Resend(id)
	if err != nil || len(got.Sendings) != 1 {
		t.Fatalf("Resend() = %+v, %v", got, err)
	}
	s := got.Sendings[0]
	if s.Status != "queued" || s.To != "ada@example.com" || s.RequestedBy != "Olive Owner" || s.Number != 2 || got.CanResend ||
		got.ResendBlocked == "" {
		t.Errorf("after Resend() = %+v", got)
	}
	if _, err := tr.Resend(id); parse(t, err).Code != "transcript_in_flight" {
		t.Errorf("a second Resend() while queued = %v", err)
	}
	if _, err := tr.Sendings("nope"); parse(t, err).Code != "not_found" {
		t.Errorf("Sendings(unknown) = %v", err)
	}
}

// TestTranscriptSendingBounced: a transcript email that came back undeliverable reads as bounced
// in the conversation's strip, with the reason and when.
func TestTranscriptSendingBounced(t *testing.T) {
	b := newBackend(t)
	id := transcriptChat(t, b)
	tr := NewTranscripts(b, nil)
	ctx, _, ws, _ := b.workspace()
	e := eng(b)
	now := time.Now()
	if err := e.Store().Write(ctx, func(tx *store.Tx) error {
		return tx.InsertSenderEmail(store.SenderEmail{ID: store.NewID(), OrgID: ws.Organization.ID, Address: "help@acme.test",
			Status: store.SenderVerified, VerifiedAt: now, VerifiedMethod: "link", CreatedBy: ws.Me.ID, CreatedAt: now, UpdatedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	got, err := tr.Resend(id)
	if err != nil || len(got.Sendings) != 1 {
		t.Fatalf("Resend() = %+v, %v", got, err)
	}
	if err := e.Store().MarkOutboxSent(ctx, got.Sendings[0].ID, now); err != nil {
		t.Fatal(err)
	}
	at := now.Add(time.Minute)
	if _, err := outbox.RecordBounce(ctx, e.Store(), outbox.Bounce{OrgID: ws.Organization.ID, Recipient: "ada@example.com",
		Kind: store.BounceHard, Reason: "mailbox unknown (5.1.1)", At: at}); err != nil {
		t.Fatal(err)
	}
	got, err = tr.Sendings(id)
	if err != nil || len(got.Sendings) != 1 {
		t.Fatalf("Sendings() = %+v, %v", got, err)
	}
	if s := got.Sendings[0]; s.Status != "bounced" || s.Error != "mailbox unknown (5.1.1)" || s.BouncedAt != at.UTC().Format(time.RFC3339) {
		t.Errorf("Sendings()[0] = status %q error %q bounced %q; want bounced, %q, %s", s.Status, s.Error, s.BouncedAt,
			"mailbox unknown (5.1.1)", at.UTC().Format(time.RFC3339))
	}
}
