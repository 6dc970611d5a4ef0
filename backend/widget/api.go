package widget

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/chat"
	"vouchdesk/backend/store"
	"vouchdesk/backend/textrules"
	"vouchdesk/backend/verify"
)

// maxBody bounds every JSON request body (docs/api/widget.md).
const maxBody = 16 << 10

// ChatDeps are what the chat API needs; nil Chat serves no chat API.
type ChatDeps struct {
	Chat   *chat.Service
	Verify *verify.Service
	Log    *slog.Logger
	Limits Limits // zero: DefaultLimits
	// GoogleScriptURL is Google's Identity Services script the widget loads for Google Sign-In;
	// "" means DefaultGoogleScriptURL. Tests point it at a fake that signs with a test issuer.
	GoogleScriptURL string
	limits          *limits
}

// DefaultGoogleScriptURL is Google Identity Services' client script.
const DefaultGoogleScriptURL = "https://accounts.google.com/gsi/client"

// apiError is the error body of every failed call.
type apiError struct {
	Code         string `json:"code"`
	Message      string `json:"message"`
	Field        string `json:"field,omitempty"`
	AttemptsLeft *int   `json:"-"`
}

var statusOf = map[string]int{
	"bad_request": 400, verify.CodeInvalidEmail: 400, chat.CodeInvalidName: 400, chat.CodeEmptyMessage: 400,
	chat.CodeTooLong: 400, verify.CodeConsentRequired: 400, apperr.CodeInvalid: 400, verify.CodeEmailNotCarried: 400,
	chat.CodeUnauthorized: 401, chat.CodeNoInbox: 404, apperr.CodeNotFound: 404,
	chat.CodeEnded: 409, verify.CodeNoCodePending: 409, verify.CodeWrong: 422, verify.CodeExpired: 410,
	verify.CodeRateLimited: 429, verify.CodeTooManyWrong: 429,
	verify.CodeSigninOff: 409, verify.CodeSigninRequired: 403, verify.CodeSigninUnavailable: 503,
	verify.CodeGoogleInvalid: 400, verify.CodeGoogleExpired: 400, verify.CodeGoogleUnverified: 403, verify.CodeGoogleUsed: 409,
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// fail answers an error. Errors meant for people keep their code and message; anything else is
// an internal fault, logged and answered with a generic message.
func (d *ChatDeps) fail(w http.ResponseWriter, r *http.Request, err error) {
	body := map[string]any{}
	var ce *verify.CodeError
	if errors.As(err, &ce) {
		body["attemptsLeft"] = ce.AttemptsLeft
	}
	if e, ok := apperr.As(err); ok {
		code := e.Code
		if code == apperr.CodeInvalid {
			code = "bad_request"
		}
		status, known := statusOf[e.Code]
		if !known {
			status = 400
		}
		if status == 429 {
			w.Header().Set("Retry-After", strconv.Itoa(verify.RetryAfterSeconds(err)))
		}
		if status >= 500 && e.Err != nil { // not the customer's doing: the cause is for the log
			d.Log.Warn("widget api", "path", r.URL.Path, "code", code, "err", e.Err)
		}
		body["error"] = apiError{Code: code, Message: e.Message, Field: e.Field}
		writeJSON(w, status, body)
		return
	}
	d.Log.Error("widget api", "path", r.URL.Path, "err", err)
	body["error"] = apiError{Code: "internal", Message: "Something went wrong on our side. Please try again."}
	writeJSON(w, 500, body)
}

func badRequest(msg string) error { return &apperr.Error{Code: "bad_request", Message: msg} }

// decode reads a body that is one JSON object and nothing after it but whitespace: data after the
// object (a second object, stray text) is refused, not ignored, so what a client meant is never
// half read. Unknown fields are ignored (docs/decisions.md, "Widget API bodies").
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody+1))
	if err := dec.Decode(v); err != nil {
		return badRequest("The request body must be JSON of at most 16 KiB, with the documented fields.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("The request body must be one JSON object with nothing after it.")
	}
	return nil
}

