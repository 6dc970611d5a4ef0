package services

import (
	"fmt"
	"testing"
	"time"

	"vouchdesk/backend/store"
)

// TestOpenShowsTheNewestMessagesAndPagesBack: a chat of 6,000 messages opens on its newest page
// (the newest message present), and paging back from the oldest message shown reaches the
// first, each message once and in order.
func TestOpenShowsTheNewestMessagesAndPagesBack(t *testing.T) {
	b, s := newChat(t)
	ctx, _, ws, _ := b.workspace()
	e := eng(b)
	orgID := ws.Organization.ID
	conv := s.Conversation.ID
	const n = 6000
	start := time.Now().Add(-time.Hour)
	if err := e.Store().Write(ctx, func(tx *store.Tx) error {
		for i := range n {
			m := store.Message{ID: store.NewID(), OrgID: orgID, ConversationID: conv, SenderKind: store.SenderCustomer,
				Body: fmt.Sprintf("message %d", i), CreatedAt: start.Add(time.Duration(i) * time.Millisecond)}
			if err := tx.InsertMessage(m); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ch := NewChat(b)
	d, err := ch.Open(conv)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Messages) != MessagesPerPage || !d.HasEarlier || d.Messages[len(d.Messages)-1].Body != fmt.Sprintf("message %d", n-1) {
		last := ""
		if len(d.Messages) > 0 {
			last = d.Messages[len(d.Messages)-1].Body
		}
		t.Fatalf("Open(6,000 messages) = %d messages, hasEarlier %v, newest %q; want %d, true, %q",
			len(d.Messages), d.HasEarlier, last, MessagesPerPage, fmt.Sprintf("message %d", n-1))
	}
	all := d.Messages
	for more, pages := d.HasEarlier, 1; more; pages++ {
		if pages > n/MessagesPerPage+1 {
			t.Fatalf("still paging after %d pages", pages)
		}
		p, err := ch.Earlier(conv, all[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		all = append(p.Messages, all...)
		more = p.HasEarlier
	}
	if len(all) != n {
		t.Fatalf("paged back to %d messages, want %d", len(all), n)
	}
	for i, m := range all {
		if want := fmt.Sprintf("message %d", i); m.Body != want {
			t.Fatalf("message %d = %q, want %q", i, m.Body, want)
		}
	}
	if _, err := ch.Earlier(store.NewID(), all[0].ID); err == nil {
		t.Errorf("Earlier(an unknown conversation) = nil error, want not found")
	}
}
