package store

import "fmt"

// AgentSigninChallenge returns the newest desktop sign-in code bound to a sign-in handle (its
// key, as widget_session), in whichever organization, used or not, or ErrNotFound. The handle
// is all a desktop has before it is signed in: it names no organization. The purpose is written
// out (PurposeAgentSignin) so that the partial index challenges_agent_signin answers it.
func (t *Tx) AgentSigninChallenge(key string) (SigninChallenge, error) {
	var c SigninChallenge
	var created, expires int64
	var consumed *int64
	var requestedBy *string
	err := t.tx.QueryRowContext(t.ctx, `SELECT id, org_id, purpose, secret_hash, target_kind, target_value, widget_session,
		client_key, attempts, max_attempts, created_at, expires_at, consumed_at, target_display, requested_by
		FROM challenges WHERE widget_session = ? AND widget_session <> '' AND purpose = 'agent_signin'
		ORDER BY created_at DESC, id DESC LIMIT 1`, key).Scan(
		&c.ID, &c.OrgID, &c.Purpose, &c.SecretHash, &c.TargetKind, &c.TargetValue, &c.WidgetSession, &c.ClientKey,
		&c.Attempts, &c.MaxAttempts, &created, &expires, &consumed, &c.TargetDisplay, &requestedBy)
	if err != nil {
		return SigninChallenge{}, fmt.Errorf("store: agent sign-in challenge: %w", notFound(err))
	}
	c.CreatedAt, c.ExpiresAt, c.ConsumedAt = FromMillis(created), FromMillis(expires), fromNullMillis(consumed)
	if requestedBy != nil {
		c.RequestedBy = *requestedBy
	}
	return c, nil
}

// OldestOrganization returns the id of the first organization made, or ErrNotFound.
func (t *Tx) OldestOrganization() (string, error) {
	var id string
	err := t.tx.QueryRowContext(t.ctx, `SELECT id FROM organizations ORDER BY created_at, id LIMIT 1`).Scan(&id)
	if err != nil {
		return "", fmt.Errorf("store: oldest organization: %w", notFound(err))
	}
	return id, nil
}

// SetAgentSessionProof records the hash of what opened a session (a Google ID token), so the same
// proof cannot open another: a second use is a unique violation (IsUniqueViolation).
func (t *Tx) SetAgentSessionProof(orgID, sessionID string, hash []byte) error {
	return t.exec("agent session proof", `UPDATE agent_sessions SET proof_hash = ? WHERE org_id = ? AND id = ?`, hash, orgID, sessionID)
}
