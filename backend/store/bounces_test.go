package store_test

import (
	"database/sql"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// TestMigrationRebuildsOutboxKeepingRowsAndTriggers: 0013 rebuilds the outbox table to allow
// 'bounced'. The rows come through whole, the challenge trigger of 0010 and the change-sequence
// triggers still fire, and a bounced status without its kind is refused.
func TestMigrationRebuildsOutboxKeepingRowsAndTriggers(t *testing.T) {
	testutil.SkipOnPostgres(t, "SQLite's upgrade path (PostgreSQL databases start at its own 0001)")
	path := testutil.DBPath(t)
	old, err := store.OpenUpTo(ctx, path, 12)
	if err != nil {
		t.Fatal(err)
	}
	org, _ := seedOrg(t, old)
	now := time.Now()
	challengeID, outboxID := sealedEmail(t, old, org.ID, now, now.Add(time.Hour))
	old.Close()

	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(version 11): %v", err)
	}
	defer s.Close()
	after, err := s.OutboxByID(ctx, outboxID)
	if err != nil || after.MessageID != "<x@acme.test>" || after.ChallengeID != challengeID ||
		string(after.Sealed) != "sealed bytes" || after.Status != store.OutboxQueued || after.BounceKind != "" {
		t.Fatalf("after the upgrade the email = %+v, %v; want it as it was, no bounce", after, err)
	}
	var changesBefore int
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.QueryRow("SELECT count(*) FROM changes WHERE entity = 'outbox'").Scan(&changesBefore); err != nil {
		t.Fatal(err)
	}
	// The challenge ends: the trigger of 0010, made again by 0013, wipes and fails the email.
	if err := s.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ConsumeChallenge(challengeID, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.OutboxByID(ctx, outboxID); m.Sealed != nil || m.Status != store.OutboxFailed {
		t.Errorf("after the challenge ended the email is %s with %d sealed bytes; want failed, wiped", m.Status, len(m.Sealed))
	}
	var changesAfter int
	if err := raw.QueryRow("SELECT count(*) FROM changes WHERE entity = 'outbox'").Scan(&changesAfter); err != nil {
		t.Fatal(err)
	}
	if changesAfter <= changesBefore {
		t.Errorf("outbox changes %d -> %d: the change-sequence trigger did not fire after the rebuild", changesBefore, changesAfter)
	}
	if _, err := raw.Exec("UPDATE outbox SET status = 'bounced' WHERE id = ?", outboxID); err == nil {
		t.Error("status bounced without a bounce kind was accepted, want the CHECK to refuse it")
	}
}
