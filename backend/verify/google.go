package verify

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/chat"
	"vouchdesk/backend/signin/google"
	"vouchdesk/backend/store"
	"vouchdesk/backend/token"
)

// GoogleTokens checks Google ID tokens for a client ID. *GoogleVerifiers is the real one.
type GoogleTokens interface {
	Verify(ctx context.Context, clientID, credential string) (google.Identity, error)
}

// discoveryRetry is how long a failed discovery is answered from memory before the issuer is
// asked again, so an outage does not turn every sign-in into a request to it.
const discoveryRetry = 10 * time.Second

// GoogleVerifiers keeps one google.Verifier per client ID (each holds the issuer's cached keys),
// made when a sign-in first needs it: a desktop that starts offline is not held up by Google.
type GoogleVerifiers struct {
	// Issuer is the OpenID Connect issuer; "" means google.DefaultIssuer.
	Issuer string
	// HTTPClient fetches discovery and keys; nil means the verifier's default (10 s timeout).
	HTTPClient *http.Client
	// Now is the clock for token times; nil means time.Now.
	Now func() time.Time

	mu       sync.Mutex
	byClient map[string]*verifierEntry
}

type verifierEntry struct {
	v      *google.Verifier
	err    error // the last failure to make one
	failed time.Time
}

// Verify checks a credential for clientID. Errors are *google.Error.
func (g *GoogleVerifiers) Verify(ctx context.Context, clientID, credential string) (google.Identity, error) {
	v, err := g.verifier(ctx, clientID)
	if err != nil {
		return google.Identity{}, err
	}
	return v.Verify(ctx, credential)
}

func (g *GoogleVerifiers) verifier(ctx context.Context, clientID string) (*google.Verifier, error) {
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	g.mu.Lock()
	e := g.byClient[clientID]
	g.mu.Unlock()
	if e != nil && e.v != nil {
		return e.v, nil
	}
	if e != nil && now().Sub(e.failed) < discoveryRetry {
		return nil, e.err
	}
	// Two first sign-ins at once may both ask the issuer; either verifier will do.
	v, err := google.New(ctx, google.Config{ClientID: clientID, IssuerURL: g.Issuer, HTTPClient: g.HTTPClient, Now: g.Now})
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.byClient == nil {
		g.byClient = map[string]*verifierEntry{}
	}
	if err != nil {
		g.byClient[clientID] = &verifierEntry{err: err, failed: now()}
		return nil, err
	}
	g.byClient[clientID] = &verifierEntry{v: v}
	return v, nil
}

// GoogleSignin is a Google Sign-In credential (the ID token Google gave the browser), with what
// the chat starts with.
type GoogleSignin struct {
	Inbox      store.Inbox
	Org        store.Organization
	Credential string
	Consent    bool
	Chat       ChatStart
}

// googleRefusal is the widget's error for a token that was refused, or that could not be checked.
func googleRefusal(reason google.Reason) *apperr.Error {
	switch reason {
	case google.ReasonExpired:
		return &apperr.Error{Code: CodeGoogleExpired, Message: "Your Google sign-in expired. Please sign in with Google again."}
	case google.ReasonEmailNotVerified:
		return &apperr.Error{Code: CodeGoogleUnverified,
			Message: "Google has not verified the email address of this account, so it cannot sign you in. Verify it with Google, or sign in another way."}
	case google.ReasonUnavailable, google.ReasonConfig:
		return &apperr.Error{Code: CodeSigninUnavailable, Message: "Google Sign-In cannot be checked right now. Please try again in a minute."}
	}
	return &apperr.Error{Code: CodeGoogleInvalid, Message: "We could not confirm this Google sign-in. Please sign in with Google again."}
}

var errGoogleUsed = &apperr.Error{Code: CodeGoogleUsed, Message: "This Google sign-in was already used. Please sign in with Google again."}

