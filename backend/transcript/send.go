package transcript

import (
	"context"
	"errors"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
)

// Why a transcript was not queued: recorded on the conversation (automatic sends) or returned as
// the error code (re-sends).
const (
	ReasonNoEmail         = "no_email"
	ReasonEmailUnverified = "email_unverified"
	ReasonNoSender        = "no_sender"
	ReasonNotRenderable   = "not_renderable"
)

// reasonText is what the conversation shows after "Not sent: ".
var reasonText = map[string]string{
	ReasonNoEmail:         "the customer gave no email address.",
	ReasonEmailUnverified: "the customer's email is not verified.",
	ReasonNoSender:        "the organization has no verified sender email.",
	ReasonNotRenderable:   "the transcript could not be made into an email.",
}

// Error codes of Resend beyond apperr's.
const (
	CodeChatOpen    = "conversation_open"
	CodeInFlight    = "transcript_in_flight"
	CodeRateLimited = "rate_limited"
)

// Re-sends are limited per conversation: at most ResendsPerWindow in any ResendWindow.
const (
	ResendsPerWindow = 3
	ResendWindow     = time.Hour
)

// Mailer mails transcripts: the automatic one when a chat ends (it is the chat service's end
// hook) and the ones an agent re-sends. Every email goes through the outbox.
type Mailer struct {
	st  *store.Store
	now func() time.Time
	// Queued is called after a transcript email was committed to the outbox (it wakes the
	// worker); nil ignores it.
	Queued func()
}

// NewMailer returns a Mailer on the store.
func NewMailer(st *store.Store, now func() time.Time) *Mailer {
	if now == nil {
		now = time.Now
	}
	return &Mailer{st: st, now: now}
}

// Result is what happened to one request for a transcript email.
type Result struct {
	Queued   bool
	OutboxID string
	Number   int    // the sending number: 1 the automatic one, 2... re-sends
	To       string // the verified address it goes to
	Reason   string // when not queued: a Reason* code
}

// Message is the sentence the conversation shows for a result that was not queued.
func (r Result) Message() string {
	if r.Queued {
		return ""
	}
	return "Not sent: " + reasonText[r.Reason]
}

// Ending is the chat service's end hook: it runs inside the transaction that ends a chat, after
// the end note, so the transcript email is queued (or the reason it is not is recorded) in the
// same transaction as the end. It does nothing unless the conversation is a chat whose inbox has
// "transcript after chat" on. Only database errors are returned (and roll the end back); every
// other reason not to send is recorded on the conversation.
func (m *Mailer) Ending(tx *store.Tx, orgID, conversationID string, now time.Time) error {
	plan, err := tx.TranscriptPlan(orgID, conversationID)
	if err != nil {
		return err
	}
	if plan.Kind != store.ConversationChat || !plan.TranscriptAfter {
		return nil
	}
	counts, err := tx.TranscriptCounts(orgID, conversationID, now)
	if err != nil {
		return err
	}
	if counts.Highest >= 1 { // the automatic one is queued already
		return nil
	}
	res, err := queue(tx, orgID, conversationID, plan, 1, now)
	if err != nil {
		return err
	}
	return record(tx, orgID, conversationID, store.SystemActor, res)
}

// Ended runs after the end committed: whatever Ending queued can be delivered now.
func (m *Mailer) Ended(string, string) { m.queued() }

func (m *Mailer) queued() {
	if m.Queued != nil {
		m.Queued()
	}
}

// Resend queues the transcript of an ended chat again, to the same verified address only, as
// agent. It is refused while a sending of this conversation is still queued, sending or retrying,
// after ResendsPerWindow re-sends in ResendWindow, and for every reason the automatic one would
// not be sent (the refusal is returned, not recorded). The inbox toggle does not apply: it is about
// sending by itself.
func (m *Mailer) Resend(ctx context.Context, agent store.User, conversationID string) (Result, error) {
	now := m.now()
	var res Result
	err := m.st.Write(ctx, func(tx *store.Tx) error {
		plan, n, err := resendable(tx, agent.OrgID, conversationID, now)
		if err != nil {
			return err
		}
		if res, err = queue(tx, agent.OrgID, conversationID, plan, n, now); err != nil {
			return err
		}
		if !res.Queued {
			return refusal(res.Reason)
		}
		return record(tx, agent.OrgID, conversationID, store.AgentActor(agent.ID), res)
	})
	if err != nil {
		return Result{}, err
	}
	m.queued()
	return res, nil
}

// CanResend says whether Resend would queue an email now: nil, or the *apperr.Error it would
// return (reading only).
func (m *Mailer) CanResend(ctx context.Context, orgID, conversationID string) error {
	return m.st.Read(ctx, func(tx *store.Tx) error {
		plan, _, err := resendable(tx, orgID, conversationID, m.now())
		if err != nil {
			return err
		}
		if plan.Recipient == "" {
			return refusal(noRecipient(plan))
		}
		if _, err := tx.VerifiedSenderEmail(orgID); errors.Is(err, store.ErrNotFound) {
			return refusal(ReasonNoSender)
		} else if err != nil {
			return err
		}
		return nil
	})
}

