package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The agents' API's Idempotency-Key records (migration 0019 on SQLite, 0008 on PostgreSQL): what
// the first try of a write did, so a retry with the same key is answered from here instead of
// being applied twice (package idempotency has the rules). Never in the change feed.

// APIRequest is one agent's key: the write it names and, once it answered, the answer.
type APIRequest struct {
	ID, OrgID, UserID, Key string
	Method, Path           string
	BodyHash               []byte // the request body's fingerprint (SHA-256, or HMAC-SHA-256 when keyed)
	Status                 int    // 0 while the call runs
	// Response is the answer's body; Kept is false while the call runs and when the answer was
	// too large to keep.
	Response              []byte
	Kept                  bool
	CreatedAt, FinishedAt time.Time // FinishedAt zero while the call runs
}

// BeginAPIRequest records r as in progress, unless the agent's key is already recorded since
// notBefore: then it returns that record and false. A record older than notBefore (expired) is
// replaced. One write transaction, so of two tries at once exactly one records the key.
func (s *Store) BeginAPIRequest(ctx context.Context, r APIRequest, notBefore time.Time) (APIRequest, bool, error) {
	var prior APIRequest
	inserted := false
	err := s.Write(ctx, func(tx *Tx) error {
		var status, finished *int64
		var created int64
		var kept int
		err := tx.tx.QueryRowContext(tx.ctx, `SELECT id, method, path, body_hash, status,
			CASE WHEN response IS NULL THEN 0 ELSE 1 END, response, created_at, finished_at
			FROM api_requests WHERE org_id = ? AND user_id = ? AND idem_key = ?`, r.OrgID, r.UserID, r.Key).
			Scan(&prior.ID, &prior.Method, &prior.Path, &prior.BodyHash, &status, &kept, &prior.Response, &created, &finished)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("store: api request: %w", err)
		default:
			prior.OrgID, prior.UserID, prior.Key = r.OrgID, r.UserID, r.Key
			prior.CreatedAt, prior.FinishedAt, prior.Kept = FromMillis(created), fromNullMillis(finished), kept == 1
			if status != nil {
				prior.Status = int(*status)
			}
			if !prior.CreatedAt.Before(notBefore) {
				return nil
			}
			if err := tx.exec("expire api request", `DELETE FROM api_requests WHERE id = ?`, prior.ID); err != nil {
				return err
			}
		}
		inserted = true
		return tx.exec("begin api request", `INSERT INTO api_requests (id, org_id, user_id, idem_key, method, path, body_hash,
			created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.OrgID, r.UserID, r.Key, r.Method, r.Path, r.BodyHash, Millis(r.CreatedAt))
	})
	if err != nil {
		return APIRequest{}, false, err
	}
	if inserted {
		return r, true, nil
	}
	return prior, false, nil
}

// FinishAPIRequest records the answer of the in-progress request id: its status, and its body
// when kept (nil response with kept true is an empty body, as a 204's).
func (s *Store) FinishAPIRequest(ctx context.Context, id string, status int, response []byte, kept bool, now time.Time) error {
	var body any // NULL: not kept
	if kept {
		body = append([]byte{}, response...) // never nil: an empty body is kept too
	}
	return s.Write(ctx, func(tx *Tx) error {
		return tx.exec("finish api request", `UPDATE api_requests SET status = ?, response = ?, finished_at = ?
			WHERE id = ? AND status IS NULL`, status, body, Millis(now), id)
	})
}

// AbandonAPIRequest deletes the in-progress request id (its call failed on the server's side or
// was cut off): a retry with the key runs the call again. A finished request is left as it is.
func (s *Store) AbandonAPIRequest(ctx context.Context, id string) error {
	return s.Write(ctx, func(tx *Tx) error {
		return tx.exec("abandon api request", `DELETE FROM api_requests WHERE id = ? AND status IS NULL`, id)
	})
}

// DeleteAPIRequestsBefore deletes at most limit records made before t, oldest first (the index
// on created_at finds them without a scan), and says how many it deleted.
func (s *Store) DeleteAPIRequestsBefore(ctx context.Context, t time.Time, limit int) (int64, error) {
	var n int64
	err := s.Write(ctx, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(tx.ctx, `DELETE FROM api_requests WHERE id IN (
			SELECT id FROM api_requests WHERE created_at < ? ORDER BY created_at LIMIT ?)`, Millis(t), limit)
		if err != nil {
			return fmt.Errorf("store: delete old api requests: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
