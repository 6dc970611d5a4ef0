// Package calls turns a telephony provider's webhooks into call transactions. It speaks the form
// Twilio sends (a form post with CallSid, From, To, CallStatus and, when a call is over,
// CallDuration, signed in X-Twilio-Signature with the account's auth token), which several other
// providers copy. An incoming call becomes a conversation of kind "call" in the phone inbox it
// was routed to, and the caller's number is verified "by system" on the contact that has it,
// which is created if none does. docs/calls.md says how to point a provider at it.
package calls

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"vouchdesk/backend/contacts"
	"vouchdesk/backend/org"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/store"
)

// MaxBody is the largest webhook body read; Twilio's are about 1 KiB.
const MaxBody = 64 << 10

// SignatureHeader carries the request signature.
const SignatureHeader = "X-Twilio-Signature"

// Statuses after which a call is over (Twilio's CallStatus values).
var endStatuses = map[string]bool{"completed": true, "busy": true, "failed": true, "no-answer": true, "canceled": true}

// knownStatuses are the CallStatus values accepted; anything else is refused.
var knownStatuses = map[string]bool{"queued": true, "initiated": true, "ringing": true, "in-progress": true,
	"completed": true, "busy": true, "failed": true, "no-answer": true, "canceled": true}

// callIDPattern is what a provider's call id may look like (Twilio: "CA" and 32 hex digits).
var callIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// withheld are the From values providers send for a caller who hides their number.
var withheld = map[string]bool{"": true, "anonymous": true, "restricted": true, "unknown": true, "private": true, "unavailable": true}

// TwiML is the answer to every status webhook, and to the voice webhook of an inbox that forwards
// nowhere: an empty response. To the voice webhook it means "hang up", so such an inbox is set up
// with the status webhook only (docs/calls.md).
const TwiML = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

