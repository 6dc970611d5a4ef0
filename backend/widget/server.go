// Package widget is the engine's HTTP face: the customer chat widget, the public link pages that
// emails point to, telephony webhooks, and the health check. It only translates HTTP to calls on
// the domain packages; no business rule lives here.
package widget

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Pinger is what the health check asks: can the database answer?
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are what the handlers need.
type Deps struct {
	Version string
	DB      Pinger
	Role    func() string // "leader" or "follower" among the nodes on one database; nil: not shown
	Senders SenderLinks   // nil: the sender link pages are not served
	Chat    *ChatDeps     // nil: no chat API, widget or demo
	Calls   Routes        // nil: no telephony webhooks
}

// Routes is a part of the server that registers its own endpoints (the telephony webhooks).
type Routes interface {
	Routes(mux *http.ServeMux)
}

// NewHandler returns the HTTP handler of the widget server.
func NewHandler(d Deps) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", d.healthz)
	mux.HandleFunc("GET /join", serveJoinPage) // an invitation link (joinpage.go)
	mux.HandleFunc("GET /join.js", serveJoinScript)
	if d.Senders != nil {
		mux.HandleFunc("GET /verify/sender/{token}", d.senderLinkGet)
		mux.HandleFunc("POST /verify/sender/{token}", d.senderLinkPost)
	}
	if d.Chat != nil {
		d.Chat.routes(mux)
	}
	if d.Calls != nil {
		d.Calls.Routes(mux)
	}
	return securityHeaders(mux)
}

// Health is the /healthz answer.
type Health struct {
	Version  string `json:"version"`
	Database string `json:"database"`       // "ok" or the problem
	Role     string `json:"role,omitempty"` // "leader" (runs the mailbox watchers and sweeps) or "follower"
}

func (d Deps) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	h := Health{Version: d.Version, Database: "ok"}
	if d.Role != nil {
		h.Role = d.Role()
	}
	status := http.StatusOK
	if err := d.DB.Ping(ctx); err != nil {
		// The cause goes to the log, not to whoever asks: it may name paths.
		h.Database = "unavailable"
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(h)
}

// securityHeaders sets the headers every answer carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
