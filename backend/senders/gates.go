package senders

import (
	"context"
	"errors"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/store"
)

// GateMessage is what the UI shows beside a mail-sending toggle while no sender is verified.
const GateMessage = "Set up and verify a sender email in Address"

// mailToggles are the inbox toggles that send email and so need a verified sender.
var mailToggles = map[string]bool{"emailSignin": true, "transcriptAfter": true}

// Toggles lists the inbox toggles an agent may switch.
var Toggles = []string{"emailSignin", "googleSignin", "transcriptAfter"}

// SetInboxToggle switches an inbox feature (owner/admin only). Switching on a toggle that sends
// email is refused while the organization has no verified sender.
func (s *Service) SetInboxToggle(ctx context.Context, actor store.User, orgID, inboxID, toggle string, on bool) (store.Inbox, error) {
	if err := mayManage(actor); err != nil {
		return store.Inbox{}, apperr.Forbidden("Only an owner or an admin can change inbox settings.")
	}
	known := false
	for _, t := range Toggles {
		known = known || t == toggle
	}
	if !known {
		return store.Inbox{}, apperr.Invalid("toggle", "Unknown setting.")
	}
	inbox, err := s.st.InboxByID(ctx, orgID, inboxID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Inbox{}, apperr.NotFound("That inbox does not exist.")
	} else if err != nil {
		return store.Inbox{}, err
	}
	if inbox.Kind != store.InboxChat {
		return store.Inbox{}, apperr.Invalid("toggle", "Calls need no sign-in or transcript settings; these are for chat inboxes.")
	}
	if on && mailToggles[toggle] {
		if _, ok, err := s.VerifiedAddress(ctx, orgID); err != nil {
			return store.Inbox{}, err
		} else if !ok {
			return store.Inbox{}, &apperr.Error{Code: "sender_required", Message: GateMessage + "."}
		}
	}
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetInboxToggle(orgID, inboxID, toggle, on, s.now()); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return apperr.NotFound("That inbox does not exist.")
			}
			return err
		}
		return tx.Audit(orgID, store.AgentActor(actor.ID), "inbox.toggle", "inboxes", inboxID,
			map[string]any{"toggle": toggle, "on": on})
	})
	if err != nil {
		return store.Inbox{}, err
	}
	return s.st.InboxByID(ctx, orgID, inboxID)
}
