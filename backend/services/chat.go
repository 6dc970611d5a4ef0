package services

import (
	"vouchdesk/backend/apperr"
	"vouchdesk/backend/conversations"
	"vouchdesk/backend/org"
)

// Chat is the agent's side of live chat: the Inbox list, a conversation with its contact panel,
// and the verification actions. Every call acts as the signed-in agent (ws.Me), passed down
// explicitly so several agents can share one engine later.
type Chat struct{ b *Backend }

// NewChat returns the Chat service.
func NewChat(b *Backend) *Chat { return &Chat{b: b} }

// List returns conversations, newest activity first. filter: "open", "ended" or "all".
func (ch *Chat) List(filter string) ([]ConversationSummary, error) {
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return nil, ch.b.jsError("chat.list", err)
	}
	out, err := e.Conversations.List(ctx, ws.Me, filter)
	return out, ch.b.jsError("chat.list", err)
}

// Open returns a conversation with its messages, contact panel and verification actions.
func (ch *Chat) Open(id string) (ConversationDetail, error) {
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ConversationDetail{}, ch.b.jsError("chat.open", err)
	}
	d, err := e.Conversations.Open(ctx, ws.Me, id)
	if r, _ := ch.b.remote(); r != nil && err == nil {
		d.Messages = append(d.Messages, r.Kept(id)...)
	}
	return d, ch.b.jsError("chat.open", err)
}

// MessagesPerPage is how many messages Open and Earlier return at most.
const MessagesPerPage = conversations.MessagesPerPage

// Earlier returns the page of a conversation's messages just before beforeID (the oldest one the
// view has), oldest first, and whether older ones remain.
func (ch *Chat) Earlier(id, beforeID string) (MessagePage, error) {
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return MessagePage{}, ch.b.jsError("chat.earlier", err)
	}
	p, err := e.Conversations.Earlier(ctx, ws.Me, id, beforeID)
	return p, ch.b.jsError("chat.earlier", err)
}

// MarkRead clears a conversation's unread count.
func (ch *Chat) MarkRead(id string) error {
	if ok, err := forwardNone(ch.b, "chat.read", RouteMarkRead.At(id), nil); ok {
		return err
	}
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ch.b.jsError("chat.read", err)
	}
	return ch.b.jsError("chat.read", e.Chat.MarkRead(ctx, ws.Organization.ID, id))
}

// Send sends the agent's message.
func (ch *Chat) Send(id, body string) (ChatMessage, error) {
	if r, ctx := ch.b.remote(); r != nil {
		m, err := r.SendReply(ctx, id, body)
		return m, ch.b.jsError("chat.send", err)
	}
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ChatMessage{}, ch.b.jsError("chat.send", err)
	}
	m, err := e.Chat.AgentSays(ctx, ws.Me, id, body)
	if err != nil {
		return ChatMessage{}, ch.b.jsError("chat.send", err)
	}
	return conversations.Message(m), nil
}

// DiscardKept removes a reply kept while the team server could not be reached, or one it
// refused when it was sent later (team members' desktops only).
func (ch *Chat) DiscardKept(id string) error {
	r, _ := ch.b.remote()
	if r == nil {
		return ch.b.jsError("chat.discard", &apperr.Error{Code: CodeTeamOnly, Message: "Only a team member's desktop keeps replies to send later."})
	}
	return ch.b.jsError("chat.discard", r.Discard(id))
}

// End ends the chat.
func (ch *Chat) End(id string) error {
	if ok, err := forwardNone(ch.b, "chat.end", RouteEnd.At(id), nil); ok {
		return err
	}
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ch.b.jsError("chat.end", err)
	}
	return ch.b.jsError("chat.end", e.Chat.AgentEnds(ctx, ws.Me, id))
}

// RequestEmail asks the customer for their email in the widget.
func (ch *Chat) RequestEmail(id string) error {
	if ok, err := forwardNone(ch.b, "chat.request_email", RouteRequestEmail.At(id), nil); ok {
		return err
	}
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ch.b.jsError("chat.request_email", err)
	}
	return ch.b.jsError("chat.request_email", e.Chat.RequestEmail(ctx, ws.Me, id))
}

