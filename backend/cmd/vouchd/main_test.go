package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"vouchdesk/backend/testutil"
)

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "vouchd.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestServeHealthStatusAndStop(t *testing.T) {
	addr := freePort(t)
	cfg := writeConfig(t, fmt.Sprintf("database = \"data/vouchdesk.db\"\n[http]\nlisten = %q\n", addr))
	ctx, cancel := context.WithCancel(context.Background())
	var stderr bytes.Buffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve", "--config", cfg}, &bytes.Buffer{}, &stderr) }()

	var res *http.Response
	var err error
	for i := 0; i < 100; i++ {
		if res, err = http.Get("http://" + addr + "/healthz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		cancel()
		t.Fatalf("GET /healthz: %v (stderr: %s)", err, stderr.String())
	}
	var h map[string]string
	json.NewDecoder(res.Body).Decode(&h)
	res.Body.Close()
	if res.StatusCode != 200 || h["database"] != "ok" || h["version"] == "" {
		t.Errorf("GET /healthz = %d %v", res.StatusCode, h)
	}

	// The agents' API is served beside the widget: a call without a session is refused in its
	// JSON, not answered by the widget server.
	if res, err := http.Get("http://" + addr + "/api/agent/v1/me"); err != nil {
		t.Errorf("GET /api/agent/v1/me: %v", err)
	} else {
		var e struct{ Error struct{ Code string } }
		json.NewDecoder(res.Body).Decode(&e)
		res.Body.Close()
		if res.StatusCode != 401 || e.Error.Code != "unauthenticated" {
			t.Errorf("GET /api/agent/v1/me without a session = %d %+v, want 401 unauthenticated", res.StatusCode, e)
		}
	}

	// status reads beside the running server.
	var out bytes.Buffer
	if code := run(context.Background(), []string{"status", "--config", cfg, "--json"}, &out, &stderr); code != 0 {
		t.Fatalf("status exit %d: %s", code, stderr.String())
	}
	var s Status
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("status --json is not JSON: %v\n%s", err, out.String())
	}
	if s.Organization != nil || s.SchemaVersion < 1 || s.Inboxes == nil {
		t.Errorf("status = %+v", s)
	}

	// A second server on the same database (on another port) is refused with the reason.
	cfg2 := writeConfig(t, fmt.Sprintf("database = %q\n[http]\nlisten = %q\n",
		filepath.Join(filepath.Dir(cfg), "data/vouchdesk.db"), freePort(t)))
	var stderr2 bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--config", cfg2}, &bytes.Buffer{}, &stderr2); code != exitFail ||
		!strings.Contains(stderr2.String(), "db_locked") {
		t.Errorf("second serve = %d, %q; want exit 1 naming db_locked", code, stderr2.String())
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exit code after stop = %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestInvalidConfigNamesTheKey(t *testing.T) {
	cfg := writeConfig(t, "database = \"x.db\"\n[http]\nlisten = \"everywhere\"\n")
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--config", cfg}, &bytes.Buffer{}, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "http.listen") {
		t.Errorf("serve(bad config) = %d, %q; want exit 2 naming http.listen", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "x.db")); err == nil {
		t.Error("a database was created although the config was invalid")
	}
}

func TestNewerDatabaseIsRefusedUntouched(t *testing.T) {
	dir := t.TempDir()
	dbFile := filepath.Join(dir, "future.db")
	db, err := sql.Open("sqlite3", dbFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"CREATE TABLE t (x)", "PRAGMA user_version = 99", "PRAGMA application_id = 1447316273"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	before, _ := os.ReadFile(dbFile)
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"migrate", "--db", dbFile}, &bytes.Buffer{}, &stderr)
	if code != exitFail || !strings.Contains(stderr.String(), "db_too_new") {
		t.Errorf("migrate(newer db) = %d, %q; want exit 1 naming db_too_new", code, stderr.String())
	}
	after, _ := os.ReadFile(dbFile)
	if !bytes.Equal(before, after) {
		t.Error("the newer database was modified")
	}
}

func TestUsage(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), nil, &bytes.Buffer{}, &stderr); code != exitUsage {
		t.Errorf("run() = %d, want %d", code, exitUsage)
	}
	if code := run(context.Background(), []string{"frobnicate"}, &bytes.Buffer{}, &stderr); code != exitUsage {
		t.Errorf("run(frobnicate) = %d, want %d", code, exitUsage)
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, &stderr); code != 0 || !strings.HasPrefix(out.String(), "vouchd ") {
		t.Errorf("run(version) = %d, %q", code, out.String())
	}
}

