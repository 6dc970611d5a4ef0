package integration

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/org"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// The helpers of the multi-node tests (nodes_test.go, livechat_nodes_test.go): a fresh PostgreSQL
// database, vouchd nodes on it, and what the tests read of it (node presence, the outbox, /healthz).

// itPostgresEnv is the PostgreSQL scripts/integration-test.sh starts for the tests of several
// nodes (a URL as in testutil.PostgresEnv).
const itPostgresEnv = "VOUCHDESK_IT_POSTGRES"

// cluster is one fresh PostgreSQL database shared by vouchd nodes. Every node has a config file of
// its own: the same but for http.listen.
type cluster struct {
	t    *testing.T
	e    mailEnv
	bin  string
	dir  string
	db   string // the database's URL (no password: the test server trusts local connections)
	raw  *testutil.RawDB
	imap bool // the nodes watch the account's mailbox ([imap])
	n    int  // nodes started so far, for their config files
}

// vouchdNode is one running node and where its HTTP server listens.
type vouchdNode struct {
	*vouchdProc
	addr string // host:port of http.listen
}

// newCluster builds vouchd and makes a fresh database on the test PostgreSQL, skipping the test
// when there is none.
func newCluster(t *testing.T, e mailEnv, imap bool) *cluster {
	t.Helper()
	if !testutil.Postgres() {
		// scripts/integration-test.sh hands its PostgreSQL to these tests only: the rest of the
		// suite stays on SQLite files.
		admin := os.Getenv(itPostgresEnv)
		if admin == "" {
			t.Skip(testutil.PostgresEnv + " (or " + itPostgresEnv + ") is not set: several vouchd nodes need PostgreSQL; scripts/integration-test.sh starts one")
		}
		t.Setenv(testutil.PostgresEnv, admin)
	}
	db := testutil.DBPath(t)
	return &cluster{t: t, e: e, bin: buildVouchd(t), dir: t.TempDir(), db: db, raw: testutil.OpenRaw(t, db), imap: imap}
}

// config writes a node's config file, listening on a free port of 127.0.0.1.
func (c *cluster) config() (path, addr string) {
	c.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	imapHost, imapPort, _ := net.SplitHostPort(c.e.imapAddr)
	ca := os.Getenv("VOUCHDESK_IT_CA")
	// No sender_email: vouchd would queue a verification email of its own.
	cfg := fmt.Sprintf(`database = %q

[http]
listen = %q

[log]
level = "info"

[organization]
name = "Vouch Desk IT nodes"
owner_name = "Olive Owner"
owner_email = "olive@vouchdesk.test"

[smtp]
host = %q
port = %d
tls = "starttls"
username = %q
ca_file = %q
`, c.db, addr, c.e.smtpHost, c.e.smtpPort, c.e.user, ca)
	if c.imap {
		cfg += fmt.Sprintf(`
[imap]
host = %q
port = %s
tls = "starttls"
username = %q
ca_file = %q
`, imapHost, imapPort, c.e.user, ca)
	}
	c.n++
	path = filepath.Join(c.dir, fmt.Sprintf("node%d.toml", c.n))
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return path, addr
}

// start runs a node (its HTTP server on a port of its own) and waits until it has started (a
// SIGTERM before that ends it with status 1) and taken its presence in the database; it returns
// the node and its key (store.NodeKey, the outbox's claimed_by).
func (c *cluster) start(name string) (*vouchdNode, int64) {
	c.t.Helper()
	before := c.presentNodes()
	cfg, addr := c.config()
	n := &vouchdNode{vouchdProc: startVouchd(c.t, name, c.bin, cfg,
		"VOUCHD_SMTP_PASSWORD="+c.e.password, "VOUCHD_IMAP_PASSWORD="+c.e.password), addr: addr}
	if !n.waitOutput("vouchd started", 30*time.Second) {
		c.t.Fatalf("vouchd (%s) did not start within 30 s (exited: %v)", name, n.exited())
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		for k := range c.presentNodes() {
			if !before[k] {
				return n, k
			}
		}
		if n.exited() {
			c.t.Fatalf("vouchd (%s) exited by itself: %v", name, n.err)
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("vouchd (%s) took no node presence in PostgreSQL within 30 s", name)
		}
	}
}

// setup runs one node until it has set up the organization from the config, stops it, and
// returns the organization's ID: nodes started together afterwards find it there (two nodes
// starting on an empty database would each set one up).
func (c *cluster) setup() string {
	c.t.Helper()
	n, _ := c.start("setup")
	n.stop(15 * time.Second)
	st := c.openStore()
	ws, err := org.New(st, nil).Current(ctx)
	if err != nil {
		c.t.Fatalf("the organization vouchd set up: %v", err)
	}
	return ws.Organization.ID
}

// openStore opens the nodes' database in the test process (not a node: it never takes presence).
func (c *cluster) openStore() *store.Store {
	c.t.Helper()
	st, err := store.Open(ctx, c.db)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { st.Close() })
	return st
}

