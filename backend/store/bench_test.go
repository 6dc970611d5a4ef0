package store_test

// Benchmarks of the store's hot paths, run by scripts/bench-store.sh (figures in docs/benchmarks.md):
//
//   - identity lookups (email or phone -> contact) through the store's API, ContactByField, and
//     through a bare prepared statement on the same index, the baseline the API is judged against;
//   - the bulk loader's throughput in rows per second;
//   - CandidateSubquery: a proposed rewrite of ContactByField's statement, measured beside the
//     others so the fix can be judged on the same database (not run by the script);
//   - BackupWhileWorking (backup_bench_test.go): Backup of the contact benchmarks' database while
//     the desktop's calls go on (run by scripts/bench-contacts.sh, not by this script).
//
// The lookup benchmarks share one database of VOUCHDESK_BENCH_CONTACTS contacts (default
// 1,000,000) made by the seed generator into a file under os.TempDir(). It is built once per test
// process, only when a lookup benchmark is selected, and deleted when the process ends; with
// VOUCHDESK_BENCH_KEEP=1 it is kept and a complete one is reused by the next run.
//
// With VOUCHDESK_TEST_POSTGRES set (as for the tests, backend/testutil) the lookup benchmarks run on
// PostgreSQL instead: the same seed loaded into a database of that server named
// vouchdesk_bench_<contacts>_seed42 (dropped at the end unless VOUCHDESK_BENCH_KEEP=1, which
// also reuses a complete one), and the bare statements in PostgreSQL's form through a
// database/sql pool (pgx) of their own.

import (
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"vouchdesk/backend/seed"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
	"vouchdesk/backend/testutil/benchdata"
)

const benchSeed = 42

// lookupPoolSize is about how many distinct existing values of each kind the lookups cycle
// through: enough that the benchmark does not just re-read a few hot index pages.
const lookupPoolSize = 100_000

type benchDatabase struct {
	path  string // the SQLite file, or the PostgreSQL database's URL
	pg    bool
	pgDB  string // the PostgreSQL database's name
	st    *store.Store
	bare  *sql.DB
	orgID string
	pool  map[string][]string // kind -> values that exist, in random order
	next  map[string]int      // kind -> where the next benchmark run starts in pool
}

var (
	benchOnce sync.Once
	benchDB   *benchDatabase
	benchErr  error
)

// lookupBenchmarks are the benchmarks that need the big database.
var lookupBenchmarks = []string{"BenchmarkContactByEmail", "BenchmarkContactByPhone",
	"BenchmarkBareStatementByEmail", "BenchmarkBareStatementByPhone",
	"BenchmarkCandidateSubqueryByEmail", "BenchmarkCandidateSubqueryByPhone"}

func TestMain(m *testing.M) {
	flag.Parse()
	// Build the database before the first benchmark prints its name, so the seed's report is not
	// printed in the middle of a result line. Plain `go test` (no -bench) never builds it.
	if pattern := flag.Lookup("test.bench").Value.String(); pattern != "" {
		if re, err := regexp.Compile(strings.Split(pattern, "/")[0]); err == nil &&
			slices.ContainsFunc(lookupBenchmarks, re.MatchString) {
			openBenchDatabase()
			if benchErr != nil {
				fmt.Fprintln(os.Stderr, "bench database:", benchErr)
				os.Exit(1)
			}
		}
	}
	code := m.Run()
	closeBenchDatabase()
	benchdata.Close() // BenchmarkBackupWhileWorking's database (backup_bench_test.go)
	os.Exit(code)
}

func benchContacts() (int, error) {
	v := os.Getenv("VOUCHDESK_BENCH_CONTACTS")
	if v == "" {
		return 1_000_000, nil
	}
	n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("VOUCHDESK_BENCH_CONTACTS=%q is not a positive number", v)
	}
	return n, nil
}

func keepBenchDatabase() bool { return os.Getenv("VOUCHDESK_BENCH_KEEP") == "1" }

func removeDatabase(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", ".lock", ".done"} {
		os.Remove(path + suffix)
	}
}

func openBenchDatabase() {
	benchOnce.Do(func() { benchDB, benchErr = buildBenchDatabase() })
}

