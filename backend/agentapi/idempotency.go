package agentapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"

	"vouchdesk/backend/agents"
	"vouchdesk/backend/apperr"
	"vouchdesk/backend/idempotency"
)

// Writes with an Idempotency-Key (docs/api/agent.md, "Retries and Idempotency-Key"): package
// idempotency decides whether a try runs; this file reads the key, buffers the answer so it is
// recorded before the client sees it (a client that got an answer and sends the key again then
// always finds it finished), and replays recorded answers.

// KeyHeader is the request header that names a write; ReplayedHeader marks a recorded answer.
const (
	KeyHeader      = "Idempotency-Key"
	ReplayedHeader = "Idempotency-Replayed"
)

// codeIdempotencyUnavailable: a key was sent to an API built without Config.Idempotency.
const codeIdempotencyUnavailable = "idempotency_unavailable"

// changes reports whether a method changes something (only those take a key; a read is safe to
// retry as it is, so a key on it is ignored).
func changes(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// idempotencyKey returns the request's key ("" when it has none, or it is a read), or why it is
// refused.
func idempotencyKey(r *http.Request) (string, error) {
	keys := r.Header.Values(KeyHeader)
	if len(keys) == 0 || !changes(r.Method) {
		return "", nil
	}
	if len(keys) > 1 {
		return "", &apperr.Error{Code: idempotency.CodeKeyInvalid, Field: KeyHeader,
			Message: "Send one Idempotency-Key header, not several."}
	}
	return keys[0], idempotency.CheckKey(keys[0])
}

// idempotent runs fn as the first try of the key, or answers without running it.
func (a *API) idempotent(w http.ResponseWriter, r *http.Request, p agents.Principal, key string, fn func(c *call) (any, error)) {
	keys := a.cfg.Idempotency
	if keys == nil {
		a.fail(w, r, &apperr.Error{Code: codeIdempotencyUnavailable, Message: "This server does not keep Idempotency-Keys; send the write without one."})
		return
	}
	// The body is part of what the key names; it is read here (bounded as decode bounds it) and
	// handed on to the call unchanged.
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		a.fail(w, r, badRequest("The request body could not be read."))
		return
	}
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	sc := idempotency.Scope{OrgID: p.Workspace.Organization.ID, UserID: p.Workspace.Me.ID}
	begun, err := keys.Begin(r.Context(), sc, key, idempotency.Call{Method: r.Method, Path: r.URL.RequestURI(), Body: body})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !begun.Run {
		a.replay(w, r, begun.Replay)
		return
	}

	// From here the key is in progress until Finish or Abandon; the records are written whatever
	// the client does meanwhile.
	bg := context.WithoutCancel(r.Context())
	answered := false
	defer func() {
		if !answered { // fn panicked: nothing was answered, so a retry runs the call again
			if err := keys.Abandon(bg, begun.Ticket); err != nil {
				a.cfg.Log.Error("agents' api: forgetting an idempotency key", "err", err)
			}
		}
	}()
	if a.cfg.AfterBegin != nil {
		a.cfg.AfterBegin(r)
	}
	out, err := fn(&call{r: r, p: p, sv: a.cfg.Backend.For(r.Context(), p.Workspace)})
	buf := &bufferedAnswer{header: http.Header{}}
	a.answer(buf, r, out, err)
	answered = true
	if buf.status == 0 || buf.status >= 500 || buf.status == http.StatusTooManyRequests {
		// Not done (the client went away, or the call failed on the server's side), or refused
		// for now (a rate limit): the same key runs the call again.
		if err := keys.Abandon(bg, begun.Ticket); err != nil {
			a.cfg.Log.Error("agents' api: forgetting an idempotency key", "err", err)
		}
	} else if err := keys.Finish(bg, begun.Ticket, buf.status, buf.body.Bytes()); err != nil {
		// The call is done and its answer goes out; only a retry of it is left without its
		// answer: it gets request_in_progress, then outcome_unknown (package idempotency).
		a.cfg.Log.Error("agents' api: recording an idempotency key's answer", "err", err)
	}
	if buf.status == 0 {
		return
	}
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.WriteHeader(buf.status)
	w.Write(buf.body.Bytes())
}

// replay answers a finished try's recorded answer.
func (a *API) replay(w http.ResponseWriter, r *http.Request, ans idempotency.Answer) {
	w.Header().Set(ReplayedHeader, "true")
	if !ans.Kept {
		a.fail(w, r, &apperr.Error{Code: idempotency.CodeAnswerNotKept, Message: "This write was already done (it answered " +
			strconv.Itoa(ans.Status) + ") but its answer was larger than 1 MiB and was not kept: read what you need again."})
		return
	}
	if ans.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vouchdesk"`)
	}
	if len(ans.Body) > 0 {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(ans.Status)
	w.Write(ans.Body)
}

// bufferedAnswer is an http.ResponseWriter that keeps the answer for the record.
type bufferedAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedAnswer) Header() http.Header { return b.header }

func (b *bufferedAnswer) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedAnswer) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}
