package contacts_test

// Benchmarks of the contact view and merges at the sizes issue 6 names (figures in
// docs/benchmarks.md, run by scripts/bench-contacts.sh):
//
//   - BenchmarkTimelineFirstPage / BenchmarkTimelineWhole: the timeline of a contact with 10,000
//     transactions (5,000 chats with a message each, 5,000 calls), first page of 50 (100 reads
//     per iteration) and all of it;
//   - BenchmarkMergeSave: Manage Contact Information's Save that merges a contact holding 5,000
//     conversations and 50,000 messages, with a reader reading the survivor's timeline the whole
//     time; reports the longest single read that overlapped a merge. Each merge is undone
//     (untimed, reported apart) so the next iteration merges the same pair again;
//   - BenchmarkSearchKeystrokes: search as you type: for 300 names, emails and phone numbers
//     sampled from the seed, every prefix from the first character to the whole value is one
//     search (limit 50), as a person typing it; one iteration types all of them.
//     BenchmarkSearchBareLike, the baseline, runs for the same keystrokes the bare statement that
//     finds the matches of each (see there).
//
// The call webhook benchmarks are in backend/calls, the backup one in backend/store. All share
// one database (backend/testutil/benchdata): VOUCHDESK_BENCH_CONTACTS background contacts from the
// seed generator (default 20,000; the figures use 1,000,000) plus three big contacts, built once
// per test process under os.TempDir() and deleted when it ends.

import (
	"database/sql"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"vouchdesk/backend/contacts"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil/benchdata"
)

func TestMain(m *testing.M) {
	code := m.Run()
	benchdata.Close()
	os.Exit(code)
}

func BenchmarkTimelineFirstPage(b *testing.B) {
	d, err := benchdata.Load()
	if err != nil {
		b.Fatal(err)
	}
	times := make([]time.Duration, 0, 100*b.N)
	b.ResetTimer()
	for range 100 * b.N { // one iteration is 100 reads: enough samples for a p99
		start := time.Now()
		entries, _, err := d.Store.Timeline(ctx, d.Org, d.Timeline, store.TimelineCursor{}, 50)
		times = append(times, time.Since(start))
		if err != nil || len(entries) != 50 {
			b.Fatalf("timeline: %d entries, %v", len(entries), err)
		}
	}
	b.StopTimer()
	benchdata.Percentiles(b, times, "")
}

func BenchmarkTimelineWhole(b *testing.B) {
	d, err := benchdata.Load()
	if err != nil {
		b.Fatal(err)
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		entries, _, err := d.Store.Timeline(ctx, d.Org, d.Timeline, store.TimelineCursor{}, 100_000)
		times = append(times, time.Since(start))
		if err != nil || len(entries) < 10_000 {
			b.Fatalf("timeline: %d entries, %v", len(entries), err)
		}
	}
	b.StopTimer()
	benchdata.Percentiles(b, times, "")
}

func BenchmarkMergeSave(b *testing.B) {
	d, err := benchdata.Load()
	if err != nil {
		b.Fatal(err)
	}
	svc := contacts.New(d.Store, time.Now)
	var merging atomic.Bool
	var worstDuring atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // a reader on the survivor's timeline the whole time
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			during := merging.Load()
			start := time.Now()
			if _, _, err := d.Store.Timeline(ctx, d.Org, d.Survivor, store.TimelineCursor{}, 50); err != nil {
				panic(err)
			}
			if el := time.Since(start); during || merging.Load() {
				for {
					old := worstDuring.Load()
					if int64(el) <= old || worstDuring.CompareAndSwap(old, int64(el)) {
						break
					}
				}
			}
		}
	}()
	var merges, undos []time.Duration
	b.ResetTimer()
	for range b.N {
		merging.Store(true)
		start := time.Now()
		_, err := svc.Save(ctx, d.Agent, contacts.Edit{ContactID: d.Survivor, Name: "Sam Survivor",
			Add: []contacts.NewField{{Kind: store.FieldPhone, Value: d.MergedPhone, Verify: true}}})
		merges = append(merges, time.Since(start))
		merging.Store(false)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		ms, err := d.Store.MergesOf(ctx, d.Org, d.Survivor)
		if err != nil || len(ms) == 0 || len(ms[0].Moved.Conversations) != 5_000 {
			b.Fatalf("merge moved %+v, %v", ms, err)
		}
		start = time.Now()
		if _, err := svc.UndoMerge(ctx, d.Agent, ms[0].ID); err != nil {
			b.Fatal(err)
		}
		undos = append(undos, time.Since(start))
		b.StartTimer()
	}
	b.StopTimer()
	close(stop)
	<-done
	benchdata.Percentiles(b, merges, "merge-")
	benchdata.Percentiles(b, undos, "undo-")
	b.ReportMetric(float64(time.Duration(worstDuring.Load()).Microseconds())/1000, "reader-max-ms")
}