// cors lets any site's page call the API: no cookies are used, a bearer token authorizes.
// Retry-After is exposed because a browser hides every non-safelisted header of a cross-origin
// answer from the page, and the widget needs it to wait out a 429.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "Retry-After")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (d *ChatDeps) routes(mux *http.ServeMux) {
	d.limits = newLimits(d.Limits)
	api := http.NewServeMux()
	api.HandleFunc("GET /api/widget/v1/inboxes/{inbox}", d.handle(d.inbox))
	api.HandleFunc("POST /api/widget/v1/sessions", d.handle(d.startSession))
	api.HandleFunc("GET /api/widget/v1/conversation", d.authed(d.conversation))
	api.HandleFunc("POST /api/widget/v1/messages", d.authed(d.postMessage))
	api.HandleFunc("POST /api/widget/v1/email", d.authed(d.postEmail))
	api.HandleFunc("POST /api/widget/v1/code", d.authed(d.postCode))
	api.HandleFunc("POST /api/widget/v1/end", d.authed(d.end))
	api.HandleFunc("POST /api/widget/v1/signin/email", d.handle(d.signinEmail))
	api.HandleFunc("POST /api/widget/v1/signin/code", d.handle(d.signinCode))
	api.HandleFunc("POST /api/widget/v1/signin/google", d.handle(d.signinGoogle))
	api.HandleFunc("GET /api/widget/v1/live", d.live)
	mux.Handle("/api/widget/v1/", cors(d.throttle(api)))
	mux.HandleFunc("GET /widget.js", serveWidgetJS)
	mux.HandleFunc("GET /demo", d.demo)
	mux.HandleFunc("GET "+verifyEmailPath+"{token}", d.linkGet(verify.EmailLink))
	mux.HandleFunc("POST "+verifyEmailPath+"{token}", d.linkPost(verify.EmailLink))
	mux.HandleFunc("GET "+confirmPath+"{token}", d.linkGet(verify.OptInLink))
	mux.HandleFunc("POST "+confirmPath+"{token}", d.linkPost(verify.OptInLink))
}

const (
	verifyEmailPath = textrules.PathVerifyEmail
	confirmPath     = textrules.PathConfirm
)

// throttle answers 429 to an IP over its request budget.
func (d *ChatDeps) throttle(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := allow(d.limits.ip, clientIP(r), "Too many requests. Wait a minute and try again."); err != nil {
			d.fail(w, r, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		next.ServeHTTP(w, r)
	})
}

// A handler is one call's logic: it returns the status and the body to answer as JSON, or an
// error, which fail answers. Decoding, throttling and writing live in the helpers around it, so
// every call answers and fails the same way.
type handler func(r *http.Request) (status int, body any, err error)

// A sessionHandler is a handler for a call about a conversation, opened by its session token.
type sessionHandler func(r *http.Request, conv store.Conversation) (status int, body any, err error)

func (d *ChatDeps) handle(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status, body, err := h(r)
		if err != nil {
			d.fail(w, r, err)
			return
		}
		writeJSON(w, status, body)
	}
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

func (d *ChatDeps) authed(h sessionHandler) http.HandlerFunc {
	return d.handle(func(r *http.Request) (int, any, error) {
		conv, err := d.Chat.BySession(r.Context(), bearer(r))
		if err != nil {
			return 0, nil, err
		}
		return h(r, conv)
	})
}

// allow takes one from a throttle's bucket for key, or answers rate_limited with msg.
func allow(l *keyedLimiter, key, msg string) error {
	if !l.allow(key) {
		return &apperr.Error{Code: verify.CodeRateLimited, Message: msg}
	}
	return nil
}

