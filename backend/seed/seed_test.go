package seed

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

var ctx = context.Background()

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// rawDB opens the store's file read-only beside it, to check what the store has no query for.
func rawDB(t *testing.T, st *store.Store) *testutil.RawDB {
	t.Helper()
	return testutil.OpenRaw(t, st.Path())
}

func count(t *testing.T, db *testutil.RawDB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestRunFillsAnEmptyDatabase(t *testing.T) {
	st := testutil.NewStore(t)
	var progress []int
	stats, err := Run(ctx, st, Options{Contacts: 500, Conversations: 100, MessagesPerConversation: 4, Seed: 1,
		Progress: func(rows int) { progress = append(progress, rows) }})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Contacts != 500 || stats.Conversations != 100 {
		t.Errorf("Stats = %d contacts, %d conversations; want 500, 100", stats.Contacts, stats.Conversations)
	}
	if stats.Fields < 500 || stats.Fields > 1500 {
		t.Errorf("Stats.Fields = %d, want between 500 and 1500", stats.Fields)
	}
	if stats.Messages < 100 || stats.Messages > 700 {
		t.Errorf("Stats.Messages = %d, want about 400", stats.Messages)
	}
	if want := stats.Contacts + stats.Fields + stats.Conversations + stats.Messages; stats.Rows != want {
		t.Errorf("Stats.Rows = %d, want %d", stats.Rows, want)
	}
	if len(progress) == 0 || progress[len(progress)-1] != stats.Rows {
		t.Errorf("Progress calls = %v, want the last one to be %d", progress, stats.Rows)
	}

	orgs, err := st.Organizations(ctx)
	if err != nil || len(orgs) != 1 || orgs[0].ID != stats.OrgID {
		t.Fatalf("Organizations() = %v, %v; want the one organization %s", orgs, err, stats.OrgID)
	}
	users, _ := st.UsersByOrg(ctx, stats.OrgID)
	if len(users) != 1 || users[0].Role != store.RoleOwner {
		t.Fatalf("users = %v, want one owner", users)
	}
	inboxes, _ := st.InboxesByOrg(ctx, stats.OrgID)
	if len(inboxes) != 2 {
		t.Fatalf("inboxes = %v, want a chat and a phone inbox", inboxes)
	}
	counts, err := st.CountsByOrg(ctx, stats.OrgID)
	if err != nil || counts.Contacts != 500 || counts.Conversations != 100 {
		t.Errorf("CountsByOrg() = %+v, %v; want 500 contacts, 100 conversations", counts, err)
	}

	db := rawDB(t, st)
	if n := count(t, db, "SELECT count(*) FROM contact_fields"); n != stats.Fields {
		t.Errorf("contact_fields rows = %d, want %d", n, stats.Fields)
	}
	if n := count(t, db, "SELECT count(*) FROM messages"); n != stats.Messages {
		t.Errorf("messages rows = %d, want %d", n, stats.Messages)
	}
	for _, c := range []struct {
		what, query string
		ok          func(int) bool
	}{
		{"contacts with no email", "SELECT count(*) FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM contact_fields f WHERE f.contact_id = c.id AND f.kind = 'email')", func(n int) bool { return n == 0 }},
		{"contacts with 3 or more emails", "SELECT count(*) FROM (SELECT contact_id FROM contact_fields WHERE kind = 'email' GROUP BY contact_id HAVING count(*) > 2) AS g", func(n int) bool { return n == 0 }},
		{"contacts with 2 emails", "SELECT count(*) FROM (SELECT contact_id FROM contact_fields WHERE kind = 'email' GROUP BY contact_id HAVING count(*) = 2) AS g", func(n int) bool { return n > 50 }},
		{"contacts with 2 phones", "SELECT count(*) FROM (SELECT contact_id FROM contact_fields WHERE kind = 'phone' GROUP BY contact_id HAVING count(*) > 1) AS g", func(n int) bool { return n == 0 }},
		{"contacts with a phone", "SELECT count(DISTINCT contact_id) FROM contact_fields WHERE kind = 'phone'", func(n int) bool { return n > 100 && n < 500 }},
		{"emails not normalized", "SELECT count(*) FROM contact_fields WHERE kind = 'email' AND (value_norm <> lower(value_display) OR value_norm <> lower(value_norm))", func(n int) bool { return n == 0 }},
		{"emails displayed with capitals", "SELECT count(*) FROM contact_fields WHERE kind = 'email' AND value_display <> value_norm", func(n int) bool { return n > 0 }},
		{"chats", "SELECT count(*) FROM conversations WHERE kind = 'chat' AND inbox_id IN (SELECT id FROM inboxes WHERE kind = 'chat')", func(n int) bool { return n > 0 }},
		{"calls", "SELECT count(*) FROM conversations WHERE kind = 'call' AND inbox_id IN (SELECT id FROM inboxes WHERE kind = 'phone')", func(n int) bool { return n > 0 }},
		{"conversations without a contact", "SELECT count(*) FROM conversations WHERE contact_id IS NULL AND link_state = 'none'", func(n int) bool { return n > 0 && n < 20 }},
		{"verified links", "SELECT count(*) FROM conversations WHERE link_state = 'verified'", func(n int) bool { return n > 0 }},
		{"preliminary links", "SELECT count(*) FROM conversations WHERE link_state = 'preliminary'", func(n int) bool { return n > 0 }},
		{"customer messages", "SELECT count(*) FROM messages WHERE sender_kind = 'customer' AND sender_user_id IS NULL", func(n int) bool { return n > 0 }},
		{"agent messages by the owner", "SELECT count(*) FROM messages WHERE sender_kind = 'agent' AND sender_user_id = ?", func(n int) bool { return n > 0 }},
		{"agent messages by nobody", "SELECT count(*) FROM messages WHERE sender_kind = 'agent' AND sender_user_id IS NULL", func(n int) bool { return n == 0 }},
		{"different message texts", "SELECT count(DISTINCT body) FROM messages", func(n int) bool { return n > 100 }},
		{"messages with a placeholder left", "SELECT count(*) FROM messages WHERE body LIKE '%{%'", func(n int) bool { return n == 0 }},
		{"messages before their conversation", "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.created_at < c.started_at OR m.created_at > c.last_activity_at", func(n int) bool { return n == 0 }},
	} {
		var args []any
		if strings.Contains(c.query, "?") {
			args = append(args, users[0].ID)
		}
		if n := count(t, db, c.query, args...); !c.ok(n) {
			t.Errorf("%s: %d", c.what, n)
		}
	}
	rows, err := db.Query("SELECT value_norm FROM contact_fields WHERE kind = 'phone'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		rows.Scan(&v)
		if !e164.MatchString(v) {
			t.Errorf("phone %q is not in E.164 form", v)
		}
	}

	// Fewer than 1,000 of each were written, so the samples hold them all.
	if n := count(t, db, "SELECT count(*) FROM contact_fields WHERE kind = 'email'"); len(stats.SampleEmails) != n {
		t.Errorf("%d sample emails, want all %d", len(stats.SampleEmails), n)
	}
	if n := count(t, db, "SELECT count(*) FROM contact_fields WHERE kind = 'phone'"); len(stats.SamplePhones) != n {
		t.Errorf("%d sample phones, want all %d", len(stats.SamplePhones), n)
	}
	for _, e := range stats.SampleEmails {
		c, err := st.ContactByField(ctx, stats.OrgID, store.FieldEmail, e)
		if err != nil || c.Status != store.ContactActive {
			t.Fatalf("ContactByField(email %q) = %+v, %v", e, c, err)
		}
	}
	for _, p := range stats.SamplePhones {
		if _, err := st.ContactByField(ctx, stats.OrgID, store.FieldPhone, p); err != nil {
			t.Fatalf("ContactByField(phone %q): %v", p, err)
		}
	}
}

func TestRunIsRepeatable(t *testing.T) {
	texts := func(seed uint64) (Stats, []string) {
		st := testutil.NewStore(t)
		stats, err := Run(ctx, st, Options{Contacts: 200, Conversations: 40, MessagesPerConversation: 3, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		db := rawDB(t, st)
		joined := "group_concat(f.value_display, ',')"
		if db.Postgres {
			joined = "string_agg(f.value_display, ',' ORDER BY f.id)"
		}
		rows, err := db.Query(`SELECT c.name || '|' || ` + joined + `
			FROM contacts c JOIN contact_fields f ON f.contact_id = c.id GROUP BY c.id, c.name
			UNION ALL SELECT body FROM messages`)
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
		return stats, out
	}
	s1, a := texts(7)
	s2, b := texts(7)
	_, c := texts(8)
	if !slices.Equal(a, b) || !slices.Equal(s1.SampleEmails, s2.SampleEmails) || !slices.Equal(s1.SamplePhones, s2.SamplePhones) {
		t.Error("two runs with the same seed wrote different content")
	}
	if slices.Equal(a, c) {
		t.Error("runs with different seeds wrote the same content")
	}
}

func TestRunAgainUsesTheOrganizationAndKeepsValuesUnique(t *testing.T) {
	st := testutil.NewStore(t)
	first, err := Run(ctx, st, Options{Contacts: 300, Conversations: 10, MessagesPerConversation: 2, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Same seed again: the same names, but the addresses and numbers must not collide.
	second, err := Run(ctx, st, Options{Contacts: 300, Conversations: 10, MessagesPerConversation: 2, Seed: 3})
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if second.OrgID != first.OrgID {
		t.Errorf("second run wrote to organization %s, want the existing %s", second.OrgID, first.OrgID)
	}
	orgs, _ := st.Organizations(ctx)
	inboxes, _ := st.InboxesByOrg(ctx, first.OrgID)
	users, _ := st.UsersByOrg(ctx, first.OrgID)
	if len(orgs) != 1 || len(inboxes) != 2 || len(users) != 1 {
		t.Errorf("after two runs: %d organizations, %d inboxes, %d users; want 1, 2, 1", len(orgs), len(inboxes), len(users))
	}
	counts, _ := st.CountsByOrg(ctx, first.OrgID)
	if counts.Contacts != 600 || counts.Conversations != 20 {
		t.Errorf("CountsByOrg() = %+v, want 600 contacts and 20 conversations", counts)
	}
}

func TestRunWithoutContacts(t *testing.T) {
	st := testutil.NewStore(t)
	stats, err := Run(ctx, st, Options{Conversations: 5, MessagesPerConversation: 1})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Conversations != 5 || stats.Messages != 5 || stats.Contacts != 0 {
		t.Errorf("Stats = %+v, want 5 anonymous conversations of one message", stats)
	}
}

func TestPhoneNumbersAreUniqueAndE164(t *testing.T) {
	seen := make(map[string]bool)
	for k := uint64(0); k < 200_000; k++ {
		norm, display := phoneNumber(k, int(k%3))
		if !e164.MatchString(norm) {
			t.Fatalf("phoneNumber(%d) = %q, not E.164", k, norm)
		}
		if seen[norm] {
			t.Fatalf("phoneNumber(%d) = %q, already given", k, norm)
		}
		seen[norm] = true
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, display)
		if !strings.HasSuffix(norm, digits[len(digits)-7:]) {
			t.Fatalf("display %q does not match %q", display, norm)
		}
	}
	for _, size := range []uint64{usSize, ukSize, deSize} {
		if gcd(phoneMul%size, size) != 1 {
			t.Errorf("multiplier %d is not coprime with plan size %d: numbers would repeat", uint64(phoneMul), size)
		}
	}
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func TestRunStopsWhenCancelled(t *testing.T) {
	st := testutil.NewStore(t)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Run(cctx, st, Options{Contacts: 5000, Seed: 1}); err == nil {
		t.Fatal("Run with a cancelled context succeeded, want an error")
	}
}