func buildBenchDatabase() (*benchDatabase, error) {
	n, err := benchContacts()
	if err != nil {
		return nil, err
	}
	d := &benchDatabase{
		path: filepath.Join(os.TempDir(), fmt.Sprintf("vouchdesk-bench-%dcontacts-seed%d.db", n, benchSeed)),
		pg:   testutil.Postgres(),
		pool: map[string][]string{},
		next: map[string]int{},
	}
	reuse := false
	if d.pg {
		d.pgDB = fmt.Sprintf("vouchdesk_bench_%d_seed%d", n, benchSeed)
		if d.path, reuse, err = preparePostgresBench(d.pgDB); err != nil {
			return nil, err
		}
	} else {
		if keepBenchDatabase() {
			if _, err := os.Stat(d.path + ".done"); err == nil {
				reuse = true
			}
		}
		if !reuse {
			removeDatabase(d.path)
		}
	}
	if d.st, err = store.Open(ctx, d.path); err != nil {
		return nil, err
	}
	if reuse {
		orgs, err := d.st.Organizations(ctx)
		if err != nil || len(orgs) == 0 {
			d.st.Close()
			return nil, fmt.Errorf("reused bench database %s has no organization: %v", d.path, err)
		}
		d.orgID = orgs[0].ID
		fmt.Printf("# seed: reused %s (%d contacts, seed %d)\n", d.path, n, benchSeed)
	} else {
		opt := seed.Options{Contacts: n, Conversations: n / 10, MessagesPerConversation: 4, Seed: benchSeed}
		stats, err := seed.Run(ctx, d.st, opt)
		if err != nil {
			d.st.Close()
			d.remove()
			return nil, err
		}
		d.orgID = stats.OrgID
		var size int64
		if d.pg {
			size, _ = d.st.ReaderQuery(ctx, "SELECT pg_database_size(current_database())")
		} else if fi, err := os.Stat(d.path); err == nil {
			size = fi.Size()
		}
		fmt.Printf("# seed: %d contacts, %d fields, %d conversations, %d messages = %d rows in %.1f s (%.0f rows/s), %s %d MiB\n",
			stats.Contacts, stats.Fields, stats.Conversations, stats.Messages, stats.Rows,
			stats.Elapsed.Seconds(), float64(stats.Rows)/stats.Elapsed.Seconds(), map[bool]string{false: "file", true: "database"}[d.pg], size>>20)
		if keepBenchDatabase() {
			if d.pg {
				adminExec(fmt.Sprintf("COMMENT ON DATABASE %s IS 'complete'", d.pgDB))
			} else {
				os.WriteFile(d.path+".done", nil, 0o600)
			}
		}
	}

	// The baseline: the driver as it comes, no store around it. SQLite: mattn's, read-only (the
	// "file:" prefix matters: without it the driver drops the query string and mode=ro is
	// silently ignored). PostgreSQL: pgx through database/sql, as the store's pools.
	if d.pg {
		d.bare, err = sql.Open("pgx", d.path)
	} else {
		d.bare, err = sql.Open("sqlite3", "file:"+d.path+"?mode=ro")
	}
	if err != nil {
		d.st.Close()
		return nil, err
	}
	if err := d.fillPool(); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// fillPool picks about lookupPoolSize existing values of each kind, spread over the whole index,
// and shuffles them with a fixed seed.
func (d *benchDatabase) fillPool() error {
	r := rand.New(rand.NewPCG(benchSeed, 1))
	for _, kind := range []string{store.FieldEmail, store.FieldPhone} {
		var total int
		if err := d.bare.QueryRow(d.rebind("SELECT count(*) FROM contact_fields WHERE org_id = ? AND kind = ?"),
			d.orgID, kind).Scan(&total); err != nil {
			return err
		}
		step := max(1, total/lookupPoolSize)
		q := `SELECT value_norm FROM contact_fields
			WHERE org_id = ? AND kind = ? AND removed_at IS NULL AND rowid % ? = 0`
		if d.pg { // no rowid: every step-th row in the order of the keys
			q = `SELECT value_norm FROM (SELECT value_norm, row_number() OVER (ORDER BY id) AS n FROM contact_fields
				WHERE org_id = $1 AND kind = $2 AND removed_at IS NULL) f WHERE n % $3 = 0`
		}
		rows, err := d.bare.Query(q, d.orgID, kind, step)
		if err != nil {
			return err
		}
		var vs []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			vs = append(vs, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(vs) == 0 {
			return fmt.Errorf("bench database has no %s to look up", kind)
		}
		r.Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
		d.pool[kind] = vs
	}
	return nil
}

func (d *benchDatabase) close() {
	if d.bare != nil {
		d.bare.Close()
	}
	d.st.Close()
	if !keepBenchDatabase() {
		d.remove()
	}
}

// remove deletes the bench database: the SQLite file, or the PostgreSQL database.
func (d *benchDatabase) remove() {
	if d.pg {
		if err := adminExec("DROP DATABASE IF EXISTS " + d.pgDB + " WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "drop bench database:", err)
		}
		return
	}
	removeDatabase(d.path)
}

// rebind writes a statement's `?` parameters as PostgreSQL's `$N` on PostgreSQL.
func (d *benchDatabase) rebind(q string) string {
	if d.pg {
		return store.PostgresParams(q)
	}
	return q
}

// preparePostgresBench returns the URL of the PostgreSQL bench database name on the test server,
// and whether it is a complete one to reuse (VOUCHDESK_BENCH_KEEP=1 and marked complete);
// otherwise it is created afresh.
func preparePostgresBench(name string) (location string, reuse bool, err error) {
	admin := os.Getenv(testutil.PostgresEnv)
	u, err := url.Parse(admin)
	if err != nil {
		return "", false, err
	}
	u.Path = "/" + name
	if keepBenchDatabase() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return "", false, err
		}
		var comment *string
		err = conn.QueryRow(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, name).Scan(&comment)
		conn.Close(ctx)
		if err == nil && comment != nil && *comment == "complete" {
			return u.String(), true, nil
		}
	}
	if err := adminExec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
		return "", false, err
	}
	return u.String(), false, adminExec("CREATE DATABASE " + name)
}