// Inbox is the public settings of a chat inbox.
type Inbox struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Organization string `json:"organization"`
	Prechat      struct {
		AskName  bool `json:"askName"`
		AskEmail bool `json:"askEmail"`
	} `json:"prechat"`
	Consent struct {
		Required bool   `json:"required"`
		Text     string `json:"text"`
	} `json:"consent"`
	Limits struct {
		MessageChars int `json:"messageChars"`
	} `json:"limits"`
	// Signin is the sign-in a chat starts with, or nil when the chat starts without one.
	Signin *InboxSignin `json:"signin"`
}

// InboxSignin says which sign-ins the inbox offers at chat start (at least one).
type InboxSignin struct {
	Email  bool         `json:"email"`
	Google *InboxGoogle `json:"google"`
}

// InboxGoogle is what the widget needs for Google's button.
type InboxGoogle struct {
	ClientID  string `json:"clientId"`
	ScriptURL string `json:"scriptUrl"`
}

func (d *ChatDeps) inbox(r *http.Request) (int, any, error) {
	in, org, err := d.Chat.ChatInbox(r.Context(), r.PathValue("inbox"))
	if err != nil {
		return 0, nil, err
	}
	var out Inbox
	out.ID, out.Name, out.Organization = in.ID, in.Name, org.Name
	out.Prechat.AskName, out.Prechat.AskEmail = in.PrechatAskName, in.PrechatAskEmail
	out.Consent.Required, out.Consent.Text = org.ConsentText != "", org.ConsentText
	out.Limits.MessageChars = chat.MaxMessageChars
	opts, err := d.Verify.Signin(r.Context(), in, org)
	if err != nil {
		return 0, nil, err
	}
	if opts.Required() {
		out.Signin = &InboxSignin{Email: opts.Email}
		if opts.Google {
			out.Signin.Google = &InboxGoogle{ClientID: opts.GoogleClientID, ScriptURL: d.googleScriptURL()}
		}
	}
	return 200, out, nil
}

func (d *ChatDeps) googleScriptURL() string {
	if d.GoogleScriptURL != "" {
		return d.GoogleScriptURL
	}
	return DefaultGoogleScriptURL
}

// State is what the customer may know about their conversation.
type State struct {
	Status    string   `json:"status"`
	Email     string   `json:"email"`
	Verified  bool     `json:"verified"`
	Request   *Request `json:"request"`
	AgentName string   `json:"agentName"`
}

// Request is what the agent asked the customer for.
type Request struct {
	Kind  string `json:"kind"`
	Email string `json:"email,omitempty"`
}

func (d *ChatDeps) state(ctx context.Context, conv store.Conversation) (State, error) {
	cs, err := d.Verify.CustomerState(ctx, conv)
	if err != nil {
		return State{}, err
	}
	st := State{Status: cs.Status, Email: cs.Email, Verified: cs.Verified, AgentName: cs.AgentName}
	if cs.Request != "" {
		st.Request = &Request{Kind: cs.Request, Email: cs.RequestEmail}
	}
	return st, nil
}

// MessageJSON is a message as the widget gets it.
type MessageJSON struct {
	ID          string `json:"id"`
	From        string `json:"from"`
	AuthorName  string `json:"authorName"`
	Body        string `json:"body"`
	ClientMsgID string `json:"clientMsgId,omitempty"`
	CreatedAt   string `json:"createdAt"`
}

