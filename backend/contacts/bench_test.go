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
//     BenchmarkSearchBareLike runs the bare trigram statement for the same fragments (3
//     characters and more), the baseline;
//   - BenchmarkCallWebhook: 100 call webhooks per iteration, from the request to the stored
//     transaction; BenchmarkCallLookupBare, the bare phone lookup statement, is its baseline,
//     and BenchmarkCommitBare, one durable one-row commit on the same disk, its floor.
//
// They share one database: VOUCHDESK_BENCH_CONTACTS background contacts from the seed generator
// (default 20,000; the figures use 1,000,000) plus the three big contacts, built once per test
// process under os.TempDir() and deleted when it ends.

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vouchdesk/backend/calls"
	"vouchdesk/backend/contacts"
	"vouchdesk/backend/secrets"
	"vouchdesk/backend/seed"
	"vouchdesk/backend/store"
)

type benchData struct {
	dir         string
	st          *store.Store
	org         string
	agent       store.User
	timeline    string // the contact with 10,000 transactions
	survivor    string
	mergedPhone string
	stats       seed.Stats
}

var (
	benchOnce sync.Once
	bench     *benchData
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if bench != nil {
		bench.st.Close()
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("VOUCHDESK_BENCH_CONTACTS")); err == nil && n >= 0 {
		return n
	}
	return 20_000
}

func loadBench() (*benchData, error) {
	benchOnce.Do(func() { bench, benchErr = buildBench() })
	return bench, benchErr
}