// adminExec runs one statement on the test server's admin database.
func adminExec(q string) error {
	conn, err := pgx.Connect(ctx, os.Getenv(testutil.PostgresEnv))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, q)
	return err
}

func closeBenchDatabase() {
	if benchDB != nil {
		benchDB.close()
	}
}

func lookupDatabase(b *testing.B) *benchDatabase {
	b.Helper()
	openBenchDatabase()
	if benchErr != nil {
		b.Fatalf("bench database: %v", benchErr)
	}
	return benchDB
}

// benchLookups times b.N lookups of different existing values of kind and reports, besides
// ns/op, the median and 99th percentile latency of one lookup.
func benchLookups(b *testing.B, d *benchDatabase, kind string, lookup func(value string) error) {
	pool := d.pool[kind]
	start := d.next[kind]
	d.next[kind] += b.N
	lat := make([]time.Duration, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v := pool[(start+i)%len(pool)]
		t0 := time.Now()
		err := lookup(v)
		lat[i] = time.Since(t0)
		if err != nil {
			b.Fatalf("lookup %s %q: %v", kind, v, err)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(percentile(lat, 50).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(percentile(lat, 99).Nanoseconds()), "p99-ns")
}

// percentile returns the p-th percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func benchAPI(b *testing.B, kind string) {
	d := lookupDatabase(b)
	benchLookups(b, d, kind, func(v string) error {
		c, err := d.st.ContactByField(ctx, d.orgID, kind, v)
		if err == nil && c.ID == "" {
			err = fmt.Errorf("empty contact")
		}
		return err
	})
}

func benchBare(b *testing.B, kind string) {
	d := lookupDatabase(b)
	q := `SELECT contact_id FROM contact_fields
		WHERE org_id = ? AND kind = ? AND value_norm = ? AND removed_at IS NULL`
	if d.pg {
		q = `SELECT contact_id FROM contact_fields
		WHERE org_id = $1 AND kind = $2 AND value_norm = $3 AND removed_at IS NULL`
	}
	stmt, err := d.bare.Prepare(q)
	if err != nil {
		b.Fatal(err)
	}
	defer stmt.Close()
	benchLookups(b, d, kind, func(v string) error {
		var id string
		return stmt.QueryRowContext(ctx, d.orgID, kind, v).Scan(&id)
	})
}

// benchSubquery measures a candidate rewrite of ContactByField's statement, the same seven columns
// read through a scalar subquery instead of a JOIN, on the bare connection. The JOIN form makes
// SQLite mark the bound parameters as "re-prepare on bind", and the driver's clear_bindings after
// every execution then expires the statement: each lookup parses and plans the query again
// (see docs/benchmarks.md). The subquery form is not affected.
func benchSubquery(b *testing.B, kind string) {
	d := lookupDatabase(b)
	stmt, err := d.bare.Prepare(d.rebind(`SELECT id, org_id, name, status, coalesce(merged_into, ''), created_at, updated_at
		FROM contacts WHERE id = (SELECT contact_id FROM contact_fields
		WHERE org_id = ? AND kind = ? AND value_norm = ? AND removed_at IS NULL)`))
	if err != nil {
		b.Fatal(err)
	}
	defer stmt.Close()
	benchLookups(b, d, kind, func(v string) error {
		var c store.Contact
		var created, updated int64
		err := stmt.QueryRowContext(ctx, d.orgID, kind, v).Scan(&c.ID, &c.OrgID, &c.Name, &c.Status,
			&c.MergedInto, &created, &updated)
		c.CreatedAt, c.UpdatedAt = store.FromMillis(created), store.FromMillis(updated)
		return err
	})
}

func BenchmarkContactByEmail(b *testing.B)           { benchAPI(b, store.FieldEmail) }
func BenchmarkContactByPhone(b *testing.B)           { benchAPI(b, store.FieldPhone) }
func BenchmarkBareStatementByEmail(b *testing.B)     { benchBare(b, store.FieldEmail) }
func BenchmarkBareStatementByPhone(b *testing.B)     { benchBare(b, store.FieldPhone) }
func BenchmarkCandidateSubqueryByEmail(b *testing.B) { benchSubquery(b, store.FieldEmail) }
func BenchmarkCandidateSubqueryByPhone(b *testing.B) { benchSubquery(b, store.FieldPhone) }

// bulkContacts sets the size of one bulk load: 80,000 contacts, each with an email, half of them
// with a phone as well, 200,000 rows in all.
const bulkContacts = 80_000

type bulkContact struct {
	c      store.Contact
	fields []store.Field
}

// BenchmarkBulkLoad loads 200,000 rows (contacts and their fields) through the store's Loader
// into a fresh database per iteration. Only the load is timed, from NewLoader to the last
// commit; making the rows and the empty database is not.
func BenchmarkBulkLoad(b *testing.B) {
	now := time.Now()
	r := rand.New(rand.NewPCG(benchSeed, 2))
	names := []string{"ada", "ben", "chen", "dara", "eli", "fatima", "gus", "hana", "ivan", "jo", "kai", "lena"}
	orgID := store.NewID()
	data := make([]bulkContact, bulkContacts)
	rows := 0
	for i := range data {
		c := store.Contact{ID: store.NewID(), OrgID: orgID, Name: "Customer " + strconv.Itoa(i),
			Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
		email := names[r.IntN(len(names))] + "." + names[r.IntN(len(names))] + strconv.Itoa(i) + "@example.com"
		fs := []store.Field{{ID: store.NewID(), OrgID: orgID, ContactID: c.ID, Kind: store.FieldEmail,
			ValueNorm: email, ValueDisplay: email, CreatedAt: now}}
		if i%2 == 0 {
			// The last seven digits are i: unique.
			phone := fmt.Sprintf("+1%d%07d", 201+r.IntN(700), i)
			fs = append(fs, store.Field{ID: store.NewID(), OrgID: orgID, ContactID: c.ID, Kind: store.FieldPhone,
				ValueNorm: phone, ValueDisplay: phone, CreatedAt: now})
		}
		data[i] = bulkContact{c, fs}
		rows += 1 + len(fs)
	}

	b.ResetTimer()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		path := filepath.Join(b.TempDir(), "bulk.db")
		st, err := store.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Write(ctx, func(tx *store.Tx) error {
			return tx.InsertOrganization(store.Organization{ID: orgID, Name: "Bulk", CreatedAt: now, UpdatedAt: now})
		}); err != nil {
			b.Fatal(err)
		}

		b.StartTimer()
		l, err := st.NewLoader(ctx, 0)
		if err != nil {
			b.Fatal(err)
		}
		for _, bc := range data {
			if err := l.Contact(bc.c); err != nil {
				b.Fatal(err)
			}
			for _, f := range bc.fields {
				if err := l.Field(f); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := l.Close(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()

		if l.Rows() != rows {
			b.Fatalf("loaded %d rows, want %d", l.Rows(), rows)
		}
		st.Close()
		removeDatabase(path)
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(rows), "rows/load")
}
