package verify

import (
	"context"
	"errors"

	"vouchdesk/backend/contacts"
	"vouchdesk/backend/store"
)

// Panel is what the agent may know about who is in a conversation. Contact is set only when the
// conversation is linked; callers show its details only when State is PanelVerified.
type Panel struct {
	State string
	// Email is the address the link rests on (proven when State is verified); before a link, the
	// address given in the chat. TypedEmail is the address given in the chat when it is another
	// one: the agent sees both, and which one is proven.
	Email        string
	TypedEmail   string
	Contact      store.Contact
	FieldID      string
	Reason       string
	Verification store.Verification // when verified: how
	// Refused: the owner of Email answered a link sent in this conversation with "This wasn't
	// me" (Reason is then ReasonRefused). Set only while not verified.
	Refused bool
}

// Panel reads the contact panel's state of a conversation.
func (s *Service) Panel(ctx context.Context, conv store.Conversation) (Panel, error) {
	var p Panel
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		var err error
		if p, err = panel(tx, conv); err != nil || p.State == PanelVerified || p.State == PanelNone {
			return err
		}
		if p.Refused, err = refused(tx, conv); p.Refused {
			p.Reason = ReasonRefused
		}
		return err
	})
	return p, err
}

func panel(tx *store.Tx, conv store.Conversation) (Panel, error) {
	p := Panel{Email: conv.VisitorEmail, FieldID: conv.LinkFieldID}
	switch conv.LinkState {
	case store.LinkNone:
		if conv.VisitorEmail == "" {
			p.State, p.Reason = PanelNone, ReasonNoEmail
			return p, nil
		}
		p.State, p.Reason = PanelPending, ReasonAwaitingOptIn
		if _, err := tx.VerifiedSenderEmail(conv.OrgID); errors.Is(err, store.ErrNotFound) {
			p.Reason = ReasonOptInNotSent
		} else if err != nil {
			return Panel{}, err
		}
		return p, nil
	}
	c, err := tx.Contact(conv.OrgID, conv.ContactID)
	if err != nil {
		return Panel{}, err
	}
	p.Contact = c
	f, err := tx.Field(conv.OrgID, conv.LinkFieldID)
	if err != nil {
		return Panel{}, err
	}
	p.Email, p.TypedEmail = f.ValueDisplay, TypedBeside(conv.VisitorEmail, f.ValueNorm)
	if conv.LinkState == store.LinkVerified {
		p.State = PanelVerified
		v, err := tx.DeviceProof(conv.OrgID, conv.DeviceID, conv.LinkFieldID)
		if errors.Is(err, store.ErrNotFound) {
			v, err = tx.LatestVerification(conv.OrgID, conv.LinkFieldID)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Panel{}, err
		}
		p.Verification = v
		return p, nil
	}
	p.State, p.Reason = PanelPreliminary, ReasonNeverVerified
	verified, err := tx.FieldVerified(conv.OrgID, conv.LinkFieldID)
	if err != nil {
		return Panel{}, err
	}
	if verified {
		p.Reason = ReasonOtherDevice
	}
	return p, nil
}

// TypedBeside is the address typed in a conversation when it is not the linked field's value
// (norm), to be shown beside it; "" when they are the same address or nothing was typed.
func TypedBeside(typed, linkedNorm string) string {
	if typed == "" || linkedNorm == "" {
		return ""
	}
	if norm, _, err := CheckEmail(typed); err == nil && norm == linkedNorm {
		return ""
	}
	return typed
}

// Label says how a field was verified, in the words the design uses.
func Label(v store.Verification) string { return contacts.VerifiedLabel(v.Method, v.ActorName) }

// Pending says what the customer has been asked for and not yet answered: "email" (the agent's
// email request), "code" (a code was sent), or "".
func (s *Service) Pending(ctx context.Context, conv store.Conversation) (request string, codeFor string, err error) {
	if conv.Status != store.ConversationOpen {
		return "", "", nil
	}
	ch, err := s.st.LiveChallenge(ctx, conv.OrgID, conv.ID, store.PurposeChatCode, s.now())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", "", err
	}
	// A live code waits to be typed unless the chat is verified on its very address already (a
	// chat verified as one address can still be asked to prove another it was given).
	if err == nil && (conv.LinkState != store.LinkVerified || ch.TargetValue != s.linkNorm(ctx, conv)) {
		return "code", conv.VisitorEmail, nil
	}
	if conv.EmailRequested {
		return "email", "", nil
	}
	return "", "", nil
}

// LinkPending reports whether a verification link sent in the conversation is still unused.
func (s *Service) LinkPending(ctx context.Context, conv store.Conversation) (bool, error) {
	_, err := s.st.LiveChallenge(ctx, conv.OrgID, conv.ID, store.PurposeChatLink, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// linkNorm is the normalized value of the field a conversation's link rests on ("" when it
// cannot be read).
func (s *Service) linkNorm(ctx context.Context, conv store.Conversation) string {
	var norm string
	s.st.Read(ctx, func(tx *store.Tx) error {
		f, err := tx.Field(conv.OrgID, conv.LinkFieldID)
		norm = f.ValueNorm
		return err
	})
	return norm
}
