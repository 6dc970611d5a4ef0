package calls_test

// Benchmarks of the call webhook (figures in docs/benchmarks.md, "Calls: webhook to stored
// transaction", run by scripts/bench-contacts.sh), on the database the contact benchmarks use
// (backend/testutil/benchdata: VOUCHDESK_BENCH_CONTACTS background contacts, default 20,000; the
// figures use 1,000,000):
//
//   - BenchmarkCallWebhook: 100 call webhooks per iteration, from the request to the stored
//     transaction;
//   - BenchmarkCallLookupBare: the bare phone lookup statement, its baseline;
//   - BenchmarkCommitBare: one durable one-row commit on the same disk, its floor.

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/calls"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil/benchdata"
)

func TestMain(m *testing.M) {
	code := m.Run()
	benchdata.Close()
	os.Exit(code)
}

// BenchmarkCallWebhook measures a call webhook from the request to the stored transaction: the
// signature check, normalizing the caller (national display form, the organization's region),
// finding their contact among the seeded ones by phone (a new contact every fourth call), and the
// write of the call, its verification and its change record. The handler is called in process, so
// the figure leaves out only the network. BenchmarkCallLookupBare is the baseline: the bare
// indexed statement that finds a contact by E.164 phone.
var benchLine int

func BenchmarkCallWebhook(b *testing.B) {
	d, err := benchdata.Load()
	if err != nil {
		b.Fatal(err)
	}
	inbox := store.Inbox{ID: store.NewID(), OrgID: d.Org, Kind: store.InboxPhone, Name: "Bench line", PhoneNumber: "+12025550177",
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
	ref := calls.SecretRef(inbox.ID)
	benchLine++ // Go runs a benchmark more than once (b.N = 1 first): each run adds its own line
	inbox.PhoneNumber = fmt.Sprintf("+120255501%02d", 50+benchLine)
	if err := d.Store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetDefaultRegion(d.Org, "US", time.Now()); err != nil {
			return err
		}
		return tx.InsertPhoneInbox(inbox, ref)
	}); err != nil {
		b.Fatal(err)
	}
	const token = "bench-auth-token-0123456789abcdef"
	envName := "VOUCHD_" + strings.ToUpper(strings.ReplaceAll(ref, "-", "_")) + "_PASSWORD"
	sec := secrets.Env{Getenv: func(k string) string {
		if k == envName {
			return token
		}
		return ""
	}}
	const public = "https://desk.bench.test"
	svc := calls.New(d.Store, sec, time.Now, func() string { return public }, nil)
	mux := http.NewServeMux()
	svc.Routes(mux)
	var callers []string
	for _, p := range d.Stats.SamplePhones {
		if strings.HasPrefix(p, "+1") && len(p) == 12 {
			callers = append(callers, "("+p[2:5]+") "+p[5:8]+"-"+p[8:])
		}
	}
	if len(callers) == 0 {
		b.Fatal("bench: no sampled US phones")
	}
	path := "/calls/" + inbox.ID + "/voice"
	times := make([]time.Duration, 0, 100*b.N)
	b.ResetTimer()
	for i := range 100 * b.N { // one iteration is 100 calls
		from := callers[i%len(callers)]
		if i%4 == 3 {
			from = fmt.Sprintf("+1 (415) 7%02d-%04d", i/10_000%100, i%10_000)
		}
		form := url.Values{"CallSid": {fmt.Sprintf("CAbench%d-%010d", benchLine, i)}, "AccountSid": {"AC0123"}, "From": {from},
			"To": {inbox.PhoneNumber}, "CallStatus": {"ringing"}, "Direction": {"inbound"}}
		body := form.Encode()
		sig := calls.Signature(token, public+path, form)
		start := time.Now()
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(calls.SignatureHeader, sig)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		times = append(times, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("webhook: %d %s", rec.Code, rec.Body.String())
		}
	}
	b.StopTimer()
	benchdata.Percentiles(b, times, "")
}

func BenchmarkCallLookupBare(b *testing.B) {
	d, err := benchdata.Load()
	if err != nil {
		b.Fatal(err)
	}
	stmt := d.BareStatement(b, `SELECT contact_id FROM contact_fields WHERE org_id = ? AND kind = 'phone' AND value_norm = ? AND removed_at IS NULL`)
	times := make([]time.Duration, 0, 100*b.N)
	b.ResetTimer()
	for i := range 100 * b.N { // one iteration is 100 lookups, as BenchmarkCallWebhook
		start := time.Now()
		var id string
		err := stmt.QueryRow(d.Org, d.Stats.SamplePhones[i%len(d.Stats.SamplePhones)]).Scan(&id)
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	benchdata.Percentiles(b, times, "")
}

// BenchmarkCommitBare is the floor under every durable write on this disk: one row inserted and
// committed (WAL, synchronous=FULL, as the store sets) in a small database beside the benchmark's,
// 100 commits per iteration. A webhook's p99 cannot be lower than this one's.
func BenchmarkCommitBare(b *testing.B) {
	d, err := benchdata.Load()
	if err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(d.Dir, "bare.db")+"?_journal_mode=WAL&_synchronous=FULL&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, at INTEGER)`); err != nil {
		b.Fatal(err)
	}
	times := make([]time.Duration, 0, 100*b.N)
	b.ResetTimer()
	for range 100 * b.N {
		start := time.Now()
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO t VALUES (?, ?)`, store.NewID(), time.Now().UnixMilli()); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	benchdata.Percentiles(b, times, "")
}
