package services

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/engine"
	"vouchdesk/backend/store"
	"vouchdesk/backend/transcript"
)

// SaveDialog asks the person where to save a file and returns the path, or "" when they
// cancelled. app.go gives the Wails runtime's native dialog; this package never imports it.
type SaveDialog func(ctx context.Context, title, defaultName string) (string, error)

// Transcripts is a conversation's transcript in the desktop: the emails sent of it (live from
// the outbox), re-sending it, and viewing and saving it. Viewing and saving read the local
// database only, so they work with the network off.
type Transcripts struct {
	b    *Backend
	save SaveDialog
}

// NewTranscripts returns the Transcripts service; save may be nil where there is no window
// (saving then reports that it needs the desktop).
func NewTranscripts(b *Backend, save SaveDialog) *Transcripts { return &Transcripts{b: b, save: save} }

// TranscriptSending is one transcript email of a conversation, or the record that none was sent.
type TranscriptSending struct {
	ID     string `json:"id"`
	Number int    `json:"number"` // 1 the automatic one, 2... re-sends; 0 for not_sent
	// Status: "queued", "sending", "retrying", "sent", "failed", or "not_sent" (nothing was
	// queued; Reason and Error say why).
	Status   string `json:"status"`
	Attempts int    `json:"attempts"`
	// Error is the relay's last answer (retrying, failed) or, for not_sent, the sentence to show
	// ("Not sent: the customer's email is not verified.").
	Error string `json:"error"`
	// Reason is not_sent's code: "no_email", "email_unverified", "no_sender", "not_renderable".
	Reason string `json:"reason"`
	// To is the verified address it goes to ("" for not_sent).
	To string `json:"to"`
	// RequestedBy is the agent who re-sent it; "" when Vouch Desk sent it when the chat ended.
	RequestedBy   string `json:"requestedBy"`
	CreatedAt     string `json:"createdAt"`
	UpdatedAt     string `json:"updatedAt"`
	SentAt        string `json:"sentAt"`
	NextAttemptAt string `json:"nextAttemptAt"` // retrying only
}

// TranscriptSendings is what the conversation shows about its transcript emails.
type TranscriptSendings struct {
	Sendings []TranscriptSending `json:"sendings"` // oldest first
	// CanResend says whether "Send again" would queue an email now; otherwise ResendBlocked says
	// why ("" when the chat is still open: nothing to say yet).
	CanResend     bool   `json:"canResend"`
	ResendBlocked string `json:"resendBlocked"`
}

// TranscriptDocument is the rendered transcript, for the desktop's view.
type TranscriptDocument struct {
	// HTML is a complete, print-ready document with no scripts and a CSP that loads nothing; the
	// UI shows it in a sandboxed frame.
	HTML     string `json:"html"`
	Title    string `json:"title"`
	FileName string `json:"fileName"` // what "Save as HTML…" offers
}

// SavedFile is where "Save as HTML…" wrote the transcript; Saved is false when the person
// cancelled the dialog.
type SavedFile struct {
	Saved bool   `json:"saved"`
	Path  string `json:"path"`
}

// Sendings returns the conversation's transcript emails and whether one can be sent again.
func (tr *Transcripts) Sendings(conversationID string) (TranscriptSendings, error) {
	ctx, e, ws, err := tr.b.workspace()
	if err != nil {
		return TranscriptSendings{}, tr.b.jsError("transcripts.sendings", err)
	}
	out, err := sendings(ctx, e, ws.Organization.ID, conversationID)
	return out, tr.b.jsError("transcripts.sendings", err)
}

func sendings(ctx context.Context, e *engine.Engine, orgID, conversationID string) (TranscriptSendings, error) {
	if _, err := e.Store.ConversationByID(ctx, orgID, conversationID); errors.Is(err, store.ErrNotFound) {
		return TranscriptSendings{}, apperr.NotFound("This conversation does not exist.")
	} else if err != nil {
		return TranscriptSendings{}, err
	}
	list, err := e.Transcripts.Sendings(ctx, orgID, conversationID)
	if err != nil {
		return TranscriptSendings{}, err
	}
	out := TranscriptSendings{Sendings: make([]TranscriptSending, len(list))}
	for i, s := range list {
		v := TranscriptSending{ID: s.ID, Number: s.Number, Status: s.Status, Attempts: s.Attempts, Error: s.LastError,
			Reason: s.Reason, To: s.To, RequestedBy: s.RequestedBy, CreatedAt: stamp(s.CreatedAt), UpdatedAt: stamp(s.UpdatedAt),
			SentAt: stamp(s.SentAt)}
		if s.Status == store.TranscriptSendingNotSent {
			v.Error = s.Message
		}
		if s.Status == store.OutboxRetrying {
			v.NextAttemptAt = stamp(s.NextAttempt)
		}
		out.Sendings[i] = v
	}
	err = e.Transcripts.CanResend(ctx, orgID, conversationID)
	if ae, ok := apperr.As(err); ok {
		if ae.Code != transcript.CodeChatOpen {
			out.ResendBlocked = ae.Message
		}
		return out, nil
	}
	if err != nil {
		return TranscriptSendings{}, err
	}
	out.CanResend = true
	return out, nil
}

