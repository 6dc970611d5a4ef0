package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// DefaultLoadBatch is how many rows a Loader commits at once unless told otherwise. Larger
// batches amortize the commit (fsync, trigger swap, range records); 50,000 rows are a few MB of
// WAL.
const DefaultLoadBatch = 50_000

// loadCheckpointAt is how large SQLite's WAL may grow during a load before the loader copies it
// into the database file between two batches (checkpointIfLarge). Without it a 1M-contact seed
// grew a 7 GB WAL for a 1.3 GB file (every batch rewrites the same hot index pages, and each
// rewrite is a new WAL frame); with it the WAL stays below this size plus one batch.
var loadCheckpointAt int64 = 256 << 20

// analyzeAfter is how many rows a PostgreSQL load needs before Close refreshes the planner's
// statistics of the loaded tables (small loads leave that to autovacuum).
const analyzeAfter = 10_000

// pgLoadChunk is how many rows of one table a PostgreSQL loader sends in one multi-row INSERT:
// one round trip per chunk instead of per row (row by row, the client and server waiting on each
// other made a 1M-contact seed take hours on a busy 2-core machine). 7 columns x 500 rows stays
// far below PostgreSQL's 65,535 parameters per statement.
const pgLoadChunk = 500

// Loader inserts many rows fast: prepared statements inside large transactions, committed every
// batch rows. It is the store's bulk API, used by the seed generator and by imports. A Loader
// holds the writer connection until Close, so other writes wait.
//
// The change sequence is kept batch by batch instead of row by row: inside each batch's
// transaction the loader drops the insert triggers of the four tables it loads, and before the
// commit it puts them back and appends one range record per (organization, table) covering the
// keys it loaded (see migrations/0003_change_ranges.sql). SQLite's DDL is transactional, so no
// other connection ever sees the tables without their triggers, and a crash or Abort rolls the
// triggers back together with the rows.
type Loader struct {
	s        *Store
	ctx      context.Context // for the statements: not cancellable
	caller   context.Context // checked between batches
	batch    int
	n        int
	tx       *sqlTx
	stmts    [len(loadTables)]*sql.Stmt
	triggers []trigger
	spans    map[spanKey]*span
	paused   bool // the store's background checkpointer waits for this load
	// PostgreSQL: rows waiting for their table's next multi-row INSERT (flat arguments), and how
	// many rows that is per table.
	pending     [len(loadTables)][]any
	pendingRows [len(loadTables)]int
	analyzed    bool // PostgreSQL: the planner has statistics of this load's tables
	checkpoints int  // SQLite: checkpoints the load ran between batches
}

// loadTables are the tables a Loader writes, in the order of its statements.
var loadTables = [...]struct{ table, what, insert string }{
	{"contacts", "contact", insertContactSQL},
	{"contact_fields", "contact field", insertFieldSQL},
	{"conversations", "conversation", insertConversationSQL},
	{"messages", "message", insertMessageSQL},
}

// trigger is one the loader suspends inside each batch: SQLite drops it and creates it again from
// its definition (sql); PostgreSQL disables and enables it on its table (both are DDL that
// commits or rolls back with the batch).
type trigger struct{ name, sql, table string }

type spanKey struct {
	table int
	orgID string
}

// span is the smallest and largest key loaded into one table for one organization in a batch.
type span struct{ first, last string }

// NewLoader starts a bulk load that commits every batch rows (0 means DefaultLoadBatch).
func (s *Store) NewLoader(ctx context.Context, batch int) (*Loader, error) {
	if s.readOnly {
		return nil, ErrReadOnly
	}
	if batch <= 0 {
		batch = DefaultLoadBatch
	}
	// Inserts run without the caller's cancellation: with a cancellable context the driver starts
	// a watcher goroutine per statement (a quarter of the load rate). The caller's context is
	// checked between batches instead.
	l := &Loader{s: s, ctx: context.WithoutCancel(ctx), caller: ctx, batch: batch, spans: map[spanKey]*span{}}
	if err := l.loadTriggers(); err != nil {
		return nil, err
	}
	// No background checkpoints during the load: each one copies the WAL into the database file
	// and fsyncs both, rewriting the same hot index pages again and again (a third of the load
	// time when SQLite checkpointed every 1,000 pages). The store's background checkpointer waits
	// until Close or Abort; the loader itself checkpoints between batches only once the WAL passes
	// loadCheckpointAt (bounding the disk a big load needs), and Close checkpoints once more.
	l.s.pauseCheckpoints()
	l.paused = true
	if err := l.begin(); err != nil {
		l.resume()
		return nil, err
	}
	return l, nil
}

