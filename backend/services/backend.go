// Package services holds the small facades the desktop UI calls through Wails bindings. Each one
// validates what the UI sent, calls a domain package, and maps errors to the one shape the UI's
// api layer understands. No business rule lives here, and nothing here imports the Wails runtime:
// the services are plain Go and are tested as such.
package services

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/org"
	"vouchdesk/backend/startup"
)

// Backend is what the bound services share: the engine once it is open, or the problem that kept
// it from opening, plus facts about this installation.
type Backend struct {
	Version string
	DataDir string
	log     *slog.Logger

	mu      sync.RWMutex
	ctx     context.Context
	deps    *Deps
	problem *StartupProblem
	// acting, when set, is the workspace every call acts in (For): the agents' API's signed-in
	// agent. Unset, it is the one signed in on this desktop (Organizations.Current, or the team
	// session's agent).
	acting *org.Workspace
	// team, when set, is the team server this desktop belongs to (remote.go); deps then read the
	// local replica.
	team Remote
	// link is the desktop's membership of a team, or the way to join one (team.go).
	link TeamLink
}

// NewBackend returns a Backend with no engine yet.
func NewBackend(version, dataDir string, log *slog.Logger) *Backend {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Backend{Version: version, DataDir: dataDir, log: log, ctx: context.Background()}
}

// Attach gives the services the application context and the use cases of the open engine.
func (b *Backend) Attach(ctx context.Context, d Deps) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ctx, b.deps, b.team, b.problem = ctx, &d, nil, nil
}

// AttachTeam makes this a team member's desktop: d reads the local replica, r is the team server
// (remote.go).
func (b *Backend) AttachTeam(ctx context.Context, d Deps, r Remote) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ctx, b.deps, b.team, b.problem = ctx, &d, r, nil
}

// SetTeamLink gives the Team service the desktop's lifecycle (app.go).
func (b *Backend) SetTeamLink(l TeamLink) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.link = l
}

// Detach forgets the engine (a team desktop signing out, or switching from solo to a team): the
// calls answer "not started" until the next Attach.
func (b *Backend) Detach() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.deps, b.team = nil, nil
}

// InTeam says whether this desktop is a team member's.
func (b *Backend) InTeam() bool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.team != nil
}

// Fail records why the engine could not start; the UI shows it instead of the app.
func (b *Backend) Fail(ctx context.Context, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ctx, b.deps, b.team, b.problem = ctx, nil, nil, startup.ProblemFrom(err)
}

// For returns a Backend whose calls act as ws.Me in ws.Organization, under ctx (a request's): the
// agents' API runs the very same services for the agent a device session belongs to. The role
// checks stay where they are, in the domain, against that agent.
func (b *Backend) For(ctx context.Context, ws org.Workspace) *Backend {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return &Backend{Version: b.Version, DataDir: b.DataDir, log: b.log, ctx: ctx, deps: b.deps, problem: b.problem, acting: &ws}
}

// Problem returns the recorded startup problem, or nil.
func (b *Backend) Problem() *StartupProblem {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.problem
}

func (b *Backend) engine() (context.Context, *Deps, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.deps == nil {
		return b.ctx, nil, &apperr.Error{Code: "not_started", Message: "Vouch Desk could not open its database."}
	}
	return b.ctx, b.deps, nil
}

// workspace returns the organization and the acting agent.
func (b *Backend) workspace() (context.Context, *Deps, org.Workspace, error) {
	ctx, e, err := b.engine()
	if err != nil {
		return ctx, nil, org.Workspace{}, err
	}
	if b.acting != nil {
		return ctx, e, *b.acting, nil
	}
	if r, _ := b.remote(); r != nil {
		ws, err := r.Workspace(ctx)
		return ctx, e, ws, err
	}
	ws, err := e.Org.Current(ctx)
	if errors.Is(err, org.ErrNoOrganization) {
		return ctx, nil, org.Workspace{}, &apperr.Error{Code: "needs_setup", Message: "Set up your organization first."}
	}
	return ctx, e, ws, err
}

// StartupProblem is why the engine could not start, for the UI's full-window error screen.
type StartupProblem = startup.Problem

// jsError turns an error into what a rejected promise carries: a JSON string the UI's api layer
// parses into {code, message, field}. Internal errors are logged and replaced by a generic message,
// so that paths, SQL and the like never reach the screen.
func (b *Backend) jsError(op string, err error) error {
	if err == nil {
		return nil
	}
	e, ok := apperr.As(err)
	if !ok {
		b.log.Error("service call failed", "op", op, "err", err)
		e = &apperr.Error{Code: apperr.CodeInternal, Message: "Something went wrong. The details are in the log."}
	}
	raw, _ := json.Marshal(e)
	return errors.New(string(raw))
}

func asAppErr(err error) (*apperr.Error, bool) { return apperr.As(err) }

func appMessage(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Message
	}
	return err.Error()
}
