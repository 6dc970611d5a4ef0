package store

import (
	"context"
	"fmt"
	"time"
)

// MailboxCheckpoint is where the mailbox watcher stands in one mailbox of one account: every
// message with a UID up to LastUID (within UIDValidity) has been handed over and accepted.
// The table is local state of this machine, so writes to it are not part of the change feed.
type MailboxCheckpoint struct {
	AccountID   string
	OrgID       string
	Mailbox     string
	UIDValidity uint32
	LastUID     uint32
	LastPollAt  time.Time // zero when never written with a time
	LastError   string    // "" after a pass that went well
}

// MailboxCheckpoint returns the checkpoint of the account's mailbox, or ErrNotFound when the
// mailbox has never been watched.
func (s *Store) MailboxCheckpoint(ctx context.Context, accountID, mailbox string) (MailboxCheckpoint, error) {
	var cp MailboxCheckpoint
	var uidValidity, lastUID int64
	var polled *int64
	err := s.r.QueryRowContext(ctx, `SELECT account_id, org_id, mailbox, uid_validity, last_uid,
		last_poll_at, last_error FROM mailbox_checkpoints WHERE account_id = ? AND mailbox = ?`,
		accountID, mailbox).Scan(&cp.AccountID, &cp.OrgID, &cp.Mailbox, &uidValidity, &lastUID, &polled, &cp.LastError)
	if err != nil {
		return MailboxCheckpoint{}, fmt.Errorf("store: mailbox checkpoint: %w", notFound(err))
	}
	cp.UIDValidity, cp.LastUID, cp.LastPollAt = uint32(uidValidity), uint32(lastUID), fromNullMillis(polled)
	return cp, nil
}

// SaveMailboxCheckpoint writes the checkpoint of cp.AccountID's cp.Mailbox, replacing the one
// there is.
func (t *Tx) SaveMailboxCheckpoint(cp MailboxCheckpoint) error {
	// uint32 -> int64 keeps UIDs above 2^31 positive in SQLite's signed integers.
	return t.exec("save mailbox checkpoint", `INSERT INTO mailbox_checkpoints
		(account_id, org_id, mailbox, uid_validity, last_uid, last_poll_at, last_error)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, mailbox) DO UPDATE SET org_id = excluded.org_id,
			uid_validity = excluded.uid_validity, last_uid = excluded.last_uid,
			last_poll_at = excluded.last_poll_at, last_error = excluded.last_error`,
		cp.AccountID, cp.OrgID, cp.Mailbox, int64(cp.UIDValidity), int64(cp.LastUID),
		nullMillis(cp.LastPollAt), cp.LastError)
}

// SaveMailboxCheckpoint writes one checkpoint in its own transaction.
func (s *Store) SaveMailboxCheckpoint(ctx context.Context, cp MailboxCheckpoint) error {
	return s.Write(ctx, func(tx *Tx) error { return tx.SaveMailboxCheckpoint(cp) })
}
