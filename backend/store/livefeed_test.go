package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// TestMessageIDsSortAfterTheConversationsNewest: a message made on a node whose clock is behind
// the node that wrote the conversation's newest message still sorts after it (the widget reads
// "after the last id it has"), including when the newest id's random part is all ones.
func TestMessageIDsSortAfterTheConversationsNewest(t *testing.T) {
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	conv := seedConversation(t, s, org)
	add := func(id, body string) store.Message {
		t.Helper()
		var m store.Message
		if err := s.Write(ctx, func(tx *store.Tx) (err error) {
			m, _, err = tx.AddMessage(store.Message{ID: id, OrgID: org.ID, ConversationID: conv.ID,
				SenderKind: store.SenderCustomer, Body: body, CreatedAt: time.Now()})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	// A UUIDv7 from a clock far ahead, its random part at its largest.
	ahead := add("10000000-0000-7000-bfff-ffffffffffff", "from the node ahead")
	later := add(store.NewID(), "from the node behind")
	if later.ID <= ahead.ID {
		t.Fatalf("AddMessage() id = %s, want one after %s", later.ID, ahead.ID)
	}
	if u, err := uuid.Parse(later.ID); err != nil || u.Version() != 7 || u.Variant() != uuid.RFC4122 {
		t.Errorf("AddMessage() id = %s (%v), want a UUIDv7", later.ID, err)
	}
	got, err := s.Messages(ctx, org.ID, conv.ID, ahead.ID, 0)
	if err != nil || len(got) != 1 || got[0].ID != later.ID {
		t.Errorf("Messages(after the node ahead's) = %+v, %v, want the later message", got, err)
	}
}

// TestChatChangesAfter: the follower's read returns, in order, a new message of a wanted
// conversation (its row, without the touch of the conversation that comes with it) and a state
// change, nothing of other conversations, and continues from the newest change.
func TestChatChangesAfter(t *testing.T) {
	s := testutil.NewStore(t)
	org, _ := seedOrg(t, s)
	conv, other := seedConversation(t, s, org), seedConversation(t, s, org)
	from, err := s.LastChangeSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var m store.Message
	if err := s.Write(ctx, func(tx *store.Tx) error {
		for _, c := range []string{other.ID, conv.ID} {
			if m, _, err = tx.AddMessage(store.Message{ID: store.NewID(), OrgID: org.ID, ConversationID: c,
				SenderKind: store.SenderCustomer, Body: "hello", CreatedAt: store.FromMillis(time.Now().UnixMilli())}); err != nil {
				return err
			}
		}
		if err := tx.SetEmailRequested(org.ID, other.ID, true); err != nil {
			return err
		}
		return tx.SetEmailRequested(org.ID, conv.ID, true)
	}); err != nil {
		t.Fatal(err)
	}
	// Another organization's write the feed moves past.
	seedOrg(t, s)
	last, _ := s.LastChangeSeq(ctx)
	want := func(id string) bool { return id == conv.ID }
	got, next, more, err := s.ChatChangesAfter(ctx, from, 500, want)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Message == nil || got[1].Message != nil {
		t.Fatalf("ChatChangesAfter() = %+v, want the message then a state change", got)
	}
	m.AuthorName = ""
	if !reflect.DeepEqual(*got[0].Message, m) || got[0].ConversationID != conv.ID || got[1].ConversationID != conv.ID {
		t.Errorf("ChatChangesAfter() message = %+v in %s, want %+v in %s", *got[0].Message, got[0].ConversationID, m, conv.ID)
	}
	if next != last || more {
		t.Errorf("ChatChangesAfter() next, more = %d, %v, want %d, false", next, more, last)
	}
	if again, n, _, err := s.ChatChangesAfter(ctx, next, 500, want); err != nil || len(again) != 0 || n != last {
		t.Errorf("ChatChangesAfter(next) = %+v, %d, %v, want nothing new", again, n, err)
	}
	// A short read says so and continues from its last row.
	page, n, more, err := s.ChatChangesAfter(ctx, from, 1, want)
	if err != nil || !more || n <= from || n >= last || len(page) > 1 {
		t.Errorf("ChatChangesAfter(limit 1) = %+v, %d, %v, %v, want at most one change and more", page, n, more, err)
	}
}
