package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// feedRow decodes a row as a replica receives it; numbers as json.Number when exact, else float64.
func feedRow(t *testing.T, doc string, exact bool) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(doc))
	if exact {
		dec.UseNumber()
	}
	var row map[string]any
	if err := dec.Decode(&row); err != nil {
		t.Fatal(err)
	}
	return row
}

// TestReplicaUpsertWritesFeedRows: rows as the feed hands them out (JSON numbers, booleans from
// PostgreSQL, columns this build does not have) land in the local tables; a withheld column the
// schema needs gets its placeholder, kept across updates; a delete removes the row; a table that
// is not replicated and a value of the wrong kind are refused, and nothing of that transaction is
// kept.
func TestReplicaUpsertWritesFeedRows(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, testutil.SQLitePath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	org := feedRow(t, `{"id": "org-1", "name": "Acme", "default_region": "", "double_opt_in": true, "consent_text": "",
		"google_client_id": "", "created_at": 1764790000123, "updated_at": 1764790000123, "column_of_a_newer_server": "x"}`, false)
	user := feedRow(t, `{"id": "user-1", "org_id": "org-1", "name": "Olive", "email": "olive@acme.test", "role": "owner",
		"created_at": 1764790000456, "disabled_at": null}`, true)
	device := func(id string, seen int64) map[string]any {
		return map[string]any{"id": id, "org_id": "org-1", "user_agent": "Firefox", "created_at": json.Number("1764790000000"),
			"last_seen_at": float64(seen), "revoked_at": nil}
	}
	if err := s.ReplicaWrite(ctx, func(tx *store.Tx) error {
		// Children before their parents: foreign keys are not enforced in a replica's writes.
		for _, w := range []struct {
			table string
			row   map[string]any
		}{{"devices", device("dev-1", 1)}, {"devices", device("dev-2", 2)}, {"users", user}, {"organizations", org}} {
			if err := tx.ReplicaUpsert(w.table, w.row); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("ReplicaWrite = %v", err)
	}
	db := testutil.OpenRaw(t, s.Path())
	var optIn, created int64
	db.QueryRow(`SELECT double_opt_in, created_at FROM organizations WHERE id = 'org-1'`).Scan(&optIn, &created)
	if optIn != 1 || created != 1764790000123 {
		t.Errorf("organization double_opt_in, created_at = %d, %d, want 1, 1764790000123", optIn, created)
	}
	var disabled any
	var userCreated int64
	db.QueryRow(`SELECT created_at, disabled_at FROM users WHERE id = 'user-1'`).Scan(&userCreated, &disabled)
	if userCreated != 1764790000456 || disabled != nil {
		t.Errorf("user created_at, disabled_at = %d, %v, want 1764790000456, NULL", userCreated, disabled)
	}
	want := sha256.Sum256([]byte("replica:dev-1"))
	var hash []byte
	db.QueryRow(`SELECT token_hash FROM devices WHERE id = 'dev-1'`).Scan(&hash)
	if !bytes.Equal(hash, want[:]) {
		t.Errorf("devices.token_hash = %x, want the placeholder %x", hash, want)
	}

	// An update replaces the columns it carries and keeps the placeholder; a delete removes.
	if err := s.ReplicaWrite(ctx, func(tx *store.Tx) error {
		if err := tx.ReplicaUpsert("devices", device("dev-1", 99)); err != nil {
			return err
		}
		return tx.ReplicaDelete("devices", "dev-2")
	}); err != nil {
		t.Fatal(err)
	}
	var seen int64
	db.QueryRow(`SELECT last_seen_at, token_hash FROM devices WHERE id = 'dev-1'`).Scan(&seen, &hash)
	if seen != 99 || !bytes.Equal(hash, want[:]) {
		t.Errorf("updated device last_seen_at = %d, token_hash %x; want 99 and the placeholder", seen, hash)
	}
	var devices int
	db.QueryRow(`SELECT count(*) FROM devices`).Scan(&devices)
	if devices != 1 {
		t.Errorf("devices after deleting dev-2 = %d, want 1", devices)
	}

	// A contact written again (an update, as the feed hands out every change of a row) is
	// re-indexed by the search's own triggers.
	contact := func(name string) map[string]any {
		return map[string]any{"id": "contact-1", "org_id": "org-1", "name": name, "status": "active", "consent_text": "",
			"consented_at": nil, "confirmed_at": nil, "merged_into": nil, "created_at": 1.0, "updated_at": 2.0}
	}
	for _, name := range []string{"Ada Lovelace", "Ada Byron"} {
		if err := s.ReplicaWrite(ctx, func(tx *store.Tx) error { return tx.ReplicaUpsert("contacts", contact(name)) }); err != nil {
			t.Fatalf("ReplicaUpsert(contacts, %s) = %v", name, err)
		}
	}
	if hits, _, err := s.SearchContacts(ctx, "org-1", "byron", 10); err != nil || len(hits) != 1 || hits[0].Name != "Ada Byron" {
		t.Errorf("SearchContacts(byron) after the update = %+v, %v, want the contact", hits, err)
	}
	if hits, _, _ := s.SearchContacts(ctx, "org-1", "lovelace", 10); len(hits) != 0 {
		t.Errorf("SearchContacts(lovelace) after the rename = %+v, want none", hits)
	}

	// Refused, and the transaction's other writes are not kept.
	for _, bad := range []struct {
		table string
		row   map[string]any
	}{
		{"challenges", map[string]any{"id": "c-1"}},
		{"agent_sessions", map[string]any{"id": "s-1"}},
		{"replica_state", map[string]any{"id": "1"}},
		{"devices", map[string]any{"id": "dev-3", "org_id": "org-1", "created_at": 1.5, "last_seen_at": 1.0}},
		{"devices", map[string]any{"id": "dev-3", "org_id": "org-1", "created_at": "yesterday", "last_seen_at": 1.0}},
		{"devices", map[string]any{"org_id": "org-1", "created_at": 1.0, "last_seen_at": 1.0}},
	} {
		err := s.ReplicaWrite(ctx, func(tx *store.Tx) error {
			if err := tx.ReplicaUpsert("users", map[string]any{"id": "user-2", "org_id": "org-1", "name": "Ana",
				"email": "ana@acme.test", "role": "agent", "created_at": 1.0}); err != nil {
				return err
			}
			return tx.ReplicaUpsert(bad.table, bad.row)
		})
		if err == nil {
			t.Errorf("ReplicaUpsert(%s, %v) = nil, want an error", bad.table, bad.row)
		}
	}
	var users int
	db.QueryRow(`SELECT count(*) FROM users`).Scan(&users)
	if users != 1 {
		t.Errorf("users after refused writes = %d, want 1 (nothing of a refused transaction kept)", users)
	}

	// Ordinary writes enforce foreign keys again.
	err = s.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertUser(store.User{ID: store.NewID(), OrgID: "no-such-org", Name: "Eve", Email: "eve@acme.test",
			Role: store.RoleAgent, CreatedAt: time.Now()})
	})
	if err == nil {
		t.Error("an ordinary write of a user of no organization after a replica write = nil, want a foreign key error")
	}
}

