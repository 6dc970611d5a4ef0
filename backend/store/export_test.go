package store

import "context"

// OpenUpTo opens with the migrations applied only up to version upTo, to build old databases.
func OpenUpTo(ctx context.Context, path string, upTo int) (*Store, error) {
	return open(ctx, path, upTo)
}

// WriterPragma reads a pragma on the writer connection.
func (s *Store) WriterPragma(ctx context.Context, name string) (string, error) {
	var v string
	err := s.w.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v)
	return v, err
}

// ReaderQuery exposes the read pool to tests.
func (s *Store) ReaderQuery(ctx context.Context, query string, args ...any) (int64, error) {
	var v int64
	err := s.r.QueryRowContext(ctx, query, args...).Scan(&v)
	return v, err
}

// ExecRaw runs SQL in the transaction (tests only).
func (t *Tx) ExecRaw(q string) error { return t.exec("raw", q) }

// UnlockWritesForTest turns PostgreSQL's write lock off until the test ends (to show what the
// feed test catches without it: VOUCHDESK_TEST_UNLOCKED_WRITES=1).
func UnlockWritesForTest(t interface{ Cleanup(func()) }) {
	unlockedWritesForTest = true
	t.Cleanup(func() { unlockedWritesForTest = false })
}
