package store_test

import (
	"database/sql"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// Migration 0014 rebuilds mail_accounts (a third purpose, bounce, and its address) together with
// mailbox_checkpoints, which points at it, and mail_health. An account, its checkpoint and its
// health made before it are kept; the checkpoints still refer to the accounts (a checkpoint for
// no account is refused), the change triggers still fire, and a bounce account can be saved and
// removed with its checkpoint.
func TestMailAccountsUpgradeKeepsCheckpoints(t *testing.T) {
	testutil.SkipOnPostgres(t, "SQLite's upgrade path (PostgreSQL databases start at its own 0001)")
	path := testutil.DBPath(t)
	old, err := store.OpenUpTo(ctx, path, 13)
	if err != nil {
		t.Fatal(err)
	}
	org, _ := seedOrg(t, old)
	if err := old.Write(ctx, func(tx *store.Tx) error {
		return tx.ExecRaw(`INSERT INTO mail_accounts (id, org_id, purpose, host, port, tls_mode, username, secret_ref,
			created_at, updated_at) VALUES ('acc-imap', '` + org.ID + `', 'imap', 'imap.acme.test', 993, 'implicit',
			'support@acme.test', 'imap', 1, 2)`)
	}); err != nil {
		t.Fatal(err)
	}
	if err := old.SaveMailboxCheckpoint(ctx, store.MailboxCheckpoint{AccountID: "acc-imap", OrgID: org.ID, Mailbox: "INBOX",
		UIDValidity: 7, LastUID: 42, LastPollAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := old.SaveMailHealth(ctx, org.ID, "imap", []byte(`{"state":"connected"}`), time.Now()); err != nil {
		t.Fatal(err)
	}
	old.Close()

	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(version 13): %v", err)
	}
	defer s.Close()
	a, err := s.MailAccountByPurpose(ctx, org.ID, store.MailAccountIMAP)
	if err != nil || a.ID != "acc-imap" || a.Host != "imap.acme.test" || a.SecretRef != "imap" || a.Address != "" {
		t.Errorf("after the upgrade the IMAP account = %+v, %v; want it as it was, no address", a, err)
	}
	cp, err := s.MailboxCheckpoint(ctx, "acc-imap", "INBOX")
	if err != nil || cp.UIDValidity != 7 || cp.LastUID != 42 {
		t.Errorf("after the upgrade the checkpoint = %+v, %v; want UIDVALIDITY 7, last UID 42", cp, err)
	}
	if h, err := s.MailHealth(ctx, org.ID); err != nil || string(h["imap"]) != `{"state":"connected"}` {
		t.Errorf("after the upgrade the mail health = %q, %v; want the IMAP record kept", h, err)
	}
	if err := s.SaveMailboxCheckpoint(ctx, store.MailboxCheckpoint{AccountID: "no-such-account", OrgID: org.ID, Mailbox: "INBOX",
		UIDValidity: 1, LastUID: 1}); err == nil {
		t.Errorf("a checkpoint for no account was saved; the foreign key to mail_accounts must hold")
	}

	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	changes := func() (n int) {
		if err := raw.QueryRow("SELECT count(*) FROM changes WHERE entity IN ('mail_accounts', 'mailbox_checkpoints')").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := changes()
	now := time.Now()
	if err := s.Write(ctx, func(tx *store.Tx) error {
		return tx.UpsertMailAccount(store.MailAccount{ID: "acc-bounce", OrgID: org.ID, Purpose: store.MailAccountBounce,
			Host: "imap.acme.test", Port: 993, TLSMode: "implicit", Username: "bounces", SecretRef: "bounce",
			Address: "bounces@acme.test", CreatedAt: now, UpdatedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveMailboxCheckpoint(ctx, store.MailboxCheckpoint{AccountID: "acc-bounce", OrgID: org.ID, Mailbox: "INBOX",
		UIDValidity: 1, LastUID: 3}); err != nil {
		t.Fatal(err)
	}
	b, err := s.MailAccountByPurpose(ctx, org.ID, store.MailAccountBounce)
	if err != nil || b.Address != "bounces@acme.test" {
		t.Fatalf("the bounce account = %+v, %v; want its address", b, err)
	}
	if after := changes(); after != before+2 {
		t.Errorf("changes for the accounts went from %d to %d, want +2 (the account and its checkpoint)", before, after)
	}
	var removed bool
	if err := s.Write(ctx, func(tx *store.Tx) error {
		var err error
		removed, err = tx.DeleteMailAccount(org.ID, store.MailAccountBounce)
		return err
	}); err != nil || !removed {
		t.Fatalf("DeleteMailAccount(bounce) = %v, %v; want true, nil", removed, err)
	}
	if _, err := s.MailboxCheckpoint(ctx, "acc-bounce", "INBOX"); err == nil {
		t.Errorf("the bounce account's checkpoint is still there after DeleteMailAccount")
	}
	if _, err := s.MailboxCheckpoint(ctx, "acc-imap", "INBOX"); err != nil {
		t.Errorf("the IMAP checkpoint went with the bounce account: %v", err)
	}
}
