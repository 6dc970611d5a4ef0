// Package chat is live chat: widget sessions, conversations and their messages, and the hub that
// pushes each change to whoever is watching. Who the customer is (emails, verification) is the
// verify package's business; chat only carries the conversation.
package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/store"
	"vouchdesk/backend/textrules"
	"vouchdesk/backend/token"
)

// Limits the widget API documents (docs/api/widget.md); textrules defines them.
const (
	MaxMessageChars = textrules.MaxMessageChars
	MaxNameChars    = textrules.MaxNameChars
	MaxClientMsgID  = textrules.MaxClientMsgID
)

// Error codes beyond apperr's, stable for the widget API.
const (
	CodeEnded        = "conversation_ended"
	CodeEmptyMessage = "empty_message"
	CodeTooLong      = "message_too_long"
	CodeInvalidName  = "invalid_name"
	CodeUnauthorized = "unauthorized"
	CodeNoInbox      = "inbox_not_found"
)

// Message is a stored message (the store's row, with the agent's name).
type Message = store.Message

// Service runs conversations.
type Service struct {
	st  *store.Store
	now func() time.Time
	hub *Hub
	// fromFeed: the hub is fed by Follow from the change sequence (PostgreSQL), not by the
	// service's own writes (follow.go).
	fromFeed bool
	// Changed is told about every change, for the desktop's live view; nil ignores them.
	Changed func(orgID, conversationID string)
	// OnEnd, when set, is told about every chat that ends, however it ends (the transcript email).
	OnEnd EndHook
	// FeedLag, when set, is told how long each change Follow published took from its commit.
	FeedLag func(time.Duration)
}

// EndHook is told when a conversation ends. Ending runs inside the transaction that ends it,
// after the end note, so what it writes commits or rolls back with the end (an error rolls the
// end back); Ended runs after the commit.
type EndHook interface {
	Ending(tx *store.Tx, orgID, conversationID string, now time.Time) error
	Ended(orgID, conversationID string)
}

// New returns the chat service.
func New(st *store.Store, now func() time.Time, hub *Hub) *Service {
	return &Service{st: st, now: now, hub: hub}
}

// Hub is the service's live fan-out.
func (s *Service) Hub() *Hub { return s.hub }

// Notify tells the conversation's listeners and the desktop that its state changed.
func (s *Service) Notify(orgID, conversationID string) {
	if !s.fromFeed {
		s.hub.Publish(conversationID, Event{Kind: EventState})
	}
	if s.Changed != nil {
		s.Changed(orgID, conversationID)
	}
}

func (s *Service) published(orgID string, m Message) {
	if !s.fromFeed {
		s.hub.Publish(m.ConversationID, Event{Kind: EventMessage, Message: m})
	}
	if s.Changed != nil {
		s.Changed(orgID, m.ConversationID)
	}
}

// StartInput is what a widget gives when it opens a conversation.
type StartInput struct {
	InboxID  string
	DeviceID string // the customer's browser (verify.Devices), may be ""
	Name     string
	Timezone string
}

// Session is an opened conversation and the token that opens it again.
type Session struct {
	Token        string
	Conversation store.Conversation
}

// CleanName checks a name a customer typed (textrules.CleanName), as an error the widget shows.
func CleanName(raw string) (string, error) {
	name, err := textrules.CleanName(raw)
	if err != nil {
		return "", &apperr.Error{Code: CodeInvalidName, Field: "name", Message: err.Error()}
	}
	return name, nil
}

// CleanBody checks a message (textrules.CleanBody): control and invisible format characters
// removed, not empty, at most MaxMessageChars.
func CleanBody(raw string) (string, error) {
	body, err := textrules.CleanBody(raw)
	switch {
	case errors.Is(err, textrules.ErrEmptyMessage):
		return "", &apperr.Error{Code: CodeEmptyMessage, Field: "body", Message: err.Error()}
	case err != nil:
		return "", &apperr.Error{Code: CodeTooLong, Field: "body", Message: err.Error()}
	}
	return body, nil
}