// SigninGoogle checks a Google ID token and starts the chat verified ("Verified by Google
// Sign-In"). The identity is keyed by the Google subject (sub): an address that belongs to no
// contact is added to the contact this Google account signed in as before, if any, instead of
// registering a new one. Every refusal is recorded (audit signin.refused, with its reason); a
// token signs in once. A check that cannot be made (the issuer unreachable, the client ID
// refused) is CodeSigninUnavailable, its cause in the error for the log.
func (s *Service) SigninGoogle(ctx context.Context, in GoogleSignin) (Started, error) {
	org := in.Org
	if !in.Inbox.GoogleSignin || org.GoogleClientID == "" {
		return Started{}, errSigninOff
	}
	if org.ConsentText != "" && !in.Consent {
		return Started{}, &apperr.Error{Code: CodeConsentRequired, Field: "consent", Message: "Please agree to how we use your email first."}
	}
	name, err := chat.CleanName(in.Chat.Name)
	if err != nil {
		return Started{}, err
	}
	if s.Google == nil {
		return Started{}, googleRefusal(google.ReasonConfig)
	}
	id, verr := s.Google.Verify(ctx, org.GoogleClientID, in.Credential)
	var norm, display string
	if verr == nil {
		if norm, display, err = CheckEmail(id.Email); err != nil {
			verr = &google.Error{Reason: google.ReasonMalformed, Detail: "the email claim is not an address we can use"}
		}
	}
	if verr != nil {
		var ge *google.Error
		if !errors.As(verr, &ge) {
			return Started{}, verr
		}
		refusal := googleRefusal(ge.Reason)
		if !ge.Refusal() {
			refusal.Err = verr // for the log: not the customer's doing
			return Started{}, refusal
		}
		err := s.st.Write(ctx, func(tx *store.Tx) error {
			return tx.Audit(org.ID, customer, "signin.refused", "inboxes", in.Inbox.ID, map[string]any{
				"method": store.MethodGoogle, "reason": refusal.Code, "token": string(ge.Reason), "detail": clip(ge.Detail, 200)})
		})
		if err != nil {
			return Started{}, err
		}
		return Started{}, refusal
	}
	if name == "" {
		name, _ = chat.CleanName(clip(id.Name, chat.MaxNameChars)) // a name with control characters stays unnamed
	}
	hash := token.Hash(in.Credential)
	now := s.now()
	var refused error
	var out Started
	var note chat.Message
	err = s.st.Write(ctx, func(tx *store.Tx) error {
		if used, err := tx.TokenUsed(hash); err != nil {
			return err
		} else if used {
			refused = errGoogleUsed
			return tx.Audit(org.ID, customer, "signin.refused", "inboxes", in.Inbox.ID, map[string]any{
				"method": store.MethodGoogle, "reason": CodeGoogleUsed, "subject": id.Subject})
		}
		var err error
		in.Chat.Name = name
		if out, err = startChat(tx, org.ID, in.Inbox.ID, in.Chat, now); err != nil {
			return err
		}
		before, err := tx.GoogleSubjectContact(org.ID, id.Subject)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		p := proof{norm: norm, display: display, method: store.MethodGoogle, evidence: id.Subject, tokenHash: hash,
			preferContact: before.ID}
		if org.ConsentText != "" {
			p.consentText, p.consentAt = org.ConsentText, now
		}
		if _, err := s.prove(tx, out.Conversation, p, now); err != nil {
			return err
		}
		cur, err := tx.Conversation(org.ID, out.Conversation.ID)
		if err != nil {
			return err
		}
		detail := map[string]any{"subject": id.Subject, "inbox": in.Inbox.ID}
		if before.ID != "" && before.ID != cur.ContactID {
			// The account's address now belongs to another contact: the chat follows the
			// address (one address, one contact); an agent may merge the two.
			detail["previousContact"] = before.ID
		}
		if note, err = chat.SystemSays(tx, org.ID, cur.ID, "Signed in as "+display+" with Google.", now); err != nil {
			return err
		}
		return tx.Audit(org.ID, customer, "signin.google", "conversations", cur.ID, detail)
	})
	if err != nil {
		return Started{}, err
	}
	if refused != nil {
		return Started{}, refused
	}
	s.chat.Published(org.ID, note)
	s.chat.Notify(org.ID, out.Conversation.ID)
	return out, nil
}
