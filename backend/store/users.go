package store

import (
	"context"
	"fmt"
	"time"
)

// User reads an agent of the organization inside the transaction.
func (t *Tx) User(orgID, id string) (User, error) {
	var u User
	var created int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT id, org_id, name, email, role, created_at FROM users
		WHERE org_id = ? AND id = ? AND disabled_at IS NULL`, orgID, id).Scan(&u.ID, &u.OrgID, &u.Name, &u.Email, &u.Role, &created)
	if err != nil {
		return User{}, fmt.Errorf("store: user: %w", notFound(err))
	}
	u.CreatedAt = FromMillis(created)
	return u, nil
}

// InsertUser writes a new agent.
func (t *Tx) InsertUser(u User) error {
	return t.exec("insert user", `INSERT INTO users (id, org_id, name, email, role, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, u.ID, u.OrgID, u.Name, u.Email, u.Role, Millis(u.CreatedAt))
}

// UsersByOrg returns the organization's agents, owner first.
func (s *Store) UsersByOrg(ctx context.Context, orgID string) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, org_id, name, email, role, created_at FROM users
		WHERE org_id = ? AND disabled_at IS NULL
		ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, created_at`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: users by org: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var created int64
		if err := rows.Scan(&u.ID, &u.OrgID, &u.Name, &u.Email, &u.Role, &created); err != nil {
			return nil, fmt.Errorf("store: users by org: %w", err)
		}
		u.CreatedAt = FromMillis(created)
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: users by org: %w", err)
	}
	return out, nil
}

const userColumns = `id, org_id, name, email, role, created_at`

func scanUser(row scanner) (User, error) {
	var u User
	var created int64
	if err := row.Scan(&u.ID, &u.OrgID, &u.Name, &u.Email, &u.Role, &created); err != nil {
		return User{}, err
	}
	u.CreatedAt = FromMillis(created)
	return u, nil
}

// UsersByEmail returns the active (not disabled) users with this normalized email, in every
// organization (a person signing in to a team server that holds several), oldest first.
func (t *Tx) UsersByEmail(email string) ([]User, error) {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT "+userColumns+` FROM users
		WHERE email = ? AND disabled_at IS NULL ORDER BY created_at, id`, email)
	if err != nil {
		return nil, fmt.Errorf("store: users by email: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: users by email: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: users by email: %w", err)
	}
	return out, nil
}

// UserByEmail returns the organization's active user with this normalized email, or ErrNotFound.
func (t *Tx) UserByEmail(orgID, email string) (User, error) {
	u, err := scanUser(t.tx.QueryRowContext(t.ctx, "SELECT "+userColumns+` FROM users
		WHERE org_id = ? AND email = ? AND disabled_at IS NULL`, orgID, email))
	if err != nil {
		return User{}, fmt.Errorf("store: user by email: %w", notFound(err))
	}
	return u, nil
}

// SetUserRole changes an active user's role; ErrNotFound when the organization has no such
// active user. Keeping an owner is the caller's rule (CountUsersWithRole).
func (t *Tx) SetUserRole(orgID, userID, role string) error {
	return t.updateActiveUser("set user role", `UPDATE users SET role = ?
		WHERE org_id = ? AND id = ? AND disabled_at IS NULL`, role, orgID, userID)
}

// DisableUser removes an agent from the organization: the row stays (conversations and the
// audit trail name it), no longer active. ErrNotFound when no such active user. Its sessions
// stop working at once (AgentSessionByToken skips disabled users); RevokeUserAgentSessions
// records them as ended.
func (t *Tx) DisableUser(orgID, userID string, now time.Time) error {
	return t.updateActiveUser("disable user", `UPDATE users SET disabled_at = ?
		WHERE org_id = ? AND id = ? AND disabled_at IS NULL`, Millis(now), orgID, userID)
}

func (t *Tx) updateActiveUser(what, query string, args ...any) error {
	res, err := t.tx.ExecContext(t.ctx, query, args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s: %w", what, ErrNotFound)
	}
	return nil
}

// CountUsersWithRole counts active users of a role (to keep at least one owner).
func (t *Tx) CountUsersWithRole(orgID, role string) (int, error) {
	var n int
	if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM users WHERE org_id = ? AND role = ? AND disabled_at IS NULL`,
		orgID, role).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users with role: %w", err)
	}
	return n, nil
}
