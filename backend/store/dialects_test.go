package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// TestBothDatabasesHaveTheSameTables: every table of the SQLite schema has the same columns on
// PostgreSQL and the other way round, so a migration added to one dialect's folder and not to
// the other's fails here. The search index is the one place the two are built differently
// (FTS5 tables on SQLite, a pg_trgm-indexed table on PostgreSQL).
func TestBothDatabasesHaveTheSameTables(t *testing.T) {
	if !testutil.Postgres() {
		t.Skip("needs a PostgreSQL server (" + testutil.PostgresEnv + ")")
	}
	ctx := context.Background()
	lite, err := store.Open(ctx, testutil.SQLitePath(t))
	if err != nil {
		t.Fatal(err)
	}
	lite.Close()
	pg, err := store.Open(ctx, testutil.DBPath(t))
	if err != nil {
		t.Fatal(err)
	}
	pg.Close()

	columns := func(db *testutil.RawDB, query string) map[string][]string {
		rows, err := db.Query(query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string][]string{}
		for rows.Next() {
			var table, column string
			if err := rows.Scan(&table, &column); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(table, "contact_search") || strings.HasPrefix(table, "messages_fts") ||
				strings.HasPrefix(table, "sqlite_") {
				continue
			}
			out[table] = append(out[table], column)
		}
		for _, cols := range out {
			slices.Sort(cols)
		}
		return out
	}
	sqlite := columns(testutil.OpenRaw(t, lite.Path()), `SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p
		WHERE m.type = 'table'`)
	postgres := columns(testutil.OpenRaw(t, pg.Path()), `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema()`)
	for table, cols := range sqlite {
		if !slices.Equal(cols, postgres[table]) {
			t.Errorf("table %s: SQLite columns %v, PostgreSQL %v", table, cols, postgres[table])
		}
	}
	for table := range postgres {
		if _, ok := sqlite[table]; !ok {
			t.Errorf("table %s is only on PostgreSQL", table)
		}
	}
}