func TestServeSetsUpFromConfigAndSendsTheSenderVerification(t *testing.T) {
	smtpSrv := testutil.NewSMTPServer(t, testutil.SMTPOptions{})
	host, port, _ := net.SplitHostPort(smtpSrv.Addr)
	addr := freePort(t)
	// A file beside the config or, when the suite runs on PostgreSQL, a database there: the
	// whole engine runs on either.
	database := "vouchdesk.db"
	if testutil.Postgres() {
		database = testutil.DBPath(t)
	}
	cfg := writeConfig(t, fmt.Sprintf(`database = %q
[http]
listen = %q
public_url = "https://support.acme.test"
[organization]
name = "Acme"
owner_name = "Olive Owner"
owner_email = "olive@acme.test"
sender_email = "support@acme.test"
[smtp]
host = %q
port = %s
tls = "none"
`, database, addr, host, port))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr bytes.Buffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve", "--config", cfg}, &bytes.Buffer{}, &stderr) }()
	got := smtpSrv.WaitFor(1, 10*time.Second)
	if len(got) != 1 {
		cancel()
		<-done
		t.Fatalf("verification emails received = %d; stderr: %s", len(got), stderr.String())
	}
	body := string(got[0].Data)
	if got[0].To[0] != "support@acme.test" || !strings.Contains(body, "https://support.acme.test/verify/sender/") {
		t.Errorf("verification email to %v:\n%s", got[0].To, body)
	}
	var out bytes.Buffer
	for i := 0; i < 50; i++ { // the "sent" record follows the delivery by a moment
		out.Reset()
		run(context.Background(), []string{"status", "--config", cfg, "--json"}, &out, &stderr)
		if strings.Contains(out.String(), `"sent": 1`) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var s Status
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("status: %v\n%s", err, out.String())
	}
	if s.Organization == nil || s.Organization.Name != "Acme" || s.SenderEmail == nil ||
		s.SenderEmail.Address != "support@acme.test" || s.SenderEmail.Status != "unverified" || s.Outbox["sent"] != 1 {
		t.Errorf("status = %s", out.String())
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exit %d: %s", code, stderr.String())
	}
	// A restart with the same config queues nothing new.
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { done <- run(ctx2, []string{"serve", "--config", cfg}, &bytes.Buffer{}, &stderr) }()
	time.Sleep(500 * time.Millisecond)
	cancel2()
	<-done
	if n := len(smtpSrv.Received()); n != 1 {
		t.Errorf("after a restart %d emails were sent, want still 1", n)
	}
}

func TestMalformedOutboxKeyStopsServe(t *testing.T) {
	t.Setenv("VOUCHD_OUTBOX_KEY", "not-a-key")
	cfg := writeConfig(t, fmt.Sprintf("database = \"x.db\"\n[http]\nlisten = %q\n", freePort(t)))
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--config", cfg}, &bytes.Buffer{}, &stderr)
	if code != exitFail || !strings.Contains(stderr.String(), "VOUCHD_OUTBOX_KEY") || strings.Contains(stderr.String(), "not-a-key") {
		t.Errorf("serve(bad key) = %d, %q; want exit %d naming VOUCHD_OUTBOX_KEY without echoing it", code, stderr.String(), exitFail)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(cfg), "x.db")); err == nil {
		t.Error("a database was created although the key was malformed")
	}
}

// A port that is taken stops serve before the database changes: no organization set up from the
// config, no sender verification queued.
func TestServeOnATakenPortChangesNothing(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	cfg := writeConfig(t, fmt.Sprintf(`database = "vouchdesk.db"
[http]
listen = %q
[organization]
name = "Acme"
owner_name = "Olive Owner"
owner_email = "olive@acme.test"
sender_email = "support@acme.test"
[smtp]
host = "127.0.0.1"
port = 2525
tls = "none"
`, addr))
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--config", cfg}, &bytes.Buffer{}, &stderr)
	if code != exitFail || !strings.Contains(stderr.String(), "cannot listen on "+addr) ||
		!strings.Contains(stderr.String(), "http.listen") {
		t.Errorf("serve(taken port) = %d, %q; want exit %d saying it cannot listen on %s (http.listen)", code, stderr.String(), exitFail, addr)
	}
	dbFile := filepath.Join(filepath.Dir(cfg), "vouchdesk.db")
	if _, err := os.Stat(dbFile); err != nil {
		return // nothing created at all: nothing changed
	}
	db, err := sql.Open("sqlite3", dbFile)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range []string{"organizations", "outbox"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil && !strings.Contains(err.Error(), "no such table") {
			t.Fatalf("count %s: %v", table, err)
		}
		if n != 0 {
			t.Errorf("rows in %s after serve on a taken port = %d, want 0", table, n)
		}
	}
}
