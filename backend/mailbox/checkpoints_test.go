package mailbox

import (
	"errors"
	"math"
	"testing"
	"time"

	"vouchdesk/backend/store"
)

func TestStoreCheckpoints(t *testing.T) {
	st, cp, acctID := storeAccount(t)
	if v, last, ok, err := cp.Load(ctx, "INBOX"); ok || err != nil || v != 0 || last != 0 {
		t.Fatalf("Load(INBOX) on a new account = %d, %d, %v, %v, want 0, 0, false, nil", v, last, ok, err)
	}
	if _, err := st.MailboxCheckpoint(ctx, acctID, "INBOX"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MailboxCheckpoint(INBOX) = %v, want ErrNotFound", err)
	}
	steps := []struct {
		validity, last uint32
		lastErr        string
	}{
		{7, 100, ""},
		{7, 101, "the message with UID 102 was not processed"},
		{8, math.MaxUint32, ""}, // UIDs are unsigned 32-bit: the top one must survive SQLite
	}
	for _, s := range steps {
		before := time.Now().Add(-time.Second)
		if err := cp.Save(ctx, "INBOX", s.validity, s.last, s.lastErr); err != nil {
			t.Fatalf("Save(INBOX, %d, %d) = %v", s.validity, s.last, err)
		}
		v, last, ok, err := cp.Load(ctx, "INBOX")
		if !ok || err != nil || v != s.validity || last != s.last {
			t.Errorf("Load(INBOX) = %d, %d, %v, %v, want %d, %d, true, nil", v, last, ok, err, s.validity, s.last)
		}
		row, err := st.MailboxCheckpoint(ctx, acctID, "INBOX")
		if err != nil || row.LastError != s.lastErr || row.AccountID != acctID || row.OrgID == "" || row.LastPollAt.Before(before) {
			t.Errorf("MailboxCheckpoint(INBOX) = %+v, %v, want last error %q and a fresh LastPollAt", row, err, s.lastErr)
		}
	}
	// Another mailbox of the same account is another row.
	if _, _, ok, _ := cp.Load(ctx, "Verification"); ok {
		t.Error("Load(Verification) found a checkpoint; only INBOX was saved")
	}
}

func TestMailAccounts(t *testing.T) {
	st, orgID, acctID := newAccount(t)
	if a, err := st.MailAccountByPurpose(ctx, store.NewID(), store.MailAccountIMAP); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MailAccountByPurpose(another org) = %+v, %v, want ErrNotFound", a, err)
	}
	got, err := st.MailAccountByPurpose(ctx, orgID, store.MailAccountIMAP)
	if err != nil || got.ID != acctID || got.OrgID != orgID || got.Purpose != store.MailAccountIMAP || got.Host != "127.0.0.1" ||
		got.Port != 993 || got.TLSMode != TLSImplicit || got.Username != testUser || got.SecretRef != "keyring:imap" {
		t.Fatalf("MailAccountByPurpose(imap) = %+v, %v, want the account", got, err)
	}
	// An upsert with a new id changes the settings of the existing row and keeps its id, so the
	// checkpoints that point at it stay valid.
	if err := StoreCheckpoints(st, orgID, acctID).Save(ctx, "INBOX", 1, 5, ""); err != nil {
		t.Fatal(err)
	}
	later := got.CreatedAt.Add(time.Hour)
	if err := st.Write(ctx, func(tx *store.Tx) error {
		return tx.UpsertMailAccount(store.MailAccount{ID: store.NewID(), OrgID: orgID, Purpose: store.MailAccountIMAP,
			Host: "imap.example.com", Port: 143, TLSMode: TLSStartTLS, Username: "u2", SecretRef: "env:IMAP_PASSWORD",
			CreatedAt: later, UpdatedAt: later})
	}); err != nil {
		t.Fatal(err)
	}
	upd, err := st.MailAccountByPurpose(ctx, orgID, store.MailAccountIMAP)
	if err != nil || upd.ID != acctID || upd.Host != "imap.example.com" || upd.Port != 143 || upd.TLSMode != TLSStartTLS ||
		upd.Username != "u2" || upd.SecretRef != "env:IMAP_PASSWORD" || !upd.CreatedAt.Equal(got.CreatedAt) ||
		!upd.UpdatedAt.Equal(later.Truncate(time.Millisecond)) {
		t.Errorf("MailAccountByPurpose(imap) after upsert = %+v, %v, want id %s with the new settings", upd, err, acctID)
	}
	if _, _, ok, _ := StoreCheckpoints(st, orgID, acctID).Load(ctx, "INBOX"); !ok {
		t.Error("the checkpoint is gone after the account upsert")
	}
	if _, err := st.MailAccountByPurpose(ctx, orgID, store.MailAccountSMTP); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MailAccountByPurpose(smtp) = %v, want ErrNotFound", err)
	}
	// A checkpoint needs its account (foreign key).
	if err := StoreCheckpoints(st, orgID, store.NewID()).Save(ctx, "INBOX", 1, 1, ""); err == nil {
		t.Error("Save() for an unknown account succeeded, want a foreign key error")
	}
}
