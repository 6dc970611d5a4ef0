package chat

import (
	"context"
	"slices"
	"time"

	"vouchdesk/backend/store"
)

// On PostgreSQL several nodes serve the widget from one database, and a customer connected to
// one node talks with an agent whose reply is written by another. There the hub is fed from the
// change sequence alone (Follow): every node reads the changes of the conversations it has
// listeners for and publishes them, the node that wrote them included, so a listener gets each
// event once whichever node wrote it. On SQLite (one process) the service publishes right after
// its own commits, as before. docs/decisions.md, "Live chat across nodes".

// FollowPoll is how often a follower reads the change sequence without a wake-up: a lost
// notification delays events by at most this.
const FollowPoll = time.Second

// followBatch is how many changes a follower reads at a time.
const followBatch = 500

// PublishFromFeed makes the change sequence the hub's only source (Follow must then run): the
// service no longer publishes its own writes to the hub. The desktop's Changed is still told
// directly. Call it before the service is used.
func (s *Service) PublishFromFeed() { s.fromFeed = true }

// Follow publishes to the hub the chat changes committed after seq from (store.LastChangeSeq: no
// history is replayed), until ctx ends: new messages as EventMessage and changes of a
// conversation or its challenges as EventState, only for conversations with listeners here. It
// reads when wake receives and at least every poll. A failed read is reported to onErr and
// tried again at the next wake-up or poll, from the same place: nothing is skipped.
func (s *Service) Follow(ctx context.Context, from int64, wake <-chan struct{}, poll time.Duration, onErr func(error)) {
	after := from
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		for {
			batch, next, more, err := s.st.ChatChangesAfter(ctx, after, followBatch, s.hub.Has)
			if err != nil {
				if ctx.Err() == nil && onErr != nil {
					onErr(err)
				}
				break
			}
			s.publishChanges(batch)
			after = next
			if !more {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-tick.C:
		}
	}
}

// publishChanges publishes one read's messages in order, then one state event for each
// conversation whose state changed: listeners re-read the whole state, which is then the newest,
// and a chat that ends shows its end note before the ended state, as when the service publishes
// itself.
func (s *Service) publishChanges(batch []store.ChatChange) {
	var changed []string
	defer func() {
		if s.FeedLag != nil {
			now := time.Now()
			for _, c := range batch {
				s.FeedLag(now.Sub(c.At))
			}
		}
	}()
	for _, c := range batch {
		if c.Message != nil {
			s.hub.Publish(c.ConversationID, Event{Kind: EventMessage, Message: *c.Message})
		} else if !slices.Contains(changed, c.ConversationID) {
			changed = append(changed, c.ConversationID)
		}
	}
	for _, id := range changed {
		s.hub.Publish(id, Event{Kind: EventState})
	}
}
