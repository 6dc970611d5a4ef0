// Package agents is the organization's people on a team server (docs/api/agent.md): the device
// sessions desktops sign in with, invitations, roles and deactivation. A session is a bearer
// token the desktop keeps; only its SHA-256 is stored, so a copy of the database signs nobody
// in. Deactivating an agent ends their sessions in the same transaction, and a session of a
// deactivated agent is refused even before that (the lookup joins the active user).
package agents

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"vouchdesk/backend/apperr"
	"vouchdesk/backend/org"
	"vouchdesk/backend/store"
	"vouchdesk/backend/token"
	"vouchdesk/backend/verify"
	"vouchdesk/backend/wiretime"
)

// Error codes of the agents' API beyond apperr's, stable for clients.
const (
	CodeUnauthenticated = "unauthenticated" // no session token, or one that is unknown, revoked or of a deactivated agent
	CodeLastOwner       = "last_owner"
	CodeInvitationGone  = "invitation_unusable"
	CodeAlreadyAgent    = "already_agent"
)

// ErrUnauthenticated is the answer to every request whose session does not work.
var ErrUnauthenticated = &apperr.Error{Code: CodeUnauthenticated,
	Message: "You are signed out: the session ended (signed out, revoked by an admin, or the account was deactivated). Sign in again."}

// TokenPrefix starts every session token, so that one pasted into a log or a chat is recognisable
// (and can be found by secret scanners).
const TokenPrefix = "vds_"

// touchEvery is how often a session's last use is written: a write per request would make every
// read a write.
const touchEvery = time.Minute

// Codes is the desktop sign-in code machinery (verify.Service).
type Codes interface {
	SendAgentCode(ctx context.Context, r verify.AgentCodeRequest) (string, error)
	CheckAgentCode(ctx context.Context, handle, code string, then func(tx *store.Tx, agent store.User, now time.Time) error) error
	CheckAgentGoogle(ctx context.Context, orgID, credential string, then func(tx *store.Tx, agent store.User, tokenHash []byte, now time.Time) error) error
}

// Service is the agents' accounts and sessions.
type Service struct {
	st        *store.Store
	now       func() time.Time
	codes     Codes
	publicURL func() string
	// Queued is called after an email was queued (wakes the outbox worker); nil ignores it.
	Queued func()
}

// New returns the service. publicURL is the server's address as agents reach it (invitation links).
func New(st *store.Store, now func() time.Time, codes Codes, publicURL func() string) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, now: now, codes: codes, publicURL: publicURL}
}

// Principal is who a request acts as: the session's agent in its organization.
type Principal struct {
	Workspace org.Workspace
	Session   store.AgentSession
}

// Agent is an agent as the API shows one.
type Agent struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Role      string `json:"role"`
	CreatedAt string `json:"createdAt"`
}

// Session is a device session as the API shows one (never its token).
type Session struct {
	ID         string `json:"id"`
	AgentID    string `json:"agentId"`
	Device     string `json:"device"`
	Method     string `json:"method"`
	CreatedAt  string `json:"createdAt"`
	LastSeenAt string `json:"lastSeenAt"`
	// Current marks the session the request was made with.
	Current bool `json:"current"`
}

// SignedIn is a new session: the token, shown once, and what it signs in as.
type SignedIn struct {
	Token        string  `json:"token"`
	Session      Session `json:"session"`
	Agent        Agent   `json:"agent"`
	Organization OrgRef  `json:"organization"`
}

// OrgRef names an organization.
type OrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func agentView(u store.User) Agent {
	return Agent{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, CreatedAt: wiretime.Format(u.CreatedAt)}
}

func sessionView(s store.AgentSession, current string) Session {
	return Session{ID: s.ID, AgentID: s.UserID, Device: s.Device, Method: s.Method, CreatedAt: wiretime.Format(s.CreatedAt),
		LastSeenAt: wiretime.Format(s.LastSeenAt), Current: s.ID == current}
}

// MaxDeviceChars bounds the device name a desktop gives ("Ana's laptop").
const MaxDeviceChars = 100

func cleanDevice(raw string) (string, error) {
	d := strings.TrimSpace(raw)
	if utf8.RuneCountInString(d) > MaxDeviceChars {
		return "", apperr.Invalid("device", "The device name can be at most 100 characters.")
	}
	for _, r := range d {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return "", apperr.Invalid("device", "The device name cannot hold line breaks or control characters.")
		}
	}
	return d, nil
}

// StartSignin emails a sign-in code to an agent (verify.SendAgentCode) and returns the handle.
func (s *Service) StartSignin(ctx context.Context, r verify.AgentCodeRequest) (string, error) {
	return s.codes.SendAgentCode(ctx, r)
}

// FinishSignin checks the code and opens a device session: the code is used up only together with
// the session it opens.
func (s *Service) FinishSignin(ctx context.Context, handle, code, device string) (SignedIn, error) {
	device, err := cleanDevice(device)
	if err != nil {
		return SignedIn{}, err
	}
	var out SignedIn
	err = s.codes.CheckAgentCode(ctx, handle, code, func(tx *store.Tx, agent store.User, now time.Time) error {
		out, err = openSession(tx, agent, device, store.SessionByEmailCode, now)
		return err
	})
	return out, err
}

