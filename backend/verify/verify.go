// Package verify decides who the person in a chat is: the one code path for an email given in a
// chat (three outcomes), the ways to prove it (one-time code, link, double opt-in confirmation,
// the agent's judgement), and device tokens, so a browser that proved an email is recognised when
// it comes back. Only this package writes verifications; nothing a client sends can.
package verify

import (
	"context"
	"errors"
	"strings"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/chat"
	"vouchdesk/backend/contacts"
	"vouchdesk/backend/store"
	"vouchdesk/backend/textrules"
	"vouchdesk/backend/token"
)

// Lifetimes and limits (docs/verification.md explains them).
const (
	CodeDigits           = 6
	CodeLife             = 10 * time.Minute
	CodeAttempts         = 5
	LinkLife             = 30 * time.Minute
	OptInLife            = 7 * 24 * time.Hour
	codesPerChat         = 3 // per conversation per codeWindow
	codeWindow           = 10 * time.Minute
	sendsPerAddress      = 5 // codes, links and sign-in codes per address per addressWindow
	optInsPerAddress     = 2 // double opt-in confirmations per address per addressWindow
	addressWindow        = time.Hour
	WrongCodesPerAddress = 10 // wrong codes per address per WrongCodeWindow, across codes and chats
	WrongCodeWindow      = time.Hour
	maxDeviceUserAgent   = 300
	verifyPathEmailLink  = textrules.PathVerifyEmail
	verifyPathOptIn      = textrules.PathConfirm
)

// Error codes beyond apperr's, stable for the widget API and the desktop.
const (
	CodeInvalidEmail    = "invalid_email"
	CodeConsentRequired = "consent_required"
	CodeNoSender        = "no_sender"
	CodeNoEmail         = "no_email"
	CodeRateLimited     = "rate_limited"
	CodeNoCodePending   = "no_code_pending"
	CodeWrong           = "code_wrong"
	CodeExpired         = "code_expired"
	CodeTooManyWrong    = "too_many_wrong_codes"
	CodeEmailChanged    = "email_changed"
	// CodeEmailNotCarried: the address has non-ASCII letters before the @ and the organization's
	// relay is known not to offer SMTPUTF8, so nothing could be mailed to it.
	CodeEmailNotCarried = "email_not_carried"
)

// Panel states: what the agent's contact panel shows.
const (
	PanelNone        = "none"
	PanelPending     = "pending"
	PanelPreliminary = "preliminary"
	PanelVerified    = "verified"
)

// Texts the agent sees.
const (
	WarningUnverified    = "Unverified: verify before discussing account details"
	ReasonOtherDevice    = "Not verified on this device"
	ReasonNeverVerified  = "This email has not been verified yet"
	ReasonAwaitingOptIn  = "Waiting for the customer to confirm by the emailed link"
	ReasonOptInNotSent   = "No confirmation email could be sent: the organization has no verified sender email"
	NoSenderMessage      = "Codes and links cannot be sent until the organization has a verified sender email. You can still mark the customer verified."
	ReasonNoEmail        = "No email given yet"
	codeSentNoteTemplate = "A verification code was emailed to %s."
)

// Service is chat verification.
type Service struct {
	st        *store.Store
	now       func() time.Time
	publicURL func() string
	chat      *chat.Service
	// Queued is called after an email was queued (wakes the outbox worker); nil ignores it.
	Queued func()
	// Google checks Google Sign-In tokens; nil: Google Sign-In cannot be checked
	// (CodeSigninUnavailable).
	Google GoogleTokens
	// RelayLacksSMTPUTF8 reports that the organization's SMTP relay, on its last connection, did
	// not offer SMTPUTF8; nil or false (also "not known yet") refuses nothing up front.
	RelayLacksSMTPUTF8 func(orgID string) bool
}

// New returns the verification service.
func New(st *store.Store, now func() time.Time, publicURL func() string, c *chat.Service) *Service {
	return &Service{st: st, now: now, publicURL: publicURL, chat: c}
}

func (s *Service) queued() {
	if s.Queued != nil {
		s.Queued()
	}
}