// resendable checks what only a re-send is checked for (an ended chat, nothing in flight, the
// limit) and returns the plan and the next sending number.
func resendable(tx *store.Tx, orgID, conversationID string, now time.Time) (store.TranscriptPlan, int, error) {
	plan, err := tx.TranscriptPlan(orgID, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return plan, 0, apperr.NotFound("This conversation does not exist.")
	}
	if err != nil {
		return plan, 0, err
	}
	if plan.Kind != store.ConversationChat {
		return plan, 0, apperr.Invalid("conversation", "Only chats have transcripts to email.")
	}
	if plan.Status != store.ConversationEnded {
		return plan, 0, &apperr.Error{Code: CodeChatOpen, Message: "The transcript is emailed once the chat has ended."}
	}
	counts, err := tx.TranscriptCounts(orgID, conversationID, now.Add(-ResendWindow))
	if err != nil {
		return plan, 0, err
	}
	if counts.InFlight > 0 {
		return plan, 0, &apperr.Error{Code: CodeInFlight, Message: "The transcript is still being sent. Wait until it is sent or has failed."}
	}
	if counts.ResentSince >= ResendsPerWindow {
		return plan, 0, &apperr.Error{Code: CodeRateLimited, Message: "The transcript was re-sent 3 times in the last hour. Try again later."}
	}
	return plan, max(counts.Highest, 1) + 1, nil
}

func refusal(reason string) error { return &apperr.Error{Code: reason, Message: resendRefusal[reason]} }

var resendRefusal = map[string]string{
	ReasonNoEmail:         "The customer gave no email address in this chat.",
	ReasonEmailUnverified: "The customer's email was not verified in this chat, so the transcript can only be viewed and saved here.",
	ReasonNoSender:        "Set up and verify a sender email in Address first.",
	ReasonNotRenderable:   "The transcript could not be made into an email.",
}

// Sendings lists a conversation's transcript emails and not-sent records, oldest first.
func (m *Mailer) Sendings(ctx context.Context, orgID, conversationID string) ([]store.TranscriptSending, error) {
	return m.st.TranscriptSendings(ctx, orgID, conversationID)
}

// queue applies the recipient rule and, when it holds and a sender is verified, renders the
// transcript and queues sending number n in tx. A reason not to send comes back in the Result;
// the error is only for database failures.
func queue(tx *store.Tx, orgID, conversationID string, plan store.TranscriptPlan, n int, now time.Time) (Result, error) {
	if plan.Recipient == "" {
		return Result{Reason: noRecipient(plan)}, nil
	}
	sender, err := tx.VerifiedSenderEmail(orgID)
	if errors.Is(err, store.ErrNotFound) {
		return Result{Reason: ReasonNoSender}, nil
	}
	if err != nil {
		return Result{}, err
	}
	t, err := LoadTx(tx, orgID, conversationID)
	if err != nil {
		return Result{}, err
	}
	subject, err := Subject(t)
	if err != nil {
		return Result{Reason: ReasonNotRenderable}, nil
	}
	html, err := HTML(t)
	if err != nil {
		return Result{Reason: ReasonNotRenderable}, nil
	}
	id, err := outbox.Enqueue(tx, outbox.Email{OrgID: orgID, Kind: outbox.KindTranscript,
		IdempotencyKey: store.TranscriptKey(conversationID, n), FromName: t.Organization, FromAddr: sender.Address,
		To: plan.Recipient, Subject: subject, Text: Text(t), HTML: string(html),
		ConversationID: conversationID, ContactID: plan.ContactID}, now)
	if errors.Is(err, outbox.ErrInvalid) {
		return Result{Reason: ReasonNotRenderable}, nil
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Queued: true, OutboxID: id, Number: n, To: plan.Recipient}, nil
}

// noRecipient is why a plan has no recipient.
func noRecipient(plan store.TranscriptPlan) string {
	if plan.LinkState == store.LinkNone && plan.VisitorEmail == "" {
		return ReasonNoEmail
	}
	return ReasonEmailUnverified
}

// record writes the audit record of a result: who asked for a sending, or why none was queued.
func record(tx *store.Tx, orgID, conversationID string, by store.Actor, res Result) error {
	if !res.Queued {
		return tx.Audit(orgID, by, store.AuditTranscriptNotSent, "conversations", conversationID,
			map[string]any{"reason": res.Reason, "message": res.Message()})
	}
	return tx.Audit(orgID, by, store.AuditTranscriptSend, "conversations", conversationID,
		map[string]any{"outbox": res.OutboxID, "number": res.Number})
}
