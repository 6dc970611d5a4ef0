package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"fmt"
	"sync"
	"time"
)

// Several vouchd nodes may share one PostgreSQL database. Each store is one node: it has a key
// (NodeKey) and, on PostgreSQL, holds a session advisory lock on that key on a connection of its
// own for as long as it runs. PostgreSQL releases a session's locks the moment the session ends
// (a node stopped, killed with -9, or cut off: the connection's TCP keepalives end it within
// about 25 s), so "the node is alive" is "its lock is held", read from pg_locks, with no heartbeat
// rows to write. The same connection holds the leader lock (Lead).
//
// On SQLite the file lock already makes one process per database: that process is always the
// only node, and always the leader.

// nodeKeyClass is the high half of every node key: the advisory lock space of node presence
// ("VN"), apart from the store's other locks.
const nodeKeyClass = 0x564E

// leaderLockKey is the lock the leader holds ("VDK1L").
const leaderLockKey = 0x56444B314C

// session is the node's own connection to PostgreSQL, holding its presence lock and, when it
// leads, the leader lock.
type session struct {
	mu       sync.Mutex
	location string  // the database's URL
	db       *sql.DB // a pool of one: closing it closes the session's connection for real
	conn     *sql.Conn
	leading  bool
}

func newNodeKey() int64 {
	var b [4]byte
	rand.Read(b[:])
	return nodeKeyClass<<32 | int64(binary.BigEndian.Uint32(b[:]))
}

// NodeKey identifies this store among the nodes sharing its database.
func (s *Store) NodeKey() int64 { return s.node }

// present takes the node's presence lock on its own connection (PostgreSQL), once; later calls
// check the connection and take it again if it was lost. It reports whether the lock is held.
func (s *Store) present(ctx context.Context) (*sql.Conn, error) {
	s.sess.mu.Lock()
	defer s.sess.mu.Unlock()
	if s.sess.conn != nil {
		if err := s.sess.conn.PingContext(ctx); err == nil {
			return s.sess.conn, nil
		}
		// The session ended: its locks are gone with it.
		s.endSession()
	}
	pool, err := postgresPool(ctx, s.sess.location, false, 1)
	if err != nil {
		return nil, err
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		pool.Close()
		return nil, err
	}
	// Keepalives end the session on the server ~25 s after this node vanishes without closing
	// it (power cut, network gone), which frees its locks for the others.
	for _, q := range []string{"SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 5",
		"SET tcp_keepalives_count = 3", fmt.Sprintf("SELECT pg_advisory_lock(%d)", s.node)} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.Close()
			pool.Close()
			return nil, fmt.Errorf("store: node presence: %w", err)
		}
	}
	s.sess.db, s.sess.conn = pool, conn
	return conn, nil
}

// Lead makes this node the leader if no live node is, and reports whether it leads now. Call it
// periodically: a leader's answer stays true while its session lives; a follower takes over as
// soon as the leader's session has ended. On SQLite it is always true.
func (s *Store) Lead(ctx context.Context) (bool, error) {
	if !s.w.pg {
		return true, nil
	}
	conn, err := s.present(ctx)
	if err != nil {
		return false, err
	}
	s.sess.mu.Lock()
	defer s.sess.mu.Unlock()
	if s.sess.leading {
		return true, nil
	}
	var got bool
	if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT pg_try_advisory_lock(%d)", int64(leaderLockKey))).Scan(&got); err != nil {
		return false, fmt.Errorf("store: lead: %w", err)
	}
	s.sess.leading = got
	return got, nil
}

// Resign gives up leadership (a node shutting down hands over at once).
func (s *Store) Resign(ctx context.Context) error {
	if !s.w.pg {
		return nil
	}
	s.sess.mu.Lock()
	defer s.sess.mu.Unlock()
	if !s.sess.leading || s.sess.conn == nil {
		return nil
	}
	s.sess.leading = false
	_, err := s.sess.conn.ExecContext(ctx, fmt.Sprintf("SELECT pg_advisory_unlock(%d)", int64(leaderLockKey)))
	return err
}

// closeSession ends the node's session: its presence and any leadership end with it, before it
// returns (the locks are released, then the connection closed), so another node sees it gone at
// once.
func (s *Store) closeSession() error {
	s.sess.mu.Lock()
	defer s.sess.mu.Unlock()
	if s.sess.conn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// When the unlock fails the connection is already gone (a cancelled statement, a cut
	// session), and so are its locks: closing is all that is left to do.
	_, _ = s.sess.conn.ExecContext(ctx, "SELECT pg_advisory_unlock_all()")
	s.endSession()
	return nil
}

// endSession closes the session's connection (its pool of one). Called with s.sess.mu held.
func (s *Store) endSession() {
	s.sess.conn.Close()
	s.sess.db.Close()
	s.sess.db, s.sess.conn, s.sess.leading = nil, nil, false
}

// nodeGone is the condition, on an outbox row o, that the node that claimed it is no longer
// running: on PostgreSQL its presence lock is not held by anyone; on SQLite it is another
// process than this one (the file lock says this is the only one).
func (s *Store) nodeGone() string {
	if s.w.pg {
		return `NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
			AND l.classid::bigint = (o.claimed_by >> 32) AND l.objid::bigint = (o.claimed_by & 4294967295))`
	}
	return fmt.Sprintf(`o.claimed_by <> %d`, s.node)
}
