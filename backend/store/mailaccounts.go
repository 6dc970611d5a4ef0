package store

import (
	"context"
	"fmt"
	"time"
)

// Mail account purposes.
const (
	MailAccountSMTP = "smtp"
	MailAccountIMAP = "imap"
	// MailAccountBounce is the optional separate mailbox the relay's delivery reports go to.
	MailAccountBounce = "bounce"
)

// MailAccount is how the organization reaches its outgoing relay (purpose "smtp") or the mailbox
// the desktop watches (purpose "imap"). It never holds the password: SecretRef names where the
// password lives (an OS keyring entry on the desktop, an environment variable or file for vouchd).
type MailAccount struct {
	ID        string
	OrgID     string
	Purpose   string // MailAccountSMTP, MailAccountIMAP or MailAccountBounce
	Host      string
	Port      int
	TLSMode   string // "implicit", "starttls" or "none"
	Username  string
	SecretRef string
	// Address is the bounce account's email address, given as the envelope sender of every
	// outgoing email; "" for the other purposes.
	Address   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// UpsertMailAccount writes the organization's account for a.Purpose: a new row, or new settings
// for the one that exists (an organization has at most one account per purpose). An existing row
// keeps its id and created_at, so checkpoints that point at it stay valid.
func (t *Tx) UpsertMailAccount(a MailAccount) error {
	return t.exec("upsert mail account", `INSERT INTO mail_accounts
		(id, org_id, purpose, host, port, tls_mode, username, secret_ref, address, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, purpose) DO UPDATE SET host = excluded.host, port = excluded.port,
			tls_mode = excluded.tls_mode, username = excluded.username, secret_ref = excluded.secret_ref,
			address = excluded.address, updated_at = excluded.updated_at`,
		a.ID, a.OrgID, a.Purpose, a.Host, a.Port, a.TLSMode, a.Username, a.SecretRef, a.Address,
		Millis(a.CreatedAt), Millis(a.UpdatedAt))
}

const mailAccountColumns = `id, org_id, purpose, host, port, tls_mode, username, secret_ref, address, created_at, updated_at`

func scanMailAccount(row scanner) (MailAccount, error) {
	var a MailAccount
	var created, updated int64
	if err := row.Scan(&a.ID, &a.OrgID, &a.Purpose, &a.Host, &a.Port, &a.TLSMode, &a.Username,
		&a.SecretRef, &a.Address, &created, &updated); err != nil {
		return MailAccount{}, err
	}
	a.CreatedAt, a.UpdatedAt = FromMillis(created), FromMillis(updated)
	return a, nil
}

// MailAccountByPurpose returns the organization's account for purpose ("smtp" or "imap"), or
// ErrNotFound.
func (s *Store) MailAccountByPurpose(ctx context.Context, orgID, purpose string) (MailAccount, error) {
	a, err := scanMailAccount(s.r.QueryRowContext(ctx, "SELECT "+mailAccountColumns+
		" FROM mail_accounts WHERE org_id = ? AND purpose = ?", orgID, purpose))
	if err != nil {
		return MailAccount{}, fmt.Errorf("store: mail account by purpose: %w", notFound(err))
	}
	return a, nil
}

// DeleteMailAccount removes the organization's account for purpose with its checkpoints and its
// recorded health; it reports whether there was one.
func (t *Tx) DeleteMailAccount(orgID, purpose string) (bool, error) {
	if err := t.exec("delete mailbox checkpoints", `DELETE FROM mailbox_checkpoints WHERE account_id IN
		(SELECT id FROM mail_accounts WHERE org_id = ? AND purpose = ?)`, orgID, purpose); err != nil {
		return false, err
	}
	if err := t.exec("delete mail health", `DELETE FROM mail_health WHERE org_id = ? AND purpose = ?`, orgID, purpose); err != nil {
		return false, err
	}
	res, err := t.tx.ExecContext(t.ctx, `DELETE FROM mail_accounts WHERE org_id = ? AND purpose = ?`, orgID, purpose)
	if err != nil {
		return false, fmt.Errorf("store: delete mail account: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
