package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	sqlite3 "github.com/mattn/go-sqlite3"
)

// The store speaks two SQL dialects: SQLite (the desktop, a one-machine vouchd) and PostgreSQL
// (a team's vouchd). Statements are written once where both databases mean the same by them,
// with SQLite's `?` / `?N` parameters; on PostgreSQL they are rewritten to `$N` once and cached.
// Where the dialects differ (upserts that ignore, JSON, case-insensitive matching, search, bulk
// loading, file-level operations) the statement names both forms with pick. The same test
// suites run on both databases, so a statement that only one of them accepts fails a test.

// db is a connection pool of the store's dialect: database/sql's methods, with the statement
// rewritten for PostgreSQL.
type db struct {
	*sql.DB
	pg bool
}

// sqlTx is a transaction of the store's dialect (see db).
type sqlTx struct {
	*sql.Tx
	pg bool
}

func (d *db) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.DB.ExecContext(ctx, d.rebind(query), args...)
}

func (d *db) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return d.DB.QueryContext(ctx, d.rebind(query), args...)
}

func (d *db) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return d.DB.QueryRowContext(ctx, d.rebind(query), args...)
}

func (d *db) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return d.DB.PrepareContext(ctx, d.rebind(query))
}

// BeginTx starts a transaction whose statements are rewritten like the pool's.
func (d *db) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sqlTx, error) {
	tx, err := d.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &sqlTx{Tx: tx, pg: d.pg}, nil
}

func (d *db) rebind(query string) string {
	if !d.pg {
		return query
	}
	return PostgresParams(query)
}

// pick returns the statement for the pool's dialect.
func (d *db) pick(sqlite, postgres string) string {
	if d.pg {
		return postgres
	}
	return sqlite
}

func (t *sqlTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.rebind(query), args...)
}

func (t *sqlTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.rebind(query), args...)
}

func (t *sqlTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.rebind(query), args...)
}

func (t *sqlTx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return t.Tx.PrepareContext(ctx, t.rebind(query))
}

func (t *sqlTx) rebind(query string) string {
	if !t.pg {
		return query
	}
	return PostgresParams(query)
}

// pick returns the statement for the transaction's dialect.
func (t *sqlTx) pick(sqlite, postgres string) string {
	if t.pg {
		return postgres
	}
	return sqlite
}

// rewritten caches PostgresParams: the store runs a few hundred distinct statements.
var rewritten sync.Map

// PostgresParams rewrites SQLite's parameters to PostgreSQL's: `?N` becomes `$N` and each bare `?`
// the next number after the highest seen so far, as SQLite counts them. Quoted text, quoted
// names and comments are copied as they are.
func PostgresParams(query string) string {
	if v, ok := rewritten.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	highest := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(query) {
				if query[j] == c {
					if j+1 < len(query) && query[j+1] == c { // a doubled quote inside
						j += 2
						continue
					}
					break
				}
				j++
			}
			b.WriteString(query[i:min(j+1, len(query))])
			i = j
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i
			}
			b.WriteString(query[i : i+j])
			i += j - 1
		case c == '?':
			j := i + 1
			for j < len(query) && query[j] >= '0' && query[j] <= '9' {
				j++
			}
			n := highest + 1
			if j > i+1 {
				n, _ = strconv.Atoi(query[i+1 : j])
			}
			highest = max(highest, n)
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	rewritten.Store(query, out)
	return out
}

// IsUniqueViolation reports whether err is a unique index refusing a row, in either database.
func IsUniqueViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}
