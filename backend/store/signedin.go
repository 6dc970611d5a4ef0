package store

import (
	"context"
	"fmt"
	"time"
)

// SignedIn returns the agent signed in on this installation (migration 0011), or ErrNotFound
// before anyone is.
func (s *Store) SignedIn(ctx context.Context) (User, error) {
	var u User
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT u.id, u.org_id, u.name, u.email, u.role, u.created_at
		FROM signed_in si JOIN users u ON u.id = si.user_id WHERE si."only" = 1 AND u.disabled_at IS NULL`).Scan(&u.ID, &u.OrgID, &u.Name, &u.Email, &u.Role, &created)
	if err != nil {
		return User{}, fmt.Errorf("store: signed in: %w", notFound(err))
	}
	u.CreatedAt = FromMillis(created)
	return u, nil
}

// SignIn makes userID the agent signed in on this installation.
func (t *Tx) SignIn(userID string, now time.Time) error {
	return t.exec("sign in", `INSERT INTO signed_in ("only", user_id, signed_in_at) VALUES (1, ?, ?)
		ON CONFLICT ("only") DO UPDATE SET user_id = excluded.user_id, signed_in_at = excluded.signed_in_at`, userID, Millis(now))
}
