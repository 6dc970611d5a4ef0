package verify

import (
	"context"
	"errors"
	"fmt"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/store"
	"vouchdesk/backend/token"
)

// ReasonRefused is the panel's reason once the owner of the conversation's address answered a
// link with "This wasn't me".
const ReasonRefused = "The address's owner said this wasn't them"

// refusedNote is the conversation's system note for a refusal (%s: the address, twice).
const refusedNote = "The person at %s said they did not start this chat. Do not treat this customer as %s."

// previewChat adds to a link's preview what the owner of the address needs to tell whether the
// chat is theirs: when it started and the name given there (made inert), and the address as it
// was typed when it is still the conversation's.
func previewChat(ctx context.Context, st *store.Store, ch store.Challenge, p LinkPreview) (LinkPreview, error) {
	cur, err := st.ConversationByID(ctx, ch.OrgID, ch.ConversationID)
	if err != nil {
		return LinkPreview{}, err
	}
	p.Email = shownAddress(cur, ch)
	p.StartedAt, p.VisitorName = cur.StartedAt, InertName(cur.VisitorName)
	return p, nil
}

// shownAddress is the challenge's address as the customer typed it, when the conversation still
// has it; else its normalized form.
func shownAddress(cur store.Conversation, ch store.Challenge) string {
	if norm, _, err := CheckEmail(cur.VisitorEmail); err == nil && norm == ch.TargetValue {
		return cur.VisitorEmail
	}
	return ch.TargetValue
}

// RefuseLink answers a link with "This wasn't me": the link is used up without verifying
// anything (so it can be neither confirmed nor refused again), the refusal is written to the
// audit log (store.AuditLinkRefused), and the agent is told by a system note in the conversation
// and by the contact panel (Panel.Refused). A double opt-in contact stays pending and the
// conversation stays unlinked; a preliminary link stays preliminary, with the refusal shown.
func (s *Service) RefuseLink(ctx context.Context, kind LinkKind, plain string) (LinkPreview, error) {
	if !token.IsLinkShaped(plain) {
		return LinkPreview{}, ErrLinkUnusable
	}
	now := s.now()
	var ch store.Challenge
	var p LinkPreview
	var note chat.Message
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if ch, err = tx.ConsumeLinkChallenge(kind.purpose(), token.Hash(plain), now); err != nil {
			return err
		}
		org, err := tx.Organization(ch.OrgID)
		if err != nil {
			return err
		}
		cur, err := tx.Conversation(ch.OrgID, ch.ConversationID)
		if err != nil {
			return err
		}
		shown := shownAddress(cur, ch)
		p = LinkPreview{Email: shown, OrgName: org.Name, StartedAt: cur.StartedAt, VisitorName: InertName(cur.VisitorName)}
		if note, err = chat.SystemSays(tx, org.ID, cur.ID, fmt.Sprintf(refusedNote, shown, shown), now); err != nil {
			return err
		}
		return tx.Audit(org.ID, store.Actor{Kind: "customer"}, store.AuditLinkRefused, "conversations", cur.ID,
			map[string]any{"challenge": ch.ID, "purpose": ch.Purpose, "address": ch.TargetValue})
	})
	if errors.Is(err, store.ErrChallengeUnusable) {
		return LinkPreview{}, ErrLinkUnusable
	}
	if err != nil {
		return LinkPreview{}, err
	}
	s.chat.Published(ch.OrgID, note)
	s.chat.Notify(ch.OrgID, ch.ConversationID)
	return p, nil
}

// refused reports whether the owner of the conversation's current address refused a link sent
// in it (a later, different address starts clean).
func refused(tx *store.Tx, conv store.Conversation) (bool, error) {
	norm, _, err := CheckEmail(conv.VisitorEmail)
	if err != nil {
		return false, nil // no usable address: nothing to have refused
	}
	return tx.LinkRefused(conv.OrgID, conv.ID, norm)
}