// presentNodes is the node keys whose presence lock is held in this database (store/nodes.go:
// a session advisory lock in the class 0x564E, held by each running node's session).
func (c *cluster) presentNodes() map[int64]bool {
	c.t.Helper()
	rows, err := c.raw.Query(`SELECT (l.classid::bigint << 32) | l.objid::bigint FROM pg_locks l
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.classid::bigint = 22094
		AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	if err != nil {
		c.t.Fatalf("pg_locks: %v", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			c.t.Fatal(err)
		}
		out[k] = true
	}
	if err := rows.Err(); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// outboxState is the outbox's rows counted by status, and by status and the node that claimed
// them last (0: never claimed).
type outboxState struct {
	status map[string]int
	byNode map[int64]map[string]int
}

func (c *cluster) counts() outboxState {
	c.t.Helper()
	rows, err := c.raw.Query(`SELECT status, coalesce(claimed_by, 0), count(*) FROM outbox GROUP BY 1, 2`)
	if err != nil {
		c.t.Fatalf("outbox counts: %v", err)
	}
	defer rows.Close()
	s := outboxState{status: map[string]int{}, byNode: map[int64]map[string]int{}}
	for rows.Next() {
		var status string
		var node int64
		var n int
		if err := rows.Scan(&status, &node, &n); err != nil {
			c.t.Fatal(err)
		}
		s.status[status] += n
		if s.byNode[node] == nil {
			s.byNode[node] = map[string]int{}
		}
		s.byNode[node][status] += n
	}
	if err := rows.Err(); err != nil {
		c.t.Fatal(err)
	}
	return s
}

// outboxRow is what the tests read of one outbox row.
type outboxRow struct {
	id, messageID, status string
	attempts              int
	next                  int64
	claimedBy             int64
}

// outboxRows returns the rows matching where (SQL on the outbox table, "" for all).
func (c *cluster) outboxRows(where string, args ...any) []outboxRow {
	c.t.Helper()
	q := `SELECT id, message_id, status, attempts, next_attempt_at, coalesce(claimed_by, 0) FROM outbox`
	if where != "" {
		q += " WHERE " + where
	}
	rows, err := c.raw.Query(q, args...)
	if err != nil {
		c.t.Fatalf("outbox rows: %v", err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.id, &r.messageID, &r.status, &r.attempts, &r.next, &r.claimedBy); err != nil {
			c.t.Fatal(err)
		}
		r.messageID = strings.Trim(r.messageID, "<>")
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// health is a node's GET /healthz answer.
type health struct {
	Database string `json:"database"`
	Role     string `json:"role"`
}

var healthClient = &http.Client{Timeout: 2 * time.Second}

// health asks the node; an error when it does not answer 200.
func (n *vouchdNode) health() (health, error) {
	res, err := healthClient.Get("http://" + n.addr + "/healthz")
	if err != nil {
		return health{}, err
	}
	defer res.Body.Close()
	var h health
	if err := json.NewDecoder(res.Body).Decode(&h); err != nil {
		return health{}, err
	}
	if res.StatusCode != http.StatusOK {
		return h, fmt.Errorf("GET /healthz = %d %+v", res.StatusCode, h)
	}
	return h, nil
}

// waitRole polls the node's /healthz until it says role, and returns when that was; false when
// timeout passes (or the process exits) first.
func (n *vouchdNode) waitRole(role string, timeout time.Duration) (time.Time, bool) {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline) && !n.exited(); time.Sleep(50 * time.Millisecond) {
		if h, err := n.health(); err == nil && h.Role == role {
			return time.Now(), true
		}
	}
	return time.Time{}, false
}

// waitQuiet polls the mailbox until nothing new has arrived for quiet: a second copy may still be
// in Postfix's queue when the last first copy is in, and must be counted here, not land in the
// next test's mailbox.
func waitQuiet(t *testing.T, box *mailbox, quiet, timeout time.Duration) {
	t.Helper()
	for seen, quietSince, deadline := len(box.byUID), time.Now(), time.Now().Add(timeout); time.Since(quietSince) < quiet; {
		if time.Now().After(deadline) {
			t.Fatalf("messages still arriving %v after all were in", timeout)
		}
		time.Sleep(200 * time.Millisecond)
		if err := box.poll(); err != nil {
			t.Fatalf("IMAP FETCH: %v", err)
		}
		if len(box.byUID) != seen {
			seen, quietSince = len(box.byUID), time.Now()
		}
	}
}

// logProblems logs the WARN and ERROR lines of the nodes' output.
func logProblems(t *testing.T, nodes ...*vouchdNode) {
	t.Helper()
	for _, n := range nodes {
		for _, line := range strings.Split(n.out.String(), "\n") {
			if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
				t.Logf("vouchd (%s): %s", n.name, line)
			}
		}
	}
}