// ChatInbox returns the live chat inbox with this id, in whichever organization it is.
func (s *Service) ChatInbox(ctx context.Context, inboxID string) (store.Inbox, store.Organization, error) {
	in, o, err := s.st.ChatInboxByID(ctx, inboxID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Inbox{}, store.Organization{}, &apperr.Error{Code: CodeNoInbox, Message: "There is no chat inbox with this id."}
	}
	return in, o, err
}

// FirstChatInbox is the first chat inbox of the first organization that has one (the demo page's),
// or CodeNoInbox.
func (s *Service) FirstChatInbox(ctx context.Context) (store.Inbox, store.Organization, error) {
	orgs, err := s.st.Organizations(ctx)
	if err != nil {
		return store.Inbox{}, store.Organization{}, err
	}
	for _, o := range orgs {
		inboxes, err := s.st.InboxesByOrg(ctx, o.ID)
		if err != nil {
			return store.Inbox{}, store.Organization{}, err
		}
		for _, in := range inboxes {
			if in.Kind == store.InboxChat {
				return in, o, nil
			}
		}
	}
	return store.Inbox{}, store.Organization{}, &apperr.Error{Code: CodeNoInbox, Message: "There is no chat inbox yet."}
}

// Start opens a conversation in a chat inbox, in a transaction of its own.
func (s *Service) Start(ctx context.Context, orgID string, in StartInput) (Session, error) {
	var sess Session
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		sess, err = Open(tx, orgID, in, s.now())
		return err
	})
	if err != nil {
		return Session{}, err
	}
	if s.Changed != nil {
		s.Changed(orgID, sess.Conversation.ID)
	}
	return sess, nil
}

// Open makes a chat conversation inside the caller's transaction, with the session token that
// opens it again: the one place a chat begins, whether the widget starts it plainly or through a
// sign-in (verify.Service.StartChat and the sign-ins), so what the customer proves or gives
// commits with it or not at all. The caller tells Changed after the commit.
func Open(tx *store.Tx, orgID string, in StartInput, now time.Time) (Session, error) {
	name, err := CleanName(in.Name)
	if err != nil {
		return Session{}, err
	}
	tz := in.Timezone
	if len(tz) > 64 {
		tz = ""
	}
	plain, hash := token.NewLink()
	c := store.Conversation{ID: store.NewID(), OrgID: orgID, InboxID: in.InboxID, Kind: store.ConversationChat,
		Status: store.ConversationOpen, LinkState: store.LinkNone, DeviceID: in.DeviceID, VisitorName: name,
		CustomerTZ: tz, StartedAt: now, LastActivityAt: now}
	if err := tx.InsertChat(c, hash); err != nil {
		return Session{}, err
	}
	return Session{Token: plain, Conversation: c}, nil
}

// Started tells the desktop about a conversation another package's transaction opened (Open).
func (s *Service) Started(orgID, conversationID string) {
	if s.Changed != nil {
		s.Changed(orgID, conversationID)
	}
}

// Messages returns a conversation's messages after the message afterID ("" from the first), at
// most limit (0: no limit), oldest first.
func (s *Service) Messages(ctx context.Context, conv store.Conversation, afterID string, limit int) ([]Message, error) {
	return s.st.Messages(ctx, conv.OrgID, conv.ID, afterID, limit)
}

// BySession returns the conversation a session token opens.
func (s *Service) BySession(ctx context.Context, sessionToken string) (store.Conversation, error) {
	if !token.IsLinkShaped(sessionToken) {
		return store.Conversation{}, unauthorized
	}
	c, err := s.st.ConversationBySession(ctx, token.Hash(sessionToken))
	if errors.Is(err, store.ErrNotFound) {
		return store.Conversation{}, unauthorized
	}
	return c, err
}

var unauthorized = &apperr.Error{Code: CodeUnauthorized, Message: "This chat session is unknown. Start a new chat."}

var ended = &apperr.Error{Code: CodeEnded, Message: "This chat has ended. Start a new one to write again."}