// keystrokes are the searches of a person typing 100 names, 100 emails and 100 phone numbers
// (display forms) of the seeded contacts, one search per character typed.
func keystrokes(b *testing.B, d *benchdata.Data) []string {
	var values []string
	for i, e := range d.Stats.SampleEmails {
		if i == 100 {
			break
		}
		c, err := d.Store.ContactByField(ctx, d.Org, store.FieldEmail, e)
		if err != nil {
			b.Fatal(err)
		}
		values = append(values, c.Name, e)
	}
	for i, p := range d.Stats.SamplePhones {
		if i == 100 {
			break
		}
		values = append(values, "("+p[2:5]+") "+p[5:8]+"-"+p[8:])
	}
	var out []string
	for _, v := range values {
		r := []rune(v)
		for n := 1; n <= len(r); n++ {
			out = append(out, string(r[:n]))
		}
	}
	return out
}

func BenchmarkSearchKeystrokes(b *testing.B) {
	d, err := benchdata.Load()
	if err != nil {
		b.Fatal(err)
	}
	keys := keystrokes(b, d)
	var times []time.Duration
	b.ResetTimer()
	for range b.N { // one iteration types all 300 values
		for _, q := range keys {
			start := time.Now()
			_, _, err := d.Store.SearchContacts(ctx, d.Org, q, 50)
			times = append(times, time.Since(start))
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(keys)), "keystrokes")
	benchdata.Percentiles(b, times, "")
}

// BenchmarkSearchBareLike is BenchmarkSearchKeystrokes' baseline: for the very same keystrokes,
// every one of them, the one bare statement that finds what SearchContacts matches for it, on a
// connection of its own (prepared once on SQLite; planned with its values on PostgreSQL):
//
//   - the same term: store.SearchTerm, what SearchContacts itself uses: the keystroke in lower case,
//     or for one that looks like a phone number its digits ("(202) 55" is "20255"; the index holds
//     phones as E.164, so the typed form would find nothing);
//   - three characters or more: SearchContacts' trigram statement (contact_search LIKE '%term%'
//     joined to the organization's active contacts, LIMIT 51), its rows read;
//   - one or two: its indexed range read of the emails (or, for digits, the numbers) that start
//     with the term, LIMIT 51 (a trigram index cannot answer these).
//
// SearchContacts skips that statement when exact values and names that start with the keystroke
// already fill the page; the baseline always runs it, so every keystroke costs one statement.
//
// On PostgreSQL (VOUCHDESK_TEST_POSTGRES set, see backend/testutil/benchdata) the same statements in
// PostgreSQL's form, through a database/sql pool of their own, each planned with its values as the
// store plans them (benchdata.BareQuery).
//
// What the ratio between the two then prices is what SearchContacts does around that statement:
// the exact-value lookups, the name-prefix reads (up to three spellings), and reading the hits'
// names, emails, phones and verification state. (Before, this baseline skipped the 1-2 character
// keystrokes and LIKEd the typed phone form, which matches nothing: a ratio of different work.)
func BenchmarkSearchBareLike(b *testing.B) {
	d, err := benchdata.Load()
	if err != nil {
		b.Fatal(err)
	}
	likeSQL := `SELECT c.id, s.doc FROM contact_search s
		JOIN contact_search_keys k ON k.k = s.rowid JOIN contacts c ON c.id = k.contact_id
		WHERE s.doc LIKE ? AND c.org_id = ? AND c.status = 'active' LIMIT 51`
	if d.Postgres { // SearchContacts' PostgreSQL form: the pg_trgm GIN index on contact_search.doc
		likeSQL = `SELECT c.id, s.doc FROM contact_search s JOIN contacts c ON c.id = s.contact_id
		WHERE s.doc LIKE $1 AND s.org_id = $2 AND c.status = 'active' LIMIT 51`
	}
	like := d.BareQuery(b, likeSQL)
	prefix := d.BareQuery(b, `SELECT f.contact_id FROM contact_fields f JOIN contacts c ON c.id = f.contact_id
		WHERE f.org_id = ? AND f.kind = ? AND f.value_norm >= ? AND f.value_norm < ? AND f.removed_at IS NULL
		AND c.status = 'active' LIMIT 51`)
	keys := keystrokes(b, d)
	type lookup struct {
		query func(args ...any) (*sql.Rows, error)
		args  []any
	}
	lookups := make([]lookup, len(keys))
	for i, k := range keys {
		term, phone := store.SearchTerm(k)
		switch {
		case utf8.RuneCountInString(term) >= 3:
			// SearchContacts drops '%' from the term (likePattern); none of these keystrokes has one.
			lookups[i] = lookup{like, []any{"%" + strings.ReplaceAll(term, "%", "") + "%", d.Org}}
		case term != "":
			kind, start := store.FieldEmail, term
			if phone {
				kind, start = store.FieldPhone, "+"+term
			}
			lookups[i] = lookup{prefix, []any{d.Org, kind, start, start + "\U0010FFFF"}}
		default:
			b.Fatalf("keystroke %q has no search term: no bare statement matches it", k)
		}
	}
	var times []time.Duration
	b.ResetTimer()
	for range b.N { // one iteration types all 300 values, as BenchmarkSearchKeystrokes
		for _, l := range lookups {
			start := time.Now()
			rows, err := l.query(l.args...)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
			times = append(times, time.Since(start))
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(keys)), "keystrokes")
	benchdata.Percentiles(b, times, "")
}
