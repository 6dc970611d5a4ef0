package widget_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"vouchdesk/backend/store"
	"vouchdesk/backend/widget"
)

type liveEvent struct {
	Type    string `json:"type"`
	Message struct {
		ID   string `json:"id"`
		Body string `json:"body"`
	} `json:"message"`
	State struct {
		Status string `json:"status"`
	} `json:"state"`
}

// dialLive connects to the live endpoint and says hello.
func (e *chatEnv) dialLive(session, after string) *websocket.Conn {
	e.t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/api/widget/v1/live", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := conn.WriteJSON(map[string]string{"type": "hello", "session": session, "after": after}); err != nil {
		e.t.Fatal(err)
	}
	// Only a guard against a hang: the test asserts what arrives, never how fast.
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	return conn
}

// readUntil reads events until the message with id last, checks that the first is ready, and
// returns the ids of the message events in the order they came.
func readUntil(t *testing.T, conn *websocket.Conn, last string) []string {
	t.Helper()
	var ids []string
	for first := true; ; first = false {
		var ev liveEvent
		if err := conn.ReadJSON(&ev); err != nil {
			t.Fatalf("reading events (got %d messages): %v", len(ids), err)
		}
		if first != (ev.Type == "ready") {
			t.Fatalf("event %q at position %d; ready must come first and once", ev.Type, len(ids))
		}
		if ev.Type == "message" {
			ids = append(ids, ev.Message.ID)
			if ev.Message.ID == last {
				return ids
			}
		}
	}
}

func (e *chatEnv) messageIDs(conversationID, after string) []string {
	e.t.Helper()
	var ids []string
	for {
		msgs, err := e.st.Messages(context.Background(), e.ws.Organization.ID, conversationID, after, 0)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, m := range msgs {
			ids = append(ids, m.ID)
		}
		if len(msgs) == 0 {
			return ids
		}
		after = msgs[len(msgs)-1].ID
	}
}

func sameIDs(got, want []string) string {
	seen := map[string]bool{}
	for i, id := range got {
		if seen[id] {
			return fmt.Sprintf("message %s delivered twice (position %d)", id, i)
		}
		seen[id] = true
		if i > 0 && got[i-1] >= id {
			return fmt.Sprintf("message %s delivered after %s: out of order", id, got[i-1])
		}
	}
	for _, id := range want {
		if !seen[id] {
			return fmt.Sprintf("message %s never delivered", id)
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("%d messages delivered, %d stored", len(got), len(want))
	}
	return ""
}

// TestLiveReplayRacesNewMessages connects while messages are being written, from two writers at
// once, many times over: every message after the client's `after` arrives exactly once, in the
// order they were stored, whether it came in the backlog, while the backlog was sent, or live.
func TestLiveReplayRacesNewMessages(t *testing.T) {
	e := newChatEnv(t, widget.Limits{Messages: widget.Rate{PerSecond: 1e6, Burst: 1 << 20}})
	ctx := context.Background()
	sess := e.start(nil)
	session, conversation := sess["session"].(string), sess["conversation"].(string)
	iterations := 40
	if testing.Short() {
		iterations = 10
	}
	for it := 0; it < iterations; it++ {
		known := e.messageIDs(conversation, "")
		after := ""
		if len(known) > 0 && it%4 != 0 { // every fourth client has nothing yet and replays it all
			after = known[len(known)-1]
		}
		var wg sync.WaitGroup
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 6; i++ {
					var err error
					if w == 0 {
						_, err = e.chat.AgentSays(ctx, e.ws.Me, conversation, fmt.Sprintf("agent %d.%d", it, i))
					} else {
						res, out := e.call("POST", "/api/widget/v1/messages", session,
							map[string]string{"clientMsgId": fmt.Sprintf("c%d.%d", it, i), "body": "customer"})
						if res.StatusCode != 201 {
							err = fmt.Errorf("POST /messages = %d %v", res.StatusCode, out)
						}
					}
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		conn := e.dialLive(session, after)
		wg.Wait()
		last, err := e.chat.AgentSays(ctx, e.ws.Me, conversation, fmt.Sprintf("last of %d", it))
		if err != nil {
			t.Fatal(err)
		}
		got := readUntil(t, conn, last.ID)
		conn.Close()
		if msg := sameIDs(got, e.messageIDs(conversation, after)); msg != "" {
			t.Fatalf("iteration %d (after %q): %s", it, after, msg)
		}
	}
}

// TestLiveReplaysALongBacklog: a client far behind gets every missed message, not a first page.
func TestLiveReplaysALongBacklog(t *testing.T) {
	e := newChatEnv(t, widget.Limits{})
	sess := e.start(nil)
	conversation := sess["conversation"].(string)
	err := e.st.Write(context.Background(), func(tx *store.Tx) error {
		for i := 0; i < 1234; i++ {
			if _, _, err := tx.AddMessage(store.Message{ID: store.NewID(), OrgID: e.ws.Organization.ID, ConversationID: conversation,
				SenderKind: store.SenderAgent, SenderUserID: e.ws.Me.ID, Body: fmt.Sprint("m", i), CreatedAt: e.clock.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := e.messageIDs(conversation, "")
	conn := e.dialLive(sess["session"].(string), "")
	defer conn.Close()
	if msg := sameIDs(readUntil(t, conn, want[len(want)-1]), want); msg != "" {
		t.Fatal(msg)
	}
}

// TestLiveSeesIdleEnd: a chat ended for inactivity reaches the widget like any end: the system
// note as a message, then the state with status "ended".
func TestLiveSeesIdleEnd(t *testing.T) {
	e := newChatEnv(t, widget.Limits{})
	sess := e.start(nil)
	conn := e.dialLive(sess["session"].(string), "")
	defer conn.Close()
	var ev liveEvent
	if err := conn.ReadJSON(&ev); err != nil || ev.Type != "ready" || ev.State.Status != "open" {
		t.Fatalf("first event = %+v %v, want ready and open", ev, err)
	}
	e.clock.Advance(31 * time.Minute)
	if n, err := e.chat.EndIdle(context.Background()); err != nil || n != 1 {
		t.Fatalf("EndIdle = %d, %v; want 1", n, err)
	}
	var got []liveEvent
	for len(got) == 0 || got[len(got)-1].Type != "state" {
		var ev liveEvent
		if err := conn.ReadJSON(&ev); err != nil {
			t.Fatalf("after %+v: %v", got, err)
		}
		got = append(got, ev)
	}
	if len(got) != 2 || got[0].Type != "message" || got[0].Message.Body != "The chat was ended after 30 minutes without activity." ||
		got[1].State.Status != "ended" {
		t.Errorf("events after the idle end = %+v, want the note, then the state ended", got)
	}
	res, out := e.call("POST", "/api/widget/v1/messages", sess["session"].(string), map[string]string{"clientMsgId": "late", "body": "hello?"})
	if res.StatusCode != 409 || errCode(out) != "conversation_ended" {
		t.Errorf("a message after the idle end = %d %v, want 409 conversation_ended", res.StatusCode, out)
	}
}