// CustomerSays adds a customer's message. The same clientMsgID twice stores one message: the
// second call returns the first message with dup = true.
func (s *Service) CustomerSays(ctx context.Context, conv store.Conversation, clientMsgID, body string) (Message, bool, error) {
	body, err := CleanBody(body)
	if err != nil {
		return Message{}, false, err
	}
	if clientMsgID == "" || len(clientMsgID) > MaxClientMsgID {
		return Message{}, false, apperr.Invalid("clientMsgId", "clientMsgId must be 1 to 64 characters.")
	}
	var stored Message
	var dup bool
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		cur, err := tx.Conversation(conv.OrgID, conv.ID)
		if err != nil {
			return err
		}
		m := store.Message{ID: store.NewID(), OrgID: conv.OrgID, ConversationID: conv.ID, SenderKind: store.SenderCustomer,
			Body: body, ClientMsgID: clientMsgID, CreatedAt: s.now()}
		if stored, dup, err = tx.AddMessage(m); err != nil || dup {
			return err
		}
		if cur.Status != store.ConversationOpen {
			return ended
		}
		return nil
	})
	if err != nil {
		return Message{}, false, err
	}
	if !dup {
		s.published(conv.OrgID, stored)
	}
	return stored, dup, nil
}

// AgentSays adds an agent's message; agent is the acting agent.
func (s *Service) AgentSays(ctx context.Context, agent store.User, conversationID, body string) (Message, error) {
	body, err := CleanBody(body)
	if err != nil {
		return Message{}, err
	}
	var stored Message
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		cur, err := tx.Conversation(agent.OrgID, conversationID)
		if errors.Is(err, store.ErrNotFound) {
			return errNoConversation
		}
		if err != nil {
			return err
		}
		if cur.Status != store.ConversationOpen {
			return ended
		}
		stored, _, err = tx.AddMessage(store.Message{ID: store.NewID(), OrgID: agent.OrgID, ConversationID: conversationID,
			SenderKind: store.SenderAgent, SenderUserID: agent.ID, Body: body, CreatedAt: s.now()})
		return err
	})
	if err != nil {
		return Message{}, err
	}
	stored.AuthorName = agent.Name
	s.published(agent.OrgID, stored)
	return stored, nil
}

// SystemSays adds a message from Vouch Desk itself, inside the caller's transaction; the caller
// publishes it after the commit with Published.
func SystemSays(tx *store.Tx, orgID, conversationID, body string, now time.Time) (Message, error) {
	m, _, err := tx.AddMessage(store.Message{ID: store.NewID(), OrgID: orgID, ConversationID: conversationID,
		SenderKind: store.SenderSystem, Body: body, CreatedAt: now})
	return m, err
}

// Published pushes a message written by someone else's transaction.
func (s *Service) Published(orgID string, m Message) { s.published(orgID, m) }

// errNoConversation answers an id that is no conversation of the organization (another
// organization's included).
var errNoConversation = apperr.NotFound("This conversation does not exist.")

// End ends an open conversation; actor says who (an agent, the customer). Ending an ended
// conversation does nothing; one that is not the organization's is not found, never a silent
// success.
func (s *Service) End(ctx context.Context, orgID, conversationID string, actor store.Actor) error {
	text := "The chat was ended."
	switch actor.Kind {
	case "customer":
		text = "The chat was ended by the customer."
	case "agent":
		text = "The chat was ended by the agent."
	}
	_, err := s.end(ctx, orgID, conversationID, actor, text, nil, func(tx *store.Tx, now time.Time) (bool, error) {
		if _, err := tx.Conversation(orgID, conversationID); errors.Is(err, store.ErrNotFound) {
			return false, errNoConversation
		} else if err != nil {
			return false, err
		}
		return tx.EndConversation(orgID, conversationID, actor.Kind, now)
	})
	return err
}

// AgentEnds ends a conversation of the agent's organization ("The chat was ended by the agent.").
func (s *Service) AgentEnds(ctx context.Context, agent store.User, conversationID string) error {
	return s.End(ctx, agent.OrgID, conversationID, store.AgentActor(agent.ID))
}