// device recognises the widget's device token (plain, as the browser stored it) among the
// organization's live devices, or makes a new device with a new token (newToken, which the widget
// must store). A forged, revoked or other organization's token is not recognised and proves
// nothing. It runs inside the chat start's transaction (StartChat).
func device(tx *store.Tx, orgID, plain, userAgent string, now time.Time) (deviceID, newToken string, recognized bool, err error) {
	if len(userAgent) > maxDeviceUserAgent {
		userAgent = userAgent[:maxDeviceUserAgent]
	}
	if token.IsLinkShaped(plain) {
		id, err := tx.DeviceByToken(orgID, token.Hash(plain), now)
		if err == nil {
			return id, "", true, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return "", "", false, err
		}
	}
	newToken, hash := token.NewLink()
	deviceID = store.NewID()
	if err := tx.InsertDevice(deviceID, orgID, hash, strings.ToValidUTF8(userAgent, ""), now); err != nil {
		return "", "", false, err
	}
	return deviceID, newToken, false, nil
}

// CheckEmail normalizes an email a person typed, or explains what is wrong with it.
func CheckEmail(raw string) (norm, display string, err error) {
	norm, display, err = contacts.NormalizeEmail(raw)
	if err != nil {
		return "", "", &apperr.Error{Code: CodeInvalidEmail, Field: "email", Message: "Enter a valid email address, like name@example.com.", Err: err}
	}
	return norm, display, nil
}

var errEnded = &apperr.Error{Code: chat.CodeEnded, Message: "This chat has ended."}

var errNotCarried = &apperr.Error{Code: CodeEmailNotCarried, Field: "email",
	Message: "We cannot send email to an address with accented or non-Latin letters before the @ yet. Please give another address."}

// carried refuses an address the organization's relay is known not to carry: a local part with
// non-ASCII letters needs SMTPUTF8 (docs/decisions.md, "International addresses"). Checked
// where an address enters, so the customer can give another one instead of waiting for a code
// that can never arrive.
func (s *Service) carried(orgID, display string) error {
	if s.RelayLacksSMTPUTF8 == nil {
		return nil
	}
	if _, utf8Local, err := textrules.MailingForm(display); err == nil && utf8Local && s.RelayLacksSMTPUTF8(orgID) {
		return errNotCarried
	}
	return nil
}

// SubmitEmail is the one code path for an email given in a chat, whether the customer typed it
// in the pre-chat form or in answer to the agent's request, or the agent typed it (by is then
// the agent). The three outcomes:
//  1. no contact has it: register one under the regulatory settings (double opt-in: pending until
//     the emailed link is clicked; otherwise active at once and linked preliminarily);
//  2. a contact has it and this device has not proven it: a preliminary link;
//  3. a contact has it and this device proved it before: verified.
//
// consent says the customer ticked the consent box (required from customers when the
// organization shows a consent text).
func (s *Service) SubmitEmail(ctx context.Context, conv store.Conversation, raw string, consent bool, by store.Actor) error {
	norm, display, err := CheckEmail(raw)
	if err != nil {
		return err
	}
	if err := s.carried(conv.OrgID, display); err != nil {
		return err
	}
	now := s.now()
	sent := false
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		cur, err := tx.Conversation(conv.OrgID, conv.ID)
		if err != nil {
			return err
		}
		sent, err = s.submitEmail(tx, cur, norm, display, consent, by, now)
		return err
	})
	if err != nil {
		return err
	}
	if sent {
		s.queued()
	}
	s.chat.Notify(conv.OrgID, conv.ID)
	return nil
}

// AgentGivesEmail is SubmitEmail for an address the agent typed for the customer of a
// conversation of their organization (the desktop's "Enter email"); a malformed address is an
// invalid "email" field.
func (s *Service) AgentGivesEmail(ctx context.Context, agent store.User, conversationID, raw string) error {
	conv, err := s.st.ConversationByID(ctx, agent.OrgID, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("This conversation does not exist.")
	}
	if err == nil {
		err = s.SubmitEmail(ctx, conv, raw, false, store.AgentActor(agent.ID))
	}
	if ae, ok := apperr.As(err); ok && (ae.Code == CodeInvalidEmail || ae.Code == CodeEmailNotCarried) {
		return apperr.Invalid("email", ae.Message)
	}
	return err
}

