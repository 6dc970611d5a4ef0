package store_test

import (
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/outbox"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/token"
)

// TestAgentPurposesAndKindsAreAccepted: challenges of the two agent purposes and emails of the
// two agent kinds are kept (the CHECKs list them); a purpose or kind nobody defined still is not.
func TestAgentPurposesAndKindsAreAccepted(t *testing.T) {
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	now := time.Now().Truncate(time.Millisecond)
	for _, tc := range []struct {
		purpose, kind string
		ok            bool
	}{
		{store.PurposeAgentSignin, outbox.KindAgentCode, true},
		{store.PurposeAgentInvite, outbox.KindAgentInvite, true},
		{"agent_password", "agent_password", false},
	} {
		_, hash := token.NewCode(6)
		ch := store.Challenge{ID: store.NewID(), OrgID: org.ID, Purpose: tc.purpose, SecretHash: hash,
			TargetKind: store.FieldEmail, TargetValue: "ada@example.com", CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
		err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertChallenge(ch) })
		if (err == nil) != tc.ok {
			t.Errorf("InsertChallenge(purpose %s) = %v, want kept %v", tc.purpose, err, tc.ok)
		}
		if !tc.ok {
			ch.Purpose = store.PurposeAgentSignin // the email below needs a challenge
			if err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertChallenge(ch) }); err != nil {
				t.Fatal(err)
			}
		}
		m := store.OutboxMessage{ID: store.NewID(), OrgID: org.ID, Kind: tc.kind, IdempotencyKey: tc.kind + ":" + ch.ID,
			FromAddr: "support@acme.test", ToAddr: "ada@example.com", Subject: "Your sign-in code", BodyText: "[hidden]",
			MessageID: "<" + ch.ID + "@acme.test>", CreatedAt: now, ChallengeID: ch.ID, Sealed: []byte("sealed bytes")}
		err = s.Write(ctx, func(tx *store.Tx) error { _, _, err := tx.EnqueueOutbox(m); return err })
		if (err == nil) != tc.ok {
			t.Errorf("EnqueueOutbox(kind %s) = %v, want kept %v", tc.kind, err, tc.ok)
		}
		if tc.ok {
			if got, err := s.OutboxByID(ctx, m.ID); err != nil || got.Kind != tc.kind || got.ChallengeID != ch.ID {
				t.Errorf("OutboxByID(%s) = %+v, %v; want kind %s for challenge %s", tc.kind, got, err, tc.kind, ch.ID)
			}
		}
	}
}