// end is every way a chat ends: the conversation row (by endRow), a system note in the chat, an
// audit record and the end hook's writes in one transaction, then the note and the state pushed
// to the widget and the desktop.
func (s *Service) end(ctx context.Context, orgID, conversationID string, actor store.Actor, note string, detail any,
	endRow func(tx *store.Tx, now time.Time) (bool, error)) (bool, error) {
	now := s.now()
	var msg Message
	var didEnd bool
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if didEnd, err = endRow(tx, now); err != nil || !didEnd {
			return err
		}
		if msg, err = SystemSays(tx, orgID, conversationID, note, now); err != nil {
			return err
		}
		if err := tx.Audit(orgID, actor, "conversation.end", "conversations", conversationID, detail); err != nil {
			return err
		}
		if s.OnEnd != nil {
			return s.OnEnd.Ending(tx, orgID, conversationID, now)
		}
		return nil
	})
	if err != nil || !didEnd {
		return false, err
	}
	if s.OnEnd != nil {
		s.OnEnd.Ended(orgID, conversationID)
	}
	s.published(orgID, msg)
	s.Notify(orgID, conversationID)
	return true, nil
}

// idleBatch is how many idle chats EndIdle reads at a time.
const idleBatch = 200

// EndIdle ends every open chat whose last activity (the newest message from anyone, or its start
// when it has none) is older than its inbox's idle_end_minutes; an inbox with 0 never does. Each
// ends as End does, with ended_by "idle", a system note that says why, and the same events, so the
// widget and the desktop see it end. A chat that gets a message while the sweep runs stays open.
// It returns how many chats it ended; the engine calls it every minute.
func (s *Service) EndIdle(ctx context.Context) (int, error) {
	total := 0
	for {
		batch, err := s.st.IdleChats(ctx, s.now(), idleBatch)
		if err != nil {
			return total, err
		}
		ended := 0
		for _, c := range batch {
			limit := time.Duration(c.IdleMinutes) * time.Minute
			did, err := s.end(ctx, c.OrgID, c.ID, store.SystemActor, IdleNote(c.IdleMinutes),
				map[string]any{"reason": "idle", "idleMinutes": c.IdleMinutes},
				func(tx *store.Tx, now time.Time) (bool, error) {
					return tx.EndIdleConversation(c.OrgID, c.ID, now.Add(-limit), now)
				})
			if err != nil {
				return total, err
			}
			if did {
				ended++
			}
		}
		total += ended
		// A short batch was the last; a batch that ended nothing (all woke up meanwhile) would
		// come back the same, so it ends the sweep too.
		if len(batch) < idleBatch || ended == 0 {
			return total, nil
		}
	}
}

// IdleNote is the system message of a chat ended for inactivity.
func IdleNote(minutes int) string {
	unit := "minutes"
	if minutes == 1 {
		unit = "minute"
	}
	return fmt.Sprintf("The chat was ended after %d %s without activity.", minutes, unit)
}

// RequestEmail asks the customer for their email in the widget.
func (s *Service) RequestEmail(ctx context.Context, agent store.User, conversationID string) error {
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		cur, err := tx.Conversation(agent.OrgID, conversationID)
		if errors.Is(err, store.ErrNotFound) {
			return errNoConversation
		} else if err != nil {
			return err
		}
		if cur.Status != store.ConversationOpen {
			return ended
		}
		return tx.SetEmailRequested(agent.OrgID, conversationID, true)
	})
	if err != nil {
		return err
	}
	s.Notify(agent.OrgID, conversationID)
	return nil
}

// MarkRead clears the unread count of a conversation of the organization.
func (s *Service) MarkRead(ctx context.Context, orgID, conversationID string) error {
	return s.st.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Conversation(orgID, conversationID); errors.Is(err, store.ErrNotFound) {
			return errNoConversation
		} else if err != nil {
			return err
		}
		return tx.MarkRead(orgID, conversationID)
	})
}
