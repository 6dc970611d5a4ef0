package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Loader inserts many rows fast: prepared statements inside large transactions, committed every
// batch rows. It is the store's bulk API, used by the seed generator and by imports. A Loader
// holds the writer connection until Close, so other writes wait.
type Loader struct {
	s      *Store
	ctx    context.Context // for the statements: not cancellable
	caller context.Context // checked between batches
	batch  int
	n      int
	tx     *sql.Tx
	stmts  [4]*sql.Stmt // contact, field, conversation, message
}

// NewLoader starts a bulk load that commits every batch rows (0 means 10,000).
func (s *Store) NewLoader(ctx context.Context, batch int) (*Loader, error) {
	if s.readOnly {
		return nil, ErrReadOnly
	}
	if batch <= 0 {
		batch = 10_000
	}
	// Inserts run without the caller's cancellation: with a cancellable context the driver starts
	// a watcher goroutine per statement (a quarter of the load rate). The caller's context is
	// checked between batches instead.
	l := &Loader{s: s, ctx: context.WithoutCancel(ctx), caller: ctx, batch: batch}
	if err := l.begin(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Loader) begin() error {
	tx, err := l.s.w.BeginTx(l.ctx, nil)
	if err != nil {
		return fmt.Errorf("store: loader begin: %w", err)
	}
	l.tx = tx
	for i, q := range []string{insertContactSQL, insertFieldSQL, insertConversationSQL, insertMessageSQL} {
		if l.stmts[i], err = tx.PrepareContext(l.ctx, q); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: loader prepare: %w", err)
		}
	}
	return nil
}

func (l *Loader) add(i int, what string, args []any) error {
	if _, err := l.stmts[i].ExecContext(l.ctx, args...); err != nil {
		return fmt.Errorf("store: load %s: %w", what, err)
	}
	l.n++
	if l.n%l.batch == 0 {
		if err := l.caller.Err(); err != nil {
			l.tx.Rollback()
			return fmt.Errorf("store: load stopped: %w", err)
		}
		if err := l.tx.Commit(); err != nil {
			return fmt.Errorf("store: loader commit: %w", err)
		}
		return l.begin()
	}
	return nil
}

// Contact adds a contact.
func (l *Loader) Contact(c Contact) error { return l.add(0, "contact", contactArgs(c)) }

// Field adds a contact field.
func (l *Loader) Field(f Field) error { return l.add(1, "contact field", fieldArgs(f)) }

// Conversation adds a conversation.
func (l *Loader) Conversation(c Conversation) error {
	return l.add(2, "conversation", conversationArgs(c))
}

// Message adds a message.
func (l *Loader) Message(m Message) error { return l.add(3, "message", messageArgs(m)) }

// Rows is how many rows the loader has added so far.
func (l *Loader) Rows() int { return l.n }

// Close commits what is left.
func (l *Loader) Close() error {
	if err := l.tx.Commit(); err != nil {
		return fmt.Errorf("store: loader commit: %w", err)
	}
	return nil
}

// Abort rolls back the rows added since the last batch commit.
func (l *Loader) Abort() error { return l.tx.Rollback() }
