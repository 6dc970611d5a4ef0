package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Import moves a solo desk to a team: it copies the one organization of a desktop's SQLite file
// into a PostgreSQL database, every domain table in foreign-key order, generically by column name
// (both schemas have the same columns, TestBothDatabasesHaveTheSameTables). It is idempotent: a
// row whose key PostgreSQL already holds is left as it is, so a second run copies nothing and
// reports the same counts. docs/vouchd.md, "Moving a desk to a team", says what an operator does
// around it; docs/decisions.md, "Importing a desktop's file", why it works this way.
//
// Each batch of rows is one transaction holding the store's write lock: the rows go into a
// temporary table through COPY, then into the table with INSERT … SELECT … ON CONFLICT (key) DO
// NOTHING. Inside the batch the table's per-row change and search triggers are off, as in the
// Loader: one range record per batch stands for its rows in the change feed, and the search index
// is built once after the copy. PostgreSQL writes each row once to its table and WAL; the
// temporary table holds one batch at a time (a few MB), so the import needs no temporary disk
// beyond that.

// DefaultImportBatch is how many rows one import transaction writes.
const DefaultImportBatch = 10_000

// ImportedUnsent is the reason an email still waiting to go on the desktop, with a code or link
// sealed under the desktop's key, is imported as failed: vouchd holds another key and cannot
// open it (docs/vouchd.md, "Moving a desk to a team").
const ImportedUnsent = "Not sent: the desk moved to the team server before this email went out, and the code or link in it was protected by the desktop's key; send a new one."

// ErrImportRefused is wrapped by the errors Import returns before it writes anything because the
// source or the destination does not fit (another organization, not PostgreSQL, no organization).
var ErrImportRefused = errors.New("store: import refused")

// ImportProgress is reported after each batch.
type ImportProgress struct {
	Table  string // the table being copied ("contact_search" while the search index is built)
	Done   int    // rows of this table read so far
	Total  int    // rows of this table in the source
	Copied int    // rows of this table written so far in this run (Done minus those already there)
}

// ImportCount is one table's line of the summary.
type ImportCount struct {
	Table  string
	Source int // rows in the desktop's file
	Copied int // rows written in this run
	Target int // rows of the organization in PostgreSQL after the import
}

// ImportSummary says what Import did.
type ImportSummary struct {
	OrgID, OrgName string
	Tables         []ImportCount
	// FailedUnsent is how many emails still waiting to go were imported as failed (ImportedUnsent).
	FailedUnsent int
	// SecretRefs are the references of the secrets the desk keeps outside its database (mail
	// account passwords, phone inboxes' auth tokens): vouchd reads each from its environment
	// (secrets.EnvVar names the variable).
	SecretRefs []string
	Elapsed    time.Duration
}

// Match reports whether every table holds in PostgreSQL as many rows as in the source.
func (s ImportSummary) Match() bool {
	for _, c := range s.Tables {
		if c.Source != c.Target {
			return false
		}
	}
	return true
}

