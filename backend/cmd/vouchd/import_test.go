package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// TestImportCommandMovesASeededDesk: `vouchd import` copies a seeded desktop file into the
// PostgreSQL database the config names, prints progress and a table whose counts match, and a
// second run copies nothing; rows PostgreSQL holds beyond the file make it exit 1.
func TestImportCommandMovesASeededDesk(t *testing.T) {
	if !testutil.Postgres() {
		t.Skip("an import writes into PostgreSQL: set " + testutil.PostgresEnv + " (scripts/postgres-test.sh does)")
	}
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "vouchdesk.db")
	var out, stderr bytes.Buffer
	if code := run(ctx, []string{"seed", "--db", file, "--contacts", "300", "--conversations", "40"}, &out, &stderr); code != 0 {
		t.Fatalf("seed exit %d: %s", code, stderr.String())
	}
	url := testutil.DBPath(t)
	cfg := writeConfig(t, fmt.Sprintf("database = %q\n", url))

	out.Reset()
	stderr.Reset()
	if code := run(ctx, []string{"import", "--from", file, "--config", cfg, "--batch", "100"}, &out, &stderr); code != 0 {
		t.Fatalf("import exit %d: %s%s", code, out.String(), stderr.String())
	}
	if !regexp.MustCompile(`(?m)^\s*contacts\s+300\s+300\s+300\s*$`).MatchString(out.String()) {
		t.Errorf("import summary has no line `contacts 300 300 300`:\n%s", out.String())
	}
	if !regexp.MustCompile(`(?m)^contact_fields\s+\d+ / \d+\s+100\.0%\s+\d+ rows/s$`).MatchString(stderr.String()) {
		t.Errorf("import progress (stderr) has no finished contact_fields line:\n%s", stderr.String())
	}
	if strings.Contains(out.String(), "differs") {
		t.Errorf("import summary marks a difference:\n%s", out.String())
	}

	out.Reset()
	stderr.Reset()
	if code := run(ctx, []string{"import", "--from", file, "--db", url, "--progress=false"}, &out, &stderr); code != 0 {
		t.Fatalf("second import exit %d: %s%s", code, out.String(), stderr.String())
	}
	if !regexp.MustCompile(`(?m)^\s*contacts\s+300\s+0\s+300\s*$`).MatchString(out.String()) || stderr.Len() != 0 {
		t.Errorf("second import: want `contacts 300 0 300` and nothing on stderr, got:\n%s\nstderr: %s", out.String(), stderr.String())
	}

	// The team has written a contact since: the counts differ, and the command says so.
	dst, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	orgs, _ := dst.Organizations(ctx)
	now := time.Now()
	if err := dst.Write(ctx, func(tx *store.Tx) error {
		return tx.InsertContact(store.Contact{ID: store.NewID(), OrgID: orgs[0].ID, Name: "New", Status: store.ContactActive, CreatedAt: now, UpdatedAt: now})
	}); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	out.Reset()
	stderr.Reset()
	if code := run(ctx, []string{"import", "--from", file, "--db", url, "--progress=false"}, &out, &stderr); code != exitFail ||
		!regexp.MustCompile(`(?m)^\s*contacts\s+300\s+0\s+301\s+differs$`).MatchString(out.String()) {
		t.Errorf("import after the team wrote = %d:\n%s%s\nwant exit 1 and contacts marked differs", code, out.String(), stderr.String())
	}
}

// TestImportCommandRefusals: bad flags and a destination that is not PostgreSQL are usage
// mistakes (exit 2); a source from a newer version is refused untouched (exit 1).
func TestImportCommandRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sqliteCfg := writeConfig(t, "database = \"data/vouchdesk.db\"\n")
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"import", "--config", sqliteCfg}, exitUsage, "--from FILE"},
		{[]string{"import", "--from", filepath.Join(dir, "x.db")}, exitUsage, "--config FILE or --db"},
		{[]string{"import", "--from", filepath.Join(dir, "x.db"), "--config", sqliteCfg}, exitUsage, "postgres:// URL"},
		{[]string{"import", "--from", filepath.Join(dir, "missing.db"), "--db", "postgres://vouchd@127.0.0.1:1/x"}, exitFail, "There is no database here"},
	} {
		var stderr bytes.Buffer
		if code := run(ctx, c.args, &bytes.Buffer{}, &stderr); code != c.code || !strings.Contains(stderr.String(), c.says) {
			t.Errorf("vouchd %v = %d, %q; want %d saying %q", c.args, code, stderr.String(), c.code, c.says)
		}
	}
}
