package services

import (
	"context"
	"net/url"

	"vouchdesk/backend/agents"
	"vouchdesk/backend/apperr"
)

// Team is joining a team server and, once in, the team: who the agent is, the link to the
// server, the organization's agents, invitations and sessions (Organization → Agents). The
// desktop's lifecycle (switching from the solo desk to the team's replica and back) is the
// TeamLink's, which app.go gives (package team implements it).
type Team struct{ b *Backend }

// NewTeam returns the Team service.
func NewTeam(b *Backend) *Team { return &Team{b: b} }

// TeamLink is the desktop's membership of a team.
type TeamLink interface {
	State(ctx context.Context) TeamState
	// StartSignin checks the server's address and asks it to email a sign-in code.
	StartSignin(ctx context.Context, serverURL, email string) error
	// FinishSignin signs in with the emailed code and makes this a team member's desktop.
	FinishSignin(ctx context.Context, code string) (TeamState, error)
	// AcceptInvitation joins with an invitation link (https://server/join#token).
	AcceptInvitation(ctx context.Context, link, name string) (TeamState, error)
	// SignOut ends the session; the replica stays readable until RemoveReplica.
	SignOut(ctx context.Context) (TeamState, error)
	// RemoveReplica deletes the local copy and forgets the team: the desktop starts as new.
	RemoveReplica(ctx context.Context) (TeamState, error)
}

// TeamState is what the UI shows of this desktop's team.
type TeamState struct {
	// Mode: "solo" (the organization on this computer) or "team".
	Mode             string `json:"mode"`
	ServerURL        string `json:"serverUrl"`
	OrganizationName string `json:"organizationName"`
	AgentName        string `json:"agentName"`
	AgentEmail       string `json:"agentEmail"`
	// Pending is a sign-in waiting for its code: the address it went to.
	PendingEmail  string `json:"pendingEmail"`
	PendingServer string `json:"pendingServer"`
	// InvitationLink is an invitation the app was opened with (the server's join page): the
	// join form starts with it.
	InvitationLink string `json:"invitationLink"`
	// Ended says why the session ended ("" while signed in): "signed_out" (here) or "ended" (by
	// the server: revoked by an admin, or the account deactivated), with what to do.
	Ended        string     `json:"ended"`
	EndedMessage string     `json:"endedMessage"`
	Status       TeamStatus `json:"status"`
	Replica      Replica    `json:"replica"`
}

// TeamStatus is the link to the server.
type TeamStatus struct {
	// Phase: "copying" (the first copy of the organization), "live" (following the server's
	// changes) or "ended" (the session ended; the copy stays readable).
	Phase  string `json:"phase"`
	Online bool   `json:"online"`
	// OfflineSince is when the server stopped answering (RFC 3339, "" while online); LastError
	// why, in words; RetryInSeconds when the next try is.
	OfflineSince   string       `json:"offlineSince"`
	LastError      string       `json:"lastError"`
	RetryInSeconds int          `json:"retryInSeconds"`
	Copy           CopyProgress `json:"copy"`
	// Recopying: the organization is being copied again beside the copy shown (the server was
	// restored from a backup, or its or this app's database schema moved); RecopyReason says
	// which. The old copy stays readable until the new one is whole.
	Recopying    bool   `json:"recopying"`
	RecopyReason string `json:"recopyReason"`
	// Kept is how many of the agent's replies wait for the server.
	Kept int `json:"kept"`
}

// CopyProgress is how far the first copy of the organization is.
type CopyProgress struct {
	Phase         string `json:"phase"` // "snapshot", "changes", "done"
	Table         string `json:"table"`
	TablesDone    int    `json:"tablesDone"`
	TablesTotal   int    `json:"tablesTotal"`
	Rows          int64  `json:"rows"`
	RowsTotal     int64  `json:"rowsTotal"` // an estimate; 0 when unknown
	Bytes         int64  `json:"bytes"`
	ElapsedSecs   int    `json:"elapsedSeconds"`
	RemainingSecs int    `json:"remainingSeconds"`
	TimeLeftKnown bool   `json:"timeLeftKnown"`
}

// Replica is what the local copy holds (shown beside "Remove the local copy").
type Replica struct {
	Path          string `json:"path"`
	Bytes         int64  `json:"bytes"`
	Conversations int    `json:"conversations"`
	Contacts      int    `json:"contacts"`
}

// SigninRequest starts or finishes joining a team.
type SigninRequest struct {
	ServerURL string `json:"serverUrl"`
	Email     string `json:"email"`
	Code      string `json:"code"`
	// Link and Name join by invitation.
	Link string `json:"link"`
	Name string `json:"name"`
}

// The team's views, from the accounts domain (backend/agents).
type (
	TeamAgent      = agents.Agent
	TeamInvitation = agents.Invitation
	TeamSession    = agents.Session
)

// The agents' API calls of Organization → Agents (docs/api/agent.md).
const (
	RouteAgents           Route = "GET agents"
	RouteSetRole          Route = "PATCH agents/{id}"
	RouteDeactivate       Route = "POST agents/{id}/deactivate"
	RouteInvitations      Route = "GET invitations"
	RouteInvite           Route = "POST invitations"
	RouteRevokeInvitation Route = "DELETE invitations/{id}"
	RouteResendInvitation Route = "POST invitations/{id}/resend"
	RouteSessions         Route = "GET sessions"
	RouteRevokeSession    Route = "DELETE sessions/{id}"
)

