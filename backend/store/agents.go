package store

import (
	"context"
	"fmt"
	"time"
)

// Agents' accounts on a team server (migrations 0016 on SQLite, 0005 on PostgreSQL): the
// sessions of the desktops signed in to vouchd, and the invitations that bring agents in.

// Challenge purposes of agents' sign-in (the challenges.purpose CHECK lists them too).
const (
	PurposeAgentSignin = "agent_signin" // a desktop's sign-in code (challenges)
	PurposeAgentInvite = "agent_invite" // an invitation's link token (challenges)
)

// AgentSession is a desktop's signed-in session (a revocable bearer credential; only its hash is
// stored). Sessions are never in the change feed: they are credentials of the server.
type AgentSession struct {
	ID, OrgID, UserID, Device, Method string
	CreatedAt, LastSeenAt, RevokedAt  time.Time // RevokedAt zero while live
	RevokedBy, RevokeReason           string
}

// How a session was opened (the agent_sessions.method CHECK lists the same).
const (
	SessionByEmailCode  = "email_code"
	SessionByGoogle     = "google"
	SessionByInvitation = "invitation"
)

// InsertAgentSession writes a new live session, known by the SHA-256 of its token.
func (t *Tx) InsertAgentSession(s AgentSession, tokenHash []byte) error {
	return t.exec("insert agent session", `INSERT INTO agent_sessions (id, org_id, user_id, token_hash, device, method,
		created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.OrgID, s.UserID, tokenHash, s.Device, s.Method, Millis(s.CreatedAt), Millis(s.LastSeenAt))
}

const agentSessionColumns = `s.id, s.org_id, s.user_id, s.device, s.method, s.created_at, s.last_seen_at,
	s.revoked_at, coalesce(s.revoked_by, ''), s.revoke_reason`

// agentSessionDest returns the scan destinations of agentSessionColumns and a func that sets
// the times once scanned.
func agentSessionDest(s *AgentSession) ([]any, func()) {
	var created, seen int64
	var revoked *int64
	dest := []any{&s.ID, &s.OrgID, &s.UserID, &s.Device, &s.Method, &created, &seen, &revoked, &s.RevokedBy, &s.RevokeReason}
	return dest, func() {
		s.CreatedAt, s.LastSeenAt, s.RevokedAt = FromMillis(created), FromMillis(seen), fromNullMillis(revoked)
	}
}

func scanAgentSession(row scanner) (AgentSession, error) {
	var s AgentSession
	dest, finish := agentSessionDest(&s)
	if err := row.Scan(dest...); err != nil {
		return AgentSession{}, err
	}
	finish()
	return s, nil
}

// AgentSessionByToken returns the live session with this token hash and its user; ErrNotFound
// when the hash is unknown, the session revoked, or the user disabled (one query). It reads
// outside a transaction: it runs on every API request.
func (s *Store) AgentSessionByToken(ctx context.Context, tokenHash []byte) (AgentSession, User, error) {
	var as AgentSession
	var u User
	var userCreated int64
	dest, finish := agentSessionDest(&as)
	dest = append(dest, &u.ID, &u.OrgID, &u.Name, &u.Email, &u.Role, &userCreated)
	err := s.r.QueryRowContext(ctx, "SELECT "+agentSessionColumns+`, u.id, u.org_id, u.name, u.email, u.role, u.created_at
		FROM agent_sessions s JOIN users u ON u.id = s.user_id AND u.org_id = s.org_id
		WHERE s.token_hash = ? AND s.revoked_at IS NULL AND u.disabled_at IS NULL`, tokenHash).Scan(dest...)
	if err != nil {
		return AgentSession{}, User{}, fmt.Errorf("store: agent session by token: %w", notFound(err))
	}
	finish()
	u.CreatedAt = FromMillis(userCreated)
	return as, u, nil
}

// TouchAgentSession sets last_seen_at (a write; callers throttle it). It never moves it back,
// and a session that is gone or ended is left as it is.
func (s *Store) TouchAgentSession(ctx context.Context, id string, now time.Time) error {
	return s.Write(ctx, func(tx *Tx) error {
		return tx.exec("touch agent session", `UPDATE agent_sessions SET last_seen_at = ?1
			WHERE id = ?2 AND revoked_at IS NULL AND last_seen_at < ?1`, Millis(now), id)
	})
}

// AgentSession returns one of the organization's sessions, in any state; ErrNotFound.
func (t *Tx) AgentSession(orgID, id string) (AgentSession, error) {
	as, err := scanAgentSession(t.tx.QueryRowContext(t.ctx, "SELECT "+agentSessionColumns+
		` FROM agent_sessions s WHERE s.org_id = ? AND s.id = ?`, orgID, id))
	if err != nil {
		return AgentSession{}, fmt.Errorf("store: agent session: %w", notFound(err))
	}
	return as, nil
}

// AgentSessions lists live sessions, newest first; userID "" lists the organization's.
func (t *Tx) AgentSessions(orgID, userID string) ([]AgentSession, error) {
	query := "SELECT " + agentSessionColumns + ` FROM agent_sessions s
		WHERE s.org_id = ? AND s.revoked_at IS NULL ORDER BY s.created_at DESC, s.id DESC`
	args := []any{orgID}
	if userID != "" {
		query = "SELECT " + agentSessionColumns + ` FROM agent_sessions s
			WHERE s.org_id = ? AND s.user_id = ? AND s.revoked_at IS NULL ORDER BY s.created_at DESC, s.id DESC`
		args = append(args, userID)
	}
	rows, err := t.tx.QueryContext(t.ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: agent sessions: %w", err)
	}
	defer rows.Close()
	var out []AgentSession
	for rows.Next() {
		as, err := scanAgentSession(rows)
		if err != nil {
			return nil, fmt.Errorf("store: agent sessions: %w", err)
		}
		out = append(out, as)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: agent sessions: %w", err)
	}
	return out, nil
}

// RevokeAgentSession ends a live session; false when it was unknown in that organization or
// already ended. by is the user who ended it ("" for the system).
func (t *Tx) RevokeAgentSession(orgID, id, by, reason string, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(t.ctx, `UPDATE agent_sessions SET revoked_at = ?, revoked_by = ?, revoke_reason = ?
		WHERE org_id = ? AND id = ? AND revoked_at IS NULL`, Millis(now), nullString(by), reason, orgID, id)
	if err != nil {
		return false, fmt.Errorf("store: revoke agent session: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: revoke agent session: %w", err)
	}
	return n == 1, nil
}

// RevokeUserAgentSessions ends every live session of a user; returns how many.
func (t *Tx) RevokeUserAgentSessions(orgID, userID, by, reason string, now time.Time) (int, error) {
	res, err := t.tx.ExecContext(t.ctx, `UPDATE agent_sessions SET revoked_at = ?, revoked_by = ?, revoke_reason = ?
		WHERE org_id = ? AND user_id = ? AND revoked_at IS NULL`, Millis(now), nullString(by), reason, orgID, userID)
	if err != nil {
		return 0, fmt.Errorf("store: revoke user agent sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: revoke user agent sessions: %w", err)
	}
	return int(n), nil
}

// Invitation is an admin's invitation of an email to the organization with a role. It is
// pending until accepted or revoked; ExpiresAt is for the caller to judge (an expired pending
// invitation is still listed, so an admin sees it and can send another).
type Invitation struct {
	ID, OrgID, Email, EmailDisplay, Role, InvitedBy, ChallengeID, AcceptedUserID string
	CreatedAt, ExpiresAt, AcceptedAt, RevokedAt                                  time.Time
}

// InsertInvitation writes an invitation. A second pending one for the same email in the
// organization is refused with an error IsUniqueViolation recognises.
func (t *Tx) InsertInvitation(inv Invitation) error {
	return t.exec("insert invitation", `INSERT INTO invitations (id, org_id, email, email_display, role, invited_by,
		challenge_id, created_at, expires_at, accepted_at, accepted_user_id, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		inv.ID, inv.OrgID, inv.Email, inv.EmailDisplay, inv.Role, inv.InvitedBy, inv.ChallengeID,
		Millis(inv.CreatedAt), Millis(inv.ExpiresAt), nullMillis(inv.AcceptedAt), nullString(inv.AcceptedUserID),
		nullMillis(inv.RevokedAt))
}

const invitationColumns = `id, org_id, email, email_display, role, invited_by, challenge_id, coalesce(accepted_user_id, ''),
	created_at, expires_at, accepted_at, revoked_at`

func scanInvitation(row scanner) (Invitation, error) {
	var inv Invitation
	var created, expires int64
	var accepted, revoked *int64
	if err := row.Scan(&inv.ID, &inv.OrgID, &inv.Email, &inv.EmailDisplay, &inv.Role, &inv.InvitedBy, &inv.ChallengeID,
		&inv.AcceptedUserID, &created, &expires, &accepted, &revoked); err != nil {
		return Invitation{}, err
	}
	inv.CreatedAt, inv.ExpiresAt = FromMillis(created), FromMillis(expires)
	inv.AcceptedAt, inv.RevokedAt = fromNullMillis(accepted), fromNullMillis(revoked)
	return inv, nil
}

func (t *Tx) invitation(what, where string, args ...any) (Invitation, error) {
	inv, err := scanInvitation(t.tx.QueryRowContext(t.ctx, "SELECT "+invitationColumns+" FROM invitations WHERE "+where, args...))
	if err != nil {
		return Invitation{}, fmt.Errorf("store: %s: %w", what, notFound(err))
	}
	return inv, nil
}

// InvitationByChallenge returns the invitation whose link token is this challenge, in any state;
// ErrNotFound. The challenge (found by its secret) already names the organization.
func (t *Tx) InvitationByChallenge(challengeID string) (Invitation, error) {
	return t.invitation("invitation by challenge", "challenge_id = ?", challengeID)
}

// Invitation returns one of the organization's invitations, in any state; ErrNotFound.
func (t *Tx) Invitation(orgID, id string) (Invitation, error) {
	return t.invitation("invitation", "org_id = ? AND id = ?", orgID, id)
}

// PendingInvitation returns the organization's pending invitation of this normalized email, or
// ErrNotFound when none.
func (t *Tx) PendingInvitation(orgID, email string) (Invitation, error) {
	return t.invitation("pending invitation", "org_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL",
		orgID, email)
}

// PendingInvitations lists the organization's invitations neither accepted nor revoked (expired
// ones included; the caller shows them), newest first.
func (t *Tx) PendingInvitations(orgID string) ([]Invitation, error) {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT "+invitationColumns+` FROM invitations
		WHERE org_id = ? AND accepted_at IS NULL AND revoked_at IS NULL ORDER BY created_at DESC, id DESC`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: pending invitations: %w", err)
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, fmt.Errorf("store: pending invitations: %w", err)
		}
		out = append(out, inv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pending invitations: %w", err)
	}
	return out, nil
}

// AcceptInvitation records that userID accepted a pending invitation; false if it was not
// pending (unknown in the organization, accepted or revoked). Expiry is the caller's to check.
func (t *Tx) AcceptInvitation(orgID, id, userID string, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(t.ctx, `UPDATE invitations SET accepted_at = ?, accepted_user_id = ?
		WHERE org_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL`, Millis(now), userID, orgID, id)
	if err != nil {
		return false, fmt.Errorf("store: accept invitation: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: accept invitation: %w", err)
	}
	return n == 1, nil
}

// RevokeInvitation withdraws a pending invitation; false if it was not pending.
func (t *Tx) RevokeInvitation(orgID, id string, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(t.ctx, `UPDATE invitations SET revoked_at = ?
		WHERE org_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL`, Millis(now), orgID, id)
	if err != nil {
		return false, fmt.Errorf("store: revoke invitation: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: revoke invitation: %w", err)
	}
	return n == 1, nil
}
