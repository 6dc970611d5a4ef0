package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Live chat across nodes (docs/decisions.md, "Live chat across nodes"): each node follows the
// change sequence and tells its own widget connections what happened to their conversations.
// The changes table is the truth; a NOTIFY sent by every statement that appends to it
// (migrations/postgres/0004_changes_notify.sql) only wakes the followers early.

// ChatChange is one change a live chat follower passes on: a new message (Message set) or a
// change of what the customer sees of the conversation (Message nil).
type ChatChange struct {
	Seq            int64
	ConversationID string
	Message        *Message
	At             time.Time // when the change was written (the database's clock)
}

// Postgres reports whether the store is on PostgreSQL (several nodes may share it).
func (s *Store) Postgres() bool { return s.r.pg }

// ChatChangesAfter returns, in sequence order, the chat changes of every organization after
// seq after, for the conversations want accepts, and the sequence number to continue from. It
// reads at most limit changes; more reports that others followed (call again at once). A new
// message is a message inserted (its row read here); a state change is any change of the
// conversation row (but for the touch of a new message) or of one of its challenges (a code or
// link asked for, used, refused).
// Sequence numbers become visible in the order they are taken (the write lock, "The change feed
// on PostgreSQL"), so a cursor moved past a number never misses a change committed later.
func (s *Store) ChatChangesAfter(ctx context.Context, after int64, limit int, want func(conversationID string) bool) (out []ChatChange, next int64, more bool, err error) {
	next = after
	err = s.Read(ctx, func(tx *Tx) error {
		// The newest number first: the cursor moves to it even when none of the rows up to it is
		// a chat change, so an idle chat does not make the next read scan the same rows again.
		var last int64
		if err := tx.tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&last); err != nil {
			return err
		}
		if last <= after {
			return nil
		}
		rows, err := tx.tx.QueryContext(ctx, `SELECT c.seq, c.entity, c.entity_id, c.at,
			coalesce(CASE c.entity WHEN 'conversations' THEN c.entity_id
				WHEN 'messages' THEN (SELECT m.conversation_id FROM messages m WHERE m.id = c.entity_id)
				ELSE (SELECT h.conversation_id FROM challenges h WHERE h.id = c.entity_id) END, '')
			FROM changes c
			WHERE c.seq > ? AND c.seq <= ? AND (c.entity IN ('conversations', 'challenges') OR (c.entity = 'messages' AND c.op = 'insert'))
			ORDER BY c.seq LIMIT ?`, after, last, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		var messageIDs []any
		n := 0
		for rows.Next() {
			var c ChatChange
			var entity, entityID string
			var at int64
			if err := rows.Scan(&c.Seq, &entity, &entityID, &at, &c.ConversationID); err != nil {
				return err
			}
			c.At = FromMillis(at)
			n++
			next = c.Seq
			if c.ConversationID == "" || !want(c.ConversationID) {
				continue
			}
			// AddMessage's touch of the conversation (its last activity, unread count, last
			// agent) comes right after the message's insert: the message is the event, as on
			// SQLite, where a message publishes no state change.
			if entity == "conversations" && len(out) > 0 {
				prev := out[len(out)-1]
				if prev.Message != nil && prev.Seq == c.Seq-1 && prev.ConversationID == c.ConversationID {
					continue
				}
			}
			if entity == "messages" {
				c.Message = &Message{ID: entityID}
				messageIDs = append(messageIDs, entityID)
			}
			out = append(out, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if more = n == limit; !more {
			next = last
		}
		if len(messageIDs) == 0 {
			return nil
		}
		byID, err := tx.messagesByID(messageIDs)
		if err != nil {
			return err
		}
		kept := out[:0]
		for _, c := range out {
			if c.Message != nil {
				m, ok := byID[c.Message.ID]
				if !ok {
					continue // deleted since (its conversation with it)
				}
				c.Message = &m
			}
			kept = append(kept, c)
		}
		out = kept
		return nil
	})
	if err != nil {
		return nil, after, false, fmt.Errorf("store: chat changes: %w", err)
	}
	return out, next, more, nil
}

func (t *Tx) messagesByID(ids []any) (map[string]Message, error) {
	rows, err := t.tx.QueryContext(t.ctx, "SELECT "+messageColumns+" FROM messages m WHERE m.id IN (?"+
		strings.Repeat(", ?", len(ids)-1)+")", ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]Message, len(ids))
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out[m.ID] = m
	}
	return out, rows.Err()
}

// changesChannel is the channel 0004_changes_notify.sql notifies on.
const changesChannel = "vouchdesk_changes"

// listenRetry is how long the listener waits before connecting again after losing its
// connection; the follower's poll covers the gap.
const listenRetry = 2 * time.Second

// ListenChanges pokes wake soon after any transaction (of this node or another) appends to the
// change sequence, until ctx ends; several writes may give one poke, and a poke is dropped when
// one is pending already. It is a wake-up only: notifications sent while its connection is down
// are lost, so the reader polls as well. The connection is pgx's own, held outside the store's
// pools: a LISTEN belongs to its session, and a pooled connection would be handed to other work.
// A lost connection is reported to onErr and made again after listenRetry. On SQLite it only
// waits for ctx (one process per file: its writes are published where they are made).
func (s *Store) ListenChanges(ctx context.Context, wake chan<- struct{}, onErr func(error)) {
	if !s.r.pg {
		<-ctx.Done()
		return
	}
	for ctx.Err() == nil {
		err := s.listen(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		if onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(listenRetry):
		}
	}
}

// listen holds one LISTEN connection until it fails or ctx ends.
func (s *Store) listen(ctx context.Context, wake chan<- struct{}) error {
	cfg, err := pgx.ParseConfig(s.sess.location)
	if err != nil {
		return fmt.Errorf("store: listen: %w", err)
	}
	cfg.RuntimeParams["application_name"] = "vouchdesk-listen"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("store: listen: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return fmt.Errorf("store: listen: %w", err)
	}
	// Changes written while the connection was down were not notified: wake the reader once.
	poke(wake)
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("store: listen: %w", err)
		}
		poke(wake)
	}
}

func poke(wake chan<- struct{}) {
	select {
	case wake <- struct{}{}:
	default: // a wake-up is pending already
	}
}
