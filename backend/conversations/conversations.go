// Package conversations is what an agent sees of conversations: the inbox list, and a
// conversation with its messages, its contact panel and the ways to verify, already gated by what
// was proven. Until the person in a chat is verified on its device, the panel carries counts of
// the contact's history and fields, never their content, and the list shows the name the visitor
// gave, not the contact's. The desktop's services return these views as they are.
package conversations

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/contacts"
	"vouchdesk/backend/store"
	"vouchdesk/backend/verify"
	"vouchdesk/backend/wiretime"
)

// MessagesPerPage is how many messages Open and Earlier return at most: the newest page first,
// then older pages as the agent scrolls back.
const MessagesPerPage = 200

// ListLimit is how many conversations List returns at most.
const ListLimit = 500

// Service reads conversations for agents.
type Service struct {
	st     *store.Store
	verify *verify.Service
	// MailReady reports whether the organization can send email (a verified sender): without
	// one, codes and links cannot be sent. nil: it cannot.
	MailReady func(ctx context.Context, orgID string) (bool, error)
}

// New returns the service.
func New(st *store.Store, v *verify.Service) *Service { return &Service{st: st, verify: v} }

var errNoConversation = apperr.NotFound("This conversation does not exist.")

// List returns the agent's organization's conversations, newest activity first. filter: "open",
// "ended" or "all" ("" is all).
func (s *Service) List(ctx context.Context, agent store.User, filter string) ([]ConversationSummary, error) {
	status := ""
	switch filter {
	case "open", "ended":
		status = filter
	case "all", "":
	default:
		return nil, apperr.Invalid("filter", "Filter by open, ended or all.")
	}
	items, err := s.st.ListConversations(ctx, agent.OrgID, status, ListLimit)
	if err != nil {
		return nil, err
	}
	out := make([]ConversationSummary, len(items))
	for i, it := range items {
		out[i] = summary(it)
	}
	return out, nil
}

// Earlier returns the page of a conversation's messages just before beforeID (the oldest one the
// view has), oldest first, and whether older ones remain.
func (s *Service) Earlier(ctx context.Context, agent store.User, id, beforeID string) (MessagePage, error) {
	if _, err := s.conversation(ctx, agent, id); err != nil {
		return MessagePage{}, err
	}
	if beforeID == "" {
		return MessagePage{}, apperr.Invalid("beforeId", "Say which message to page back from.")
	}
	msgs, more, err := s.st.MessagesBefore(ctx, agent.OrgID, id, beforeID, MessagesPerPage)
	if err != nil {
		return MessagePage{}, err
	}
	return MessagePage{Messages: chatMessages(msgs), HasEarlier: more}, nil
}

func (s *Service) conversation(ctx context.Context, agent store.User, id string) (store.Conversation, error) {
	conv, err := s.st.ConversationByID(ctx, agent.OrgID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Conversation{}, errNoConversation
	}
	return conv, err
}

// Open returns a conversation with its newest messages, its contact panel (gated) and the ways
// to verify the agent can use now.
func (s *Service) Open(ctx context.Context, agent store.User, id string) (ConversationDetail, error) {
	conv, err := s.conversation(ctx, agent, id)
	if err != nil {
		return ConversationDetail{}, err
	}
	var d ConversationDetail
	inboxName := ""
	if in, err := s.st.InboxByID(ctx, agent.OrgID, conv.InboxID); err == nil {
		inboxName = in.Name
	}
	d.Summary = summary(store.ConversationListItem{Conversation: conv, InboxName: inboxName})
	msgs, earlier, err := s.st.MessagesBefore(ctx, agent.OrgID, id, "", MessagesPerPage)
	if err != nil {
		return ConversationDetail{}, err
	}
	d.Messages, d.HasEarlier = chatMessages(msgs), earlier
	if n := len(msgs); n > 0 {
		d.Summary.LastMessage = preview(msgs[n-1].Body)
	}
	if d.Panel, err = s.panel(ctx, agent, conv); err != nil {
		return ConversationDetail{}, err
	}
	if d.Panel.State == verify.PanelVerified && d.Panel.Name != "" {
		d.Summary.Title = d.Panel.Name
	}
	if d.Actions, err = s.actions(ctx, agent, conv); err != nil {
		return ConversationDetail{}, err
	}
	return d, nil
}

// Panel returns a conversation's contact panel as it is now (after a verification action).
func (s *Service) Panel(ctx context.Context, agent store.User, id string) (ContactPanel, error) {
	conv, err := s.conversation(ctx, agent, id)
	if err != nil {
		return ContactPanel{}, err
	}
	return s.panel(ctx, agent, conv)
}

