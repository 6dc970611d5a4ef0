package chat_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/org"
	"vouchdesk/backend/store"
	"vouchdesk/backend/testutil"
)

// TestEndIdle: a chat ends when its last activity (the newest message from anyone, or its start)
// is older than its inbox's idle_end_minutes, as a system end with the same effects as End; an
// inbox with 0 never ends chats, a message keeps a chat open, and a second sweep ends nothing more.
func TestEndIdle(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	clk := testutil.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	ws, err := org.New(st, clk.Now).Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	orgID := ws.Organization.ID
	inboxes, err := st.InboxesByOrg(ctx, orgID)
	if err != nil || len(inboxes) != 1 || inboxes[0].IdleEndMinutes != 30 {
		t.Fatalf("setup inboxes = %+v %v, want one with the default 30 minutes", inboxes, err)
	}
	thirty := inboxes[0].ID
	inbox := func(name string, minutes int) string {
		in := store.Inbox{ID: store.NewID(), OrgID: orgID, Kind: store.InboxChat, Name: name, IdleEndMinutes: minutes,
			CreatedAt: clk.Now(), UpdatedAt: clk.Now()}
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.InsertInbox(in) }); err != nil {
			t.Fatal(err)
		}
		return in.ID
	}
	never, five := inbox("Never", 0), inbox("Five", 5)

	var changedMu sync.Mutex
	changed := map[string]int{}
	svc := chat.New(st, clk.Now, chat.NewHub())
	svc.Changed = func(_, id string) { changedMu.Lock(); changed[id]++; changedMu.Unlock() }
	start := func(inboxID string) store.Conversation {
		s, err := svc.Start(ctx, orgID, chat.StartInput{InboxID: inboxID, Name: "Ada"})
		if err != nil {
			t.Fatal(err)
		}
		return s.Conversation
	}
	silent, talking, patient, quick, done := start(thirty), start(thirty), start(never), start(five), start(thirty)
	if err := svc.End(ctx, orgID, done.ID, store.Actor{Kind: "customer"}); err != nil {
		t.Fatal(err)
	}
	var events []chat.Event
	var eventsMu sync.Mutex
	cancel := svc.Hub().Subscribe(silent.ID, func(e chat.Event) { eventsMu.Lock(); events = append(events, e); eventsMu.Unlock() })
	defer cancel()

	clk.Advance(20 * time.Minute)
	if _, err := svc.AgentSays(ctx, ws.Me, talking.ID, "Still there?"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute) // exactly 30 minutes: not older than the limit yet
	if n, err := svc.EndIdle(ctx); err != nil || n != 1 {
		t.Fatalf("EndIdle at 30 minutes = %d, %v; want 1 (the five-minute inbox's chat)", n, err)
	}
	clk.Advance(time.Minute)
	if n, err := svc.EndIdle(ctx); err != nil || n != 1 {
		t.Fatalf("EndIdle at 31 minutes = %d, %v; want 1 (the silent chat)", n, err)
	}
	status := func(c store.Conversation) store.Conversation {
		cur, err := st.ConversationByID(ctx, orgID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return cur
	}
	for _, c := range []store.Conversation{silent, quick} {
		if cur := status(c); cur.Status != store.ConversationEnded || cur.EndedBy != "idle" || !cur.EndedAt.Equal(cur.LastActivityAt) {
			t.Errorf("idle chat after the sweep = %s by %q, want ended by idle", cur.Status, cur.EndedBy)
		}
	}
	for _, c := range []store.Conversation{talking, patient} {
		if cur := status(c); cur.Status != store.ConversationOpen {
			t.Errorf("chat %s = %s, want open", c.ID, cur.Status)
		}
	}
	if cur := status(done); cur.EndedBy != "customer" {
		t.Errorf("a chat the customer ended = ended by %q after the sweep, want customer", cur.EndedBy)
	}

	// The same effects as End: a system note in the chat, then a state event for the widget, and
	// the desktop told.
	msgs, err := st.Messages(ctx, orgID, silent.ID, "", 0)
	if err != nil || len(msgs) != 1 || msgs[0].SenderKind != store.SenderSystem ||
		msgs[0].Body != "The chat was ended after 30 minutes without activity." {
		t.Fatalf("messages of the silent chat = %+v %v", msgs, err)
	}
	if q, _ := st.Messages(ctx, orgID, quick.ID, "", 0); len(q) != 1 || q[0].Body != "The chat was ended after 5 minutes without activity." {
		t.Errorf("messages of the quick chat = %+v", q)
	}
	eventsMu.Lock()
	if len(events) != 2 || events[0].Kind != chat.EventMessage || events[0].Message.ID != msgs[0].ID || events[1].Kind != chat.EventState {
		t.Errorf("events of the silent chat = %+v, want its note then a state change", events)
	}
	eventsMu.Unlock()
	changedMu.Lock()
	if changed[silent.ID] < 2 { // once when it started, again when it ended
		t.Errorf("the desktop was told %d times about the silent chat, want the start and the end", changed[silent.ID])
	}
	changedMu.Unlock()

	// The agent's message keeps the other chat open until 30 minutes after it.
	clk.Advance(19 * time.Minute) // 50 minutes after start, 30 after the message
	if n, _ := svc.EndIdle(ctx); n != 0 {
		t.Errorf("EndIdle 30 minutes after the last message = %d, want 0", n)
	}
	clk.Advance(time.Minute)
	if n, _ := svc.EndIdle(ctx); n != 1 || status(talking).Status != store.ConversationEnded {
		t.Errorf("EndIdle 31 minutes after the last message = %d, want the chat ended", n)
	}
	clk.Advance(24 * time.Hour)
	if n, err := svc.EndIdle(ctx); err != nil || n != 0 || status(patient).Status != store.ConversationOpen {
		t.Errorf("EndIdle a day later = %d, %v; want nothing: the last chat's inbox never ends chats", n, err)
	}
}

// TestEndIdleKeepsAChatThatWokeUp: a chat chosen as idle but written to before it is ended stays
// open; the end is conditional on the activity the sweep saw.
func TestEndIdleKeepsAChatThatWokeUp(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	clk := testutil.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	ws, err := org.New(st, clk.Now).Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	svc := chat.New(st, clk.Now, chat.NewHub())
	inboxes, _ := st.InboxesByOrg(ctx, ws.Organization.ID)
	s, err := svc.Start(ctx, ws.Organization.ID, chat.StartInput{InboxID: inboxes[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(31 * time.Minute)
	idle, err := st.IdleChats(ctx, clk.Now(), 10)
	if err != nil || len(idle) != 1 || idle[0].ID != s.Conversation.ID || idle[0].IdleMinutes != 30 {
		t.Fatalf("IdleChats = %+v %v, want the chat", idle, err)
	}
	if _, _, err := svc.CustomerSays(ctx, s.Conversation, "c1", "Sorry, I was away"); err != nil {
		t.Fatal(err)
	}
	var ended bool
	err = st.Write(ctx, func(tx *store.Tx) error {
		var err error
		ended, err = tx.EndIdleConversation(ws.Organization.ID, s.Conversation.ID, clk.Now().Add(-30*time.Minute), clk.Now())
		return err
	})
	if err != nil || ended {
		t.Errorf("ending a chat that got a message after it was chosen = %v, %v; want it left open", ended, err)
	}
	if n, err := svc.EndIdle(ctx); err != nil || n != 0 {
		t.Errorf("EndIdle after the message = %d, %v; want 0", n, err)
	}
}
