package org

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/contacts"
	"vouchdesk/backend/store"
)

// Every change to the organization's settings and its inboxes' settings goes through this file:
// one role check (RequireAdmin), the acting agent recorded in the audit log, the engine's clock.
// No other package writes them, so the team server can put its own checks in one place.

// RequireAdmin is the one role check of the app: owners and admins may change settings, agents
// may not. doing says what was refused, e.g. "change inbox settings".
func RequireAdmin(actor store.User, doing string) error {
	if actor.Role == store.RoleOwner || actor.Role == store.RoleAdmin {
		return nil
	}
	return apperr.Forbidden("Only an owner or an admin can " + doing + ".")
}

// IsAdmin reports whether an agent may change settings (to show or hide the controls).
func IsAdmin(actor store.User) bool { return RequireAdmin(actor, "") == nil }

// MaxConsentChars bounds the consent text.
const MaxConsentChars = 1000

// MaxIdleEndMinutes is the longest idle time that can be set: a day.
const MaxIdleEndMinutes = 24 * 60

// SetRegulatory changes how new contacts are registered: double opt-in, and the consent text the
// widget shows beside the email field. It returns the organization as saved.
func (s *Service) SetRegulatory(ctx context.Context, actor store.User, doubleOptIn bool, consentText string) (store.Organization, error) {
	if err := RequireAdmin(actor, "change the regulatory settings"); err != nil {
		return store.Organization{}, err
	}
	text := strings.TrimSpace(consentText)
	if utf8.RuneCountInString(text) > MaxConsentChars {
		return store.Organization{}, apperr.Invalid("consentText", "The consent text can be at most 1,000 characters.")
	}
	return s.changeOrganization(ctx, actor, "organization.regulatory", map[string]any{"doubleOptIn": doubleOptIn},
		func(tx *store.Tx, now time.Time) error { return tx.SetRegulatory(actor.OrgID, doubleOptIn, text, now) })
}

// googleClientID is the shape of an OAuth client ID of Google's: digits, a dash, letters and
// digits, and Google's domain.
var googleClientID = regexp.MustCompile(`^[0-9]{1,30}-[a-z0-9]{1,100}\.apps\.googleusercontent\.com$`)

// SetGoogleClientID saves the organization's OAuth client ID for Google Sign-In in the widget
// (trimmed; "" removes it). It returns the organization as saved.
func (s *Service) SetGoogleClientID(ctx context.Context, actor store.User, raw string) (store.Organization, error) {
	if err := RequireAdmin(actor, "change inbox settings"); err != nil {
		return store.Organization{}, err
	}
	id := strings.TrimSpace(raw)
	if id != "" && !googleClientID.MatchString(id) {
		return store.Organization{}, apperr.Invalid("clientId", "A Google client ID looks like 1234567890-abc123.apps.googleusercontent.com: copy it from the Google Cloud console (APIs & Services, Credentials, OAuth 2.0 Client IDs, Web application).")
	}
	return s.changeOrganization(ctx, actor, "organization.google_client_id", map[string]any{"clientId": id},
		func(tx *store.Tx, now time.Time) error { return tx.SetGoogleClientID(actor.OrgID, id, now) })
}

// SetCountry sets the organization's country, for reading phone numbers written without their
// country code (an ISO 3166 code such as "US"; "" clears it). It returns the organization as saved.
func (s *Service) SetCountry(ctx context.Context, actor store.User, code string) (store.Organization, error) {
	if err := RequireAdmin(actor, "change inbox settings"); err != nil {
		return store.Organization{}, err
	}
	code = strings.ToUpper(strings.TrimSpace(code))
	if code != "" && !contacts.ValidRegion(code) {
		return store.Organization{}, apperr.Invalid("country", "Choose a country from the list.")
	}
	return s.changeOrganization(ctx, actor, "organization.country", map[string]any{"country": code},
		func(tx *store.Tx, now time.Time) error { return tx.SetDefaultRegion(actor.OrgID, code, now) })
}

// changeOrganization writes one settings change of the actor's organization with its audit row,
// and reads the organization back.
func (s *Service) changeOrganization(ctx context.Context, actor store.User, action string, detail map[string]any,
	change func(tx *store.Tx, now time.Time) error) (store.Organization, error) {
	var o store.Organization
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		now := s.now()
		if err := change(tx, now); err != nil {
			return err
		}
		if err := tx.Audit(actor.OrgID, store.AgentActor(actor.ID), action, "organizations", actor.OrgID, detail); err != nil {
			return err
		}
		var err error
		o, err = tx.Organization(actor.OrgID)
		return err
	})
	return o, err
}

