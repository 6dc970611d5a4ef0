package chat_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/org"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// hook records the end hook's calls; fail makes Ending fail.
type hook struct {
	ending, ended []string
	fail          error
}

func (h *hook) Ending(tx *store.Tx, orgID, conversationID string, now time.Time) error {
	if h.fail != nil {
		return h.fail
	}
	// Inside the ending transaction the conversation reads as ended already.
	c, err := tx.Conversation(orgID, conversationID)
	if err != nil {
		return err
	}
	h.ending = append(h.ending, c.Status)
	return nil
}

func (h *hook) Ended(_, conversationID string) { h.ended = append(h.ended, conversationID) }

// TestEndHookRunsInTheEndingTransaction: the hook sees the ended row inside the transaction and is
// told after the commit, once however often End is called; a failing hook rolls the end back, so
// nothing the hook would have written (the transcript email) can be lost while the chat ends.
func TestEndHookRunsInTheEndingTransaction(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	clk := testutil.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	ws, err := org.New(st, clk.Now).Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	orgID := ws.Organization.ID
	inboxes, _ := st.InboxesByOrg(ctx, orgID)
	svc := chat.New(st, clk.Now, chat.NewHub())
	h := &hook{}
	svc.OnEnd = h

	s, err := svc.Start(ctx, orgID, chat.StartInput{InboxID: inboxes[0].ID, Name: "Ada"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := svc.End(ctx, orgID, s.Conversation.ID, store.AgentActor(ws.Me.ID)); err != nil {
			t.Fatal(err)
		}
	}
	if len(h.ending) != 1 || h.ending[0] != store.ConversationEnded || len(h.ended) != 1 {
		t.Errorf("hook calls: ending %v, ended %v; want one each, seeing the ended row", h.ending, h.ended)
	}

	boom := errors.New("disk full")
	h.fail = boom
	s2, err := svc.Start(ctx, orgID, chat.StartInput{InboxID: inboxes[0].ID, Name: "Bob"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.End(ctx, orgID, s2.Conversation.ID, store.SystemActor); !errors.Is(err, boom) {
		t.Fatalf("End with a failing hook = %v, want %v", err, boom)
	}
	c, err := st.ConversationByID(ctx, orgID, s2.Conversation.ID)
	if err != nil || c.Status != store.ConversationOpen {
		t.Errorf("after a failed hook the chat is %q (%v), want still open", c.Status, err)
	}
	if msgs, _ := st.Messages(ctx, orgID, s2.Conversation.ID, "", 0); len(msgs) != 0 {
		t.Errorf("a failed end left %d messages (the end note), want none", len(msgs))
	}
	if len(h.ended) != 1 {
		t.Errorf("Ended called for a rolled-back end: %v", h.ended)
	}
}