// GoogleSignin opens a device session with a Google ID token, for an organization whose Google
// client ID is set (orgID "" is the server's first organization). A token opens one session.
func (s *Service) GoogleSignin(ctx context.Context, orgID, credential, device string) (SignedIn, error) {
	device, err := cleanDevice(device)
	if err != nil {
		return SignedIn{}, err
	}
	var out SignedIn
	err = s.codes.CheckAgentGoogle(ctx, orgID, credential, func(tx *store.Tx, agent store.User, hash []byte, now time.Time) error {
		if out, err = openSession(tx, agent, device, store.SessionByGoogle, now); err != nil {
			return err
		}
		if err := tx.SetAgentSessionProof(agent.OrgID, out.Session.ID, hash); store.IsUniqueViolation(err) {
			return verify.ErrAgentGoogleUsed
		} else if err != nil {
			return err
		}
		return nil
	})
	return out, err
}

// openSession makes a session for agent inside tx and returns it with its token.
func openSession(tx *store.Tx, agent store.User, device, method string, now time.Time) (SignedIn, error) {
	o, err := tx.Organization(agent.OrgID)
	if err != nil {
		return SignedIn{}, err
	}
	plain, _ := token.NewLink()
	plain = TokenPrefix + plain
	sess := store.AgentSession{ID: store.NewID(), OrgID: agent.OrgID, UserID: agent.ID, Device: device, Method: method,
		CreatedAt: now, LastSeenAt: now}
	if err := tx.InsertAgentSession(sess, token.Hash(plain)); err != nil {
		return SignedIn{}, err
	}
	if err := tx.Audit(agent.OrgID, store.AgentActor(agent.ID), "agent.signed_in", "agent_sessions", sess.ID,
		map[string]any{"method": method, "device": device}); err != nil {
		return SignedIn{}, err
	}
	return SignedIn{Token: plain, Session: sessionView(sess, sess.ID), Agent: agentView(agent),
		Organization: OrgRef{ID: o.ID, Name: o.Name}}, nil
}

// Authenticate returns who a session token signs in as, or ErrUnauthenticated.
func (s *Service) Authenticate(ctx context.Context, plain string) (Principal, error) {
	if !strings.HasPrefix(plain, TokenPrefix) || !token.IsLinkShaped(strings.TrimPrefix(plain, TokenPrefix)) {
		return Principal{}, ErrUnauthenticated
	}
	sess, user, err := s.st.AgentSessionByToken(ctx, token.Hash(plain))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	} else if err != nil {
		return Principal{}, err
	}
	var o store.Organization
	if err := s.st.Read(ctx, func(tx *store.Tx) error {
		o, err = tx.Organization(sess.OrgID)
		return err
	}); err != nil {
		return Principal{}, err
	}
	if now := s.now(); now.Sub(sess.LastSeenAt) >= touchEvery {
		// Best effort: a failed touch must not fail the request it belongs to.
		if s.st.TouchAgentSession(ctx, sess.ID, now) == nil {
			sess.LastSeenAt = now
		}
	}
	return Principal{Workspace: org.Workspace{Organization: o, Me: user}, Session: sess}, nil
}

// SignOut ends the session the request was made with.
func (s *Service) SignOut(ctx context.Context, p Principal) error {
	me := p.Workspace.Me
	return s.st.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.RevokeAgentSession(me.OrgID, p.Session.ID, me.ID, "signed out", s.now()); err != nil {
			return err
		}
		return tx.Audit(me.OrgID, store.AgentActor(me.ID), "agent.signed_out", "agent_sessions", p.Session.ID, map[string]any{})
	})
}

// Sessions lists an agent's live sessions: one's own, or anyone's for an owner or admin.
func (s *Service) Sessions(ctx context.Context, p Principal, agentID string) ([]Session, error) {
	me := p.Workspace.Me
	if agentID == "" {
		agentID = me.ID
	}
	if agentID != me.ID {
		if err := org.RequireAdmin(me, "see another agent's sessions"); err != nil {
			return nil, err
		}
	}
	out := []Session{}
	err := s.st.Read(ctx, func(tx *store.Tx) error {
		if _, err := tx.User(me.OrgID, agentID); errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("There is no such agent.")
		} else if err != nil {
			return err
		}
		list, err := tx.AgentSessions(me.OrgID, agentID)
		for _, x := range list {
			out = append(out, sessionView(x, p.Session.ID))
		}
		return err
	})
	return out, err
}