// Inbox toggles an agent may switch, and those that send email (they need a verified sender).
var (
	Toggles     = []string{"emailSignin", "googleSignin", "transcriptAfter"}
	mailToggles = map[string]bool{"emailSignin": true, "transcriptAfter": true}
)

// GateMessage is what the UI shows beside a mail-sending toggle while no sender is verified.
const GateMessage = "Set up and verify a sender email in Address"

// SetInboxToggle switches one feature of a chat inbox ("emailSignin", "googleSignin",
// "transcriptAfter"). Switching on a toggle that sends email is refused while the organization
// has no verified sender (MailReady). It returns the inbox as saved.
func (s *Service) SetInboxToggle(ctx context.Context, actor store.User, inboxID, toggle string, on bool) (store.Inbox, error) {
	if err := RequireAdmin(actor, "change inbox settings"); err != nil {
		return store.Inbox{}, err
	}
	known := false
	for _, t := range Toggles {
		known = known || t == toggle
	}
	if !known {
		return store.Inbox{}, apperr.Invalid("toggle", "Unknown setting.")
	}
	inbox, err := s.inbox(ctx, actor.OrgID, inboxID)
	if err != nil {
		return store.Inbox{}, err
	}
	if inbox.Kind != store.InboxChat {
		return store.Inbox{}, apperr.Invalid("toggle", "Calls need no sign-in or transcript settings; these are for chat inboxes.")
	}
	if on && mailToggles[toggle] {
		ready := false
		if s.MailReady != nil {
			if ready, err = s.MailReady(ctx, actor.OrgID); err != nil {
				return store.Inbox{}, err
			}
		}
		if !ready {
			return store.Inbox{}, &apperr.Error{Code: "sender_required", Message: GateMessage + "."}
		}
	}
	return s.changeInbox(ctx, actor, inboxID, "inbox.toggle", map[string]any{"toggle": toggle, "on": on},
		func(tx *store.Tx, now time.Time) error {
			return tx.SetInboxToggle(actor.OrgID, inboxID, toggle, on, now)
		})
}

// SetInboxIdleEnd sets after how many minutes without a message a chat of the inbox ends by
// itself (0: chats end only when someone ends them). Chat inboxes only. It returns the inbox as
// saved.
func (s *Service) SetInboxIdleEnd(ctx context.Context, actor store.User, inboxID string, minutes int) (store.Inbox, error) {
	if err := RequireAdmin(actor, "change inbox settings"); err != nil {
		return store.Inbox{}, err
	}
	if minutes < 0 || minutes > MaxIdleEndMinutes {
		return store.Inbox{}, apperr.Invalid("idleEndMinutes", "Enter a number of minutes from 0 (never) to 1440 (a day).")
	}
	inbox, err := s.inbox(ctx, actor.OrgID, inboxID)
	if err != nil {
		return store.Inbox{}, err
	}
	if inbox.Kind != store.InboxChat {
		return store.Inbox{}, apperr.Invalid("idleEndMinutes", "Only chats end when idle; this is a phone inbox.")
	}
	return s.changeInbox(ctx, actor, inboxID, "inbox.idle_end", map[string]any{"minutes": minutes},
		func(tx *store.Tx, now time.Time) error { return tx.SetInboxIdleEnd(actor.OrgID, inboxID, minutes, now) })
}

func (s *Service) inbox(ctx context.Context, orgID, inboxID string) (store.Inbox, error) {
	inbox, err := s.st.InboxByID(ctx, orgID, inboxID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Inbox{}, apperr.NotFound("That inbox does not exist.")
	}
	return inbox, err
}

// changeInbox writes one settings change of an inbox with its audit row, and reads it back.
func (s *Service) changeInbox(ctx context.Context, actor store.User, inboxID, action string, detail map[string]any,
	change func(tx *store.Tx, now time.Time) error) (store.Inbox, error) {
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		if err := change(tx, s.now()); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return apperr.NotFound("That inbox does not exist.")
			}
			return err
		}
		return tx.Audit(actor.OrgID, store.AgentActor(actor.ID), action, "inboxes", inboxID, detail)
	})
	if err != nil {
		return store.Inbox{}, err
	}
	return s.inbox(ctx, actor.OrgID, inboxID)
}

// Inboxes returns the actor's organization's inboxes (chat and phone), oldest first.
func (s *Service) Inboxes(ctx context.Context, actor store.User) ([]store.Inbox, error) {
	return s.st.InboxesByOrg(ctx, actor.OrgID)
}

// Inbox returns one inbox of the actor's organization, or a not-found error a person can read.
func (s *Service) Inbox(ctx context.Context, actor store.User, inboxID string) (store.Inbox, error) {
	return s.inbox(ctx, actor.OrgID, inboxID)
}
