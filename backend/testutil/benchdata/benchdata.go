// Package benchdata builds the database the contact, call and backup benchmarks share (figures in
// docs/benchmarks.md, run by scripts/bench-contacts.sh): VOUCHDESK_BENCH_CONTACTS background
// contacts from the seed generator (default 20,000; the figures use 1,000,000), each with a
// conversation of about 3 messages, plus three big contacts:
//
//   - Timeline: 10,000 transactions (5,000 chats with a message each, 5,000 calls);
//   - Survivor: 10 conversations of 3 messages, the contact a merge keeps;
//   - the holder of MergedPhone: 5,000 conversations and 50,000 messages, the contact it absorbs.
//
// One database is built per test process, on first use, under os.TempDir() or, when
// VOUCHDESK_TEST_POSTGRES names a server (as for the tests, backend/testutil), as a new database on
// that server; the benchmark package's TestMain calls Close to delete it. VOUCHDESK_BENCH_CONVERSATIONS
// sets the number of background conversations (default: one per contact), for runs that only
// search contacts. The benchmarks live beside the code they measure
// (contacts, calls, store); sharing the database keeps their figures about the same data.
package benchdata

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"vouchdesk/backend/seed"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// Data is the shared benchmark database and what the benchmarks need to find in it.
type Data struct {
	Dir         string // the temporary folder holding the database; benchmarks may write beside it
	Store       *store.Store
	Postgres    bool   // the database is a PostgreSQL one (Location is its URL)
	Location    string // the SQLite file's path or the PostgreSQL database's URL
	Org         string
	Agent       store.User
	Timeline    string // the contact with 10,000 transactions
	Survivor    string
	MergedPhone string // the phone number of the contact with 5,000 conversations
	Stats       seed.Stats
	pgName      string
}

var (
	once    sync.Once
	shared  *Data
	loadErr error
)

// Size is how many background contacts the database holds: VOUCHDESK_BENCH_CONTACTS, or 20,000.
func Size() int {
	if n, err := strconv.Atoi(os.Getenv("VOUCHDESK_BENCH_CONTACTS")); err == nil && n >= 0 {
		return n
	}
	return 20_000
}

// Load returns the process's benchmark database, building it on the first call.
func Load() (*Data, error) {
	once.Do(func() { shared, loadErr = build(context.Background()) })
	return shared, loadErr
}

// Close closes and deletes the database if it was built (call it from TestMain after m.Run).
func Close() {
	if shared != nil {
		shared.Store.Close()
		os.RemoveAll(shared.Dir)
		if shared.Postgres {
			if err := adminExec(os.Getenv(testutil.PostgresEnv), "DROP DATABASE IF EXISTS "+shared.pgName+" WITH (FORCE)"); err != nil {
				fmt.Fprintln(os.Stderr, "benchdata: drop", shared.pgName+":", err)
			}
		}
	}
}

// conversations is how many background conversations to seed: VOUCHDESK_BENCH_CONVERSATIONS, or
// one per contact.
func conversations(contacts int) int {
	if n, err := strconv.Atoi(os.Getenv("VOUCHDESK_BENCH_CONVERSATIONS")); err == nil && n >= 0 {
		return n
	}
	return contacts
}

// PostgreSQL: a database of its own on the test server, named at random.
func postgresLocation() (name, location string, err error) {
	admin := os.Getenv(testutil.PostgresEnv)
	var b [6]byte
	rand.Read(b[:])
	name = "vd_bench_" + hex.EncodeToString(b[:])
	if err := adminExec(admin, "CREATE DATABASE "+name); err != nil {
		return "", "", err
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", "", err
	}
	u.Path = "/" + name
	return name, u.String(), nil
}

func adminExec(admin, q string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, q)
	return err
}

func build(ctx context.Context) (*Data, error) {
	dir, err := os.MkdirTemp("", "vouchdesk-contacts-bench-")
	if err != nil {
		return nil, err
	}
	d := &Data{Dir: dir, Location: filepath.Join(dir, "bench.db"), Postgres: testutil.Postgres()}
	if d.Postgres {
		if d.pgName, d.Location, err = postgresLocation(); err != nil {
			return nil, err
		}
	}
	st, err := store.Open(ctx, d.Location)
	if err != nil {
		return nil, err
	}
	d.Store = st
	n := Size()
	stats, err := seed.Run(ctx, st, seed.Options{Contacts: n, Conversations: conversations(n), MessagesPerConversation: 3, Seed: 6})
	if err != nil {
		return nil, err
	}
	d.Org, d.Stats = stats.OrgID, stats
	users, err := st.UsersByOrg(ctx, d.Org)
	if err != nil || len(users) == 0 {
		return nil, fmt.Errorf("bench: no agent: %v", err)
	}
	d.Agent = users[0]
	inboxes, err := st.InboxesByOrg(ctx, d.Org)
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
		c := store.Contact{ID: store.NewID(), OrgID: d.Org, Name: name, Status: store.ContactActive, CreatedAt: now, UpdatedAt: now}
		f := store.Field{ID: store.NewID(), OrgID: d.Org, ContactID: c.ID, Kind: kind, ValueNorm: norm, ValueDisplay: display, CreatedAt: now}
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
			conv := store.Conversation{ID: store.NewID(), OrgID: d.Org, InboxID: inbox, Kind: kind, Status: store.ConversationEnded,
				ContactID: c.ID, LinkState: store.LinkVerified, StartedAt: at, LastActivityAt: at, EndedAt: at.Add(time.Minute)}
			if err := l.Conversation(conv); err != nil {
				return err
			}
			msgs := messages
			if messages == 0 && kind == store.ConversationChat {
				msgs = 1
			}
			for j := range msgs {
				if err := l.Message(store.Message{ID: store.NewID(), OrgID: d.Org, ConversationID: conv.ID, SenderKind: "customer",
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
	d.Timeline, d.Survivor, d.MergedPhone = tl.ID, sv.ID, "+12025550999"
	return d, nil
}

// Percentiles reports the p50, p99 and maximum of times in milliseconds, as prefix+"p50-ms" and so on.
func Percentiles(b *testing.B, times []time.Duration, prefix string) {
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

// BareQuery is BareStatement for a statement whose best plan depends on its values (a LIKE
// '%…%' on a trigram index): on PostgreSQL it is sent unnamed and planned with its values at
// each call (pgx's exec mode), as the store sends it, since a prepared statement switches to a
// generic plan after five runs; SQLite has no generic plans, so it is prepared once.
func (d *Data) BareQuery(b *testing.B, query string) func(args ...any) (*sql.Rows, error) {
	if !d.Postgres {
		return d.BareStatement(b, query).Query
	}
	db, err := sql.Open("pgx", d.Location)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	query = store.PostgresParams(query)
	return func(args ...any) (*sql.Rows, error) {
		return db.Query(query, append([]any{pgx.QueryExecModeExec}, args...)...)
	}
}

// BareStatement prepares a baseline's statement on a read-only connection of its own, closed
// when the benchmark ends: the same SQLite file, none of the store's code around it. On
// PostgreSQL: a database/sql pool of its own (pgx, as the store's) on the same database, and the
// statement's `?` parameters written as `$N`.
func (d *Data) BareStatement(b *testing.B, query string) *sql.Stmt {
	var db *sql.DB
	var err error
	if d.Postgres {
		db, err = sql.Open("pgx", d.Location)
		query = store.PostgresParams(query)
	} else {
		db, err = sql.Open("sqlite3", "file:"+d.Store.Path()+"?mode=ro")
	}
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