// TestReplicaStateIsLocal: the replica's position round-trips, is not in the feed, and writing it
// records no change (replica_state has no change triggers).
func TestReplicaStateIsLocal(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, testutil.SQLitePath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok, err := s.ReplicaState(ctx); ok || err != nil {
		t.Fatalf("ReplicaState of a fresh store = %v, %v, want none", ok, err)
	}
	before, _ := s.LastChangeSeq(ctx)
	boot := time.UnixMilli(1764790000789).UTC()
	in := store.ReplicaState{ServerURL: "https://desk.example.com", OrgID: "org-1", Cursor: 42, SnapshotTable: "messages",
		SnapshotAfter: "m-7", RowsDone: 1000, BytesDone: 123456, SnapshotDone: true, BootstrappedAt: boot}
	if err := s.ReplicaWrite(ctx, func(tx *store.Tx) error { return tx.SaveReplicaState(in, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.ReplicaState(ctx)
	if err != nil || !ok || got != in {
		t.Errorf("ReplicaState() = %+v, %v, %v, want %+v", got, ok, err, in)
	}
	if after, _ := s.LastChangeSeq(ctx); after != before {
		t.Errorf("saving the replica state recorded %d changes, want none", after-before)
	}
	if store.IsReplicated("replica_state") {
		t.Error("replica_state is in the feed")
	}
	if n, _ := s.ReaderQuery(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'replica_state'`); n != 0 {
		t.Errorf("replica_state has %d triggers, want none", n)
	}
}

// TestReplicaWriteRefusesPostgreSQL: a replica is a desktop's SQLite file.
func TestReplicaWriteRefusesPostgreSQL(t *testing.T) {
	if !testutil.Postgres() {
		t.Skip("needs a PostgreSQL server (" + testutil.PostgresEnv + ")")
	}
	s, err := store.Open(context.Background(), testutil.DBPath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.ReplicaWrite(context.Background(), func(*store.Tx) error { return nil }); !errors.Is(err, store.ErrReplicaPostgres) {
		t.Errorf("ReplicaWrite on PostgreSQL = %v, want ErrReplicaPostgres", err)
	}
}