func (t *Team) link() (TeamLink, context.Context, error) {
	t.b.mu.RLock()
	defer t.b.mu.RUnlock()
	if t.b.link == nil {
		return nil, t.b.ctx, &apperr.Error{Code: "not_started", Message: "Vouch Desk has not started yet."}
	}
	return t.b.link, t.b.ctx, nil
}

// State returns this desktop's team state ("solo" when it is in none).
func (t *Team) State() (TeamState, error) {
	l, ctx, err := t.link()
	if err != nil {
		return TeamState{Mode: "solo"}, nil
	}
	return l.State(ctx), nil
}

// StartSignin asks the server to email a sign-in code to the agent.
func (t *Team) StartSignin(req SigninRequest) (TeamState, error) {
	l, ctx, err := t.link()
	if err != nil {
		return TeamState{}, t.b.jsError("team.start_signin", err)
	}
	if err := l.StartSignin(ctx, req.ServerURL, req.Email); err != nil {
		return TeamState{}, t.b.jsError("team.start_signin", err)
	}
	return l.State(ctx), nil
}

// FinishSignin signs in with the emailed code: the desktop becomes a team member's and starts
// copying the organization.
func (t *Team) FinishSignin(req SigninRequest) (TeamState, error) {
	l, ctx, err := t.link()
	if err != nil {
		return TeamState{}, t.b.jsError("team.finish_signin", err)
	}
	st, err := l.FinishSignin(ctx, req.Code)
	return st, t.b.jsError("team.finish_signin", err)
}

// AcceptInvitation joins with an invitation link.
func (t *Team) AcceptInvitation(req SigninRequest) (TeamState, error) {
	l, ctx, err := t.link()
	if err != nil {
		return TeamState{}, t.b.jsError("team.accept_invitation", err)
	}
	st, err := l.AcceptInvitation(ctx, req.Link, req.Name)
	return st, t.b.jsError("team.accept_invitation", err)
}

// SignOut ends this desktop's session; what was copied stays readable.
func (t *Team) SignOut() (TeamState, error) {
	l, ctx, err := t.link()
	if err != nil {
		return TeamState{}, t.b.jsError("team.sign_out", err)
	}
	st, err := l.SignOut(ctx)
	return st, t.b.jsError("team.sign_out", err)
}

// RemoveReplica deletes the local copy of the organization and forgets the team.
func (t *Team) RemoveReplica() (TeamState, error) {
	l, ctx, err := t.link()
	if err != nil {
		return TeamState{}, t.b.jsError("team.remove_replica", err)
	}
	st, err := l.RemoveReplica(ctx)
	return st, t.b.jsError("team.remove_replica", err)
}

// teamCall forwards one of Organization → Agents' calls; on a solo desk there is no team.
func teamCall[T any](t *Team, op string, c Call, in any) (T, error) {
	out, ok, err := forward[T](t.b, op, c, in)
	if !ok {
		return out, t.b.jsError(op, &apperr.Error{Code: CodeTeamOnly, Message: "This desktop is not in a team: a solo desk has one agent."})
	}
	return out, err
}

// Agents lists the organization's agents.
func (t *Team) Agents() ([]TeamAgent, error) {
	return teamCall[[]TeamAgent](t, "team.agents", RouteAgents.At(), nil)
}

// SetRole changes an agent's role (owner, admin, agent).
func (t *Team) SetRole(agentID, role string) (TeamAgent, error) {
	return teamCall[TeamAgent](t, "team.set_role", RouteSetRole.At(agentID), agents.RoleRequest{Role: role})
}

// Deactivate ends an agent's access: their sessions end at once.
func (t *Team) Deactivate(agentID string) error {
	_, err := teamCall[struct{}](t, "team.deactivate", RouteDeactivate.At(agentID), nil)
	return err
}

// Invitations lists the invitations nobody has used yet.
func (t *Team) Invitations() ([]TeamInvitation, error) {
	return teamCall[[]TeamInvitation](t, "team.invitations", RouteInvitations.At(), nil)
}

// Invite emails an invitation link.
func (t *Team) Invite(email, role string) (TeamInvitation, error) {
	return teamCall[TeamInvitation](t, "team.invite", RouteInvite.At(), agents.InviteRequest{Email: email, Role: role})
}

// ResendInvitation emails a fresh link for an invitation (the old link stops working).
func (t *Team) ResendInvitation(id string) (TeamInvitation, error) {
	return teamCall[TeamInvitation](t, "team.resend_invitation", RouteResendInvitation.At(id), nil)
}

// RevokeInvitation withdraws an invitation.
func (t *Team) RevokeInvitation(id string) error {
	_, err := teamCall[struct{}](t, "team.revoke_invitation", RouteRevokeInvitation.At(id), nil)
	return err
}

// Sessions lists an agent's sessions ("" for the signed-in agent's own).
func (t *Team) Sessions(agentID string) ([]TeamSession, error) {
	c := RouteSessions.At()
	if agentID != "" {
		c.Path += "?agent=" + url.QueryEscape(agentID)
	}
	return teamCall[[]TeamSession](t, "team.sessions", c, nil)
}

// RevokeSession ends one session (the agent's own, or anyone's for an admin).
func (t *Team) RevokeSession(id string) error {
	_, err := teamCall[struct{}](t, "team.revoke_session", RouteRevokeSession.At(id), nil)
	return err
}