// Migration 0016 rebuilds challenges and outbox (outbox points at challenges) for their new
// CHECKs. Rows made before it are kept column for column, every index and trigger the tables had
// is there again, the outbox still refers to challenges, and the triggers still work: a used code
// wipes its sealed email, and both tables still write the change feed.
func TestAgentAccountsUpgradeKeepsChallengesAndOutbox(t *testing.T) {
	testutil.SkipOnPostgres(t, "SQLite's upgrade path (PostgreSQL changes its CHECKs in place)")
	path := testutil.DBPath(t)
	old, err := store.OpenUpTo(ctx, path, 15)
	if err != nil {
		t.Fatal(err)
	}
	org, _ := seedOrg(t, old)
	now := time.Now().Truncate(time.Millisecond)
	sealedChallenge, sealedMsg := sealedEmail(t, old, org.ID, now, now.Add(time.Hour))
	_, bouncedMsg := sealedEmail(t, old, org.ID, now, now.Add(time.Hour))
	// Every column of the outbox set: a sent email that bounced, claimed by a node.
	if err := old.Write(ctx, func(tx *store.Tx) error {
		return tx.ExecRaw(`UPDATE outbox SET status = 'bounced', sealed = NULL, attempts = 2, last_error = 'slow',
			sent_at = 5, bounce_kind = 'hard', bounce_reason = 'mailbox unknown (5.1.1)', bounced_at = 6, claimed_by = 7,
			body_html = '<p>[hidden]</p>' WHERE id = '` + bouncedMsg + `'`)
	}); err != nil {
		t.Fatal(err)
	}
	old.Close()

	// A connection of its own, closed while the store upgrades the file.
	openRaw := func() *sql.DB {
		raw, err := sql.Open("sqlite3", path)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	raw := openRaw()
	rowsBefore := dumpTables(t, raw, "challenges", "outbox")
	schemaBefore := schemaObjects(t, raw, "challenges", "outbox")
	raw.Close()
	if len(rowsBefore) != 4 {
		t.Fatalf("before the upgrade %d rows of challenges and outbox, want 4", len(rowsBefore))
	}

	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(version 15): %v", err)
	}
	defer s.Close()
	raw = openRaw()
	defer raw.Close()
	rowsAfter := dumpTables(t, raw, "challenges", "outbox")
	// Open migrates to the newest version: what later migrations add is not 0016's doing.
	schemaAfter := slices.DeleteFunc(schemaObjects(t, raw, "challenges", "outbox"), func(o string) bool {
		return o == "index challenges_agent_signin" // 0017
	})
	for k, v := range rowsBefore {
		if rowsAfter[k] != v {
			t.Errorf("after the upgrade %s = %s, want %s", k, rowsAfter[k], v)
		}
	}
	if len(rowsAfter) != len(rowsBefore) {
		t.Errorf("after the upgrade %d rows, want %d", len(rowsAfter), len(rowsBefore))
	}
	if !slices.Equal(schemaAfter, schemaBefore) {
		t.Errorf("indexes and triggers of challenges and outbox after the upgrade = %v, want %v", schemaAfter, schemaBefore)
	}
	if bad := countRows(t, raw, "SELECT count(*) FROM pragma_foreign_key_check"); bad != 0 {
		t.Errorf("foreign key check after the upgrade: %d rows refer to nothing", bad)
	}

	feed := "SELECT count(*) FROM changes WHERE entity IN ('challenges', 'outbox')"
	before := countRows(t, raw, feed)
	if err := s.Write(ctx, func(tx *store.Tx) error { _, err := tx.ConsumeChallenge(sealedChallenge, now); return err }); err != nil {
		t.Fatal(err)
	}
	if m, err := s.OutboxByID(ctx, sealedMsg); err != nil || m.Sealed != nil || m.Status != store.OutboxFailed {
		t.Errorf("after its challenge was used the email = %s, %d sealed bytes, %v; want failed, wiped", m.Status, len(m.Sealed), err)
	}
	if after := countRows(t, raw, feed); after != before+2 {
		t.Errorf("changes for challenges and outbox went from %d to %d, want +2 (the challenge used, its email wiped)", before, after)
	}
	err = s.Write(ctx, func(tx *store.Tx) error {
		_, _, err := tx.EnqueueOutbox(store.OutboxMessage{ID: store.NewID(), OrgID: org.ID, Kind: outbox.KindAgentCode,
			IdempotencyKey: "orphan", FromAddr: "support@acme.test", ToAddr: "ada@example.com", Subject: "Code",
			BodyText: "[hidden]", MessageID: "<orphan@acme.test>", CreatedAt: now, ChallengeID: store.NewID(), Sealed: []byte("x")})
		return err
	})
	if err == nil {
		t.Errorf("an email for no challenge was queued; the outbox's foreign key to challenges must hold")
	}
}

// dumpTables reads every row of the tables as "table id" -> its columns by name.
func dumpTables(t *testing.T, db *sql.DB, tables ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range tables {
		rows, err := db.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			byName := map[string]string{}
			for i, c := range cols {
				byName[c] = fmt.Sprintf("%v", vals[i])
			}
			var b strings.Builder
			for _, c := range slices.Sorted(maps.Keys(byName)) {
				fmt.Fprintf(&b, "%s=%s; ", c, byName[c])
			}
			out[table+" "+byName["id"]] = b.String()
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// schemaObjects lists the indexes and triggers on the tables, by name.
func schemaObjects(t *testing.T, db *sql.DB, tables ...string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT type || ' ' || name FROM sqlite_schema WHERE type IN ('index', 'trigger')
		AND tbl_name IN ('` + strings.Join(tables, "', '") + `') ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func countRows(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
