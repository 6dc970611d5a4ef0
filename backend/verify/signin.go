package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/chat"
	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
	"vouchdesk/backend/token"
)

// Sign-in at chat start (docs/verification.md): an inbox can ask the customer to prove an email
// before the chat begins, by a code emailed to it or by Google Sign-In. The conversation is made
// only when the sign-in succeeds, in the same transaction as the proof, so a chat never exists
// half signed in and the agents' inbox never lists one.

// Sign-in limits beyond the chat code's (docs/verification.md, "Sign-in at chat start").
const (
	SigninResendGap      = 30 * time.Second // between two codes of one sign-in
	SigninCodesPerClient = 10               // sign-in codes per client (IP) per organization per hour
	signinClientWindow   = time.Hour
)

// Error codes of sign-in, stable for the widget API.
const (
	CodeSigninOff         = "signin_off"
	CodeSigninRequired    = "signin_required"
	CodeSigninUnavailable = "signin_unavailable"
	CodeGoogleInvalid     = "google_token_invalid"
	CodeGoogleExpired     = "google_token_expired"
	CodeGoogleUnverified  = "google_email_unverified"
	CodeGoogleUsed        = "google_token_used"
)

var (
	errSigninOff    = &apperr.Error{Code: CodeSigninOff, Message: "This way of signing in is not offered for this chat."}
	errNoSigninCode = &apperr.Error{Code: CodeNoCodePending, Field: "code", Message: "No code was sent for this sign-in. Ask for a code first."}
	// ErrSigninRequired answers a chat started without the sign-in its inbox asks for.
	ErrSigninRequired = &apperr.Error{Code: CodeSigninRequired, Message: "Please sign in to start a chat."}
)

var customer = store.Actor{Kind: "customer"}

// SigninOptions says which sign-ins an inbox asks for at chat start.
type SigninOptions struct {
	// Email: a one-time code by email. The inbox's toggle, and a verified sender to send from
	// (without one the toggle cannot be switched on, and one that is on does nothing).
	Email bool
	// Google: Google Sign-In. The inbox's toggle, and the organization's Google client ID.
	Google         bool
	GoogleClientID string
}

// Required reports whether a chat in the inbox starts only through a sign-in.
func (o SigninOptions) Required() bool { return o.Email || o.Google }

// Signin reads which sign-ins an inbox asks for.
func (s *Service) Signin(ctx context.Context, inbox store.Inbox, org store.Organization) (SigninOptions, error) {
	o := SigninOptions{Google: inbox.GoogleSignin && org.GoogleClientID != ""}
	if o.Google {
		o.GoogleClientID = org.GoogleClientID
	}
	if !inbox.EmailSignin {
		return o, nil
	}
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		_, err := tx.VerifiedSenderEmail(org.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		o.Email = err == nil
		return err
	})
	return o, err
}

// ChatStart is what the widget sends with a sign-in for the chat it starts (as POST /sessions).
type ChatStart struct {
	Name        string
	DeviceToken string
	UserAgent   string
	Timezone    string
}

// Started is a chat a sign-in started: its session token, and the device as POST /sessions
// answers it (DeviceToken is set when the browser's token was not recognised: store it).
type Started struct {
	Session          string
	Conversation     store.Conversation
	DeviceRecognized bool
	DeviceToken      string
}

// startChat opens a chat inside the caller's transaction: the customer's device (as Device),
// then the conversation (chat.Open). Every way a chat starts (StartChat, the sign-ins) goes
// through it, so the device, the conversation and whatever proves or names the customer commit
// together or not at all.
func startChat(tx *store.Tx, orgID, inboxID string, c ChatStart, now time.Time) (Started, error) {
	deviceID, newToken, recognized, err := device(tx, orgID, c.DeviceToken, c.UserAgent, now)
	if err != nil {
		return Started{}, err
	}
	sess, err := chat.Open(tx, orgID, chat.StartInput{InboxID: inboxID, DeviceID: deviceID, Name: c.Name, Timezone: c.Timezone}, now)
	if err != nil {
		return Started{}, err
	}
	return Started{Session: sess.Token, Conversation: sess.Conversation, DeviceRecognized: recognized, DeviceToken: newToken}, nil
}

// handleKey is how a sign-in handle is stored (challenges.widget_session): its SHA-256, in hex.
func handleKey(handle string) string {
	return hex.EncodeToString(token.Hash(handle))
}

// clientKey is how a client's address is stored for the per-client limit: hashed, so the
// database keeps no IP addresses.
func clientKey(client string) string {
	if client == "" {
		return ""
	}
	h := sha256.Sum256([]byte("client\x00" + client))
	return "ip:" + hex.EncodeToString(h[:16])
}

