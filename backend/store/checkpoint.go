package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointEvery is how often the background checkpointer copies the WAL into the database file.
// At the chat load test's 500 messages/s that lets the WAL grow by some 40 MB between runs, which
// it then copies in one go, off every request's path.
const checkpointEvery = time.Second

// checkpointer copies the WAL into the database file in the background, so that no commit pays
// for it. With SQLite's automatic checkpoint (every 1,000 pages of WAL) the commit that crosses
// the mark also copies the WAL and fsyncs both files: measured, that took the p99 of starting a
// signed-in chat from about 3 ms to 5.1-5.4 ms (docs/benchmarks.md). The writer therefore runs with
// wal_autocheckpoint = 0 (connectionPragmas), and this goroutine runs PASSIVE checkpoints on a
// connection of its own: PASSIVE never waits for, and never blocks, the writer or the readers;
// what a reader still needs is copied by a later run.
type checkpointer struct {
	db     *sql.DB
	paused atomic.Int32 // > 0 while a Loader runs: checkpoints in mid-load rewrite hot pages again and again
	stop   chan struct{}
	done   sync.WaitGroup
	closed sync.Once // Store.Close may be called more than once
	err    error
}

func startCheckpointer(abs string) (*checkpointer, error) {
	db, err := sql.Open(driverName, writerDSN(abs))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	c := &checkpointer{db: db, stop: make(chan struct{})}
	c.done.Add(1)
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer c.done.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if c.paused.Load() == 0 {
				c.checkpoint()
			}
		}
	}
}

// checkpoint runs one PASSIVE checkpoint. An error (a busy file, a full disk) only means the WAL
// stays longer: the next run tries again, and the data is safe in the WAL meanwhile.
func (c *checkpointer) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = c.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
}

func (c *checkpointer) pause()  { c.paused.Add(1) }
func (c *checkpointer) resume() { c.paused.Add(-1) }

// close stops the goroutine, checkpoints once more and closes the connection.
func (c *checkpointer) close() error {
	c.closed.Do(func() {
		close(c.stop)
		c.done.Wait()
		c.checkpoint()
		c.err = c.db.Close()
	})
	return c.err
}

func (s *Store) pauseCheckpoints() {
	if s.ckpt != nil {
		s.ckpt.pause()
	}
}

func (s *Store) resumeCheckpoints() {
	if s.ckpt != nil {
		s.ckpt.resume()
	}
}
