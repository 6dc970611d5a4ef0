package services

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"vouchdesk/backend/apperr"
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

// The transcript views, from the domain (backend/transcript).
type (
	TranscriptSending  = transcript.TranscriptSending
	TranscriptSendings = transcript.TranscriptSendings
	TranscriptDocument = transcript.TranscriptDocument
)

// SavedFile is where "Save as HTML…" wrote the transcript; Saved is false when the person
// cancelled the dialog.
type SavedFile struct {
	Saved bool   `json:"saved"`
	Path  string `json:"path"`
}

// Sendings returns the conversation's transcript emails and whether one can be sent again.
func (tr *Transcripts) Sendings(conversationID string) (TranscriptSendings, error) {
	if out, ok, err := forward[TranscriptSendings](tr.b, "transcripts.sendings", RouteSendings.At(conversationID), nil); ok {
		return out, err
	}
	ctx, e, ws, err := tr.b.workspace()
	if err != nil {
		return TranscriptSendings{}, tr.b.jsError("transcripts.sendings", err)
	}
	out, err := e.Transcripts.View(ctx, ws.Me, conversationID)
	return out, tr.b.jsError("transcripts.sendings", err)
}

// Resend emails the transcript of an ended chat again, to the customer's verified address only,
// and returns the updated sendings. Refusals: conversation_open, transcript_in_flight,
// rate_limited (3 re-sends an hour), email_unverified, no_email, no_sender.
func (tr *Transcripts) Resend(conversationID string) (TranscriptSendings, error) {
	if out, ok, err := forward[TranscriptSendings](tr.b, "transcripts.resend", RouteResendScript.At(conversationID), nil); ok {
		return out, err
	}
	ctx, e, ws, err := tr.b.workspace()
	if err != nil {
		return TranscriptSendings{}, tr.b.jsError("transcripts.resend", err)
	}
	if _, err := e.Transcripts.Resend(ctx, ws.Me, conversationID); err != nil {
		return TranscriptSendings{}, tr.b.jsError("transcripts.resend", err)
	}
	out, err := e.Transcripts.View(ctx, ws.Me, conversationID)
	return out, tr.b.jsError("transcripts.resend", err)
}

// Document renders the conversation's transcript from the local database.
func (tr *Transcripts) Document(conversationID string) (TranscriptDocument, error) {
	ctx, e, ws, err := tr.b.workspace()
	if err != nil {
		return TranscriptDocument{}, tr.b.jsError("transcripts.document", err)
	}
	doc, err := e.Transcripts.Document(ctx, ws.Me, conversationID)
	return doc, tr.b.jsError("transcripts.document", err)
}

// SaveHTML asks where to save the transcript (the native dialog) and writes the print-ready HTML
// there, readable by this user only. A name without an extension gets ".html".
func (tr *Transcripts) SaveHTML(conversationID string) (SavedFile, error) {
	ctx, e, ws, err := tr.b.workspace()
	if err != nil {
		return SavedFile{}, tr.b.jsError("transcripts.save", err)
	}
	doc, err := e.Transcripts.Document(ctx, ws.Me, conversationID)
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
