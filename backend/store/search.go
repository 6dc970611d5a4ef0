package store

import (
	"context"

	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// ContactHit is one contact found by SearchContacts, with what the list shows.
type ContactHit struct {
	ID       string
	Name     string
	Status   string
	Emails   []string // display forms, in the order they were added
	Phones   []string
	Verified bool // some live field has a standing verification
}

// MaxSearchQuery is the longest search text used, in bytes; longer input is cut.
const MaxSearchQuery = 320

// phoneLike reports whether a query looks like (part of) a phone number: digits with the usual
// punctuation, at least one digit. Such a query searches digits only.
func phoneLike(q string) bool {
	digits := 0
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-().", r):
		default:
			return false
		}
	}
	return digits > 0
}

// searchDigits turns a phone-looking query into the digits to find in E.164 numbers: the
// punctuation goes, and so does an international "00" or a national trunk "0", which E.164
// never holds ("020 7946" finds +442079460958).
func searchDigits(q string) string {
	var b strings.Builder
	for _, r := range q {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if !strings.HasPrefix(strings.TrimSpace(q), "+") {
		d = strings.TrimPrefix(d, "00")
		if len(d) > 3 {
			d = strings.TrimPrefix(d, "0")
		}
	}
	return d
}

// likePattern makes a LIKE pattern that finds term anywhere. LIKE's wildcards in the term are
// dropped ('%') or kept as a one-character wildcard ('_', common in emails); the exact check
// after the index (containsFold) removes what '_' lets through.
func likePattern(term string) string {
	return "%" + strings.ReplaceAll(term, "%", "") + "%"
}

// cleanSearchQuery is the query as searched: cut to MaxSearchQuery bytes, control characters
// and runs of white space made one space, trimmed.
func cleanSearchQuery(query string) string {
	if len(query) > MaxSearchQuery {
		query = strings.ToValidUTF8(query[:MaxSearchQuery], "")
	}
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, query)), " ")
}

// searchTerm is what a cleaned query is matched against in names, emails and phones: the query in
// lower case or, when it looks like a phone number (phone), its digits.
func searchTerm(q string) (term string, phone bool) {
	if phoneLike(q) {
		return searchDigits(q), true
	}
	return strings.ToLower(q), false
}

// SearchTerm is the text SearchContacts looks for in a query (see searchTerm), for benchmarks
// that must run the same lookups as SearchContacts without it.
func SearchTerm(query string) (term string, phone bool) {
	return searchTerm(cleanSearchQuery(query))
}

