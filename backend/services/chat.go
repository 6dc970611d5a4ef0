package services

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/engine"
	"vouchdesk/backend/org"
	"vouchdesk/backend/store"
	"vouchdesk/backend/verify"
)

// Chat is the agent's side of live chat: the Inbox list, a conversation with its contact panel,
// and the verification actions. Every call acts as the signed-in agent (ws.Me), passed down
// explicitly so several agents can share one engine later.
type Chat struct{ b *Backend }

// NewChat returns the Chat service.
func NewChat(b *Backend) *Chat { return &Chat{b: b} }

func preview(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 140 {
		s = string([]rune(s)[:139]) + "…"
	}
	return s
}

func panelState(c store.Conversation) string {
	switch {
	case c.LinkState == store.LinkVerified:
		return verify.PanelVerified
	case c.LinkState == store.LinkPreliminary:
		return verify.PanelPreliminary
	case c.VisitorEmail != "":
		return verify.PanelPending
	}
	return verify.PanelNone
}

func summary(it store.ConversationListItem) ConversationSummary {
	c := it.Conversation
	title := c.VisitorName
	// The contact's name is account data: shown only once the person is verified here.
	if c.LinkState == store.LinkVerified && it.ContactName != "" {
		title = it.ContactName
	}
	if title == "" {
		title = "Visitor"
	}
	s := ConversationSummary{ID: c.ID, InboxID: c.InboxID, InboxName: it.InboxName, Kind: c.Kind, Status: c.Status,
		Title: title, Email: c.VisitorEmail, Panel: panelState(c), Unread: c.UnreadCount, LastMessage: preview(it.LastMessage),
		LastActivityAt: stamp(c.LastActivityAt), StartedAt: stamp(c.StartedAt)}
	if it.LinkDisplay != "" && c.Kind == store.ConversationChat {
		// What the link rests on (proven, when verified) is the address shown; a different one
		// typed in the chat is shown beside it.
		s.Email, s.TypedEmail = it.LinkDisplay, verify.TypedBeside(c.VisitorEmail, it.LinkNorm)
	}
	if c.Kind == store.ConversationCall {
		s.Phone, s.CallStatus, s.DurationSeconds = c.VisitorName, c.CallStatus, c.DurationSeconds
		s.LastMessage = "Call " + strings.ReplaceAll(c.CallStatus, "-", " ")
		if c.DurationSeconds > 0 {
			s.LastMessage += " · " + duration(c.DurationSeconds)
		}
		if s.Title == "Visitor" { // a caller without a name goes by their number
			s.Title = s.Phone
			if s.Title == "" {
				s.Title = "Unknown caller"
			}
		}
	}
	return s
}

// List returns conversations, newest activity first. filter: "open", "ended" or "all".
func (ch *Chat) List(filter string) ([]ConversationSummary, error) {
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return nil, ch.b.jsError("chat.list", err)
	}
	status := ""
	switch filter {
	case "open", "ended":
		status = filter
	case "all", "":
	default:
		return nil, ch.b.jsError("chat.list", apperr.Invalid("filter", "Filter by open, ended or all."))
	}
	items, err := e.Store.ListConversations(ctx, ws.Organization.ID, status, 500)
	if err != nil {
		return nil, ch.b.jsError("chat.list", err)
	}
	out := make([]ConversationSummary, len(items))
	for i, it := range items {
		out[i] = summary(it)
	}
	return out, nil
}

// Open returns a conversation with its messages, contact panel and verification actions.
func (ch *Chat) Open(id string) (ConversationDetail, error) {
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ConversationDetail{}, ch.b.jsError("chat.open", err)
	}
	d, err := detail(ctx, e, ws, id)
	return d, ch.b.jsError("chat.open", err)
}

// MessagesPerPage is how many messages Open and Earlier return at most: the newest page first, then
// older pages as the agent scrolls back.
const MessagesPerPage = 200

// Earlier returns the page of a conversation's messages just before beforeID (the oldest one the
// view has), oldest first, and whether older ones remain.
func (ch *Chat) Earlier(id, beforeID string) (MessagePage, error) {
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return MessagePage{}, ch.b.jsError("chat.earlier", err)
	}
	p, err := earlier(ctx, e, ws, id, beforeID)
	return p, ch.b.jsError("chat.earlier", err)
}