func buildBench() (*benchData, error) {
	dir, err := os.MkdirTemp("", "vouchdesk-contacts-bench-")
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		return nil, err
	}
	d := &benchData{dir: dir, st: st}
	n := benchSize()
	stats, err := seed.Run(ctx, st, seed.Options{Contacts: n, Conversations: n, MessagesPerConversation: 3, Seed: 6})
	if err != nil {
		return nil, err
	}
	d.org, d.stats = stats.OrgID, stats
	users, err := st.UsersByOrg(ctx, d.org)
	if err != nil || len(users) == 0 {
		return nil, fmt.Errorf("bench: no agent: %v", err)
	}
	d.agent = users[0]
	inboxes, err := st.InboxesByOrg(ctx, d.org)
	if err != nil {
		return nil, err
	}
	var chatInbox, phoneInbox string
	for _, in := range inboxes {
		if in.Kind == store.InboxChat {
			chatInbox = in.ID
		} else {
			phoneInbox = in.ID
		}
	}
	l, err := st.NewLoader(ctx, 0)
	if err != nil {
		return nil, err
	}
	now := time.Now().Add(-24 * time.Hour)
	person := func(name, kind, norm, display string) (store.Contact, store.Field, error) {
		c := store.Contact{ID: store.NewID(), OrgID: d.org, Name: name, Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
		f := store.Field{ID: store.NewID(), OrgID: d.org, ContactID: c.ID, Kind: kind, ValueNorm: norm, ValueDisplay: display, CreatedAt: now}
		if err := l.Contact(c); err != nil {
			return c, f, err
		}
		return c, f, l.Field(f)
	}
	conversations := func(c store.Contact, count, messages int) error {
		for i := range count {
			at := now.Add(-time.Duration(count-i) * time.Minute)
			kind, inbox := store.ConversationChat, chatInbox
			if messages == 0 && i%2 == 1 {
				kind, inbox = store.ConversationCall, phoneInbox
			}
			conv := store.Conversation{ID: store.NewID(), OrgID: d.org, InboxID: inbox, Kind: kind, Status: store.ConversationEnded,
				ContactID: c.ID, LinkState: store.LinkVerified, StartedAt: at, LastActivityAt: at, EndedAt: at.Add(time.Minute)}
			if err := l.Conversation(conv); err != nil {
				return err
			}
			msgs := messages
			if messages == 0 && kind == store.ConversationChat {
				msgs = 1
			}
			for j := range msgs {
				if err := l.Message(store.Message{ID: store.NewID(), OrgID: d.org, ConversationID: conv.ID, SenderKind: "customer",
					Body: "Where is my order " + strconv.Itoa(i) + "?", CreatedAt: at.Add(time.Duration(j) * time.Second)}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	tl, _, err := person("Tess Timeline", store.FieldEmail, "tess.timeline@bench.test", "tess.timeline@bench.test")
	if err != nil {
		return nil, err
	}
	sv, _, err := person("Sam Survivor", store.FieldEmail, "sam.survivor@bench.test", "sam.survivor@bench.test")
	if err != nil {
		return nil, err
	}
	mg, _, err := person("Mo Merged", store.FieldPhone, "+12025550999", "+1 202-555-0999")
	if err != nil {
		return nil, err
	}
	if err := conversations(tl, 10_000, 0); err != nil {
		return nil, err
	}
	if err := conversations(sv, 10, 3); err != nil {
		return nil, err
	}
	if err := conversations(mg, 5_000, 10); err != nil {
		return nil, err
	}
	if err := l.Close(); err != nil {
		return nil, err
	}
	d.timeline, d.survivor, d.mergedPhone = tl.ID, sv.ID, "+12025550999"
	return d, nil
}

func percentiles(b *testing.B, times []time.Duration, prefix string) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	at := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(p*float64(len(times))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), prefix+"p50-ms")
	b.ReportMetric(at(0.99), prefix+"p99-ms")
	b.ReportMetric(float64(times[len(times)-1].Microseconds())/1000, prefix+"max-ms")
}

func BenchmarkTimelineFirstPage(b *testing.B) {
	d, err := loadBench()
	if err != nil {
		b.Fatal(err)
	}
	times := make([]time.Duration, 0, 100*b.N)
	b.ResetTimer()
	for range 100 * b.N { // one iteration is 100 reads: enough samples for a p99
		start := time.Now()
		entries, _, err := d.st.Timeline(ctx, d.org, d.timeline, store.TimelineCursor{}, 50)
		times = append(times, time.Since(start))
		if err != nil || len(entries) != 50 {
			b.Fatalf("timeline: %d entries, %v", len(entries), err)
		}
	}
	b.StopTimer()
	percentiles(b, times, "")
}

func BenchmarkTimelineWhole(b *testing.B) {
	d, err := loadBench()
	if err != nil {
		b.Fatal(err)
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		entries, _, err := d.st.Timeline(ctx, d.org, d.timeline, store.TimelineCursor{}, 100_000)
		times = append(times, time.Since(start))
		if err != nil || len(entries) < 10_000 {
			b.Fatalf("timeline: %d entries, %v", len(entries), err)
		}
	}
	b.StopTimer()
	percentiles(b, times, "")
}

func BenchmarkMergeSave(b *testing.B) {
	d, err := loadBench()
	if err != nil {
		b.Fatal(err)
	}
	svc := contacts.New(d.st, time.Now)
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
			if _, _, err := d.st.Timeline(ctx, d.org, d.survivor, store.TimelineCursor{}, 50); err != nil {
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
		_, err := svc.Save(ctx, d.agent, contacts.Edit{ContactID: d.survivor, Name: "Sam Survivor",
			Add: []contacts.NewField{{Kind: store.FieldPhone, Value: d.mergedPhone, Verify: true}}})
		merges = append(merges, time.Since(start))
		merging.Store(false)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		ms, err := d.st.MergesOf(ctx, d.org, d.survivor)
		if err != nil || len(ms) == 0 || len(ms[0].Moved.Conversations) != 5_000 {
			b.Fatalf("merge moved %+v, %v", ms, err)
		}
		start = time.Now()
		if _, err := svc.UndoMerge(ctx, d.agent, ms[0].ID); err != nil {
			b.Fatal(err)
		}
		undos = append(undos, time.Since(start))
		b.StartTimer()
	}
	b.StopTimer()
	close(stop)
	<-done
	percentiles(b, merges, "merge-")
	percentiles(b, undos, "undo-")
	b.ReportMetric(float64(time.Duration(worstDuring.Load()).Microseconds())/1000, "reader-max-ms")
}

// keystrokes are the searches of a person typing 100 names, 100 emails and 100 phone numbers
// (display forms) of the seeded contacts, one search per character typed.
func keystrokes(b *testing.B, d *benchData) []string {
	var values []string
	for i, e := range d.stats.SampleEmails {
		if i == 100 {
			break
		}
		c, err := d.st.ContactByField(ctx, d.org, store.FieldEmail, e)
		if err != nil {
			b.Fatal(err)
		}
		values = append(values, c.Name, e)
	}
	for i, p := range d.stats.SamplePhones {
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
	d, err := loadBench()
	if err != nil {
		b.Fatal(err)
	}
	keys := keystrokes(b, d)
	var times []time.Duration
	b.ResetTimer()
	for range b.N { // one iteration types all 300 values
		for _, q := range keys {
			start := time.Now()
			_, _, err := d.st.SearchContacts(ctx, d.org, q, 50)
			times = append(times, time.Since(start))
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(keys)), "keystrokes")
	percentiles(b, times, "")
}

// bareStatement prepares a baseline's statement on a read-only connection of its own, closed
// when the benchmark ends.
func bareStatement(b *testing.B, d *benchData, query string) *sql.Stmt {
	db, err := sql.Open("sqlite3", "file:"+d.st.Path()+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	stmt, err := db.Prepare(query)
	if err != nil {
		b.Fatal(err)
	}
	return stmt
}

func BenchmarkSearchBareLike(b *testing.B) {
	d, err := loadBench()
	if err != nil {
		b.Fatal(err)
	}
	stmt := bareStatement(b, d, `SELECT rowid FROM contact_search WHERE doc LIKE ? LIMIT 51`)
	var keys []string
	for _, k := range keystrokes(b, d) {
		if len([]rune(k)) >= 3 {
			keys = append(keys, strings.ToLower(k))
		}
	}
	var times []time.Duration
	b.ResetTimer()
	for range b.N {
		for _, k := range keys {
			start := time.Now()
			rows, err := stmt.Query("%" + k + "%")
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
	percentiles(b, times, "")
}

// BenchmarkCallWebhook measures a call webhook from the request to the stored transaction: the
// signature check, normalizing the caller (national display form, the organization's region),
// finding their contact among the seeded ones by phone (a new contact every fourth call), and the
// write of the call, its verification and its change record. The handler is called in process, so
// the figure leaves out only the network. BenchmarkCallLookupBare is the baseline: the bare
// indexed statement that finds a contact by E.164 phone.
var benchLine int

func BenchmarkCallWebhook(b *testing.B) {
	d, err := loadBench()
	if err != nil {
		b.Fatal(err)
	}
	inbox := store.Inbox{ID: store.NewID(), OrgID: d.org, Kind: store.InboxPhone, Name: "Bench line", PhoneNumber: "+12025550177",
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
	ref := calls.SecretRef(inbox.ID)
	benchLine++ // Go runs a benchmark more than once (b.N = 1 first): each run adds its own line
	inbox.PhoneNumber = fmt.Sprintf("+120255501%02d", 50+benchLine)
	if err := d.st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetDefaultRegion(d.org, "US", time.Now()); err != nil {
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
	svc := calls.New(d.st, sec, time.Now, func() string { return public }, nil)
	mux := http.NewServeMux()
	svc.Routes(mux)
	var callers []string
	for _, p := range d.stats.SamplePhones {
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
	percentiles(b, times, "")
}

func BenchmarkCallLookupBare(b *testing.B) {
	d, err := loadBench()
	if err != nil {
		b.Fatal(err)
	}
	stmt := bareStatement(b, d, `SELECT contact_id FROM contact_fields WHERE org_id = ? AND kind = 'phone' AND value_norm = ? AND removed_at IS NULL`)
	times := make([]time.Duration, 0, 100*b.N)
	b.ResetTimer()
	for i := range 100 * b.N { // one iteration is 100 lookups, as BenchmarkCallWebhook
		start := time.Now()
		var id string
		err := stmt.QueryRow(d.org, d.stats.SamplePhones[i%len(d.stats.SamplePhones)]).Scan(&id)
		times = append(times, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	percentiles(b, times, "")
}

// BenchmarkCommitBare is the floor under every durable write on this disk: one row inserted and
// committed (WAL, synchronous=FULL, as the store sets) in a small database beside the benchmark's,
// 100 commits per iteration. A webhook's p99 cannot be lower than this one's.
func BenchmarkCommitBare(b *testing.B) {
	d, err := loadBench()
	if err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(d.dir, "bare.db")+"?_journal_mode=WAL&_synchronous=FULL&_txlock=immediate")
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
	percentiles(b, times, "")
}

// BenchmarkBackupWhileWorking backs up the whole benchmark database (Settings → Data → Back up)
// while a stand-in for the desktop keeps making the calls its views make: a contact search, the
// first page of a timeline and a small write, one after another without pause. It reports how long
// the backup took, its size, and the latency of those calls while it ran (the bar: p99
// under 50 ms).
func BenchmarkBackupWhileWorking(b *testing.B) {
	d, err := loadBench()
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var calls []time.Duration
	var took []time.Duration
	var size int64
	for i := range b.N {
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				var err error
				switch n % 3 {
				case 0:
					_, _, err = d.st.SearchContacts(ctx, d.org, "son", 50)
				case 1:
					_, _, err = d.st.Timeline(ctx, d.org, d.timeline, store.TimelineCursor{}, 50)
				default:
					err = d.st.Write(ctx, func(tx *store.Tx) error {
						return tx.Audit(d.org, store.AgentActor(d.agent.ID), "bench.touch", "contacts", d.survivor, nil)
					})
				}
				el := time.Since(start)
				if err != nil {
					panic(err)
				}
				mu.Lock()
				calls = append(calls, el)
				mu.Unlock()
			}
		}()
		dest := filepath.Join(d.dir, fmt.Sprintf("backup-%d.vdbackup", i))
		start := time.Now()
		info, err := d.st.Backup(ctx, dest)
		took = append(took, time.Since(start))
		close(stop)
		<-done
		if err != nil {
			b.Fatal(err)
		}
		size = info.Bytes
		os.Remove(dest)
	}
	b.StopTimer()
	b.ReportMetric(took[len(took)-1].Seconds(), "backup-s")
	b.ReportMetric(float64(size)/(1<<20), "backup-MiB")
	b.ReportMetric(float64(len(calls)), "ui-calls")
	percentiles(b, calls, "ui-")
}