// signinLimits refuses a new sign-in code (of purpose) past the limits: per sign-in handle (key),
// per client and per address. None depends on whether the address belongs to anyone.
func signinLimits(tx *store.Tx, orgID, purpose, key, client, norm string, now time.Time) error {
	sent, err := tx.SigninSends(orgID, key, purpose, now.Add(-codeWindow))
	if err != nil {
		return err
	}
	if n := len(sent); n > 0 && now.Sub(sent[n-1]) < SigninResendGap {
		return retryIn(sent[n-1].Add(SigninResendGap).Sub(now), "A code was just sent. You can ask for another in %s.")
	}
	if wait := windowWait(sent, codesPerChat, codeWindow, now); wait > 0 {
		return retryIn(wait, "Three codes were sent in the last 10 minutes. You can ask for another in %s.")
	}
	if client != "" {
		sent, err := tx.ClientSends(orgID, client, purpose, now.Add(-signinClientWindow))
		if err != nil {
			return err
		}
		if wait := windowWait(sent, SigninCodesPerClient, signinClientWindow, now); wait > 0 {
			return retryIn(wait, "Too many codes were asked for from here. Try again in %s.")
		}
	}
	if wait, err := addressBudget(tx, orgID, norm, now); err != nil {
		return err
	} else if wait > 0 {
		return retryIn(wait, "This address got several emails from us in the last hour. Try again in %s.")
	}
	return nil
}

func retryIn(wait time.Duration, msg string) error {
	in := fmt.Sprintf("%d seconds", max(1, int((wait+time.Second-1)/time.Second)))
	if wait > 90*time.Second {
		in = fmt.Sprintf("%d minutes", int((wait+time.Minute-1)/time.Minute))
	}
	return &RetryError{After: wait, Err: &apperr.Error{Code: CodeRateLimited, Message: fmt.Sprintf(msg, in)}}
}

// SigninCodeRequest asks for a sign-in code by email.
type SigninCodeRequest struct {
	Inbox   store.Inbox
	Org     store.Organization
	Email   string
	Consent bool
	// Handle is the sign-in handle an earlier request of this widget got, to send a new code
	// (to the same address or another); "" or an unknown one starts a new sign-in.
	Handle string
	// Client is the client's address (its IP), for the per-client limit.
	Client string
}

// SendSigninCode emails a sign-in code and returns the handle the widget must send it back
// with, and the address as typed. A new code replaces the sign-in's previous one. The answer is
// the same whether or not the address belongs to a contact: nothing about contacts is read.
func (s *Service) SendSigninCode(ctx context.Context, r SigninCodeRequest) (handle, display string, err error) {
	if !r.Inbox.EmailSignin {
		return "", "", errSigninOff
	}
	now := s.now()
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		org, err := tx.Organization(r.Org.ID)
		if err != nil {
			return err
		}
		sender, err := tx.VerifiedSenderEmail(org.ID)
		if errors.Is(err, store.ErrNotFound) {
			return errSigninOff
		} else if err != nil {
			return err
		}
		var norm string
		if norm, display, err = CheckEmail(r.Email); err != nil {
			return err
		}
		if err := s.carried(org.ID, display); err != nil {
			return err
		}
		if org.ConsentText != "" && !r.Consent {
			return &apperr.Error{Code: CodeConsentRequired, Field: "consent", Message: "Please agree to how we use your email first."}
		}
		handle = r.Handle
		key := ""
		if token.IsLinkShaped(handle) {
			key = handleKey(handle)
			if _, err := tx.LatestSigninChallenge(org.ID, key, store.PurposeSigninCode); errors.Is(err, store.ErrNotFound) {
				key = ""
			} else if err != nil {
				return err
			}
		}
		if key == "" {
			handle, _ = token.NewLink()
			key = handleKey(handle)
		}
		// Limits, per sign-in, per client, per address; none depends on whether the address
		// belongs to a contact.
		client := clientKey(r.Client)
		if err := signinLimits(tx, org.ID, store.PurposeSigninCode, key, client, norm, now); err != nil {
			return err
		}
		if err := tx.RevokeSigninChallenges(org.ID, key, store.PurposeSigninCode, now); err != nil {
			return err
		}
		ch := store.SigninChallenge{Challenge: store.Challenge{ID: store.NewID(), OrgID: org.ID, Purpose: store.PurposeSigninCode,
			TargetKind: store.FieldEmail, TargetValue: norm, WidgetSession: key, ClientKey: client, MaxAttempts: CodeAttempts,
			CreatedAt: now, ExpiresAt: now.Add(CodeLife), TargetDisplay: display}}
		if r.Consent {
			ch.ConsentText = org.ConsentText
		}
		plain, _ := token.NewCode(CodeDigits)
		ch.SecretHash = codeHash(ch.ID, plain)
		if err := tx.InsertSigninChallenge(ch); err != nil {
			return err
		}
		msg := signinCodeEmail(org.Name, display, plain, now)
		if _, err := outbox.Enqueue(tx, outbox.Email{OrgID: org.ID, Kind: outbox.KindSigninCode, IdempotencyKey: "signin_code:" + ch.ID,
			FromName: org.Name, FromAddr: sender.Address, To: display, Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML,
			Secrets: []string{plain}, ChallengeID: ch.ID}, now); err != nil {
			return err
		}
		return tx.Audit(org.ID, customer, "signin.code_sent", "challenges", ch.ID, map[string]any{"inbox": r.Inbox.ID})
	})
	if err != nil {
		return "", "", err
	}
	s.queued()
	return handle, display, nil
}

