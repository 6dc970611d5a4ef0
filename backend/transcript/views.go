package transcript

import (
	"context"
	"errors"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/store"
	"vouchdesk/backend/wiretime"
)

// The transcript as the desktop shows it: the emails sent of it (live from the outbox), whether it
// can be sent again, and the rendered document. Both read the local database only, so they work
// with the network off. JSON for the desktop UI (and later the agents' API).

// TranscriptSending is one transcript email of a conversation, or the record that none was sent.
type TranscriptSending struct {
	ID     string `json:"id"`
	Number int    `json:"number"` // 1 the automatic one, 2... re-sends; 0 for not_sent
	// Status: "queued", "sending", "retrying", "sent", "failed", "bounced" (accepted, then
	// reported undeliverable: Error is the reason, e.g. "mailbox unknown (5.1.1)", BouncedAt when),
	// or "not_sent" (nothing was queued; Reason and Error say why).
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
	BouncedAt     string `json:"bouncedAt"`     // bounced only
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

var errNoConversation = apperr.NotFound("This conversation does not exist.")

// View returns a conversation's transcript emails and whether one can be sent again now.
func (m *Mailer) View(ctx context.Context, agent store.User, conversationID string) (TranscriptSendings, error) {
	orgID := agent.OrgID
	if _, err := m.st.ConversationByID(ctx, orgID, conversationID); errors.Is(err, store.ErrNotFound) {
		return TranscriptSendings{}, errNoConversation
	} else if err != nil {
		return TranscriptSendings{}, err
	}
	list, err := m.Sendings(ctx, orgID, conversationID)
	if err != nil {
		return TranscriptSendings{}, err
	}
	out := TranscriptSendings{Sendings: make([]TranscriptSending, len(list))}
	for i, s := range list {
		v := TranscriptSending{ID: s.ID, Number: s.Number, Status: s.Status, Attempts: s.Attempts, Error: s.LastError,
			Reason: s.Reason, To: s.To, RequestedBy: s.RequestedBy, CreatedAt: wiretime.Format(s.CreatedAt), UpdatedAt: wiretime.Format(s.UpdatedAt),
			SentAt: wiretime.Format(s.SentAt)}
		if s.Status == store.TranscriptSendingNotSent {
			v.Error = s.Message
		}
		if s.Status == store.OutboxBounced {
			v.Error, v.BouncedAt = s.BounceReason, wiretime.Format(s.BouncedAt)
		}
		if s.Status == store.OutboxRetrying {
			v.NextAttemptAt = wiretime.Format(s.NextAttempt)
		}
		out.Sendings[i] = v
	}
	err = m.CanResend(ctx, orgID, conversationID)
	if ae, ok := apperr.As(err); ok {
		if ae.Code != CodeChatOpen {
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

// Document renders a conversation's transcript from the local database.
func (m *Mailer) Document(ctx context.Context, agent store.User, conversationID string) (TranscriptDocument, error) {
	t, err := Load(ctx, m.st, agent.OrgID, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return TranscriptDocument{}, errNoConversation
	}
	if err != nil {
		return TranscriptDocument{}, err
	}
	html, err := HTML(t)
	if err != nil {
		return TranscriptDocument{}, err
	}
	title, err := Subject(t)
	if err != nil {
		title = "Chat transcript"
	}
	return TranscriptDocument{HTML: string(html), Title: title, FileName: FileName(t)}, nil
}