func earlier(ctx context.Context, e *engine.Engine, ws org.Workspace, id, beforeID string) (MessagePage, error) {
	if _, err := e.Store.ConversationByID(ctx, ws.Organization.ID, id); errors.Is(err, store.ErrNotFound) {
		return MessagePage{}, apperr.NotFound("This conversation does not exist.")
	} else if err != nil {
		return MessagePage{}, err
	}
	if beforeID == "" {
		return MessagePage{}, apperr.Invalid("beforeId", "Say which message to page back from.")
	}
	msgs, more, err := e.Store.MessagesBefore(ctx, ws.Organization.ID, id, beforeID, MessagesPerPage)
	if err != nil {
		return MessagePage{}, err
	}
	return MessagePage{Messages: chatMessages(msgs), HasEarlier: more}, nil
}

func chatMessages(msgs []store.Message) []ChatMessage {
	out := make([]ChatMessage, len(msgs))
	for i, m := range msgs {
		out[i] = ChatMessage{ID: m.ID, From: m.SenderKind, AuthorName: m.AuthorName, Body: m.Body, CreatedAt: stamp(m.CreatedAt)}
	}
	return out
}

func detail(ctx context.Context, e *engine.Engine, ws org.Workspace, id string) (ConversationDetail, error) {
	conv, err := e.Store.ConversationByID(ctx, ws.Organization.ID, id)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ConversationDetail{}, apperr.NotFound("This conversation does not exist.")
		}
		return ConversationDetail{}, err
	}
	var d ConversationDetail
	inboxName := ""
	if in, err := e.Store.InboxByID(ctx, ws.Organization.ID, conv.InboxID); err == nil {
		inboxName = in.Name
	}
	d.Summary = summary(store.ConversationListItem{Conversation: conv, InboxName: inboxName})
	msgs, earlier, err := e.Store.MessagesBefore(ctx, ws.Organization.ID, id, "", MessagesPerPage)
	if err != nil {
		return ConversationDetail{}, err
	}
	d.Messages, d.HasEarlier = chatMessages(msgs), earlier
	if n := len(msgs); n > 0 {
		d.Summary.LastMessage = preview(msgs[n-1].Body)
	}
	p, err := e.Verify.Panel(ctx, conv)
	if err != nil {
		return ConversationDetail{}, err
	}
	d.Panel = ContactPanel{State: p.State, Email: p.Email, TypedEmail: p.TypedEmail, Reason: p.Reason, Refused: p.Refused,
		Fields: []ContactFieldView{}, History: []HistoryItem{}}
	if p.State == verify.PanelPreliminary || p.State == verify.PanelPending {
		d.Panel.Warning = verify.WarningUnverified
	}
	if p.Contact.ID != "" {
		d.Panel.ContactID = p.Contact.ID
		if p.State == verify.PanelVerified {
			if p.Contact.Name != "" {
				d.Summary.Title = p.Contact.Name
			}
			d.Panel.Name = p.Contact.Name
			d.Panel.Method, d.Panel.VerifiedLabel, d.Panel.VerifiedAt = p.Verification.Method, verify.Label(p.Verification), stamp(p.Verification.VerifiedAt)
			fields, err := e.Store.FieldsByContact(ctx, ws.Organization.ID, p.Contact.ID)
			if err != nil {
				return ConversationDetail{}, err
			}
			labels, err := e.Store.LatestVerificationsByContact(ctx, ws.Organization.ID, p.Contact.ID)
			if err != nil {
				return ConversationDetail{}, err
			}
			for _, f := range fields {
				fv := ContactFieldView{Kind: f.Kind, Value: f.ValueDisplay}
				if v, ok := labels[f.ID]; ok {
					fv.VerifiedLabel = verify.Label(v)
				}
				d.Panel.Fields = append(d.Panel.Fields, fv)
			}
			hist, err := e.Store.ContactHistory(ctx, ws.Organization.ID, p.Contact.ID, id, 50)
			if err != nil {
				return ConversationDetail{}, err
			}
			for _, h := range hist {
				d.Panel.History = append(d.Panel.History, HistoryItem{ID: h.ID, Kind: h.Kind, Status: h.Status,
					StartedAt: stamp(h.StartedAt), Preview: preview(h.LastMessage)})
			}
		} else {
			// Until verified here: counts only, never the content.
			d.Panel.HiddenConversations, d.Panel.HiddenFields, err = e.Store.CountContactHistory(ctx, ws.Organization.ID, p.Contact.ID, id)
			if err != nil {
				return ConversationDetail{}, err
			}
		}
	}
	_, hasSender, err := e.Senders.VerifiedAddress(ctx, ws.Organization.ID)
	if err != nil {
		return ConversationDetail{}, err
	}
	d.Actions.CanEmail = hasSender
	if !hasSender {
		d.Actions.MailBlockedReason = verify.NoSenderMessage
	}
	req, _, err := e.Verify.Pending(ctx, conv)
	if err != nil {
		return ConversationDetail{}, err
	}
	d.Actions.CodePending, d.Actions.EmailRequested = req == "code", req == "email"
	if d.Actions.LinkPending, err = e.Verify.LinkPending(ctx, conv); err != nil {
		return ConversationDetail{}, err
	}
	return d, nil
}