// SigninCodeCheck is a sign-in code the customer typed, with what the chat starts with.
type SigninCodeCheck struct {
	Inbox  store.Inbox
	Org    store.Organization
	Handle string
	Code   string
	Chat   ChatStart
}

// CheckSigninCode checks a sign-in code. The right code starts the chat verified ("Verified by
// Email OTP"): the conversation, the proof for this browser's device, the contact linked (made
// if needed, with the consent the customer gave). A wrong, used, expired or unknown code is
// refused with the chat code's errors and recorded (audit signin.refused); a wrong one uses up
// an attempt of the code and of the address, as chat codes do.
func (s *Service) CheckSigninCode(ctx context.Context, in SigninCodeCheck) (Started, error) {
	name, err := chat.CleanName(in.Chat.Name)
	if err != nil {
		return Started{}, err
	}
	code := cleanCode(in.Code)
	orgID := in.Org.ID
	now := s.now()
	var refused error
	var out Started
	var note chat.Message
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		refuse := func(e error, entity, id string, detail map[string]any) error {
			refused = e
			detail["method"], detail["reason"] = store.MethodEmailOTP, codeOf(e)
			return tx.Audit(orgID, customer, "signin.refused", entity, id, detail)
		}
		ch, err := store.SigninChallenge{}, store.ErrNotFound
		if token.IsLinkShaped(in.Handle) {
			ch, err = tx.LatestSigninChallenge(orgID, handleKey(in.Handle), store.PurposeSigninCode)
		}
		if errors.Is(err, store.ErrNotFound) {
			return refuse(errNoSigninCode, "inboxes", in.Inbox.ID, map[string]any{})
		} else if err != nil {
			return err
		}
		// A locked address hears so first, code or not (as in CheckCode).
		budget, wait, err := wrongCodeBudget(tx, orgID, ch.TargetValue, now)
		if err != nil {
			return err
		}
		if budget <= 0 {
			return refuse(tooManyWrong(wait), "challenges", ch.ID, map[string]any{})
		}
		if !ch.ConsumedAt.IsZero() || !now.Before(ch.ExpiresAt) {
			return refuse(&apperr.Error{Code: CodeExpired, Field: "code", Message: "This code no longer works. Ask for a new one."},
				"challenges", ch.ID, map[string]any{"used": !ch.ConsumedAt.IsZero()})
		}
		if !codeMatches(ch.Challenge, code) {
			left, err := tx.FailChallengeAttempt(ch.ID, now)
			if err != nil {
				return err
			}
			detail := map[string]any{"attempt": ch.Attempts + 1}
			switch {
			case budget == 1: // the address's last: say so now
				_, wait, err := wrongCodeBudget(tx, orgID, ch.TargetValue, now)
				if err != nil {
					return err
				}
				detail["locked"] = true
				return refuse(tooManyWrong(wait), "challenges", ch.ID, detail)
			case left <= 0:
				return refuse(&apperr.Error{Code: CodeExpired, Field: "code", Message: "That code was wrong too many times. Ask for a new one."},
					"challenges", ch.ID, detail)
			default:
				left = min(left, budget-1)
				return refuse(&CodeError{Err: &apperr.Error{Code: CodeWrong, Field: "code",
					Message: fmt.Sprintf("That code is not right. %d tries left.", left)}, AttemptsLeft: left}, "challenges", ch.ID, detail)
			}
		}
		if ok, err := tx.ConsumeChallenge(ch.ID, now); err != nil {
			return err
		} else if !ok {
			return refuse(&apperr.Error{Code: CodeExpired, Field: "code", Message: "This code no longer works. Ask for a new one."},
				"challenges", ch.ID, map[string]any{"used": true})
		}
		in.Chat.Name = name
		if out, err = startChat(tx, orgID, in.Inbox.ID, in.Chat, now); err != nil {
			return err
		}
		display := ch.TargetDisplay
		if display == "" {
			display = ch.TargetValue
		}
		p := proof{norm: ch.TargetValue, display: display, method: store.MethodEmailOTP, evidence: "challenge:" + ch.ID,
			consentText: ch.ConsentText}
		if ch.ConsentText != "" {
			p.consentAt = ch.CreatedAt // when the customer agreed, asking for the code
		}
		if _, err := s.prove(tx, out.Conversation, p, now); err != nil {
			return err
		}
		if note, err = chat.SystemSays(tx, orgID, out.Conversation.ID, "Signed in as "+display+" with a code sent by email.", now); err != nil {
			return err
		}
		return tx.Audit(orgID, customer, "signin.email_otp", "conversations", out.Conversation.ID,
			map[string]any{"challenge": ch.ID, "inbox": in.Inbox.ID})
	})
	if err != nil {
		return Started{}, err
	}
	if refused != nil {
		return Started{}, refused
	}
	s.chat.Published(orgID, note)
	s.chat.Notify(orgID, out.Conversation.ID)
	return out, nil
}

func codeOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	return ""
}