// DialTwiML answers the voice webhook of an inbox that forwards its calls: the provider dials the
// number (E.164: a plus and digits, nothing to escape in XML).
const DialTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response><Dial>%s</Dial></Response>`

// Service receives the webhooks.
type Service struct {
	st        *store.Store
	secrets   secrets.Store
	now       func() time.Time
	publicURL func() string
	log       *slog.Logger
	// Changed is told about each call stored or updated, so the desktop reloads; nil ignores it.
	Changed func(orgID, conversationID string)

	mu     sync.Mutex
	tokens map[string]string // secret ref -> auth token: the keyring is a D-Bus round trip
}

// New returns the calls service. publicURL is where the provider reaches this server: the
// provider signs the URL it called, so the signature is checked against publicURL + path.
func New(st *store.Store, sec secrets.Store, now func() time.Time, publicURL func() string, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{st: st, secrets: sec, now: now, publicURL: publicURL, log: log, tokens: map[string]string{}}
}

// Routes registers the webhook endpoints on mux.
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /calls/{inbox}/voice", s.webhook)
	mux.HandleFunc("POST /calls/{inbox}/status", s.webhook)
}

// SecretRef is where a phone inbox's auth token is kept in the secret store.
func SecretRef(inboxID string) string { return "inbox-" + inboxID + "-auth-token" }

// Forget drops a cached auth token (after it was changed).
func (s *Service) Forget(ref string) {
	s.mu.Lock()
	delete(s.tokens, ref)
	s.mu.Unlock()
}

func (s *Service) token(ref string) (string, error) {
	s.mu.Lock()
	tok, ok := s.tokens[ref]
	s.mu.Unlock()
	if ok {
		return tok, nil
	}
	tok, err := s.secrets.Get(ref)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.tokens[ref] = tok
	s.mu.Unlock()
	return tok, nil
}

// Signature is what the provider puts in X-Twilio-Signature for a post of form to fullURL:
// base64 of HMAC-SHA1, keyed with the auth token, over the URL followed by every parameter's
// name and value, sorted by name.
func Signature(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		for _, v := range form[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

func (s *Service) webhook(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	if err := r.ParseForm(); err != nil {
		fail(w, http.StatusBadRequest, "The body must be a form post of at most 64 KiB.")
		return
	}
	inbox, err := s.st.PhoneInboxByID(r.Context(), r.PathValue("inbox"))
	if errors.Is(err, store.ErrNotFound) {
		fail(w, http.StatusNotFound, "No such phone inbox.")
		return
	}
	if err != nil {
		s.log.Error("calls: inbox", "err", err)
		fail(w, http.StatusServiceUnavailable, "Try again later.")
		return
	}
	// The signature comes first: an unsigned request learns nothing and changes nothing.
	tok := ""
	if inbox.SecretRef != "" {
		if tok, err = s.token(inbox.SecretRef); err != nil && !errors.Is(err, secrets.ErrNotFound) {
			s.log.Error("calls: the auth token could not be read", "inbox", inbox.ID, "err", err)
			fail(w, http.StatusServiceUnavailable, "Try again later.")
			return
		}
	}
	full := strings.TrimRight(s.publicURL(), "/") + r.URL.Path
	if r.URL.RawQuery != "" {
		full += "?" + r.URL.RawQuery
	}
	got := r.Header.Get(SignatureHeader)
	if tok == "" || got == "" || !hmac.Equal([]byte(got), []byte(Signature(tok, full, r.PostForm))) {
		s.log.Warn("calls: webhook refused: bad or missing signature", "inbox", inbox.ID, "has_token", tok != "")
		fail(w, http.StatusForbidden, "The request signature does not match.")
		return
	}
	ev, problem := readEvent(r.PostForm, inbox)
	if problem != "" {
		fail(w, http.StatusBadRequest, problem)
		return
	}
	id, err := s.record(r.Context(), inbox, ev)
	if err != nil {
		s.log.Error("calls: store", "inbox", inbox.ID, "err", err)
		fail(w, http.StatusServiceUnavailable, "Try again later.")
		return
	}
	if s.Changed != nil {
		s.Changed(inbox.OrgID, id)
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if strings.HasSuffix(r.URL.Path, "/voice") && inbox.ForwardTo != "" && !endStatuses[ev.status] {
		fmt.Fprintf(w, DialTwiML, inbox.ForwardTo)
		return
	}
	fmt.Fprint(w, TwiML)
}

// event is one webhook's content, checked.
type event struct {
	callID   string
	status   string
	duration int
	from     string // as sent
	norm     string // E.164, "" for a withheld or unreadable number
	display  string
}

func readEvent(f url.Values, inbox store.PhoneInbox) (event, string) {
	ev := event{callID: f.Get("CallSid"), status: strings.ToLower(f.Get("CallStatus")), from: strings.TrimSpace(f.Get("From"))}
	if !callIDPattern.MatchString(ev.callID) {
		return event{}, "CallSid is missing or malformed."
	}
	if ev.status == "" {
		ev.status = "ringing"
	}
	if !knownStatuses[ev.status] {
		return event{}, "CallStatus is not a known call status."
	}
	if to, _, err := contacts.NormalizePhone(f.Get("To"), inbox.DefaultRegion); err != nil || to != inbox.PhoneNumber {
		return event{}, "To is not this inbox's number."
	}
	if d := f.Get("CallDuration"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 || n > 7*24*3600 {
			return event{}, "CallDuration must be a number of seconds."
		}
		ev.duration = n
	}
	if !withheld[strings.ToLower(ev.from)] {
		// A number that does not read is kept as sent (for the agent) but proves nothing.
		ev.norm, ev.display, _ = contacts.NormalizePhone(ev.from, inbox.DefaultRegion)
	}
	if len(ev.from) > contacts.MaxPhoneLength {
		ev.from = ev.from[:contacts.MaxPhoneLength]
	}
	ev.from = strings.ToValidUTF8(ev.from, "")
	return ev, ""
}

// record stores the event in one transaction and returns the call's conversation id. The first
// event of a call creates it (whichever of the two webhooks arrives first); later ones update its
// status; a replayed one changes nothing twice.
func (s *Service) record(ctx context.Context, inbox store.PhoneInbox, ev event) (string, error) {
	now := s.now()
	var id string
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		c, err := tx.CallByExternalID(inbox.OrgID, inbox.ID, ev.callID)
		if err == nil {
			id = c.ConversationID
			if c.Ended {
				return nil // over: a late or replayed event changes nothing
			}
			c.Status, c.Duration, c.Ended = ev.status, ev.duration, endStatuses[ev.status]
			return tx.UpdateCall(c, now)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		c = store.Call{ConversationID: store.NewID(), OrgID: inbox.OrgID, InboxID: inbox.ID, ExternalID: ev.callID,
			Status: ev.status, Duration: ev.duration, Ended: endStatuses[ev.status]}
		id = c.ConversationID
		contactID, fieldID := "", ""
		if ev.norm != "" {
			if contactID, fieldID, err = s.caller(tx, inbox, ev, now); err != nil {
				return err
			}
		}
		caller := ev.display
		if caller == "" {
			caller = ev.from
		}
		if err := tx.InsertCall(c, contactID, fieldID, caller, now); err != nil {
			return err
		}
		if fieldID != "" {
			// The call proves the number "by system", once: later calls find it verified.
			if _, err := contacts.RecordProof(tx, contacts.Proof{OrgID: inbox.OrgID, FieldID: fieldID, Method: store.MethodSystem,
				Actor: store.SystemActor, ConversationID: c.ConversationID, Evidence: ev.callID, OnlyFirst: true}, now); err != nil {
				return err
			}
		}
		return tx.Audit(inbox.OrgID, store.SystemActor, "call.start", "conversations", c.ConversationID,
			map[string]any{"inbox": inbox.ID, "contact": contactID, "status": ev.status})
	})
	return id, err
}

// caller returns the contact and field of the caller's number, creating an active contact with
// that number when nobody has it.
func (s *Service) caller(tx *store.Tx, inbox store.PhoneInbox, ev event, now time.Time) (contactID, fieldID string, err error) {
	f, c, err := tx.FieldByValue(inbox.OrgID, store.FieldPhone, ev.norm)
	if err == nil {
		if c.Status == store.ContactPending {
			// The number is proven by the call; the person is real.
			if err := tx.ConfirmContact(inbox.OrgID, c.ID, now); err != nil {
				return "", "", err
			}
		}
		return c.ID, f.ID, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", "", err
	}
	c = store.Contact{ID: store.NewID(), OrgID: inbox.OrgID, Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
	if err := tx.InsertContact(c); err != nil {
		return "", "", err
	}
	f = store.Field{ID: store.NewID(), OrgID: inbox.OrgID, ContactID: c.ID, Kind: store.FieldPhone, ValueNorm: ev.norm,
		ValueDisplay: ev.display, CreatedAt: now}
	if err := tx.InsertField(f); err != nil {
		return "", "", err
	}
	return c.ID, f.ID, tx.Audit(inbox.OrgID, store.SystemActor, "contact.register", "contacts", c.ID, map[string]any{"call": ev.callID})
}

// Why a phone inbox cannot be set up.
var (
	ErrNoKeyring = errors.New("calls: the auth token cannot be stored here")
)

// CheckAuthToken checks an auth token as pasted: Twilio's are 32 hex digits; other providers'
// differ, so any 16 to 128 printable characters without spaces are taken.
func CheckAuthToken(tok string) (string, bool) {
	tok = strings.TrimSpace(tok)
	if len(tok) < 16 || len(tok) > 128 {
		return "", false
	}
	for _, r := range tok {
		if r <= ' ' || r > '~' {
			return "", false
		}
	}
	return tok, true
}

// SetAuthToken stores a phone inbox's auth token in the secret store (never in the database)
// and records its reference on the inbox.
// Owners and admins only.
func (s *Service) SetAuthToken(ctx context.Context, agent store.User, inboxID, tok string) error {
	if err := org.RequireAdmin(agent, "change inbox settings"); err != nil {
		return err
	}
	actor, orgID := store.AgentActor(agent.ID), agent.OrgID
	if ok, why := s.secrets.Available(); !ok {
		return fmt.Errorf("%w: %s", ErrNoKeyring, why)
	}
	ref := SecretRef(inboxID)
	if err := s.secrets.Set(ref, tok); err != nil {
		return err
	}
	s.Forget(ref)
	return s.st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetInboxSecretRef(orgID, inboxID, ref, s.now()); err != nil {
			return err
		}
		return tx.Audit(orgID, actor, "inbox.auth_token", "inboxes", inboxID, nil)
	})
}

// CreateInbox makes a phone inbox for the number (E.164) and stores its auth token. Owners and
// admins only.
func (s *Service) CreateInbox(ctx context.Context, agent store.User, name, number, tok string) (string, error) {
	if err := org.RequireAdmin(agent, "change inbox settings"); err != nil {
		return "", err
	}
	actor, orgID := store.AgentActor(agent.ID), agent.OrgID
	if ok, why := s.secrets.Available(); !ok {
		return "", fmt.Errorf("%w: %s", ErrNoKeyring, why)
	}
	now := s.now()
	in := store.Inbox{ID: store.NewID(), OrgID: orgID, Kind: store.InboxPhone, Name: name, PhoneNumber: number, CreatedAt: now, UpdatedAt: now}
	ref := SecretRef(in.ID)
	if err := s.secrets.Set(ref, tok); err != nil {
		return "", err
	}
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertPhoneInbox(in, ref); err != nil {
			return err
		}
		return tx.Audit(orgID, actor, "inbox.create", "inboxes", in.ID, map[string]any{"kind": "phone", "number": number})
	})
	if err != nil {
		s.secrets.Delete(ref)
		return "", err
	}
	return in.ID, nil
}

// SetForward sets the number a phone inbox's calls are dialled on (E.164; "" stops forwarding).
// Owners and admins only.
func (s *Service) SetForward(ctx context.Context, agent store.User, inboxID, number string) error {
	if err := org.RequireAdmin(agent, "change inbox settings"); err != nil {
		return err
	}
	actor, orgID := store.AgentActor(agent.ID), agent.OrgID
	return s.st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetInboxForward(orgID, inboxID, number, s.now()); err != nil {
			return err
		}
		return tx.Audit(orgID, actor, "inbox.forward", "inboxes", inboxID, map[string]any{"to": number})
	})
}

// WebhookURLs are the two URLs to give the provider for an inbox.
func (s *Service) WebhookURLs(inboxID string) (voice, status string) {
	base := strings.TrimRight(s.publicURL(), "/") + "/calls/" + inboxID
	return base + "/voice", base + "/status"
}