// SearchContacts finds the organization's listed contacts (status active) whose name, email or
// phone contains query, case-insensitively: at most limit of them, and whether there are more.
// An empty query lists contacts by name. Order: an exact email or phone first, then names that
// start with the query, then every other match. Fragments of three characters or more use the
// trigram index (migration 0007); shorter ones match the start of a name or an email through
// ordinary indexes, since a trigram index cannot answer them without reading every row.
func (s *Store) SearchContacts(ctx context.Context, orgID, query string, limit int) ([]ContactHit, bool, error) {
	q := cleanSearchQuery(query)
	ids := make([]string, 0, limit+1)
	seen := map[string]bool{}
	add := func(rows []string) {
		for _, id := range rows {
			if !seen[id] && len(ids) <= limit {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	full := func() bool { return len(ids) > limit }
	want := func() int { return limit + 1 - len(ids) + len(seen) }
	if q == "" {
		rows, err := s.idsQuery(ctx, `SELECT id FROM contacts WHERE org_id = ? AND status = 'active' ORDER BY name, id LIMIT ?`, []any{orgID, limit + 1})
		if err != nil {
			return nil, false, err
		}
		add(rows)
	} else {
		term, phone := searchTerm(q)
		query, args := exactAndPrefixQuery(orgID, q, term, phone, limit+1)
		rows, err := s.idsQuery(ctx, query, args)
		if err != nil {
			return nil, false, err
		}
		add(rows)
		switch {
		case full():
		case utf8.RuneCountInString(term) >= 3:
			// SQLite: an FTS5 trigram table keyed by rowid. PostgreSQL: a pg_trgm GIN index on a
			// lower-cased document per active contact (migrations/postgres/0001_schema.sql).
			rows, err := s.r.QueryContext(ctx, s.r.pick(`SELECT c.id, s.doc FROM contact_search s
				JOIN contact_search_keys k ON k.k = s.rowid JOIN contacts c ON c.id = k.contact_id
				WHERE s.doc LIKE ? AND c.org_id = ? AND c.status = 'active' LIMIT ?`,
				`SELECT c.id, s.doc FROM contact_search s JOIN contacts c ON c.id = s.contact_id
				WHERE s.doc LIKE ? AND s.org_id = ? AND c.status = 'active' LIMIT ?`), s.planEachTime(likePattern(term), orgID, want())...)
			if err != nil {
				return nil, false, fmt.Errorf("store: search contacts: %w", err)
			}
			var found []string
			for rows.Next() {
				var id, doc string
				if err := rows.Scan(&id, &doc); err != nil {
					rows.Close()
					return nil, false, fmt.Errorf("store: search contacts: %w", err)
				}
				if strings.Contains(strings.ToLower(doc), term) {
					found = append(found, id)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, false, fmt.Errorf("store: search contacts: %w", err)
			}
			add(found)
		case term != "":
			// One or two characters: emails (or numbers) that start with them.
			start := term
			if phone {
				start = "+" + term
			}
			rows, err := s.idsQuery(ctx, `SELECT f.contact_id FROM contact_fields f JOIN contacts c ON c.id = f.contact_id
				WHERE f.org_id = ? AND f.kind = ? AND f.value_norm >= ? AND f.value_norm < ? AND f.removed_at IS NULL
				AND c.status = 'active' LIMIT ?`, []any{orgID, map[bool]string{true: FieldPhone, false: FieldEmail}[phone], start, start + "\U0010FFFF", want()})
			if err != nil {
				return nil, false, err
			}
			add(rows)
		}
	}
	more := len(ids) > limit
	if more {
		ids = ids[:limit]
	}
	hits, err := s.contactHits(ctx, orgID, ids)
	return hits, more, err
}

// exactAndPrefixQuery is one statement (one round trip to PostgreSQL, where each costs more than
// the index reads themselves) for the first two ranks of a search: exact values first (what the
// agent pasted from an email or a caller id: the value in lower case, and for a phone-like query
// its E.164 form), then names that start with the query in the spellings people type, each
// spelling's names in order and at most limit of them. Ids may repeat; the caller keeps the first.
func exactAndPrefixQuery(orgID, q, term string, phone bool, limit int) (string, []any) {
	var parts []string
	var args []any
	exact := []any{strings.ToLower(q)}
	if phone && term != "" {
		exact = append(exact, "+"+term)
	}
	for i, v := range exact {
		parts = append(parts, fmt.Sprintf(`SELECT %d AS r, '' AS name, f.contact_id AS id FROM contact_fields f
			JOIN contacts c ON c.id = f.contact_id WHERE f.org_id = ? AND f.kind IN ('email', 'phone') AND f.value_norm = ?
			AND f.removed_at IS NULL AND c.status = 'active'`, i))
		args = append(args, orgID, v)
	}
	if !phone {
		for i, p := range prefixVariants(q) {
			// The inner ORDER BY and LIMIT make each spelling a short range read of the name index.
			parts = append(parts, fmt.Sprintf(`SELECT * FROM (SELECT %d AS r, name, id FROM contacts
				WHERE org_id = ? AND status = 'active' AND name >= ? AND name < ? ORDER BY name, id LIMIT ?) p%d`, len(exact)+i, i))
			args = append(args, orgID, p, p+"\U0010FFFF", limit)
		}
	}
	return "SELECT id FROM (" + strings.Join(parts, " UNION ALL ") + ") u ORDER BY r, name, id", args
}

// planEachTime prefixes a PostgreSQL statement's arguments with pgx's "exec" mode: the
// statement is sent unnamed and planned with its values each time. A LIKE '%…%' on the trigram
// index costs anything from nothing (a rare fragment) to a scan of the table (a common one), so
// a plan cached for all values (PostgreSQL switches a prepared statement to its generic plan
// after five runs) is wrong for most of them. SQLite's arguments are passed as they are.
func (s *Store) planEachTime(args ...any) []any {
	if !s.r.pg {
		return args
	}
	return append([]any{pgx.QueryExecModeExec}, args...)
}

// prefixVariants are the spellings of a name prefix worth a range read: as typed, with a
// capital first letter, in lower case.
func prefixVariants(q string) []string {
	out := []string{q}
	r, n := utf8.DecodeRuneInString(q)
	for _, v := range []string{string(unicode.ToUpper(r)) + strings.ToLower(q[n:]), strings.ToLower(q)} {
		if v != "" && !contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Store) idsQuery(ctx context.Context, query string, args []any) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search contacts: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: search contacts: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// contactHits reads what the list shows of the given contacts, in the given order.
func (s *Store) contactHits(ctx context.Context, orgID string, ids []string) ([]ContactHit, error) {
	out := make([]ContactHit, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	at := make(map[string]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	js, _ := json.Marshal(ids)
	rows, err := s.r.QueryContext(ctx, `SELECT c.id, c.name, c.status, coalesce(f.kind, ''), coalesce(f.value_display, ''),
		f.id IS NOT NULL AND EXISTS (SELECT 1 FROM verifications v WHERE v.field_id = f.id AND v.revoked_at IS NULL)
		FROM json_each(?) j JOIN contacts c ON c.id = j.value AND c.org_id = ?
		LEFT JOIN contact_fields f ON f.contact_id = c.id AND f.removed_at IS NULL
		ORDER BY j.key, f.created_at, f.id`, string(js), orgID)
	if err != nil {
		return nil, fmt.Errorf("store: contact hits: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name, status, kind, value string
		var verified bool
		if err := rows.Scan(&id, &name, &status, &kind, &value, &verified); err != nil {
			return nil, fmt.Errorf("store: contact hits: %w", err)
		}
		h := &out[at[id]]
		h.ID, h.Name, h.Status = id, name, status
		h.Verified = h.Verified || verified
		switch kind {
		case FieldEmail:
			h.Emails = append(h.Emails, value)
		case FieldPhone:
			h.Phones = append(h.Phones, value)
		}
	}
	return out, rows.Err()
}
