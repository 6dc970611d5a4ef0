package store

import (
	"context"
	"fmt"
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
