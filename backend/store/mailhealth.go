package store

import (
	"context"
	"fmt"
	"time"
)

// SaveMailHealth records how the organization's purpose account ("smtp" or "imap") was last seen
// doing: state is the JSON the engine made (mailaccounts.Health). Local state of this machine,
// kept so another process (`vouchd status`) can read it.
func (s *Store) SaveMailHealth(ctx context.Context, orgID, purpose string, state []byte, at time.Time) error {
	return s.Write(ctx, func(tx *Tx) error {
		return tx.exec("save mail health", `INSERT INTO mail_health (org_id, purpose, state, updated_at)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (org_id, purpose) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
			orgID, purpose, string(state), at.UnixMilli())
	})
}

// MailHealth returns the last recorded state of each of the organization's mail accounts, by
// purpose; an account never recorded is absent.
func (s *Store) MailHealth(ctx context.Context, orgID string) (map[string][]byte, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT purpose, state FROM mail_health WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, fmt.Errorf("store: mail health: %w", err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var purpose, state string
		if err := rows.Scan(&purpose, &state); err != nil {
			return nil, fmt.Errorf("store: mail health: %w", err)
		}
		out[purpose] = []byte(state)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: mail health: %w", err)
	}
	return out, nil
}