// Resend emails the transcript of an ended chat again, to the customer's verified address only,
// and returns the updated sendings. Refusals: conversation_open, transcript_in_flight,
// rate_limited (3 re-sends an hour), email_unverified, no_email, no_sender.
func (tr *Transcripts) Resend(conversationID string) (TranscriptSendings, error) {
	ctx, e, ws, err := tr.b.workspace()
	if err != nil {
		return TranscriptSendings{}, tr.b.jsError("transcripts.resend", err)
	}
	if _, err := e.Transcripts.Resend(ctx, ws.Me, conversationID); err != nil {
		return TranscriptSendings{}, tr.b.jsError("transcripts.resend", err)
	}
	out, err := sendings(ctx, e, ws.Organization.ID, conversationID)
	return out, tr.b.jsError("transcripts.resend", err)
}

// Document renders the conversation's transcript from the local database.
func (tr *Transcripts) Document(conversationID string) (TranscriptDocument, error) {
	ctx, _, ws, err := tr.b.workspace()
	if err != nil {
		return TranscriptDocument{}, tr.b.jsError("transcripts.document", err)
	}
	doc, err := tr.document(ctx, ws.Organization.ID, conversationID)
	return doc, tr.b.jsError("transcripts.document", err)
}

func (tr *Transcripts) document(ctx context.Context, orgID, conversationID string) (TranscriptDocument, error) {
	_, e, err := tr.b.engine()
	if err != nil {
		return TranscriptDocument{}, err
	}
	t, err := transcript.Load(ctx, e.Store, orgID, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return TranscriptDocument{}, apperr.NotFound("This conversation does not exist.")
	}
	if err != nil {
		return TranscriptDocument{}, err
	}
	html, err := transcript.HTML(t)
	if err != nil {
		return TranscriptDocument{}, err
	}
	title, err := transcript.Subject(t)
	if err != nil {
		title = "Chat transcript"
	}
	return TranscriptDocument{HTML: string(html), Title: title, FileName: transcript.FileName(t)}, nil
}

// SaveHTML asks where to save the transcript (the native dialog) and writes the print-ready HTML
// there, readable by this user only. A name without an extension gets ".html".
func (tr *Transcripts) SaveHTML(conversationID string) (SavedFile, error) {
	ctx, _, ws, err := tr.b.workspace()
	if err != nil {
		return SavedFile{}, tr.b.jsError("transcripts.save", err)
	}
	doc, err := tr.document(ctx, ws.Organization.ID, conversationID)
	if err != nil {
		return SavedFile{}, tr.b.jsError("transcripts.save", err)
	}
	if tr.save == nil {
		return SavedFile{}, tr.b.jsError("transcripts.save", &apperr.Error{Code: "unavailable", Message: "Saving files needs the desktop window."})
	}
	path, err := tr.save(ctx, "Save the transcript", doc.FileName)
	if err != nil {
		return SavedFile{}, tr.b.jsError("transcripts.save", &apperr.Error{Code: "unavailable", Message: "The save dialog could not open: " + err.Error(), Err: err})
	}
	if path == "" {
		return SavedFile{}, nil
	}
	if filepath.Ext(path) == "" {
		path += ".html"
	}
	if err := os.WriteFile(path, []byte(doc.HTML), 0o600); err != nil {
		return SavedFile{}, tr.b.jsError("transcripts.save", &apperr.Error{Code: "write_failed",
			Message: "Couldn’t save the transcript: " + strings.TrimPrefix(err.Error(), "open "), Err: err})
	}
	return SavedFile{Saved: true, Path: path}, nil
}
