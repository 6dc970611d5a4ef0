package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

type searchPerson struct {
	name   string
	status string
	fields [][2]string // kind, E.164 or lower-case email
}

func addPeople(t *testing.T, s *store.Store, orgID string, people ...searchPerson) map[string]string {
	t.Helper()
	ids := map[string]string{}
	now := time.Now()
	if err := s.Write(ctx, func(tx *store.Tx) error {
		for _, p := range people {
			c := store.Contact{ID: store.NewID(), OrgID: orgID, Name: p.name, Status: p.status, CreatedAt: now, UpdatedAt: now}
			if err := tx.InsertContact(c); err != nil {
				return err
			}
			ids[p.name] = c.ID
			for _, f := range p.fields {
				if err := tx.InsertField(store.Field{ID: store.NewID(), OrgID: orgID, ContactID: c.ID, Kind: f[0], ValueNorm: f[1],
					ValueDisplay: f[1], CreatedAt: now}); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

func names(hits []store.ContactHit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.Name)
	}
	slices.Sort(out)
	return out
}

func TestSearchContacts(t *testing.T) {
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	other, _ := seedOrg(t, s)
	ids := addPeople(t, s, org.ID,
		searchPerson{"Ada Lovelace", store.ContactActive, [][2]string{{"email", "ada@example.com"}, {"phone", "+12025550143"}}},
		searchPerson{"Adam Smith", store.ContactActive, [][2]string{{"email", "adam.smith@shop.test"}}},
		searchPerson{"Grace Hopper", store.ContactActive, [][2]string{{"email", "grace_h@navy.test"}, {"phone", "+442079460958"}}},
		searchPerson{"Pending Person", store.ContactPending, [][2]string{{"email", "pending@example.com"}}},
	)
	addPeople(t, s, other.ID, searchPerson{"Ada Other", store.ContactActive, [][2]string{{"email", "ada@other.test"}}})

	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"", []string{"Ada Lovelace", "Adam Smith", "Grace Hopper"}},
		{"a", []string{"Ada Lovelace", "Adam Smith"}},   // name and email prefixes
		{"AD", []string{"Ada Lovelace", "Adam Smith"}},  // any case
		{"ada", []string{"Ada Lovelace", "Adam Smith"}}, // trigram
		{"lovel", []string{"Ada Lovelace"}},             // middle of a name
		{"OVELACE", []string{"Ada Lovelace"}},           // case-insensitive
		{"smith@sh", []string{"Adam Smith"}},            // email fragment
		{"example.com", []string{"Ada Lovelace"}},       // not the pending contact
		{"555 0143", []string{"Ada Lovelace"}},          // phone fragment, spaced
		{"(202) 555-0143", []string{"Ada Lovelace"}},    // national format
		{"+1 202 555 0143", []string{"Ada Lovelace"}},   // international format
		{"020 7946 0958", []string{"Grace Hopper"}},     // national trunk 0
		{"grace_h", []string{"Grace Hopper"}},           // '_' is literal
		{"grace%h", []string{}},                         // '%' is no wildcard
		{"hopper ada", []string{}},                      // a fragment, not words in any order
		{"ada@example.com", []string{"Ada Lovelace"}},   // exact
		{"nobody", []string{}},
	} {
		hits, more, err := s.SearchContacts(ctx, org.ID, tc.q, 50)
		if err != nil {
			t.Errorf("search %q: %v", tc.q, err)
			continue
		}
		if got := names(hits); !slices.Equal(got, tc.want) || more {
			t.Errorf("search %q = %v (more %v), want %v", tc.q, got, more, tc.want)
		}
	}
	// Exact match first, then names that start with the query.
	hits, _, _ := s.SearchContacts(ctx, org.ID, "adam.smith@shop.test", 50)
	if len(hits) == 0 || hits[0].ID != ids["Adam Smith"] || hits[0].Emails[0] != "adam.smith@shop.test" {
		t.Errorf("exact email: %+v", hits)
	}
	// Limit and more.
	hits, more, _ := s.SearchContacts(ctx, org.ID, "a", 1)
	if len(hits) != 1 || !more {
		t.Errorf("limit 1: %d hits, more %v", len(hits), more)
	}
	// Hostile input is text, never an error.
	for _, q := range []string{`"`, `*`, `AND`, `ada OR bob`, `-`, `:`, `(`, `NEAR(a b)`, `ünïcödé`, strings.Repeat("x", 500),
		"\x00\r\n", `%`, `_`, `\`, `'; DROP TABLE contacts; --`} {
		if _, _, err := s.SearchContacts(ctx, org.ID, q, 50); err != nil {
			t.Errorf("search %q: %v", q, err)
		}
	}
}

func TestSearchIndexFollowsChanges(t *testing.T) {
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	ids := addPeople(t, s, org.ID,
		searchPerson{"Ada Lovelace", store.ContactActive, [][2]string{{"email", "ada@example.com"}}},
		searchPerson{"Mo Caller", store.ContactActive, [][2]string{{"phone", "+12025550199"}}},
	)
	find := func(q string) []string {
		t.Helper()
		hits, _, err := s.SearchContacts(ctx, org.ID, q, 50)
		if err != nil {
			t.Fatal(err)
		}
		return names(hits)
	}
	// A merge moves Mo's phone to Ada and lists Mo no more: both are re-indexed.
	if err := s.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.MoveContactRows(org.ID, ids["Ada Lovelace"], ids["Mo Caller"], time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := find("5550199"); !slices.Equal(got, []string{"Ada Lovelace"}) {
		t.Errorf("after merge, the phone finds %v", got)
	}
	if got := find("Mo Cal"); len(got) != 0 {
		t.Errorf("a merged contact is still listed: %v", got)
	}
	// A rename and a removed field.
	if err := s.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetContactName(org.ID, ids["Ada Lovelace"], "Ada King", time.Now()); err != nil {
			return err
		}
		f, _, err := tx.FieldByValue(org.ID, store.FieldEmail, "ada@example.com")
		if err != nil {
			return err
		}
		return tx.RemoveField(org.ID, f.ID, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	if got := find("lovelace"); len(got) != 0 {
		t.Errorf("the old name still finds %v", got)
	}
	if got := find("king"); !slices.Equal(got, []string{"Ada King"}) {
		t.Errorf("the new name finds %v", got)
	}
	if got := find("example.com"); len(got) != 0 {
		t.Errorf("a removed email still finds %v", got)
	}
}

func TestLoaderIndexesWhatItLoads(t *testing.T) {
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	l, err := s.NewLoader(ctx, 7) // small batches: contacts and their fields fall in different ones
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i := range 50 {
		c := store.Contact{ID: store.NewID(), OrgID: org.ID, Name: "Loaded Person", Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
		if err := l.Contact(c); err != nil {
			t.Fatal(err)
		}
		for j := range 2 {
			v := "loaded" + string(rune('a'+j)) + strings.Repeat("x", i) + "@bulk.test"
			if err := l.Field(store.Field{ID: store.NewID(), OrgID: org.ID, ContactID: c.ID, Kind: "email", ValueNorm: v, ValueDisplay: v, CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]int{"loaded person": 50, "loadedb": 50, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx@": 2} {
		hits, _, err := s.SearchContacts(ctx, org.ID, q, 100)
		if err != nil || len(hits) != want {
			t.Errorf("search %q after a load = %d hits, %v; want %d", q, len(hits), err, want)
		}
	}
	// The triggers are back: an ordinary write is indexed.
	addPeople(t, s, org.ID, searchPerson{"After Load", store.ContactActive, nil})
	if hits, _, _ := s.SearchContacts(ctx, org.ID, "fter lo", 10); len(hits) != 1 {
		t.Errorf("a contact written after the load is not found: %v", hits)
	}
}

// SearchTerm is what the search-as-you-type baseline benchmark matches with, so it must be the
// term SearchContacts looks for: cleaned, lower-cased, or the digits of a phone-looking query.
func TestSearchTerm(t *testing.T) {
	for _, c := range []struct {
		query, term string
		phone       bool
	}{
		{"  Jane\tDOE ", "jane doe", false},
		{"(", "(", false},
		{"(2", "2", true},
		{"(202) 555-01", "20255501", true},
		{"020 7946", "207946", true},
		{"+44 20", "4420", true},
		{"ann@EX", "ann@ex", false},
	} {
		term, phone := store.SearchTerm(c.query)
		if term != c.term || phone != c.phone {
			t.Errorf("SearchTerm(%q) = %q, %v, want %q, %v", c.query, term, phone, c.term, c.phone)
		}
	}
}
