package store_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/contacts"
	"vouchdesk/backend/seed"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// The tables Import copies (store.importTables), with the key each is ordered by.
var importedTables = []struct{ name, key string }{
	{"organizations", "id"}, {"users", "id"}, {"inboxes", "id"}, {"contacts", "id"},
	{"contact_fields", "id"}, {"devices", "id"}, {"conversations", "id"}, {"verifications", "id"},
	{"device_proofs", "id"}, {"messages", "id"}, {"sender_emails", "id"}, {"challenges", "id"},
	{"mail_accounts", "id"}, {"mailbox_checkpoints", "account_id, mailbox"}, {"merges", "id"},
	{"audit_log", "id"}, {"outbox", "id"}, {"mail_health", "org_id, purpose"},
}

// desk is a desktop's file filled by filledDesk.
type desk struct {
	path, orgID  string
	mergedChain  [2]string // A merged into B, then B into C: both merged
	searchEmail  string    // a field of an active contact
	searchID     string    // that contact
	unsentSealed string    // an outbox row still queued with a sealed code
}

// filledDesk builds a desktop's SQLite file holding every kind of row, written by the seed
// generator (the bulk loader) and by the store's and the contacts package's own writes: contacts
// with several fields, conversations with messages, verifications, a device with its proof, a
// challenge, a sender email, mail accounts and a checkpoint, a merge chain and an undone merge,
// outbox rows sent, failed, bounced and queued with a sealed code, mail health and audit rows.
func filledDesk(t *testing.T) desk {
	t.Helper()
	ctx := context.Background()
	d := desk{path: testutil.SQLitePath(t)}
	st, err := store.Open(ctx, d.path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stats, err := seed.Run(ctx, st, seed.Options{Contacts: 240, Conversations: 60, MessagesPerConversation: 3, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	d.orgID = stats.OrgID
	raw := testutil.OpenRaw(t, d.path)
	ids := func(q string, args ...any) []string {
		rows, err := raw.Query(q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out = append(out, s)
		}
		return out
	}
	owner := ids(`SELECT id FROM users ORDER BY created_at, id LIMIT 1`)[0]
	people := ids(`SELECT id FROM contacts WHERE status = 'active' ORDER BY id`)
	conv := ids(`SELECT id FROM conversations WHERE contact_id IS NOT NULL ORDER BY id LIMIT 1`)[0]
	now := time.Now().Truncate(time.Millisecond)
	hash := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	// Merge chain across the key order: the first contact into a late one, that one into the last.
	a, b, c := people[0], people[len(people)-2], people[len(people)-1]
	d.mergedChain = [2]string{a, b}
	d.searchID = people[1]
	d.searchEmail = ids(`SELECT value_norm FROM contact_fields WHERE contact_id = ? AND kind = 'email' ORDER BY id LIMIT 1`, d.searchID)[0]
	field := ids(`SELECT id FROM contact_fields WHERE contact_id = ? ORDER BY id LIMIT 1`, d.searchID)[0]
	challenge, sender := store.NewID(), store.NewID()
	var outbox [4]string
	for i := range outbox {
		outbox[i] = store.NewID()
	}
	d.unsentSealed = outbox[3]
	err = st.Write(ctx, func(tx *store.Tx) error {
		actor := store.AgentActor(owner)
		if _, _, err := contacts.Merge(tx, d.orgID, b, a, actor, "same person", now); err != nil {
			return err
		}
		if _, _, err := contacts.Merge(tx, d.orgID, c, b, actor, "same person again", now); err != nil {
			return err
		}
		m, _, err := contacts.Merge(tx, d.orgID, people[3], people[4], actor, "a mistake", now)
		if err != nil {
			return err
		}
		if _, _, err := contacts.UndoMerge(tx, d.orgID, m.ID, actor, now); err != nil {
			return err
		}
		verification, device := store.NewID(), store.NewID()
		if err := tx.InsertVerification(store.Verification{ID: verification, OrgID: d.orgID, FieldID: field,
			Method: "email_otp", ConversationID: conv, VerifiedAt: now}); err != nil {
			return err
		}
		if err := tx.InsertDevice(device, d.orgID, hash(1), "Firefox", now); err != nil {
			return err
		}
		if err := tx.InsertDeviceProof(store.NewID(), d.orgID, device, field, verification, now); err != nil {
			return err
		}
		if err := tx.InsertSenderEmail(store.SenderEmail{ID: sender, OrgID: d.orgID, Address: "help@northwind.example",
			Status: "unverified", CreatedBy: owner, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		if err := tx.InsertChallenge(store.Challenge{ID: challenge, OrgID: d.orgID, Purpose: "chat_code", SecretHash: hash(2),
			TargetKind: "email", TargetValue: d.searchEmail, ConversationID: conv, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}); err != nil {
			return err
		}
		for _, p := range []string{"smtp", "imap"} {
			if err := tx.UpsertMailAccount(store.MailAccount{ID: store.NewID(), OrgID: d.orgID, Purpose: p, Host: p + ".northwind.example",
				Port: 993, TLSMode: "implicit", Username: "help", SecretRef: p, CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
		}
		if err := tx.SetGoogleClientID(d.orgID, "1234.apps.googleusercontent.com", now); err != nil {
			return err
		}
		if err := tx.Audit(d.orgID, actor, "settings.google", "organization", d.orgID, map[string]string{"clientId": "1234"}); err != nil {
			return err
		}
		for i, id := range outbox {
			m := store.OutboxMessage{ID: id, OrgID: d.orgID, Kind: "transcript", IdempotencyKey: "k" + id,
				FromAddr: "help@northwind.example", ToAddr: d.searchEmail, Subject: fmt.Sprintf("Email %d", i), BodyText: "Hello",
				MessageID: "<" + id + "@northwind.example>", ConversationID: conv, CreatedAt: now}
			if i == 3 {
				m.Kind, m.ChallengeID, m.Sealed, m.BodyText = "chat_code", challenge, []byte("sealed under the desktop's key"), "Your code is [hidden]"
			}
			if _, _, err := tx.EnqueueOutbox(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []func() error{
		func() error { return st.MarkOutboxSent(ctx, outbox[0], now) },
		func() error { return st.MarkOutboxFailed(ctx, outbox[1], "The relay refused the recipient", now) },
		func() error { return st.MarkOutboxSent(ctx, outbox[2], now) },
		func() error {
			return st.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.MarkOutboxBounced(outbox[2], store.BounceHard, "550 no such user", now)
				return err
			})
		},
		func() error {
			acc := ids(`SELECT id FROM mail_accounts WHERE purpose = 'imap'`)[0]
			return st.SaveMailboxCheckpoint(ctx, store.MailboxCheckpoint{AccountID: acc, OrgID: d.orgID, Mailbox: "INBOX",
				UIDValidity: 7, LastUID: 42, LastPollAt: now})
		},
		func() error { return st.SaveMailHealth(ctx, d.orgID, "smtp", []byte(`{"state":"ok"}`), now) },
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	// Every table Import copies has rows here, so a table it forgot would show.
	for _, tb := range importedTables {
		var n int
		if err := raw.QueryRow(`SELECT count(*) FROM ` + tb.name).Scan(&n); err != nil || n == 0 {
			t.Fatalf("the desk's %s has %d rows (%v): the fixture misses a kind of row", tb.name, n, err)
		}
	}
	return d
}

// dump reads a table as text, one line per row in key order, every column named by its name.
func dump(t *testing.T, db *testutil.RawDB, table, key, orgID string, skip ...string) []string {
	t.Helper()
	org := "org_id"
	if table == "organizations" {
		org = "id"
	}
	rows, err := db.Query(`SELECT * FROM `+table+` WHERE `+org+` = ? ORDER BY `+key, orgID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for i, c := range cols {
			if slices.Contains(skip, c) {
				continue
			}
			v := fmt.Sprint(vals[i])
			switch x := vals[i].(type) {
			case nil:
				v = "NULL"
			case []byte:
				v = "x" + hex.EncodeToString(x)
			}
			parts = append(parts, c+"="+v)
		}
		slices.Sort(parts) // the two schemas may order columns differently
		out = append(out, strings.Join(parts, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func needPostgres(t *testing.T) {
	t.Helper()
	if !testutil.Postgres() {
		t.Skip("an import writes into PostgreSQL: set " + testutil.PostgresEnv + " (scripts/postgres-test.sh does)")
	}
}

func openImport(t *testing.T, d desk) (src, dst *store.Store, dstURL string) {
	t.Helper()
	ctx := context.Background()
	src, err := store.OpenImportSource(ctx, d.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	dstURL = testutil.DBPath(t)
	if dst, err = store.Open(ctx, dstURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dst.Close() })
	return src, dst, dstURL
}

// TestImportCopiesTheDeskRowForRow: every table arrives with the source's count and content
// (email still queued with a sealed code arrives failed, with the reason, and no sealed copy is
// imported), the search finds an imported contact, the change feed names every imported row, and
// a second import writes nothing.
func TestImportCopiesTheDeskRowForRow(t *testing.T) {
	needPostgres(t)
	ctx := context.Background()
	d := filledDesk(t)
	src, dst, dstURL := openImport(t, d)
	var progressed []string
	sum, err := store.Import(ctx, src, dst, 50, func(p store.ImportProgress) {
		if p.Done == p.Total && p.Total > 0 {
			progressed = append(progressed, p.Table)
		}
	})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if !sum.Match() || len(sum.Tables) != len(importedTables) || sum.OrgID != d.orgID {
		t.Fatalf("Import summary = %+v, want every table's count matching", sum)
	}
	for _, c := range sum.Tables {
		if c.Copied != c.Source {
			t.Errorf("Import copied %d of %s's %d rows into an empty database", c.Copied, c.Table, c.Source)
		}
	}
	if sum.FailedUnsent != 1 || !slices.Equal(sum.SecretRefs, []string{"imap", "smtp"}) {
		t.Errorf("Import summary: %d unsent, secrets %v; want 1 and [imap smtp]", sum.FailedUnsent, sum.SecretRefs)
	}
	if !slices.Contains(progressed, "contacts") || !slices.Contains(progressed, "contact_search") {
		t.Errorf("progress reported the end of %v, want contacts and contact_search among them", progressed)
	}

	from, to := testutil.OpenRaw(t, d.path), testutil.OpenRaw(t, dstURL)
	for _, tb := range importedTables {
		var skip []string
		if tb.name == "outbox" {
			skip = []string{"sealed", "status", "last_error"}
		}
		a, b := dump(t, from, tb.name, tb.key, d.orgID, skip...), dump(t, to, tb.name, tb.key, d.orgID, skip...)
		if !slices.Equal(a, b) {
			t.Errorf("%s differs after the import:\nsource     %q\npostgresql %q", tb.name, a[:min(3, len(a))], b[:min(3, len(b))])
		}
	}
	var status, reason string
	var sealed int
	to.QueryRow(`SELECT status, last_error FROM outbox WHERE id = ?`, d.unsentSealed).Scan(&status, &reason)
	to.QueryRow(`SELECT count(*) FROM outbox WHERE sealed IS NOT NULL`).Scan(&sealed)
	if status != "failed" || reason != store.ImportedUnsent || sealed != 0 {
		t.Errorf("queued sealed email imported as %q (%q), %d sealed copies; want failed with ImportedUnsent, none", status, reason, sealed)
	}
	var otherStatus int
	to.QueryRow(`SELECT count(*) FROM outbox o WHERE o.id <> ? AND o.status = 'failed'`, d.unsentSealed).Scan(&otherStatus)
	if otherStatus != 1 {
		t.Errorf("%d other failed outbox rows, want the one that failed on the desktop", otherStatus)
	}
	var signedIn int
	to.QueryRow(`SELECT count(*) FROM signed_in`).Scan(&signedIn)
	if signedIn != 0 {
		t.Errorf("signed_in has %d rows on PostgreSQL, want none (the desktop's session stays there)", signedIn)
	}

	// Search, on the index built after the copy.
	for _, q := range []string{d.searchEmail, d.searchEmail[2:8]} { // a fragment from the middle: the trigram index
		hits, _, err := dst.SearchContacts(ctx, d.orgID, q, 20)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(hits, func(h store.ContactHit) bool { return h.ID == d.searchID }) {
			t.Errorf("SearchContacts(%q) = %d hits without the imported contact %s", q, len(hits), d.searchID)
		}
	}
	for _, id := range d.mergedChain {
		hits, _, _ := dst.SearchContacts(ctx, d.orgID, "", 1000)
		if slices.ContainsFunc(hits, func(h store.ContactHit) bool { return h.ID == id }) {
			t.Errorf("merged contact %s is listed after the import", id)
		}
	}
	var active, docs int
	to.QueryRow(`SELECT count(*) FROM contacts WHERE status = 'active'`).Scan(&active)
	to.QueryRow(`SELECT count(*) FROM contact_search`).Scan(&docs)
	if active != docs {
		t.Errorf("contact_search holds %d documents, want one per active contact (%d)", docs, active)
	}

	// The change feed names every imported row of every table with a change trigger.
	var changes []store.Change
	if err := dst.Read(ctx, func(tx *store.Tx) error {
		changes, err = tx.ChangesAfter(d.orgID, 0, 1_000_000)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, c := range changes {
		if c.LastEntityID == "" {
			covered[c.Entity+" "+c.EntityID] = true
			continue
		}
		rows, err := to.Query(`SELECT id FROM `+c.Entity+` WHERE id BETWEEN ? AND ?`, c.EntityID, c.LastEntityID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			rows.Scan(&id)
			covered[c.Entity+" "+id] = true
		}
		rows.Close()
	}
	for _, tb := range importedTables {
		if tb.name == "mail_health" { // not in the feed on either database
			continue
		}
		key := tb.key
		if tb.name == "mailbox_checkpoints" {
			key = "account_id || '/' || mailbox"
		}
		org := "org_id"
		if tb.name == "organizations" {
			org = "id"
		}
		rows, err := to.Query(`SELECT `+key+` FROM `+tb.name+` WHERE `+org+` = ?`, d.orgID)
		if err != nil {
			t.Fatal(err)
		}
		missing := 0
		for rows.Next() {
			var id string
			rows.Scan(&id)
			if !covered[tb.name+" "+id] {
				missing++
			}
		}
		rows.Close()
		if missing > 0 {
			t.Errorf("the change feed misses %d imported rows of %s", missing, tb.name)
		}
	}

	// A second run: nothing new, the same counts, no change record.
	before, _ := dst.LastChangeSeq(ctx)
	again, err := store.Import(ctx, src, dst, 50, nil)
	if err != nil {
		t.Fatalf("second Import: %v", err)
	}
	for i, c := range again.Tables {
		if c.Copied != 0 || c.Target != sum.Tables[i].Target || c.Source != sum.Tables[i].Source {
			t.Errorf("second Import %s = %+v, want nothing copied and %+v's counts", c.Table, c, sum.Tables[i])
		}
	}
	if after, _ := dst.LastChangeSeq(ctx); after != before {
		t.Errorf("second Import moved the change sequence from %d to %d", before, after)
	}
}

// TestImportRefusesAnotherOrganization: a PostgreSQL database that already holds another
// organization is left alone, with an error that says so.
func TestImportRefusesAnotherOrganization(t *testing.T) {
	needPostgres(t)
	ctx := context.Background()
	d := filledDesk(t)
	src, dst, dstURL := openImport(t, d)
	now := time.Now()
	if err := dst.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertOrganization(store.Organization{ID: store.NewID(), Name: "Other Team", CreatedAt: now, UpdatedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	_, err := store.Import(ctx, src, dst, 0, nil)
	if !errors.Is(err, store.ErrImportRefused) || !strings.Contains(err.Error(), `"Other Team"`) {
		t.Fatalf("Import into another organization's database = %v, want ErrImportRefused naming it", err)
	}
	var n int
	testutil.OpenRaw(t, dstURL).QueryRow(`SELECT (SELECT count(*) FROM organizations) + (SELECT count(*) FROM contacts)`).Scan(&n)
	if n != 1 {
		t.Errorf("after a refused import PostgreSQL holds %d organizations and contacts, want the 1 it had", n)
	}
}

// TestImportSourceIsTheDesktopsClosedFile: the file is refused while the desktop app holds it,
// and a PostgreSQL URL is not a source.
func TestImportSourceIsTheDesktopsClosedFile(t *testing.T) {
	ctx := context.Background()
	path := testutil.SQLitePath(t)
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.OpenImportSource(ctx, path); store.OpenErrorCode(err) != store.Locked {
		t.Errorf("OpenImportSource(a file in use) = %v, want db_locked", err)
	}
	st.Close()
	src, err := store.OpenImportSource(ctx, path)
	if err != nil {
		t.Fatalf("OpenImportSource(a closed file) = %v", err)
	}
	// Held until Close: the desktop cannot open it meanwhile.
	if _, err := store.Open(ctx, path); store.OpenErrorCode(err) != store.Locked {
		t.Errorf("store.Open during an import = %v, want db_locked", err)
	}
	src.Close()
	if _, err := store.OpenImportSource(ctx, "postgres://vouchd@db.example/vouchdesk"); err == nil {
		t.Error("OpenImportSource(a PostgreSQL URL) succeeded")
	}
}