// panel is what the agent may see about who is in the chat: the contact's name, fields and
// history only once verified here; before, counts only.
func (s *Service) panel(ctx context.Context, agent store.User, conv store.Conversation) (ContactPanel, error) {
	p, err := s.verify.Panel(ctx, conv)
	if err != nil {
		return ContactPanel{}, err
	}
	out := ContactPanel{State: p.State, Email: p.Email, TypedEmail: p.TypedEmail, Reason: p.Reason, Refused: p.Refused,
		Fields: []ContactFieldView{}, History: []HistoryItem{}}
	if p.State == verify.PanelPreliminary || p.State == verify.PanelPending {
		out.Warning = verify.WarningUnverified
	}
	if p.Contact.ID == "" {
		return out, nil
	}
	out.ContactID = p.Contact.ID
	if p.State != verify.PanelVerified {
		// Until verified here: counts only, never the content.
		out.HiddenConversations, out.HiddenFields, err = s.st.CountContactHistory(ctx, agent.OrgID, p.Contact.ID, conv.ID)
		return out, err
	}
	out.Name = p.Contact.Name
	out.Method, out.VerifiedLabel, out.VerifiedAt = p.Verification.Method, verify.Label(p.Verification), wiretime.Format(p.Verification.VerifiedAt)
	fields, err := s.st.FieldsByContact(ctx, agent.OrgID, p.Contact.ID)
	if err != nil {
		return ContactPanel{}, err
	}
	labels, err := s.st.LatestVerificationsByContact(ctx, agent.OrgID, p.Contact.ID)
	if err != nil {
		return ContactPanel{}, err
	}
	for _, f := range fields {
		fv := ContactFieldView{Kind: f.Kind, Value: f.ValueDisplay}
		if v, ok := labels[f.ID]; ok {
			fv.VerifiedLabel = verify.Label(v)
		}
		out.Fields = append(out.Fields, fv)
	}
	hist, err := s.st.ContactHistory(ctx, agent.OrgID, p.Contact.ID, conv.ID, 50)
	if err != nil {
		return ContactPanel{}, err
	}
	for _, h := range hist {
		out.History = append(out.History, HistoryItem{ID: h.ID, Kind: h.Kind, Status: h.Status,
			StartedAt: wiretime.Format(h.StartedAt), Preview: preview(h.LastMessage)})
	}
	return out, nil
}

// actions says which ways of verifying the agent can use in the conversation now.
func (s *Service) actions(ctx context.Context, agent store.User, conv store.Conversation) (VerifyActions, error) {
	var a VerifyActions
	if s.MailReady != nil {
		var err error
		if a.CanEmail, err = s.MailReady(ctx, agent.OrgID); err != nil {
			return VerifyActions{}, err
		}
	}
	if !a.CanEmail {
		a.MailBlockedReason = verify.NoSenderMessage
	}
	req, _, err := s.verify.Pending(ctx, conv)
	if err != nil {
		return VerifyActions{}, err
	}
	a.CodePending, a.EmailRequested = req == "code", req == "email"
	if a.LinkPending, err = s.verify.LinkPending(ctx, conv); err != nil {
		return VerifyActions{}, err
	}
	return a, nil
}

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

// summary is one row of the list. The contact's name is account data: shown only once the
// person is verified here.
func summary(it store.ConversationListItem) ConversationSummary {
	c := it.Conversation
	title := c.VisitorName
	if c.LinkState == store.LinkVerified && it.ContactName != "" {
		title = it.ContactName
	}
	if title == "" {
		title = "Visitor"
	}
	s := ConversationSummary{ID: c.ID, InboxID: c.InboxID, InboxName: it.InboxName, Kind: c.Kind, Status: c.Status,
		Title: title, Email: c.VisitorEmail, Panel: panelState(c), Unread: c.UnreadCount, LastMessage: preview(it.LastMessage),
		LastActivityAt: wiretime.Format(c.LastActivityAt), StartedAt: wiretime.Format(c.StartedAt)}
	if it.LinkDisplay != "" && c.Kind == store.ConversationChat {
		// What the link rests on (proven, when verified) is the address shown; a different one
		// typed in the chat is shown beside it.
		s.Email, s.TypedEmail = it.LinkDisplay, verify.TypedBeside(c.VisitorEmail, it.LinkNorm)
	}
	if c.Kind == store.ConversationCall {
		s.Phone, s.CallStatus, s.DurationSeconds = c.VisitorName, c.CallStatus, c.DurationSeconds
		s.LastMessage = "Call " + strings.ReplaceAll(c.CallStatus, "-", " ")
		if c.DurationSeconds > 0 {
			s.LastMessage += " · " + contacts.CallLength(c.DurationSeconds)
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

func chatMessages(msgs []store.Message) []ChatMessage {
	out := make([]ChatMessage, len(msgs))
	for i, m := range msgs {
		out[i] = Message(m)
	}
	return out
}

// Message is a stored message as the agent sees it.
func Message(m store.Message) ChatMessage {
	return ChatMessage{ID: m.ID, From: m.SenderKind, AuthorName: m.AuthorName, Body: m.Body, CreatedAt: wiretime.Format(m.CreatedAt)}
}