func messageJSON(m store.Message) MessageJSON {
	return MessageJSON{ID: m.ID, From: m.SenderKind, AuthorName: m.AuthorName, Body: m.Body, ClientMsgID: m.ClientMsgID,
		CreatedAt: m.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00")}
}

func (d *ChatDeps) startSession(r *http.Request) (int, any, error) {
	var in struct {
		chatStart
		Email   string `json:"email"`
		Consent bool   `json:"consent"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if err := allow(d.limits.sessions, clientIP(r), "Too many new chats from here. Wait a minute and try again."); err != nil {
		return 0, nil, err
	}
	if err := d.limits.allowStart(); err != nil {
		return 0, nil, err
	}
	s, err := d.Verify.StartChat(r.Context(), verify.StartRequest{InboxID: in.Inbox, Chat: in.start(r), Email: in.Email, Consent: in.Consent})
	if err != nil {
		return 0, nil, err
	}
	return d.sessionAnswer(r.Context(), s.Conversation, s.Session, s.DeviceRecognized, s.DeviceToken)
}

// sessionAnswer is the answer of a call that starts a conversation (POST /sessions and the
// sign-ins): the session, the device, and the state.
func (d *ChatDeps) sessionAnswer(ctx context.Context, conv store.Conversation, session string, recognized bool, newToken string) (int, any, error) {
	st, err := d.state(ctx, conv)
	if err != nil {
		return 0, nil, err
	}
	out := map[string]any{"session": session, "conversation": conv.ID, "deviceRecognized": recognized, "state": st}
	if newToken != "" {
		out["deviceToken"] = newToken
	}
	return 201, out, nil
}

func (d *ChatDeps) conversation(r *http.Request, conv store.Conversation) (int, any, error) {
	msgs, err := d.Chat.Messages(r.Context(), conv, r.URL.Query().Get("after"), 0)
	if err != nil {
		return 0, nil, err
	}
	st, err := d.state(r.Context(), conv)
	if err != nil {
		return 0, nil, err
	}
	out := make([]MessageJSON, len(msgs))
	for i, m := range msgs {
		out[i] = messageJSON(m)
	}
	return 200, map[string]any{"conversation": conv.ID, "state": st, "messages": out}, nil
}

func (d *ChatDeps) postMessage(r *http.Request, conv store.Conversation) (int, any, error) {
	var in struct {
		ClientMsgID string `json:"clientMsgId"`
		Body        string `json:"body"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if err := allow(d.limits.messages, conv.ID, "You are sending messages very fast. Wait a moment."); err != nil {
		return 0, nil, err
	}
	m, dup, err := d.Chat.CustomerSays(r.Context(), conv, in.ClientMsgID, in.Body)
	if err != nil {
		return 0, nil, err
	}
	status := 201
	if dup {
		status = 200
	}
	return status, map[string]any{"message": messageJSON(m)}, nil
}

func (d *ChatDeps) postEmail(r *http.Request, conv store.Conversation) (int, any, error) {
	var in struct {
		Email   string `json:"email"`
		Consent bool   `json:"consent"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if err := allow(d.limits.verify, conv.ID, "Too many tries. Wait a minute."); err != nil {
		return 0, nil, err
	}
	if err := d.Verify.SubmitEmail(r.Context(), conv, in.Email, in.Consent, store.Actor{Kind: "customer"}); err != nil {
		return 0, nil, err
	}
	return d.answerState(r, conv)
}

// answerState answers the conversation's state as it is now, after a change.
func (d *ChatDeps) answerState(r *http.Request, conv store.Conversation) (int, any, error) {
	st, err := d.state(r.Context(), conv)
	if err != nil {
		return 0, nil, err
	}
	return 200, map[string]any{"state": st}, nil
}

func (d *ChatDeps) postCode(r *http.Request, conv store.Conversation) (int, any, error) {
	var in struct {
		Code string `json:"code"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	if err := allow(d.limits.verify, conv.ID, "Too many tries. Wait a minute."); err != nil {
		return 0, nil, err
	}
	if err := d.Verify.CheckCode(r.Context(), conv, in.Code); err != nil {
		return 0, nil, err
	}
	return d.answerState(r, conv)
}

func (d *ChatDeps) end(r *http.Request, conv store.Conversation) (int, any, error) {
	if err := d.Chat.End(r.Context(), conv.OrgID, conv.ID, store.Actor{Kind: "customer"}); err != nil {
		return 0, nil, err
	}
	return d.answerState(r, conv)
}
