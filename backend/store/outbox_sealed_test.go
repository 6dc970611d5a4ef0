package store_test

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/token"
)

// sealedEmail queues an email bound to a new challenge that expires at expires, with a stand-in
// sealed copy (the outbox package seals; the store only keeps and wipes the bytes).
func sealedEmail(t *testing.T, s *store.Store, orgID string, now, expires time.Time) (challengeID, outboxID string) {
	t.Helper()
	_, hash := token.NewLink()
	ch := store.Challenge{ID: store.NewID(), OrgID: orgID, Purpose: store.PurposeChatLink, SecretHash: hash,
		TargetKind: store.FieldEmail, TargetValue: "ada@example.com", CreatedAt: now, ExpiresAt: expires}
	m := store.OutboxMessage{ID: store.NewID(), OrgID: orgID, Kind: "chat_link", IdempotencyKey: "chat_link:" + ch.ID,
		FromAddr: "support@acme.test", ToAddr: "ada@example.com", Subject: "Confirm", BodyText: "open [hidden]",
		MessageID: "<x@acme.test>", CreatedAt: now, ChallengeID: ch.ID, Sealed: []byte("sealed bytes")}
	if err := s.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertChallenge(ch); err != nil {
			return err
		}
		_, _, err := tx.EnqueueOutbox(m)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ch.ID, m.ID
}

func TestEndedChallengeWipesItsSealedEmail(t *testing.T) {
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	now := time.Now().Truncate(time.Millisecond)
	used, usedMsg := sealedEmail(t, s, org.ID, now, now.Add(time.Hour))
	_, expiredMsg := sealedEmail(t, s, org.ID, now, now.Add(time.Minute))
	_, liveMsg := sealedEmail(t, s, org.ID, now, now.Add(time.Hour))

	// Used: the trigger wipes it in the consuming transaction, whatever code consumed it.
	if err := s.Write(ctx, func(tx *store.Tx) error { _, err := tx.ConsumeChallenge(used, now); return err }); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.OutboxByID(ctx, usedMsg); m.Sealed != nil || m.Status != store.OutboxFailed || !strings.Contains(m.LastError, "used or replaced") {
		t.Errorf("used challenge's email = %s, %q, %d sealed bytes; want failed, wiped", m.Status, m.LastError, len(m.Sealed))
	}
	// Expired: the sweep.
	if next, ok, err := s.NextOutboxSecretExpiry(ctx); err != nil || !ok || !next.Equal(now.Add(time.Minute)) {
		t.Errorf("NextOutboxSecretExpiry() = %v, %v, %v; want %v", next, ok, err, now.Add(time.Minute))
	}
	if n, err := s.EndExpiredOutboxSecrets(ctx, now.Add(2*time.Minute)); n != 1 || err != nil {
		t.Errorf("EndExpiredOutboxSecrets() = %d, %v; want 1", n, err)
	}
	if m, _ := s.OutboxByID(ctx, expiredMsg); m.Sealed != nil || m.Status != store.OutboxFailed || m.LastError != store.OutboxChallengeEnded {
		t.Errorf("expired challenge's email = %s, %q, %d sealed bytes; want failed, wiped", m.Status, m.LastError, len(m.Sealed))
	}
	if m, _ := s.OutboxByID(ctx, liveMsg); m.Sealed == nil || m.Status != store.OutboxQueued {
		t.Errorf("live challenge's email = %s, %d sealed bytes; want queued, sealed", m.Status, len(m.Sealed))
	}
	// Sent: wiped too.
	if err := s.MarkOutboxSent(ctx, liveMsg, now); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.OutboxByID(ctx, liveMsg); m.Sealed != nil {
		t.Errorf("sent email keeps %d sealed bytes", len(m.Sealed))
	}
}

// TestMigrationScrubsCodesQueuedBefore: emails queued by a version that kept codes in plain text
// lose the code (body and subject) on upgrade, and those still waiting are not sent.
func TestMigrationScrubsCodesQueuedBefore(t *testing.T) {
	testutil.SkipOnPostgres(t, "SQLite's upgrade path (PostgreSQL databases start at its own 0001)")
	path := testutil.DBPath(t)
	old, err := store.OpenUpTo(ctx, path, 9)
	if err != nil {
		t.Fatal(err)
	}
	org, _ := seedOrg(t, old)
	old.Close()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ id, kind, subject, body, status string }{
		{"a", "chat_code", "Your verification code: 482913", "code 482913", "queued"},
		{"b", "signin_code", "Your sign-in code: 771204", "code 771204", "sent"},
		{"c", "transcript", "Your chat", "hello 123456", "sent"},
	} {
		if _, err := db.Exec(`INSERT INTO outbox (id, org_id, kind, idempotency_key, from_addr, to_addr, subject, body_text,
			message_id, status, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'a@acme.test', 'b@example.com', ?, ?, '<m>', ?, 0, 0, 0)`,
			r.id, org.ID, r.kind, r.id, r.subject, r.body, r.status); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for id, want := range map[string]struct{ status, subject, gone string }{
		"a": {store.OutboxFailed, "Your verification code", "482913"},
		"b": {store.OutboxSent, "Your sign-in code", "771204"},
		"c": {store.OutboxSent, "Your chat", ""},
	} {
		m, err := s.OutboxByID(ctx, id)
		if err != nil || m.Status != want.status || m.Subject != want.subject ||
			(want.gone != "" && strings.Contains(m.BodyText, want.gone)) || (want.gone == "" && m.BodyText != "hello 123456") {
			t.Errorf("after the upgrade %s = %s %q %q, %v; want %s %q without the code", id, m.Status, m.Subject, m.BodyText, err, want.status, want.subject)
		}
	}
}