// MarkRead clears a conversation's unread count.
func (ch *Chat) MarkRead(id string) error {
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ch.b.jsError("chat.read", err)
	}
	return ch.b.jsError("chat.read", e.Chat.MarkRead(ctx, ws.Organization.ID, id))
}

// Send sends the agent's message.
func (ch *Chat) Send(id, body string) (ChatMessage, error) {
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ChatMessage{}, ch.b.jsError("chat.send", err)
	}
	m, err := e.Chat.AgentSays(ctx, ws.Me, id, body)
	if err != nil {
		return ChatMessage{}, ch.b.jsError("chat.send", err)
	}
	return ChatMessage{ID: m.ID, From: m.SenderKind, AuthorName: m.AuthorName, Body: m.Body, CreatedAt: stamp(m.CreatedAt)}, nil
}

// End ends the chat.
func (ch *Chat) End(id string) error {
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ch.b.jsError("chat.end", err)
	}
	return ch.b.jsError("chat.end", e.Chat.End(ctx, ws.Organization.ID, id, store.AgentActor(ws.Me.ID)))
}

// RequestEmail asks the customer for their email in the widget.
func (ch *Chat) RequestEmail(id string) error {
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ch.b.jsError("chat.request_email", err)
	}
	return ch.b.jsError("chat.request_email", e.Chat.RequestEmail(ctx, ws.Me, id))
}

// SetEmail records an email the agent typed for the customer (the same check as the widget's).
func (ch *Chat) SetEmail(id, email string) (ContactPanel, error) {
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ContactPanel{}, ch.b.jsError("chat.set_email", err)
	}
	conv, err := e.Store.ConversationByID(ctx, ws.Organization.ID, id)
	if err == nil {
		err = e.Verify.SubmitEmail(ctx, conv, email, false, store.AgentActor(ws.Me.ID))
	}
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Code == verify.CodeInvalidEmail {
			err = apperr.Invalid("email", ae.Message)
		}
		return ContactPanel{}, ch.b.jsError("chat.set_email", err)
	}
	d, err := detail(ctx, e, ws, id)
	return d.Panel, ch.b.jsError("chat.set_email", err)
}

// SendCode emails a one-time code to the conversation's email.
func (ch *Chat) SendCode(id string) error {
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ch.b.jsError("chat.send_code", err)
	}
	return ch.b.jsError("chat.send_code", e.Verify.SendCode(ctx, ws.Me, id))
}

// SendLink emails a verification link to the conversation's email.
func (ch *Chat) SendLink(id string) error {
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ch.b.jsError("chat.send_link", err)
	}
	return ch.b.jsError("chat.send_link", e.Verify.SendLink(ctx, ws.Me, id))
}

// MarkVerified records the agent's own judgement ("Verified by <agent>") that the customer owns
// email, the address the agent was shown; refused when the customer has given another since.
func (ch *Chat) MarkVerified(id, email string) (ContactPanel, error) {
	ctx, e, ws, err := ch.b.workspace()
	if err != nil {
		return ContactPanel{}, ch.b.jsError("chat.mark_verified", err)
	}
	if err := e.Verify.MarkVerified(ctx, ws.Me, id, email); err != nil {
		return ContactPanel{}, ch.b.jsError("chat.mark_verified", err)
	}
	d, err := detail(ctx, e, ws, id)
	return d.Panel, ch.b.jsError("chat.mark_verified", err)
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
