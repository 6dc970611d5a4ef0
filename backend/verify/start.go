package verify

import (
	"context"
	"errors"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/chat"
	"vouchdesk/backend/store"
)

// StartRequest is a chat the widget starts without a sign-in (POST /sessions): the chat inbox,
// the chat itself, and the email of the pre-chat form with the consent given ("" for none).
type StartRequest struct {
	InboxID string
	Chat    ChatStart
	Email   string
	Consent bool
}

// StartChat starts a chat for an inbox that asks for no sign-in, in one transaction: the
// customer's device, the conversation, and the email given (SubmitEmail's three outcomes). It
// checks everything typed before anything is written, and a failure leaves nothing behind: no
// device without its chat, no chat without its email. An inbox that asks for a sign-in starts
// chats only through one (ErrSigninRequired).
func (s *Service) StartChat(ctx context.Context, r StartRequest) (Started, error) {
	inbox, org, err := s.chat.ChatInbox(ctx, r.InboxID)
	if err != nil {
		return Started{}, err
	}
	if opts, err := s.Signin(ctx, inbox, org); err != nil {
		return Started{}, err
	} else if opts.Required() {
		return Started{}, ErrSigninRequired
	}
	if r.Chat.Name, err = chat.CleanName(r.Chat.Name); err != nil {
		return Started{}, err
	}
	var norm, display string
	if r.Email != "" {
		if norm, display, err = CheckEmail(r.Email); err != nil {
			return Started{}, err
		}
		if err = s.carried(org.ID, display); err != nil {
			return Started{}, err
		}
		if org.ConsentText != "" && !r.Consent {
			return Started{}, &apperr.Error{Code: CodeConsentRequired, Field: "consent", Message: "Please agree to how we use your email first."}
		}
	}
	now := s.now()
	var out Started
	sent := false
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if out, err = startChat(tx, org.ID, inbox.ID, r.Chat, now); err != nil {
			return err
		}
		if norm == "" {
			return nil
		}
		sent, err = s.submitEmail(tx, out.Conversation, norm, display, r.Consent, customer, now)
		return err
	})
	if err != nil {
		return Started{}, err
	}
	if sent {
		s.queued()
	}
	s.chat.Started(org.ID, out.Conversation.ID)
	return out, nil
}

// CustomerState is what the customer may know about their conversation: never whether the
// address belonged to someone, only whether this chat proved what they typed.
type CustomerState struct {
	Status string
	Email  string // the address given in the chat
	// Verified: the chat is verified on the very address given (a different address typed after
	// a proof is not verified, however the chat was verified before).
	Verified bool
	// Request is what the agent asked for and is not yet answered ("email", "code" or ""), and
	// RequestEmail the address a code was sent to.
	Request, RequestEmail string
	AgentName             string // the agent who wrote last
}

// CustomerState reads the conversation's state as it is now.
func (s *Service) CustomerState(ctx context.Context, conv store.Conversation) (CustomerState, error) {
	var st CustomerState
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		cur, err := tx.Conversation(conv.OrgID, conv.ID)
		if err != nil {
			return err
		}
		st = CustomerState{Status: cur.Status, Email: cur.VisitorEmail}
		if cur.LinkState == store.LinkVerified {
			f, err := tx.Field(cur.OrgID, cur.LinkFieldID)
			if err != nil {
				return err
			}
			st.Verified = TypedBeside(cur.VisitorEmail, f.ValueNorm) == ""
		}
		if cur.LastAgentID != "" {
			u, err := tx.User(cur.OrgID, cur.LastAgentID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			st.AgentName = u.Name
		}
		conv = cur
		return nil
	})
	if err != nil {
		return CustomerState{}, err
	}
	if st.Request, st.RequestEmail, err = s.Pending(ctx, conv); err != nil {
		return CustomerState{}, err
	}
	return st, nil
}