// resume lets the background checkpointer run again, once, however Close and Abort are called.
func (l *Loader) resume() {
	if l.paused {
		l.paused = false
		l.s.resumeCheckpoints()
	}
}

// loadTriggers reads the insert triggers of the loaded tables from the schema itself, so the
// loader puts back exactly what the migrations made.
func (l *Loader) loadTriggers() error {
	if l.s.w.pg {
		// migrations/postgres: one change trigger per table, and the search index's two.
		for _, t := range loadTables {
			l.triggers = append(l.triggers, trigger{name: t.table + "_change", table: t.table})
		}
		l.triggers = append(l.triggers, trigger{name: "contact_search_contact", table: "contacts"},
			trigger{name: "contact_search_field", table: "contact_fields"})
		return nil
	}
	names := make([]string, len(loadTables))
	for i, t := range loadTables {
		names[i] = "'" + t.table + "_change_insert'"
	}
	rows, err := l.s.w.QueryContext(l.ctx, `SELECT name, sql FROM sqlite_schema
		WHERE type = 'trigger' AND name IN (`+strings.Join(names, ", ")+`) ORDER BY name`)
	if err != nil {
		return fmt.Errorf("store: loader triggers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t trigger
		if err := rows.Scan(&t.name, &t.sql); err != nil {
			return fmt.Errorf("store: loader triggers: %w", err)
		}
		l.triggers = append(l.triggers, t)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: loader triggers: %w", err)
	}
	if len(l.triggers) != len(loadTables) {
		return fmt.Errorf("store: loader: found %d of the %d change triggers it expects", len(l.triggers), len(loadTables))
	}
	// The search index's triggers (migration 0007) re-index a contact per row; the loader indexes
	// each batch in one statement instead (indexBatch).
	rows, err = l.s.w.QueryContext(l.ctx, `SELECT name, sql FROM sqlite_schema
		WHERE type = 'trigger' AND name LIKE 'contact\_search\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return fmt.Errorf("store: loader triggers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t trigger
		if err := rows.Scan(&t.name, &t.sql); err != nil {
			return fmt.Errorf("store: loader triggers: %w", err)
		}
		l.triggers = append(l.triggers, t)
	}
	return rows.Err()
}

// indexBatch puts the batch's contacts into the search index: those loaded, and those whose
// fields were loaded (a contact and its fields may fall in two batches). Same statements as the
// triggers, one per batch instead of several per row.
func (l *Loader) indexBatch() error {
	var contacts, fields []span
	for k, sp := range l.spans {
		switch loadTables[k.table].table {
		case "contacts":
			contacts = append(contacts, *sp)
		case "contact_fields":
			fields = append(fields, *sp)
		}
	}
	if len(contacts) == 0 && len(fields) == 0 {
		return nil
	}
	if _, err := l.tx.ExecContext(l.ctx, `CREATE TEMP TABLE IF NOT EXISTS load_reindex (contact_id TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("store: loader: search index: %w", err)
	}
	for _, sp := range contacts {
		if _, err := l.tx.ExecContext(l.ctx, l.tx.pick(
			`INSERT OR IGNORE INTO load_reindex SELECT id FROM contacts WHERE id BETWEEN ? AND ?`,
			`INSERT INTO load_reindex SELECT id FROM contacts WHERE id BETWEEN ? AND ? ON CONFLICT DO NOTHING`), sp.first, sp.last); err != nil {
			return fmt.Errorf("store: loader: search index: %w", err)
		}
	}
	for _, sp := range fields {
		if _, err := l.tx.ExecContext(l.ctx, l.tx.pick(
			`INSERT OR IGNORE INTO load_reindex SELECT contact_id FROM contact_fields WHERE id BETWEEN ? AND ?`,
			`INSERT INTO load_reindex SELECT contact_id FROM contact_fields WHERE id BETWEEN ? AND ? ON CONFLICT DO NOTHING`), sp.first, sp.last); err != nil {
			return fmt.Errorf("store: loader: search index: %w", err)
		}
	}
	if l.tx.pg {
		for _, q := range []string{
			`DELETE FROM contact_search WHERE contact_id IN (SELECT contact_id FROM load_reindex)`,
			`INSERT INTO contact_search (contact_id, org_id, doc)
				SELECT c.id, c.org_id, ` + postgresSearchDoc + `
				FROM load_reindex r JOIN contacts c ON c.id = r.contact_id WHERE c.status = 'active'`,
			`DELETE FROM load_reindex`,
		} {
			if _, err := l.tx.ExecContext(l.ctx, q); err != nil {
				return fmt.Errorf("store: loader: search index: %w", err)
			}
		}
		return nil
	}
	for _, q := range []string{
		`INSERT OR IGNORE INTO contact_search_keys (contact_id) SELECT contact_id FROM load_reindex`,
		`DELETE FROM contact_search WHERE rowid IN (SELECT k.k FROM load_reindex r JOIN contact_search_keys k ON k.contact_id = r.contact_id)`,
		`INSERT INTO contact_search (rowid, doc)
			SELECT k.k, c.name || ' ' || coalesce((SELECT group_concat(f.value_norm, ' ') FROM contact_fields f
				WHERE f.contact_id = c.id AND f.removed_at IS NULL), '')
			FROM load_reindex r JOIN contact_search_keys k ON k.contact_id = r.contact_id JOIN contacts c ON c.id = r.contact_id
			WHERE c.status = 'active'`,
		`DELETE FROM load_reindex`,
	} {
		if _, err := l.tx.ExecContext(l.ctx, q); err != nil {
			return fmt.Errorf("store: loader: search index: %w", err)
		}
	}
	return nil
}

func (l *Loader) begin() error {
	tx, err := l.s.w.BeginTx(l.ctx, nil)
	if err != nil {
		return fmt.Errorf("store: loader begin: %w", err)
	}
	l.tx = tx
	if err := lockWrites(l.ctx, tx); err != nil {
		tx.Rollback()
		return fmt.Errorf("store: loader: write lock: %w", err)
	}
	if err := suspendTriggers(l.ctx, tx, l.triggers); err != nil {
		tx.Rollback()
		return fmt.Errorf("store: loader: %w", err)
	}
	if tx.pg {
		return nil // multi-row INSERTs (flush); pgx caches their prepared statements itself
	}
	for i, t := range loadTables {
		if l.stmts[i], err = tx.PrepareContext(l.ctx, t.insert); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: loader prepare: %w", err)
		}
	}
	return nil
}

// commit restores the triggers, records what the batch loaded and commits it.
func (l *Loader) commit() error {
	fail := func(err error) error {
		l.tx.Rollback()
		return err
	}
	if err := l.flush(); err != nil {
		return fail(err)
	}
	for i, st := range l.stmts {
		if st != nil {
			st.Close()
		}
		l.stmts[i] = nil
	}
	if err := restoreTriggers(l.ctx, l.tx, l.triggers); err != nil {
		return fail(fmt.Errorf("store: loader: %w", err))
	}
	if l.tx.pg && !l.analyzed && l.n >= analyzeAfter {
		// Before the first big batch is indexed: without statistics (a new database, or one that
		// grew since autovacuum last looked) the planner re-indexes each contact by scanning the
		// whole identity index for its fields (22 s for 20,000 contacts instead of 0.2 s). Once
		// analyzed, its estimates scale with the tables as they grow. ANALYZE counts the rows this
		// transaction inserted.
		if _, err := l.tx.ExecContext(l.ctx, `ANALYZE contacts, contact_fields`); err != nil {
			return fail(fmt.Errorf("store: loader: analyze: %w", err))
		}
		l.analyzed = true
	}
	if err := l.indexBatch(); err != nil {
		return fail(err)
	}
	// In a fixed order, so the same load writes the same sequence.
	keys := make([]spanKey, 0, len(l.spans))
	for k := range l.spans {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].table != keys[j].table {
			return keys[i].table < keys[j].table
		}
		return keys[i].orgID < keys[j].orgID
	})
	at := Millis(time.Now())
	for _, k := range keys {
		sp := l.spans[k]
		if err := recordRange(l.ctx, l.tx, k.orgID, loadTables[k.table].table, sp.first, sp.last, at); err != nil {
			return fail(fmt.Errorf("store: loader: record changes: %w", err))
		}
	}
	clear(l.spans)
	if err := l.tx.Commit(); err != nil {
		return fmt.Errorf("store: loader commit: %w", err)
	}
	return l.checkpointIfLarge()
}