// OpenImportSource opens a desktop's SQLite file to import it: read-only, refusing a file that is
// not a Vouch Desk database, is from a newer version or needs migrating (OpenReadOnly), and
// holding the file's process lock until Close, so the desktop app cannot change the desk while it
// is copied.
func OpenImportSource(ctx context.Context, path string) (*Store, error) {
	if IsPostgresURL(path) {
		return nil, &OpenError{Code: OtherProblem, Path: RedactURL(path), Msg: "The source of an import is a desktop's SQLite file, not a PostgreSQL URL"}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &OpenError{Code: OtherProblem, Path: path, Msg: "The database path is not valid", Err: err}
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, &OpenError{Code: OtherProblem, Path: abs, Msg: "There is no database here", Err: err}
	}
	lock := flock.New(abs + ".lock")
	locked, err := lock.TryLock()
	if err != nil {
		return nil, &OpenError{Code: DataDirUnwritable, Path: filepath.Dir(abs),
			Msg: "The lock file beside the database cannot be created (copy the file to a writable folder)", Err: err}
	}
	if !locked {
		return nil, &OpenError{Code: Locked, Path: abs,
			Msg: "The desktop app (or vouchd) is using this database: quit it first, so the desk does not change while it is copied"}
	}
	s, err := OpenReadOnly(ctx, abs)
	if err != nil {
		lock.Unlock()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

// importTable is one table Import copies.
type importTable struct {
	name string
	// key is the primary key, the conflict target of ON CONFLICT.
	key []string
	// org is the column naming the organization.
	org string
	// ranged tables have a single text key and a change trigger named <table>_change: the trigger
	// is off inside a batch and a range record stands for the batch. The others keep their
	// triggers (few rows, composite keys).
	ranged bool
	// search lists the search-index triggers on the table, off inside a batch.
	search []string
	// passes are the SELECTs that read the table, in order, given the column list; nil means all
	// rows in key order.
	passes []func(cols string) string
}

// importTables are the tables Import copies, each after those its foreign keys point at. Not
// copied: changes (PostgreSQL writes its own, see above), contact_search (built from the copied
// rows), signed_in (who is signed in on that desktop; a team's agents sign in on their own
// machines), schema_migrations, agent_sessions (credentials of the server that issued them:
// agents sign in to the team server anew) and invitations (a team server's; a desktop invites
// nobody).
var importTables = []importTable{
	{name: "organizations", key: []string{"id"}, org: "id", ranged: true},
	{name: "users", key: []string{"id"}, org: "org_id", ranged: true},
	{name: "inboxes", key: []string{"id"}, org: "org_id", ranged: true},
	// merged_into points into contacts: first the contacts not merged, then the merged ones,
	// each after the contact it was merged into (a chain A→B→C copies B before A).
	{name: "contacts", key: []string{"id"}, org: "org_id", ranged: true, search: []string{"contact_search_contact"},
		passes: []func(string) string{
			func(cols string) string {
				return "SELECT " + cols + " FROM contacts t WHERE t.merged_into IS NULL ORDER BY t.id"
			},
			func(cols string) string {
				return `WITH RECURSIVE chain (id, depth) AS (
					SELECT m.id, 1 FROM contacts m JOIN contacts s ON s.id = m.merged_into WHERE s.merged_into IS NULL
					UNION ALL SELECT m.id, chain.depth + 1 FROM contacts m JOIN chain ON m.merged_into = chain.id)
					SELECT ` + cols + ` FROM chain JOIN contacts t ON t.id = chain.id ORDER BY chain.depth, t.id`
			},
		}},
	{name: "contact_fields", key: []string{"id"}, org: "org_id", ranged: true, search: []string{"contact_search_field"}},
	{name: "devices", key: []string{"id"}, org: "org_id", ranged: true},
	{name: "conversations", key: []string{"id"}, org: "org_id", ranged: true},
	{name: "verifications", key: []string{"id"}, org: "org_id", ranged: true},
	{name: "device_proofs", key: []string{"id"}, org: "org_id", ranged: true},
	{name: "messages", key: []string{"id"}, org: "org_id", ranged: true},
	{name: "sender_emails", key: []string{"id"}, org: "org_id", ranged: true},
	{name: "challenges", key: []string{"id"}, org: "org_id", ranged: true},
	{name: "mail_accounts", key: []string{"id"}, org: "org_id", ranged: true},
	{name: "mailbox_checkpoints", key: []string{"account_id", "mailbox"}, org: "org_id"},
	{name: "merges", key: []string{"id"}, org: "org_id", ranged: true},
	{name: "audit_log", key: []string{"id"}, org: "org_id", ranged: true},
	{name: "outbox", key: []string{"id"}, org: "org_id", ranged: true},
	{name: "mail_health", key: []string{"org_id", "purpose"}, org: "org_id"},
}

// importColumn overrides how a column is read from the source: an email still waiting to go with
// a sealed code or link cannot be sent by vouchd, so it arrives failed, with the reason; no sealed
// copy is imported (those of other emails were wiped when they went out or failed).
var importColumn = map[string]map[string]string{
	"outbox": {
		"status":     `CASE WHEN t.sealed IS NOT NULL AND t.status IN ('queued', 'retrying', 'sending') THEN 'failed' ELSE t.status END`,
		"last_error": `CASE WHEN t.sealed IS NOT NULL AND t.status IN ('queued', 'retrying', 'sending') THEN '` + strings.ReplaceAll(ImportedUnsent, "'", "''") + `' ELSE t.last_error END`,
		"sealed":     `NULL`,
	},
}

// Import copies the organization of src (a desktop's SQLite file, OpenImportSource) into dst (a
// PostgreSQL store). progress, when set, is called after every batch. batch is the rows per
// transaction (0 means DefaultImportBatch). It refuses, before writing anything, a destination
// that holds another organization.
func Import(ctx context.Context, src, dst *Store, batch int, progress func(ImportProgress)) (ImportSummary, error) {
	start := time.Now()
	if dst.w == nil || !dst.w.pg {
		return ImportSummary{}, fmt.Errorf("%w: the destination of an import is a PostgreSQL database (a postgres:// URL)", ErrImportRefused)
	}
	if src.r.pg {
		return ImportSummary{}, fmt.Errorf("%w: the source of an import is a desktop's SQLite file", ErrImportRefused)
	}
	if batch <= 0 {
		batch = DefaultImportBatch
	}
	if progress == nil {
		progress = func(ImportProgress) {}
	}
	// One read transaction for the whole copy: every table as of one moment.
	rtx, err := src.r.BeginTx(ctx, readOptions(false))
	if err != nil {
		return ImportSummary{}, fmt.Errorf("store: import: read the source: %w", err)
	}
	defer rtx.Rollback()
	im := &importer{ctx: ctx, rtx: rtx, batch: batch, progress: progress}
	if err := im.checkOrganizations(dst); err != nil {
		return ImportSummary{}, err
	}
	// One connection for the whole import: the temporary tables COPY fills live in its session.
	if im.conn, err = dst.w.DB.Conn(ctx); err != nil {
		return ImportSummary{}, fmt.Errorf("store: import: %w", err)
	}
	defer im.conn.Close()

	for _, t := range importTables {
		c, err := im.copyTable(t)
		if err != nil {
			return ImportSummary{}, fmt.Errorf("store: import %s: %w", t.name, err)
		}
		im.sum.Tables = append(im.sum.Tables, c)
	}
	if err := im.buildSearch(); err != nil {
		return ImportSummary{}, fmt.Errorf("store: import: search index: %w", err)
	}
	for i, t := range importTables {
		if err := im.conn.QueryRowContext(ctx, `SELECT count(*) FROM `+t.name+` WHERE `+t.org+` = $1`, im.orgID).Scan(&im.sum.Tables[i].Target); err != nil {
			return ImportSummary{}, fmt.Errorf("store: import: count %s: %w", t.name, err)
		}
	}
	if err := im.sourceFacts(); err != nil {
		return ImportSummary{}, err
	}
	im.sum.Elapsed = time.Since(start)
	return im.sum, nil
}

type importer struct {
	ctx      context.Context
	rtx      *sqlTx    // the source, one snapshot
	conn     *sql.Conn // the destination's connection
	batch    int
	progress func(ImportProgress)
	orgID    string
	sum      ImportSummary
}

// checkOrganizations: the source holds one organization, and the destination none or that one.
func (im *importer) checkOrganizations(dst *Store) error {
	names, err := orgNames(im.ctx, im.rtx.QueryContext)
	if err != nil {
		return fmt.Errorf("store: import: read the source's organization: %w", err)
	}
	if len(names) != 1 {
		return fmt.Errorf("%w: the file holds %d organizations; an import moves a desk with exactly one (run the desktop app's first run, or pick the right file)", ErrImportRefused, len(names))
	}
	im.orgID, im.sum.OrgName = names[0][0], names[0][1]
	im.sum.OrgID = im.orgID
	there, err := orgNames(im.ctx, dst.w.QueryContext)
	if err != nil {
		return fmt.Errorf("store: import: read PostgreSQL's organizations: %w", err)
	}
	for _, o := range there {
		if o[0] != im.orgID {
			return fmt.Errorf("%w: the PostgreSQL database already holds the organization %q (%s), not the file's %q (%s); import into an empty database (or into the one this file was imported into before)",
				ErrImportRefused, o[1], o[0], im.sum.OrgName, im.orgID)
		}
	}
	return nil
}

func orgNames(ctx context.Context, query func(context.Context, string, ...any) (*sql.Rows, error)) ([][2]string, error) {
	rows, err := query(ctx, `SELECT id, name FROM organizations ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var o [2]string
		if err := rows.Scan(&o[0], &o[1]); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// columns returns the destination table's columns, and checks that the source has the same.
func (im *importer) columns(table string) ([]string, error) {
	var cols []string
	rows, err := im.conn.QueryContext(im.ctx, `SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var have []string
	srows, err := im.rtx.QueryContext(im.ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, err
	}
	defer srows.Close()
	for srows.Next() {
		var c string
		if err := srows.Scan(&c); err != nil {
			return nil, err
		}
		have = append(have, c)
	}
	if err := srows.Err(); err != nil {
		return nil, err
	}
	a, b := slices.Clone(cols), slices.Clone(have)
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) {
		return nil, fmt.Errorf("the columns differ between the file (%s) and PostgreSQL (%s): are both at this build's schema?",
			strings.Join(b, ", "), strings.Join(a, ", "))
	}
	return cols, nil
}

func quoteNames(names []string, prefix string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = prefix + `"` + n + `"`
	}
	return strings.Join(q, ", ")
}

func (im *importer) copyTable(t importTable) (ImportCount, error) {
	c := ImportCount{Table: t.name}
	cols, err := im.columns(t.name)
	if err != nil {
		return c, err
	}
	if err := im.rtx.QueryRowContext(im.ctx, `SELECT count(*) FROM `+t.name).Scan(&c.Source); err != nil {
		return c, err
	}
	exprs := make([]string, len(cols))
	for i, col := range cols {
		exprs[i] = `t."` + col + `"`
		if e, ok := importColumn[t.name][col]; ok {
			exprs[i] = e
		}
	}
	selectCols := strings.Join(exprs, ", ")
	passes := t.passes
	if passes == nil {
		passes = []func(string) string{func(cols string) string {
			return "SELECT " + cols + " FROM " + t.name + " t ORDER BY " + quoteNames(t.key, "t.")
		}}
	}
	w := &batchWriter{im: im, t: t, cols: cols}
	done := 0
	flush := func(rows [][]any) error {
		n, err := w.write(rows)
		if err != nil {
			return err
		}
		done += len(rows)
		c.Copied += n
		im.progress(ImportProgress{Table: t.name, Done: done, Total: c.Source, Copied: c.Copied})
		return im.ctx.Err()
	}
	im.progress(ImportProgress{Table: t.name, Total: c.Source})
	for _, pass := range passes {
		rows, err := im.rtx.QueryContext(im.ctx, pass(selectCols))
		if err != nil {
			return c, err
		}
		buf := make([][]any, 0, im.batch)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return c, err
			}
			buf = append(buf, vals)
			if len(buf) == im.batch {
				if err := flush(buf); err != nil {
					rows.Close()
					return c, err
				}
				buf = make([][]any, 0, im.batch)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return c, err
		}
		if len(buf) > 0 {
			if err := flush(buf); err != nil {
				return c, err
			}
		}
	}
	if t.name == "outbox" {
		// The same test as the column overrides above, counted once for the summary.
		if err := im.rtx.QueryRowContext(im.ctx, `SELECT count(*) FROM outbox
			WHERE sealed IS NOT NULL AND status IN ('queued', 'retrying', 'sending')`).Scan(&im.sum.FailedUnsent); err != nil {
			return c, err
		}
	}
	return c, nil
}

