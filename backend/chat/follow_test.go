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

// TestFollowWithoutWakeUps: a service that publishes from the feed tells its listeners nothing
// itself; its follower, never woken (every notification lost), still publishes by polling: a
// customer's message, an agent's reply and the end (its note, then the state) each once, in the
// order written, and nothing of a conversation nobody listens to.
func TestFollowWithoutWakeUps(t *testing.T) {
	ctx := context.Background()
	st := testutil.NewStore(t)
	ws, err := org.New(st, time.Now).Setup(ctx, org.SetupInput{OrganizationName: "Acme", OwnerName: "Olive", OwnerEmail: "olive@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	inboxes, err := st.InboxesByOrg(ctx, ws.Organization.ID)
	if err != nil {
		t.Fatal(err)
	}
	svc := chat.New(st, time.Now, chat.NewHub())
	svc.PublishFromFeed()
	start := func() store.Conversation {
		s, err := svc.Start(ctx, ws.Organization.ID, chat.StartInput{InboxID: inboxes[0].ID, Name: "Ada"})
		if err != nil {
			t.Fatal(err)
		}
		return s.Conversation
	}
	conv, unwatched := start(), start()
	var mu sync.Mutex
	var got []string
	cancel := svc.Hub().Subscribe(conv.ID, func(e chat.Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.Kind == chat.EventMessage {
			got = append(got, "message: "+e.Message.Body)
		} else {
			got = append(got, e.Kind)
		}
	})
	defer cancel()
	from, err := st.LastChangeSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}

	if _, _, err := svc.CustomerSays(ctx, conv, "c1", "hello"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CustomerSays(ctx, unwatched, "c1", "elsewhere"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AgentSays(ctx, ws.Me, conv.ID, "hi there"); err != nil {
		t.Fatal(err)
	}
	if err := svc.AgentEnds(ctx, ws.Me, conv.ID); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	direct := len(got)
	mu.Unlock()
	if direct != 0 {
		t.Fatalf("events before the follower ran = %d, want 0 (the feed is the only publisher)", direct)
	}

	fctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		svc.Follow(fctx, from, make(chan struct{}), 20*time.Millisecond, func(err error) { t.Error(err) })
		close(done)
	}()
	want := []string{"message: hello", "message: hi there", "message: The chat was ended by the agent.", chat.EventState}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // a few more polls: a duplicate would show
	stop()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("published = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("published = %q, want %q", got, want)
		}
	}
}