// checkpointIfLarge copies SQLite's WAL into the database file between two batches once the WAL
// file passes loadCheckpointAt. TRUNCATE: it then empties the WAL file, so its size says again
// how much the load wrote since (after a PASSIVE one the file keeps its size, and every later
// batch would checkpoint). It waits for readers still on an older snapshot, at most the busy
// timeout; if one keeps it, the checkpoint stops there and the next batch tries again.
func (l *Loader) checkpointIfLarge() error {
	if l.s.w.pg {
		return nil
	}
	fi, err := os.Stat(l.s.path + "-wal")
	if err != nil || fi.Size() < loadCheckpointAt {
		return nil // no WAL file (nothing to copy) or still small
	}
	if _, err := l.s.w.ExecContext(l.ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("store: loader checkpoint: %w", err)
	}
	l.checkpoints++
	return nil
}

// flush sends the PostgreSQL rows waiting in pending, one multi-row INSERT per table and chunk,
// parents before children (contacts, fields, conversations, messages: the order of loadTables),
// so every foreign key finds its row as it did row by row.
func (l *Loader) flush() error {
	for i := range loadTables {
		if l.pendingRows[i] == 0 {
			continue
		}
		if _, err := l.tx.Tx.ExecContext(l.ctx, pgMultiInsert(i, l.pendingRows[i]), l.pending[i]...); err != nil {
			return fmt.Errorf("store: load %s: %w", loadTables[i].what, err)
		}
		clear(l.pending[i])
		l.pending[i] = l.pending[i][:0]
		l.pendingRows[i] = 0
	}
	return nil
}