// batchWriter writes one table's batches into PostgreSQL.
type batchWriter struct {
	im       *importer
	t        importTable
	cols     []string
	temp     string
	triggers []trigger
}

// write copies rows in one transaction and returns how many were new.
func (w *batchWriter) write(rows [][]any) (int, error) {
	ctx := w.im.ctx
	if w.temp == "" {
		w.temp = "import_" + w.t.name
		if w.t.ranged {
			w.triggers = append(w.triggers, trigger{name: w.t.name + "_change", table: w.t.name})
		}
		for _, s := range w.t.search {
			w.triggers = append(w.triggers, trigger{name: s, table: w.t.name})
		}
	}
	sqltx, err := w.im.conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	tx := &sqlTx{Tx: sqltx, pg: true}
	defer tx.Rollback()
	if err := lockWrites(ctx, tx); err != nil {
		return 0, fmt.Errorf("write lock: %w", err)
	}
	// A temporary table of the session, emptied at each commit: it holds one batch at a time.
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS `+w.temp+` (LIKE `+w.t.name+`) ON COMMIT DELETE ROWS`); err != nil {
		return 0, err
	}
	if err := suspendTriggers(ctx, tx, w.triggers); err != nil {
		return 0, err
	}
	if err := w.im.conn.Raw(func(dc any) error {
		_, err := dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{w.temp}, w.cols, pgx.CopyFromRows(rows))
		return err
	}); err != nil {
		return 0, fmt.Errorf("copy: %w", err)
	}
	key := quoteNames(w.t.key, "")
	if len(w.t.key) > 1 {
		key = "''" // no range record for these: their triggers stay on
	}
	var n int
	var first, last string
	all := quoteNames(w.cols, "")
	if err := tx.QueryRowContext(ctx, `WITH ins AS (INSERT INTO `+w.t.name+` (`+all+`) SELECT `+all+` FROM `+w.temp+`
		ON CONFLICT (`+quoteNames(w.t.key, "")+`) DO NOTHING RETURNING `+key+` AS k)
		SELECT count(*), coalesce(min(k), ''), coalesce(max(k), '') FROM ins`).Scan(&n, &first, &last); err != nil {
		return 0, fmt.Errorf("insert: %w", err)
	}
	if err := restoreTriggers(ctx, tx, w.triggers); err != nil {
		return 0, err
	}
	if w.t.ranged && n > 0 {
		if err := recordRange(ctx, tx, w.im.orgID, w.t.name, first, last, Millis(time.Now())); err != nil {
			return 0, fmt.Errorf("record changes: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return n, nil
}

// buildSearch writes the search documents of the organization's contacts, once all fields are
// in, in batches of contacts by key. It runs when this import wrote contacts or fields, or when
// the index lacks documents (an earlier run stopped before it finished); otherwise a re-run
// leaves the index as it is.
func (im *importer) buildSearch() error {
	ctx := im.ctx
	wrote := im.sum.Tables[slices.IndexFunc(im.sum.Tables, func(c ImportCount) bool { return c.Table == "contacts" })].Copied +
		im.sum.Tables[slices.IndexFunc(im.sum.Tables, func(c ImportCount) bool { return c.Table == "contact_fields" })].Copied
	if wrote == 0 {
		var active, docs int
		if err := im.conn.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM contacts WHERE org_id = $1 AND status = 'active'),
			(SELECT count(*) FROM contact_search WHERE org_id = $1)`, im.orgID).Scan(&active, &docs); err != nil {
			return err
		}
		if active == docs {
			return nil
		}
	}
	// Statistics first: without them (a fresh database, tables just filled by COPY) the planner
	// reads the whole identity index for each contact's document, a batch of 10,000 contacts
	// taking seconds instead of a fraction of one.
	if _, err := im.conn.ExecContext(ctx, `ANALYZE contacts, contact_fields`); err != nil {
		return err
	}
	var total int
	if err := im.conn.QueryRowContext(ctx, `SELECT count(*) FROM contacts WHERE org_id = $1`, im.orgID).Scan(&total); err != nil {
		return err
	}
	after, done := "", 0
	for done < total {
		// The last key of the next batch (or of what is left).
		var upto string
		var n int
		err := im.conn.QueryRowContext(ctx, `SELECT coalesce(max(id), ''), count(*) FROM (SELECT id FROM contacts
			WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3) b`, im.orgID, after, im.batch).Scan(&upto, &n)
		if err != nil || n == 0 {
			return err
		}
		sqltx, err := im.conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		tx := &sqlTx{Tx: sqltx, pg: true}
		if err := lockWrites(ctx, tx); err != nil {
			tx.Rollback()
			return err
		}
		for _, q := range []string{
			`DELETE FROM contact_search WHERE contact_id IN (SELECT id FROM contacts WHERE org_id = ? AND id > ? AND id <= ?)`,
			`INSERT INTO contact_search (contact_id, org_id, doc) SELECT c.id, c.org_id, ` + postgresSearchDoc + `
				FROM contacts c WHERE c.org_id = ? AND c.id > ? AND c.id <= ? AND c.status = 'active'`,
		} {
			if _, err := tx.ExecContext(ctx, q, im.orgID, after, upto); err != nil {
				tx.Rollback()
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		done += n
		after = upto
		im.progress(ImportProgress{Table: "contact_search", Done: done, Total: total, Copied: done})
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// sourceFacts fills what the summary tells the operator about secrets kept outside the file.
func (im *importer) sourceFacts() error {
	rows, err := im.rtx.QueryContext(im.ctx, `SELECT secret_ref FROM mail_accounts WHERE secret_ref <> ''
		UNION SELECT webhook_secret_ref FROM inboxes WHERE webhook_secret_ref <> '' AND deleted_at IS NULL ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("store: import: secrets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			return fmt.Errorf("store: import: secrets: %w", err)
		}
		im.sum.SecretRefs = append(im.sum.SecretRefs, ref)
	}
	return rows.Err()
}
