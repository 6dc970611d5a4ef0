package store_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

var ctx = context.Background()

func TestOpenSetsPragmas(t *testing.T) {
	testutil.SkipOnPostgres(t, "pragmas are SQLite settings")
	s := testutil.NewStore(t)
	for name, want := range map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"busy_timeout": "5000",
		"synchronous":  "2", // FULL
	} {
		got, err := s.WriterPragma(ctx, name)
		if err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", name, got, want)
		}
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != store.LatestVersion() {
		t.Errorf("SchemaVersion() = %d, %v; want %d", v, err, store.LatestVersion())
	}
}

func TestReadPoolIsQueryOnly(t *testing.T) {
	s := testutil.NewStore(t)
	if _, err := s.ReaderQuery(ctx, "INSERT INTO changes (org_id, entity, entity_id, op, at) VALUES ('o','e','i','insert',0) RETURNING seq"); err == nil {
		t.Fatal("a write through the read pool succeeded; want an error")
	}
}

func TestFTS5IsAvailable(t *testing.T) {
	testutil.SkipOnPostgres(t, "FTS5 is SQLite's full-text search")
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	conv := seedConversation(t, s, org)
	if err := s.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertMessage(store.Message{ID: store.NewID(), OrgID: org.ID, ConversationID: conv.ID,
			SenderKind: "customer", Body: "my parcel never arrived", CreatedAt: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	n, err := s.ReaderQuery(ctx, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'parcel'")
	if err != nil || n != 1 {
		t.Fatalf("FTS match = %d, %v; want 1, nil", n, err)
	}
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	path := testutil.DBPath(t)
	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	seq1, _ := s.LastChangeSeq(ctx)
	s.Close()
	var sum1 [32]byte
	if !testutil.Postgres() {
		sum1 = fileHash(t, path)
	}

	s, err = store.Open(ctx, path)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	n, err := s.ReaderQuery(ctx, "SELECT count(*) FROM schema_migrations")
	if err != nil || int(n) != s.LatestVersion() {
		t.Errorf("schema_migrations rows = %d, %v; want %d", n, err, s.LatestVersion())
	}
	seq2, _ := s.LastChangeSeq(ctx)
	s.Close()
	if seq1 != seq2 {
		t.Errorf("change seq moved from %d to %d on a no-op open", seq1, seq2)
	}
	if !testutil.Postgres() && sum1 != fileHash(t, path) {
		t.Error("reopening a migrated database changed the file")
	}
}

func TestOpenMigratesAnOldDatabaseKeepingRows(t *testing.T) {
	testutil.SkipOnPostgres(t, "SQLite's upgrade path (PostgreSQL databases start at its own 0001)")
	path := testutil.DBPath(t)
	old, err := store.OpenUpTo(ctx, path, 1)
	if err != nil {
		t.Fatal(err)
	}
	org, _ := seedOrg(t, old)
	old.Close()

	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(old db): %v", err)
	}
	defer s.Close()
	orgs, err := s.Organizations(ctx)
	if err != nil || len(orgs) != 1 || orgs[0].ID != org.ID {
		t.Fatalf("Organizations() = %v, %v; want the one written before the upgrade", orgs, err)
	}
}

func TestSecondOpenIsRefusedAsLocked(t *testing.T) {
	testutil.SkipOnPostgres(t, "the file lock makes one engine per SQLite file; several vouchd nodes share one PostgreSQL database")
	path := testutil.DBPath(t)
	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = store.Open(ctx, path)
	if code := store.OpenErrorCode(err); code != store.Locked {
		t.Fatalf("second Open() error = %v (code %q), want code %q", err, code, store.Locked)
	}
	// Read-only opening beside the running engine works (vouchd status).
	ro, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("OpenReadOnly beside a writer: %v", err)
	}
	ro.Close()
}

func TestRefusesBadFilesWithoutTouchingThem(t *testing.T) {
	testutil.SkipOnPostgres(t, "damaged and foreign files are SQLite files")
	tooNew := func(t *testing.T, path string) {
		db, err := sql.Open("sqlite3", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range []string{"CREATE TABLE future (x)", "PRAGMA user_version = 999",
			"PRAGMA application_id = " + itoa(store.ApplicationID)} {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
	}
	foreign := func(t *testing.T, path string) {
		db, err := sql.Open("sqlite3", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("CREATE TABLE notes (x); INSERT INTO notes VALUES (1)"); err != nil {
			t.Fatal(err)
		}
	}
	garbage := func(t *testing.T, path string) {
		if err := os.WriteFile(path, []byte(strings.Repeat("this is not a database\n", 400)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	truncated := func(t *testing.T, path string) {
		s, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		b, _ := os.ReadFile(path)
		// Keep the valid header, damage the schema page.
		for i := 100; i < 4096 && i < len(b); i++ {
			b[i] = 0xAB
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		make func(*testing.T, string)
		code store.OpenCode
	}{
		{"newer schema", tooNew, store.TooNew},
		{"another program's database", foreign, store.Corrupt},
		{"not a database", garbage, store.Corrupt},
		{"damaged schema page", truncated, store.Corrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := testutil.DBPath(t)
			tc.make(t, path)
			before := fileHash(t, path)
			_, err := store.Open(ctx, path)
			if code := store.OpenErrorCode(err); code != tc.code {
				t.Fatalf("Open() error = %v (code %q), want code %q", err, code, tc.code)
			}
			if fileHash(t, path) != before {
				t.Error("Open() modified the file it refused")
			}
			if _, err := os.Stat(path + "-wal"); err == nil {
				t.Error("Open() left a WAL file beside the file it refused")
			}
		})
	}
}

func TestUnwritableDataFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		// root ignores permission bits; use a path below a regular file instead, which nobody can create.
		dir := t.TempDir()
		blocker := filepath.Join(dir, "file")
		os.WriteFile(blocker, nil, 0o600)
		_, err := store.Open(ctx, filepath.Join(blocker, "data", "vouchdesk.db"))
		if code := store.OpenErrorCode(err); code != store.DataDirUnwritable {
			t.Fatalf("Open() error = %v (code %q), want %q", err, code, store.DataDirUnwritable)
		}
		return
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	_, err := store.Open(ctx, filepath.Join(dir, "vouchdesk.db"))
	if code := store.OpenErrorCode(err); code != store.DataDirUnwritable {
		t.Fatalf("Open() error = %v (code %q), want %q", err, code, store.DataDirUnwritable)
	}
}

func TestIdentityIsUniquePerOrganization(t *testing.T) {
	s := testutil.NewStore(t)
	orgA, _ := seedOrg(t, s)
	orgB, _ := seedOrg(t, s)
	a1 := seedContact(t, s, orgA, "ada@example.com")
	// The same address in another organization is another contact.
	b1 := seedContact(t, s, orgB, "ada@example.com")

	got, err := s.ContactByField(ctx, orgA.ID, store.FieldEmail, "ada@example.com")
	if err != nil || got.ID != a1.ID {
		t.Errorf("ContactByField(orgA) = %v, %v; want %s", got.ID, err, a1.ID)
	}
	got, err = s.ContactByField(ctx, orgB.ID, store.FieldEmail, "ada@example.com")
	if err != nil || got.ID != b1.ID {
		t.Errorf("ContactByField(orgB) = %v, %v; want %s", got.ID, err, b1.ID)
	}
	if _, err := s.ContactByField(ctx, orgA.ID, store.FieldEmail, "nobody@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ContactByField(unknown) error = %v, want ErrNotFound", err)
	}
	// A second live contact in orgA may not hold the same value.
	err = s.Write(ctx, func(tx *store.Tx) error {
		c := store.Contact{ID: store.NewID(), OrgID: orgA.ID, Status: store.ContactActive, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := tx.InsertContact(c); err != nil {
			return err
		}
		return tx.InsertField(store.Field{ID: store.NewID(), OrgID: orgA.ID, ContactID: c.ID, Kind: store.FieldEmail,
			ValueNorm: "ada@example.com", ValueDisplay: "Ada@Example.com", CreatedAt: time.Now()})
	})
	if !store.IsUniqueViolation(err) {
		t.Fatalf("duplicate identity insert error = %v, want a UNIQUE violation", err)
	}
	// ...and the failed transaction left nothing behind.
	n, _ := s.ReaderQuery(ctx, "SELECT count(*) FROM contacts WHERE org_id = ?", orgA.ID)
	if n != 1 {
		t.Errorf("contacts in orgA after the failed write = %d, want 1", n)
	}
}

func TestEveryWriteAdvancesTheChangeSequence(t *testing.T) {
	s := testutil.NewStore(t)
	before, _ := s.LastChangeSeq(ctx)
	org, _ := seedOrg(t, s) // org + owner + audit = 3 rows
	after, _ := s.LastChangeSeq(ctx)
	if after-before != 3 {
		t.Errorf("change seq advanced by %d for 3 inserted rows, want 3", after-before)
	}
	n, err := s.ReaderQuery(ctx, "SELECT count(*) FROM changes WHERE org_id = ? AND entity = 'organizations' AND entity_id = ?", org.ID, org.ID)
	if err != nil || n != 1 {
		t.Errorf("changes for the organization = %d, %v; want 1", n, err)
	}
}

func TestConstraintsRejectBadValues(t *testing.T) {
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	err := s.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertUser(store.User{ID: store.NewID(), OrgID: org.ID, Name: "Eve", Email: "eve@example.com", Role: "superuser", CreatedAt: time.Now()})
	})
	if err == nil {
		t.Error("InsertUser(role superuser) succeeded, want a CHECK failure")
	}
	err = s.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertContact(store.Contact{ID: store.NewID(), OrgID: "no-such-org", Status: store.ContactActive, CreatedAt: time.Now(), UpdatedAt: time.Now()})
	})
	if err == nil {
		t.Error("InsertContact(unknown org) succeeded, want a foreign key failure")
	}
}

func TestLoaderCommitsInBatches(t *testing.T) {
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	l, err := s.NewLoader(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := 0; i < 20; i++ {
		c := store.Contact{ID: store.NewID(), OrgID: org.ID, Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
		if err := l.Contact(c); err != nil {
			t.Fatal(err)
		}
		if err := l.Field(store.Field{ID: store.NewID(), OrgID: org.ID, ContactID: c.ID, Kind: store.FieldEmail,
			ValueNorm: "c" + itoa(i) + "@example.com", ValueDisplay: "c" + itoa(i) + "@example.com", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if l.Rows() != 40 {
		t.Errorf("Rows() = %d, want 40", l.Rows())
	}
	c, err := s.ContactByField(ctx, org.ID, store.FieldEmail, "c19@example.com")
	if err != nil || c.OrgID != org.ID {
		t.Errorf("ContactByField(c19) = %v, %v", c, err)
	}
}

// TestLoaderRecordsRangesAndRestoresTriggers checks the loader's side of the change sequence:
// every loaded row lies in a range record of its table and organization, written by the batch
// that loaded it; the per-row triggers are back afterwards (an ordinary write records itself);
// and an aborted batch leaves neither rows nor records.
func TestLoaderRecordsRangesAndRestoresTriggers(t *testing.T) {
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	before, _ := s.ReaderQuery(ctx, "SELECT coalesce(max(seq), 0) FROM changes")
	l, err := s.NewLoader(ctx, 6)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := 0; i < 10; i++ {
		c := store.Contact{ID: store.NewID(), OrgID: org.ID, Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
		if err := l.Contact(c); err != nil {
			t.Fatal(err)
		}
		if err := l.Field(store.Field{ID: store.NewID(), OrgID: org.ID, ContactID: c.ID, Kind: store.FieldEmail,
			ValueNorm: "r" + itoa(i) + "@example.com", ValueDisplay: "r" + itoa(i) + "@example.com", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// 20 rows in batches of 6: four commits, each with a contacts and a contact_fields record.
	records, _ := s.ReaderQuery(ctx, "SELECT count(*) FROM changes WHERE seq > ? AND last_entity_id IS NOT NULL", before)
	if records != 8 {
		t.Errorf("range records = %d, want 8 (4 batches x 2 tables)", records)
	}
	perRow, _ := s.ReaderQuery(ctx, "SELECT count(*) FROM changes WHERE seq > ? AND last_entity_id IS NULL", before)
	if perRow != 0 {
		t.Errorf("per-row change records during the load = %d, want 0", perRow)
	}
	for _, table := range []string{"contacts", "contact_fields"} {
		uncovered, err := s.ReaderQuery(ctx, `SELECT count(*) FROM `+table+` AS t WHERE t.org_id = ? AND NOT EXISTS (
			SELECT 1 FROM changes c WHERE c.seq > ? AND c.entity = ? AND c.org_id = t.org_id
			AND t.id BETWEEN c.entity_id AND c.last_entity_id)`, org.ID, before, table)
		if err != nil || uncovered != 0 {
			t.Errorf("%s rows outside every range record = %d, %v; want 0", table, uncovered, err)
		}
	}
	triggersLive := "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '%_change_insert'"
	if testutil.Postgres() { // one trigger per table for all three operations, disabled during a batch
		triggersLive = "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%\\_change' AND tgenabled <> 'D' AND NOT tgisinternal"
	}
	// One per table in the change feed: 18 since invitations (0016); agent_sessions has none.
	const changeTables = 18
	triggers, _ := s.ReaderQuery(ctx, triggersLive)
	if triggers != changeTables {
		t.Errorf("insert triggers after the load = %d, want %d", triggers, changeTables)
	}
	c := store.Contact{ID: store.NewID(), OrgID: org.ID, Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
	if err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertContact(c) }); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.ReaderQuery(ctx, "SELECT count(*) FROM changes WHERE entity = 'contacts' AND entity_id = ? AND last_entity_id IS NULL", c.ID); n != 1 {
		t.Errorf("change records for a contact written after the load = %d, want 1", n)
	}

	// An aborted batch: its rows and its suspension of the triggers roll back together.
	last, _ := s.ReaderQuery(ctx, "SELECT max(seq) FROM changes")
	l, err = s.NewLoader(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Contact(store.Contact{ID: store.NewID(), OrgID: org.ID, Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := l.Abort(); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.ReaderQuery(ctx, "SELECT count(*) FROM changes WHERE seq > ?", last); n != 0 {
		t.Errorf("change records after an aborted load = %d, want 0", n)
	}
	if n, _ := s.ReaderQuery(ctx, triggersLive); n != changeTables {
		t.Errorf("insert triggers after an aborted load = %d, want %d", n, changeTables)
	}
}

// helpers

func seedOrg(t *testing.T, s *store.Store) (store.Organization, store.User) {
	t.Helper()
	now := time.Now()
	org := store.Organization{ID: store.NewID(), Name: "Acme", DoubleOptIn: true, CreatedAt: now, UpdatedAt: now}
	owner := store.User{ID: store.NewID(), OrgID: org.ID, Name: "Olive Owner", Email: "olive@acme.test", Role: store.RoleOwner, CreatedAt: now}
	if err := s.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertOrganization(org); err != nil {
			return err
		}
		if err := tx.InsertUser(owner); err != nil {
			return err
		}
		return tx.Audit(org.ID, store.AgentActor(owner.ID), "organization.create", "organizations", org.ID, nil)
	}); err != nil {
		t.Fatal(err)
	}
	return org, owner
}

func seedContact(t *testing.T, s *store.Store, org store.Organization, email string) store.Contact {
	t.Helper()
	now := time.Now()
	c := store.Contact{ID: store.NewID(), OrgID: org.ID, Name: "Ada", Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
	if err := s.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertContact(c); err != nil {
			return err
		}
		return tx.InsertField(store.Field{ID: store.NewID(), OrgID: org.ID, ContactID: c.ID, Kind: store.FieldEmail,
			ValueNorm: email, ValueDisplay: email, CreatedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

func seedConversation(t *testing.T, s *store.Store, org store.Organization) store.Conversation {
	t.Helper()
	now := time.Now()
	inbox := store.Inbox{ID: store.NewID(), OrgID: org.ID, Kind: store.InboxChat, Name: "Website", CreatedAt: now, UpdatedAt: now}
	conv := store.Conversation{ID: store.NewID(), OrgID: org.ID, InboxID: inbox.ID, Kind: store.ConversationChat,
		Status: store.ConversationOpen, LinkState: store.LinkNone, StartedAt: now, LastActivityAt: now}
	if err := s.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertInbox(inbox); err != nil {
			return err
		}
		return tx.InsertConversation(conv)
	}); err != nil {
		t.Fatal(err)
	}
	return conv
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestLoaderStopsBetweenBatchesWhenCancelled(t *testing.T) {
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	l, err := s.NewLoader(cctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var loadErr error
	for i := 0; i < 20 && loadErr == nil; i++ {
		if i == 7 {
			cancel()
		}
		loadErr = l.Contact(store.Contact{ID: store.NewID(), OrgID: org.ID, Status: store.ContactActive, CreatedAt: now, UpdatedAt: now})
	}
	if !errors.Is(loadErr, context.Canceled) {
		t.Fatalf("load error = %v, want context.Canceled", loadErr)
	}
	n, _ := s.ReaderQuery(ctx, "SELECT count(*) FROM contacts WHERE org_id = ?", org.ID)
	if n != 5 {
		t.Errorf("contacts kept = %d, want the 5 of the first committed batch", n)
	}
}

// TestUpgradeBacksUpFirstAndAFailedMigrationPutsTheDatabaseBack: an old database is copied to
// backups/ before it is migrated; when a migration fails, the copy is put back, so every row and
// the old schema version are there, and the error says what happened.
func TestUpgradeBacksUpFirstAndAFailedMigrationPutsTheDatabaseBack(t *testing.T) {
	testutil.SkipOnPostgres(t, "SQLite's upgrade path and its file backups")
	last := store.LatestVersion()
	// The old database is three versions back: the failure case lets two migrations succeed
	// before the last one fails, so only the restore can bring the file back to where it was.
	const back = 3
	build := func(t *testing.T, path string, sabotage bool) store.Organization {
		old, err := store.OpenUpTo(ctx, path, last-back)
		if err != nil {
			t.Fatal(err)
		}
		org, _ := seedOrg(t, old)
		old.Close()
		if sabotage {
			// Each migration records itself in schema_migrations: a trigger refusing the last
			// one's record makes it fail after the others were committed.
			db, err := sql.Open("sqlite3", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(fmt.Sprintf(`CREATE TRIGGER sabotage BEFORE INSERT ON schema_migrations
				WHEN NEW.version = %d BEGIN SELECT RAISE(ABORT, 'sabotaged'); END`, last)); err != nil {
				t.Fatal(err)
			}
			db.Close()
		}
		return org
	}
	backups := func(path string) []string {
		found, _ := filepath.Glob(filepath.Join(filepath.Dir(path), store.BackupDir, "*.db"))
		return found
	}
	version := func(t *testing.T, path string) int {
		db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var v int
		if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	s2 := func(t *testing.T, path string) *sql.DB {
		db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}

	t.Run("success keeps a backup of the old version", func(t *testing.T) {
		path := testutil.DBPath(t)
		org := build(t, path, false)
		s, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		b := backups(path)
		if len(b) != 1 || !strings.Contains(filepath.Base(b[0]), fmt.Sprintf("-v%d-", last-back)) {
			t.Fatalf("backups = %v, want one of schema version %d", b, last-back)
		}
		if got := version(t, b[0]); got != last-back {
			t.Fatalf("backup is at version %d, want %d", got, last-back)
		}
		bs, err := store.OpenReadOnly(ctx, b[0])
		if err == nil {
			bs.Close()
			t.Fatal("the backup opened read-only as if it were current")
		}
		if version(t, path) != last {
			t.Fatalf("database at version %d after the upgrade, want %d", version(t, path), last)
		}
		var id string
		if err := s2(t, path).QueryRow("SELECT id FROM organizations").Scan(&id); err != nil || id != org.ID {
			t.Fatalf("organization after the upgrade = %q, %v; want %q", id, err, org.ID)
		}
	})

	t.Run("failure restores the database and says so", func(t *testing.T) {
		path := testutil.DBPath(t)
		org := build(t, path, true)
		_, err := store.Open(ctx, path)
		if code := store.OpenErrorCode(err); code != store.UpgradeFailed {
			t.Fatalf("Open() = %v (code %q), want %q", err, code, store.UpgradeFailed)
		}
		if !strings.Contains(err.Error(), "restored to how it was before") {
			t.Fatalf("the error does not say the database was restored: %v", err)
		}
		if got := version(t, path); got != last-back {
			t.Fatalf("after the failed upgrade the database is at version %d, want %d (as before)", got, last-back)
		}
		db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var id string
		if err := db.QueryRow("SELECT id FROM organizations").Scan(&id); err != nil || id != org.ID {
			t.Fatalf("organization after restore = %q, %v; want %q", id, err, org.ID)
		}
		var ok string
		if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
			t.Fatalf("integrity_check = %q, %v", ok, err)
		}
		if len(backups(path)) != 1 {
			t.Fatalf("backups = %v, want the one taken before the upgrade", backups(path))
		}
	})
}