// pgMultiInsert is table i's insert statement for rows rows, in PostgreSQL's `$N` parameters:
// the statement's VALUES group repeated.
func pgMultiInsert(i, rows int) string {
	key := pgInsertKey{i, rows}
	if q, ok := pgInserts.Load(key); ok {
		return q.(string)
	}
	insert := loadTables[i].insert
	at := strings.Index(insert, "VALUES")
	cols := strings.Count(insert[at:], "?")
	var b strings.Builder
	b.WriteString(insert[:at])
	b.WriteString("VALUES ")
	n := 0
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := 0; c < cols; c++ {
			if c > 0 {
				b.WriteString(", ")
			}
			n++
			fmt.Fprintf(&b, "$%d", n)
		}
		b.WriteByte(')')
	}
	q := b.String()
	pgInserts.Store(key, q)
	return q
}

type pgInsertKey struct{ table, rows int }

// pgInserts caches pgMultiInsert's statements (a full chunk's, and each batch's last ones).
var pgInserts sync.Map

func (l *Loader) add(i int, args []any) error {
	if l.tx.pg {
		l.pending[i] = append(l.pending[i], args...)
		l.pendingRows[i]++
		if l.pendingRows[i] >= pgLoadChunk {
			if err := l.flush(); err != nil {
				return err
			}
		}
	} else if _, err := l.stmts[i].ExecContext(l.ctx, args...); err != nil {
		return fmt.Errorf("store: load %s: %w", loadTables[i].what, err)
	}
	// args[0] is the key and args[1] the organization for every loaded table.
	id, org := args[0].(string), args[1].(string)
	k := spanKey{i, org}
	if sp := l.spans[k]; sp == nil {
		l.spans[k] = &span{id, id}
	} else if id < sp.first {
		sp.first = id
	} else if id > sp.last {
		sp.last = id
	}
	l.n++
	if l.n%l.batch == 0 {
		if err := l.caller.Err(); err != nil {
			l.tx.Rollback()
			return fmt.Errorf("store: load stopped: %w", err)
		}
		if err := l.commit(); err != nil {
			return err
		}
		return l.begin()
	}
	return nil
}

// Contact adds a contact.
func (l *Loader) Contact(c Contact) error { return l.add(0, contactArgs(c)) }

// Field adds a contact field.
func (l *Loader) Field(f Field) error { return l.add(1, fieldArgs(f)) }

// Conversation adds a conversation.
func (l *Loader) Conversation(c Conversation) error {
	return l.add(2, conversationArgs(c))
}

// Message adds a message.
func (l *Loader) Message(m Message) error { return l.add(3, messageArgs(m)) }

// Rows is how many rows the loader has added so far.
func (l *Loader) Rows() int { return l.n }

// Close commits what is left and copies the load into the database file (a checkpoint), so the
// WAL does not stay large.
func (l *Loader) Close() error {
	err := l.commit()
	if err == nil && !l.s.w.pg {
		// PASSIVE: copies what no reader still needs, never waits for readers. Anything left is
		// copied by a later background checkpoint.
		_, err = l.s.w.ExecContext(l.ctx, "PRAGMA wal_checkpoint(PASSIVE)")
	}
	if err == nil && l.s.w.pg && l.n >= analyzeAfter {
		// A big load changes the tables' sizes more than autovacuum's next look would know for a
		// while: until then the planner may plan lookups and trigram searches for the empty
		// tables it last saw (a sequential scan instead of the index).
		_, err = l.s.w.ExecContext(l.ctx, `ANALYZE contacts, contact_fields, conversations, messages, contact_search, changes`)
	}
	l.resume()
	if err != nil {
		return fmt.Errorf("store: loader close: %w", err)
	}
	return nil
}

// Abort rolls back the rows added since the last batch commit.
func (l *Loader) Abort() error {
	err := l.tx.Rollback()
	l.resume()
	return err
}
