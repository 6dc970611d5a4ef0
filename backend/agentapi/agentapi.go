// Package agentapi serves the agents' API, /api/agent/v1 (docs/api/agent.md): what an agent's
// desktop does, over HTTPS JSON, for a team server. Every call but signing in carries a device
// session's bearer token; the call then runs the desktop's own services (package services) as the
// session's agent, so the role checks, the validation and the answers are the ones the desktop
// has, and no rule is written twice. Accounts and sessions are package agents.
package agentapi

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

	"vouchdesk/backend/agents"
	"vouchdesk/backend/apperr"
	"vouchdesk/backend/feed"
	"vouchdesk/backend/idempotency"
	"vouchdesk/backend/services"
	"vouchdesk/backend/verify"
)

// Prefix is where the API is mounted.
const Prefix = "/api/agent/v1/"

// maxBody bounds a request body: the largest is a contact edit or a mail account.
const maxBody = 64 << 10

// Config is what the API calls.
type Config struct {
	Accounts *agents.Service
	Feed     *feed.Service
	// Backend is the desktop's services' backend, attached to the engine: each call runs on
	// Backend.For(the session's workspace).
	Backend *services.Backend
	Log     *slog.Logger
	// ClientIP returns the client's address for the sign-in limits; nil takes the connection's
	// (behind a reverse proxy, the operator's trusted header: docs/vouchd.md).
	ClientIP func(r *http.Request) string
	// Idempotency keeps the writes' Idempotency-Keys (idempotency.go); nil refuses a write that
	// sends one.
	Idempotency *idempotency.Service
	// AfterBegin, when set, runs once a write's Idempotency-Key is recorded in progress, before
	// the call runs: tests hold a call there to send its retry meanwhile. nil in production.
	AfterBegin func(r *http.Request)
}

// API is the HTTP handler.
type API struct {
	cfg Config
	mux *http.ServeMux
}

// New returns the API handler; mount it at Prefix.
func New(cfg Config) *API {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = func(r *http.Request) string {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				return r.RemoteAddr
			}
			return host
		}
	}
	a := &API{cfg: cfg, mux: http.NewServeMux()}
	a.routes()
	return a
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	a.mux.ServeHTTP(w, r)
}

// call is one authenticated request: who it acts as, and the services acting as them.
type call struct {
	r  *http.Request
	p  agents.Principal
	sv *services.Backend
}

// body decodes the request's JSON body into v (see decode).
func (c *call) body(v any) error { return decode(c.r, v) }

// authed wraps a call that needs a session. fn's result is the answer's JSON (nil: 204).
func (a *API) authed(fn func(c *call) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer(r)
		if !ok {
			a.fail(w, r, agents.ErrUnauthenticated)
			return
		}
		p, err := a.cfg.Accounts.Authenticate(r.Context(), tok)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if key, err := idempotencyKey(r); err != nil || key != "" {
			if err != nil {
				a.fail(w, r, err)
			} else {
				a.idempotent(w, r, p, key, fn)
			}
			return
		}
		out, err := fn(&call{r: r, p: p, sv: a.cfg.Backend.For(r.Context(), p.Workspace)})
		a.answer(w, r, out, err)
	}
}

// open wraps a call that needs no session (signing in).
func (a *API) open(fn func(r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		out, err := fn(r)
		a.answer(w, r, out, err)
	}
}

func (a *API) answer(w http.ResponseWriter, r *http.Request, out any, err error) {
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if out == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// bearer reads "Authorization: Bearer <token>".
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// statusOf maps error codes to HTTP statuses; a code not listed is a refusal of the request as
// sent (400).
var statusOf = map[string]int{
	apperr.CodeInvalid: 400, apperr.CodeNotFound: 404, apperr.CodeConflict: 409, apperr.CodeForbidden: 403,
	apperr.CodeInternal: 500, agents.CodeUnauthenticated: 401, agents.CodeLastOwner: 409, agents.CodeAlreadyAgent: 409,
	agents.CodeInvitationGone: 410, verify.CodeAgentCodeWrong: 401, verify.CodeRateLimited: 429, verify.CodeTooManyWrong: 429,
	verify.CodeChooseOrg: 409, verify.CodeNoOrganization: 503, verify.CodeNoSenderForCode: 503,
	verify.CodeGoogleInvalid: 401, verify.CodeGoogleExpired: 401, verify.CodeGoogleUnverified: 403, verify.CodeGoogleUsed: 409,
	verify.CodeSigninOff: 409, verify.CodeSigninUnavailable: 503,
	"not_started": 503, "needs_setup": 503, feed.CodeCursorAhead: 409,
	idempotency.CodeKeyInvalid: 400, idempotency.CodeInProgress: 409, idempotency.CodeKeyReused: 422,
	idempotency.CodeOutcomeUnknown: 409, idempotency.CodeAnswerNotKept: 409, codeIdempotencyUnavailable: 501,
}

// apiError is an error answer's "error" object.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// fail answers an error. Errors meant for people keep their code and message (the services'
// errors arrive as their JSON form, see services.Backend.jsError, and are read back); anything
// else is an internal fault, logged and answered with a generic message.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := apperr.As(err)
	if !ok {
		var fromService apperr.Error
		if json.Unmarshal([]byte(err.Error()), &fromService) == nil && fromService.Code != "" {
			e, ok = &fromService, true
		}
	}
	if !ok {
		if errors.Is(err, context.Canceled) {
			return // the client went away
		}
		a.cfg.Log.Error("agents' api", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &apperr.Error{Code: apperr.CodeInternal, Message: "Something went wrong on the server. The details are in its log."}
	}
	status, known := statusOf[e.Code]
	if !known {
		status = 400
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(verify.RetryAfterSeconds(err)))
	}
	if e.Code == idempotency.CodeInProgress {
		w.Header().Set("Retry-After", "1")
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vouchdesk"`)
	}
	writeJSON(w, status, map[string]any{"error": apiError{Code: e.Code, Message: e.Message, Field: e.Field}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func badRequest(msg string) error { return apperr.Invalid("", msg) }

// decode reads a body that is one JSON object of at most maxBody bytes with only known fields,
// and nothing after it: a client's typo in a field name is an error, never a silently ignored
// change.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return badRequest("Send the request body as JSON (Content-Type: application/json).")
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := "The request body must be one JSON object of at most 64 KiB with the documented fields"
		if s := err.Error(); strings.HasPrefix(s, "json: unknown field ") {
			msg += " (" + strings.TrimPrefix(s, "json: ") + ")"
		}
		return badRequest(msg + ".")
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("The request body must be one JSON object with nothing after it.")
	}
	return nil
}