// submitEmail is SubmitEmail inside the caller's transaction, for the conversation as it is
// now (cur); sent reports that an email was queued.
func (s *Service) submitEmail(tx *store.Tx, cur store.Conversation, norm, display string, consent bool, by store.Actor, now time.Time) (sent bool, err error) {
	if cur.Status != store.ConversationOpen {
		return false, errEnded
	}
	org, err := tx.Organization(cur.OrgID)
	if err != nil {
		return false, err
	}
	err = func() error {
		if by.Kind == "customer" && org.ConsentText != "" && !consent {
			return &apperr.Error{Code: CodeConsentRequired, Field: "consent", Message: "Please agree to how we use your email first."}
		}
		// What was sent for another address can prove nothing here any more.
		if n, err := tx.RevokeOtherAddressChallenges(org.ID, cur.ID, norm, now); err != nil {
			return err
		} else if n > 0 {
			if err := tx.Audit(org.ID, by, "verify.cancelled", "conversations", cur.ID, map[string]any{"codesAndLinks": n}); err != nil {
				return err
			}
		}
		if err := tx.SetVisitorEmail(org.ID, cur.ID, display); err != nil {
			return err
		}
		if cur.LinkState == store.LinkVerified {
			// Proven already: typing another address does not undo that. The new one is shown
			// to the agent beside the proven one, as typed, until it is proven too (then it
			// joins the proven contact); only this browser's own earlier proof of it moves the
			// link at once. Nothing is registered for it. A known and an unknown address run the
			// same two reads (enumeration.go).
			f, c, err := tx.FieldByValue(org.ID, store.FieldEmail, norm)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			_, perr := tx.DeviceProof(org.ID, cur.DeviceID, f.ID)
			if perr != nil && !errors.Is(perr, store.ErrNotFound) {
				return perr
			}
			if err == nil && perr == nil && c.Status != store.ContactPending && cur.DeviceID != "" {
				return tx.SetLink(org.ID, cur.ID, c.ID, f.ID, store.LinkVerified)
			}
			return nil
		}
		f, c, registered, err := claimEmail(tx, org, cur, by, norm, display, consent, now)
		if err != nil {
			return err
		}
		if registered || c.Status == store.ContactPending {
			if org.DoubleOptIn {
				if err := tx.SetLink(org.ID, cur.ID, "", "", store.LinkNone); err != nil {
					return err
				}
				sent, err = s.sendOptIn(tx, org, cur, c, norm, display, now)
				return err
			}
			if err := tx.ConfirmContact(org.ID, c.ID, now); err != nil { // pending from when double opt-in was on
				return err
			}
			return tx.SetLink(org.ID, cur.ID, c.ID, f.ID, store.LinkPreliminary)
		}
		if org.DoubleOptIn { // the work of the confirmation a new address gets (enumeration.go)
			if err := s.padOptIn(tx, org, cur, c, norm, display, now); err != nil {
				return err
			}
		}
		// A contact has it: verified only if this very browser proved this very field.
		state := store.LinkPreliminary
		if cur.DeviceID != "" {
			if _, err := tx.DeviceProof(org.ID, cur.DeviceID, f.ID); err == nil {
				state = store.LinkVerified
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return tx.SetLink(org.ID, cur.ID, c.ID, f.ID, state)
	}()
	return sent, err
}

// proof is what proved an email in a conversation, for prove.
type proof struct {
	// norm and display are the address the code, link or sign-in was sent to (the challenge's,
	// the Google token's), never the conversation's current email: a proof proves only that.
	norm, display string
	method        string
	actorID       string // the agent, for MethodAgent
	actorName     string // the agent's name, for the merge reason
	evidence      string // the challenge, the Google subject: whatever proved it
	tokenHash     []byte // a token that may prove only once (a Google ID token)
	// For a contact this proof registers: the consent text the customer agreed to, and when.
	consentText string
	consentAt   time.Time
	// preferContact, when the address belongs to no contact, is the contact to add it to (the
	// one a Google account signed in as before) instead of registering a new one.
	preferContact string
}

// prove records, inside tx, that the conversation's customer proved an email: through
// contacts.RecordProof (the one writer of verifications), for the conversation's device, with
// the conversation linked verified to the proven field.
func (s *Service) prove(tx *store.Tx, cur store.Conversation, p proof, now time.Time) (store.Verification, error) {
	// The customer already proved in this conversation to be a contact (or it is verified on
	// their browser): what they prove now is theirs too. A new address joins that contact; an
	// address another contact has merges the two (only verified evidence on both sides merges;
	// a merely typed address never does).
	sameAs, err := tx.ProvenInConversation(cur.OrgID, cur.ID)
	if err != nil {
		return store.Verification{}, err
	}
	if sameAs == "" && cur.LinkState == store.LinkVerified && cur.ContactID != "" {
		c, err := tx.LiveContact(cur.OrgID, cur.ContactID)
		if err != nil {
			return store.Verification{}, err
		}
		sameAs = c.ID
	}
	actor := customer
	if p.actorID != "" {
		actor = store.AgentActor(p.actorID)
	}
	done, err := contacts.RecordProof(tx, contacts.Proof{OrgID: cur.OrgID, Kind: store.FieldEmail, Norm: p.norm, Display: p.display,
		Method: p.method, Actor: actor, ActorName: p.actorName, Evidence: p.evidence, TokenHash: p.tokenHash,
		ConversationID: cur.ID, DeviceID: cur.DeviceID, Link: true, SameAs: sameAs, PreferContact: p.preferContact,
		Name: cur.VisitorName, ConsentText: p.consentText, ConsentAt: p.consentAt}, now)
	if err != nil {
		return store.Verification{}, err
	}
	if cur.VisitorEmail == "" {
		if err := tx.SetVisitorEmail(cur.OrgID, cur.ID, done.Field.ValueDisplay); err != nil {
			return store.Verification{}, err
		}
	}
	return done.Verification, nil
}

// MarkVerified records the agent's own judgement that the customer owns the email given in the
// conversation ("Verified by <agent>"). seen is the address the agent was shown when deciding:
// if the customer gave another one since, nothing is recorded (CodeEmailChanged), so a customer
// cannot swap the address under the agent's click.
func (s *Service) MarkVerified(ctx context.Context, agent store.User, conversationID, seen string) error {
	now := s.now()
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		cur, err := s.openConversation(tx, agent.OrgID, conversationID)
		if err != nil {
			return err
		}
		norm, display, err := conversationEmail(cur)
		if err != nil {
			return err
		}
		if seenNorm, _, err := CheckEmail(seen); err != nil || seenNorm != norm {
			return &apperr.Error{Code: CodeEmailChanged, Field: "email",
				Message: "The customer gave another email since you looked: " + display + ". Check it before verifying."}
		}
		_, err = s.prove(tx, cur, proof{norm: norm, display: display, method: store.MethodAgent, actorID: agent.ID, actorName: agent.Name}, now)
		return err
	})
	if err != nil {
		return err
	}
	s.chat.Notify(agent.OrgID, conversationID)
	return nil
}

func (s *Service) openConversation(tx *store.Tx, orgID, id string) (store.Conversation, error) {
	cur, err := tx.Conversation(orgID, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Conversation{}, apperr.NotFound("This conversation does not exist.")
	}
	if err != nil {
		return store.Conversation{}, err
	}
	if cur.Status != store.ConversationOpen {
		return store.Conversation{}, errEnded
	}
	return cur, nil
}

func conversationEmail(cur store.Conversation) (norm, display string, err error) {
	if cur.VisitorEmail == "" {
		return "", "", &apperr.Error{Code: CodeNoEmail, Message: "The customer has not given an email yet. Ask for it or type it in first."}
	}
	return CheckEmail(cur.VisitorEmail)
}
