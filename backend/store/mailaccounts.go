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
)

// MailAccount is how the organization reaches its outgoing relay (purpose "smtp") or the mailbox
// the desktop watches (purpose "imap"). It never holds the password: SecretRef names where the
// password lives (an OS keyring entry on the desktop, an environment variable or file for vouchd).
type MailAccount struct {
	ID        string
	OrgID     string
	Purpose   string // MailAccountSMTP or MailAccountIMAP
	Host      string
	Port      int
	TLSMode   string // "implicit", "starttls" or "none"
	Username  string
	SecretRef string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// UpsertMailAccount writes the organization's account for a.Purpose: a new row, or new settings
// for the one that exists (an organization has at most one account per purpose). An existing row
// keeps its id and created_at, so checkpoints that point at it stay valid.
func (t *Tx) UpsertMailAccount(a MailAccount) error {
	return t.exec("upsert mail account", `INSERT INTO mail_accounts
		(id, org_id, purpose, host, port, tls_mode, username, secret_ref, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, purpose) DO UPDATE SET host = excluded.host, port = excluded.port,
			tls_mode = excluded.tls_mode, username = excluded.username,
			secret_ref = excluded.secret_ref, updated_at = excluded.updated_at`,
		a.ID, a.OrgID, a.Purpose, a.Host, a.Port, a.TLSMode, a.Username, a.SecretRef,
		Millis(a.CreatedAt), Millis(a.UpdatedAt))
}

const mailAccountColumns = `id, org_id, purpose, host, port, tls_mode, username, secret_ref, created_at, updated_at`

func scanMailAccount(row scanner) (MailAccount, error) {
	var a MailAccount
	var created, updated int64
	if err := row.Scan(&a.ID, &a.OrgID, &a.Purpose, &a.Host, &a.Port, &a.TLSMode, &a.Username,
		&a.SecretRef, &created, &updated); err != nil {
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
