package engine

import (
	"context"
	"fmt"

	"vouchdesk/backend/chat"
)

// On PostgreSQL the live chat hub of every node is fed from the change sequence (chat.Follow),
// woken by the database's notifications (store.ListenChanges) and polling every chat.FollowPoll
// besides, so a customer on one node and an agent on another see each other's messages live.
// docs/decisions.md, "Live chat across nodes".

// followChats starts the live chat follower at the newest change (nothing older is replayed:
// a widget that connects reads its backlog from the store). It runs until bg ends.
func (e *Engine) followChats(ctx, bg context.Context) error {
	if !e.db.Postgres() {
		return nil
	}
	from, err := e.db.LastChangeSeq(ctx)
	if err != nil {
		return fmt.Errorf("engine: live chat: %w", err)
	}
	wake := make(chan struct{}, 1)
	notified := make(chan struct{}, 1)
	e.wg.Add(3)
	go func() {
		defer e.wg.Done()
		e.db.ListenChanges(bg, notified, func(err error) { e.log.Warn("live chat: listening for changes (polling meanwhile)", "err", err) })
	}()
	// Every notification wakes the agents' feed waiters too (other nodes' commits: this node's
	// own reach them through Store.OnCommit).
	go func() {
		defer e.wg.Done()
		for {
			select {
			case <-bg.Done():
				return
			case <-notified:
				e.changes.Notify()
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}
	}()
	go func() {
		defer e.wg.Done()
		e.chats.Follow(bg, from, wake, chat.FollowPoll, func(err error) { e.log.Warn("live chat: reading changes", "err", err) })
	}()
	return nil
}