// SetEmail records an email the agent typed for the customer (the same check as the widget's).
func (ch *Chat) SetEmail(id, email string) (ContactPanel, error) {
	if out, ok, err := forward[ContactPanel](ch.b, "chat.set_email", RouteSetEmail.At(id), EmailBody{Email: email}); ok {
		return out, err
	}
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ContactPanel{}, ch.b.jsError("chat.set_email", err)
	}
	if err := e.Verify.AgentGivesEmail(ctx, ws.Me, id, email); err != nil {
		return ContactPanel{}, ch.b.jsError("chat.set_email", err)
	}
	p, err := e.Conversations.Panel(ctx, ws.Me, id)
	return p, ch.b.jsError("chat.set_email", err)
}

// SendCode emails a one-time code to the conversation's email.
func (ch *Chat) SendCode(id string) error {
	if ok, err := forwardNone(ch.b, "chat.send_code", RouteSendCode.At(id), nil); ok {
		return err
	}
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ch.b.jsError("chat.send_code", err)
	}
	return ch.b.jsError("chat.send_code", e.Verify.SendCode(ctx, ws.Me, id))
}

// SendLink emails a verification link to the conversation's email.
func (ch *Chat) SendLink(id string) error {
	if ok, err := forwardNone(ch.b, "chat.send_link", RouteSendLink.At(id), nil); ok {
		return err
	}
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ch.b.jsError("chat.send_link", err)
	}
	return ch.b.jsError("chat.send_link", e.Verify.SendLink(ctx, ws.Me, id))
}

// MarkVerified records the agent's own judgement ("Verified by <agent>") that the customer owns
// email, the address the agent was shown; refused when the customer has given another since.
func (ch *Chat) MarkVerified(id, email string) (ContactPanel, error) {
	if out, ok, err := forward[ContactPanel](ch.b, "chat.mark_verified", RouteMarkVerified.At(id), EmailBody{Email: email}); ok {
		return out, err
	}
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ContactPanel{}, ch.b.jsError("chat.mark_verified", err)
	}
	if err := e.Verify.MarkVerified(ctx, ws.Me, id, email); err != nil {
		return ContactPanel{}, ch.b.jsError("chat.mark_verified", err)
	}
	p, err := e.Conversations.Panel(ctx, ws.Me, id)
	return p, ch.b.jsError("chat.mark_verified", err)
}

// Regulatory is the Settings -> Regulatory service.
type Regulatory struct{ b *Backend }

// NewRegulatory returns the Regulatory service.
func NewRegulatory(b *Backend) *Regulatory { return &Regulatory{b: b} }

// MaxConsentChars bounds the consent text.
const MaxConsentChars = org.MaxConsentChars

// Get returns the regulatory settings.
func (r *Regulatory) Get() (RegulatorySettings, error) {
	_, _, ws, err := r.b.workspace()
	if err != nil {
		return RegulatorySettings{}, r.b.jsError("regulatory.get", err)
	}
	return RegulatorySettings{DoubleOptIn: ws.Organization.DoubleOptIn, ConsentText: ws.Organization.ConsentText}, nil
}

// Save changes the regulatory settings (owner or admin).
func (r *Regulatory) Save(in RegulatorySettings) (RegulatorySettings, error) {
	if out, ok, err := forward[RegulatorySettings](r.b, "regulatory.save", RouteSaveRegulated.At(), in); ok {
		return out, err
	}
	ctx, e, ws, err := r.b.workspace()
	if err != nil {
		return RegulatorySettings{}, r.b.jsError("regulatory.save", err)
	}
	o, err := e.Org.SetRegulatory(ctx, ws.Me, in.DoubleOptIn, in.ConsentText)
	if err != nil {
		return RegulatorySettings{}, r.b.jsError("regulatory.save", err)
	}
	return RegulatorySettings{DoubleOptIn: o.DoubleOptIn, ConsentText: o.ConsentText}, nil
}