// RevokeSession ends a session: one's own, or anyone's for an owner or admin. The desktop that
// held it is signed out at its next request.
func (s *Service) RevokeSession(ctx context.Context, p Principal, sessionID string) error {
	me := p.Workspace.Me
	return s.st.Write(ctx, func(tx *store.Tx) error {
		sess, err := tx.AgentSession(me.OrgID, sessionID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !sess.RevokedAt.IsZero()) {
			return apperr.NotFound("There is no such session (it may have ended already).")
		} else if err != nil {
			return err
		}
		if sess.UserID != me.ID {
			if err := org.RequireAdmin(me, "end another agent's session"); err != nil {
				return err
			}
		}
		reason := "revoked by the agent"
		if sess.UserID != me.ID {
			reason = "revoked by an admin"
		}
		if _, err := tx.RevokeAgentSession(me.OrgID, sessionID, me.ID, reason, s.now()); err != nil {
			return err
		}
		return tx.Audit(me.OrgID, store.AgentActor(me.ID), "agent.session_revoked", "agent_sessions", sessionID,
			map[string]any{"agent": sess.UserID})
	})
}

// Agents lists the organization's active agents, owners first.
func (s *Service) Agents(ctx context.Context, p Principal) ([]Agent, error) {
	users, err := s.st.UsersByOrg(ctx, p.Workspace.Me.OrgID)
	out := make([]Agent, 0, len(users))
	for _, u := range users {
		out = append(out, agentView(u))
	}
	return out, err
}

// SetRole changes an agent's role. Owners and admins change agents and admins; only an owner
// makes or unmakes an owner, and the last owner stays one.
func (s *Service) SetRole(ctx context.Context, p Principal, agentID, role string) (Agent, error) {
	me := p.Workspace.Me
	if err := org.RequireAdmin(me, "change roles"); err != nil {
		return Agent{}, err
	}
	if role != store.RoleOwner && role != store.RoleAdmin && role != store.RoleAgent {
		return Agent{}, apperr.Invalid("role", "The role is owner, admin or agent.")
	}
	var out Agent
	err := s.st.Write(ctx, func(tx *store.Tx) error {
		target, err := tx.User(me.OrgID, agentID)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("There is no such agent.")
		} else if err != nil {
			return err
		}
		if (target.Role == store.RoleOwner || role == store.RoleOwner) && me.Role != store.RoleOwner {
			return apperr.Forbidden("Only an owner can make someone an owner or change an owner's role.")
		}
		if target.Role == store.RoleOwner && role != store.RoleOwner {
			if err := keepAnOwner(tx, me.OrgID); err != nil {
				return err
			}
		}
		if target.Role == role {
			out = agentView(target)
			return nil
		}
		if err := tx.SetUserRole(me.OrgID, agentID, role); err != nil {
			return err
		}
		target.Role = role
		out = agentView(target)
		return tx.Audit(me.OrgID, store.AgentActor(me.ID), "agent.role_changed", "users", agentID, map[string]any{"role": role})
	})
	return out, err
}

// keepAnOwner refuses a change that would leave the organization without an owner.
func keepAnOwner(tx *store.Tx, orgID string) error {
	n, err := tx.CountUsersWithRole(orgID, store.RoleOwner)
	if err != nil {
		return err
	}
	if n <= 1 {
		return &apperr.Error{Code: CodeLastOwner, Message: "This is the organization's only owner. Make another agent an owner first."}
	}
	return nil
}

// Deactivate turns an agent's account off: their sessions end and the invitations they sent and
// nobody used are withdrawn, in the same transaction, and they can no longer sign in. Their conversations, messages and audit records stay. Nobody deactivates
// themselves (another admin does), only an owner deactivates an owner, and the last owner stays.
func (s *Service) Deactivate(ctx context.Context, p Principal, agentID string) error {
	me := p.Workspace.Me
	if err := org.RequireAdmin(me, "deactivate agents"); err != nil {
		return err
	}
	if agentID == me.ID {
		return apperr.Invalid("agentId", "You cannot deactivate yourself: ask another owner or admin.")
	}
	return s.st.Write(ctx, func(tx *store.Tx) error {
		target, err := tx.User(me.OrgID, agentID)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("There is no such agent (or the account is already deactivated).")
		} else if err != nil {
			return err
		}
		if target.Role == store.RoleOwner {
			if me.Role != store.RoleOwner {
				return apperr.Forbidden("Only an owner can deactivate an owner.")
			}
			if err := keepAnOwner(tx, me.OrgID); err != nil {
				return err
			}
		}
		now := s.now()
		if err := tx.DisableUser(me.OrgID, agentID, now); err != nil {
			return err
		}
		ended, err := tx.RevokeUserAgentSessions(me.OrgID, agentID, me.ID, "account deactivated", now)
		if err != nil {
			return err
		}
		// The invitations they sent and nobody used yet are withdrawn with them: an admin who is
		// let go must not leave links behind that still make accounts.
		pending, err := tx.PendingInvitations(me.OrgID)
		if err != nil {
			return err
		}
		withdrawn := 0
		for _, inv := range pending {
			if inv.InvitedBy != agentID {
				continue
			}
			if ok, err := tx.RevokeInvitation(me.OrgID, inv.ID, now); err != nil {
				return err
			} else if ok {
				withdrawn++
			}
		}
		return tx.Audit(me.OrgID, store.AgentActor(me.ID), "agent.deactivated", "users", agentID,
			map[string]any{"sessionsEnded": ended, "invitationsWithdrawn": withdrawn})
	})
}
