package services

import (
	"context"
	"net/url"
	"strings"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/org"
)

// A desktop in a team reads from its local replica of the organization and changes things on the
// team server. The bound services do not change shape for it: each method that changes something
// (or shows what only the server knows, like the mail accounts' health) asks the Backend for its
// Remote first and, in a team, sends the very call the agents' API routes to this same method on
// the server (the Route constants below are the one list both sides use). Its answer arrives in
// the method's own result type, so the UI sees the same JSON either way. Every other method reads
// the replica through the same Deps as a solo desk.

// Remote is the team server as the services see it (package team implements it).
type Remote interface {
	// Workspace is the signed-in agent in their organization, as the local replica has them
	// (re-read on every call, so a role changed by an admin applies at once).
	Workspace(ctx context.Context) (org.Workspace, error)
	// Call sends one call of the agents' API: in is the JSON body (nil: none) and out receives
	// the answer (nil: ignored). A refusal is an *apperr.Error with the server's code and message;
	// an unreachable server is CodeOffline.
	Call(ctx context.Context, c Call, in, out any) error
	// SendReply sends an agent's reply (RouteSend). It is written to disk before it is sent:
	// when the server cannot be reached it is kept and sent once the server is back, and the
	// answer is the kept message (Status "kept").
	SendReply(ctx context.Context, conversationID, body string) (ChatMessage, error)
	// Kept lists a conversation's replies still waiting (Status "kept") or refused by the server
	// when they were sent later ("refused", with the reason), oldest first.
	Kept(conversationID string) []ChatMessage
	// Discard removes a kept or refused reply.
	Discard(id string) error
}

// CodeOffline is the error code of a call that needs the team server while it cannot be reached.
const CodeOffline = "offline"

// CodeTeamOnly and CodeSoloOnly refuse what only one kind of desk does.
const (
	CodeTeamOnly = "team_only"
	CodeSoloOnly = "solo_only"
)

// Call is one call of the agents' API with its path filled in: Method and Path below
// /api/agent/v1/.
type Call struct {
	Method string
	Path   string
}

// Route is a call's pattern as the agents' API routes it: "METHOD path", path values in braces.
type Route string

// At fills the route's path values in order; each is escaped as one path segment.
func (r Route) At(ids ...string) Call {
	method, pattern, _ := strings.Cut(string(r), " ")
	var b strings.Builder
	for {
		open := strings.IndexByte(pattern, '{')
		if open < 0 {
			b.WriteString(pattern)
			break
		}
		end := strings.IndexByte(pattern[open:], '}')
		b.WriteString(pattern[:open])
		if len(ids) > 0 {
			b.WriteString(url.PathEscape(ids[0]))
			ids = ids[1:]
		}
		pattern = pattern[open+end+1:]
	}
	return Call{Method: method, Path: b.String()}
}

// remote returns the team server and the call's context when this desktop is in a team.
func (b *Backend) remote() (Remote, context.Context) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.acting != nil { // the agents' API on the server itself: everything runs here
		return nil, b.ctx
	}
	return b.team, b.ctx
}

// forward sends c to the team server when there is one: ok says whether it did, and err is the
// call's error for the UI.
func forward[T any](b *Backend, op string, c Call, in any) (out T, ok bool, err error) {
	r, ctx := b.remote()
	if r == nil {
		return out, false, nil
	}
	return out, true, b.jsError(op, r.Call(ctx, c, in, &out))
}

// forwardNone is forward for a call without an answer.
func forwardNone(b *Backend, op string, c Call, in any) (ok bool, err error) {
	r, ctx := b.remote()
	if r == nil {
		return false, nil
	}
	return true, b.jsError(op, r.Call(ctx, c, in, nil))
}

// soloOnly refuses, in a team, what a solo desk does on its own database (set-up, backups).
func (b *Backend) soloOnly(op, what string) error {
	if r, _ := b.remote(); r == nil {
		return nil
	}
	return b.jsError(op, &apperr.Error{Code: CodeSoloOnly, Message: "In a team, " + what})
}
