package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/org"
)

// liveWait is how long a chat message may take from its commit to a WebSocket on another node:
// a node's change-feed follower is woken by NOTIFY and reads the feed every second anyway
// (chat.FollowPoll), so a lost notification costs at most one more second.
const liveWait = 2 * time.Second

// liveSocket is a customer's live WebSocket on one node.
type liveSocket struct {
	t    *testing.T
	node string
	c    *websocket.Conn
}

// liveFrame is the part of a live frame the test reads.
type liveFrame struct {
	Type    string `json:"type"`
	Message struct {
		ID   string `json:"id"`
		From string `json:"from"`
		Body string `json:"body"`
	} `json:"message"`
}

// openLive opens the session's live WebSocket on the node and waits for its ready frame.
func openLive(t *testing.T, n *vouchdNode, session string) *liveSocket {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws://"+n.addr+"/api/widget/v1/live", nil)
	if err != nil {
		t.Fatalf("WebSocket to %s: %v", n.name, err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.WriteJSON(map[string]string{"type": "hello", "session": session, "after": ""}); err != nil {
		t.Fatal(err)
	}
	s := &liveSocket{t: t, node: n.name, c: c}
	if f, ok := s.next(10 * time.Second); !ok || f.Type != "ready" {
		t.Fatalf("first live frame on %s = %+v, want ready", n.name, f)
	}
	return s
}

func (s *liveSocket) next(timeout time.Duration) (liveFrame, bool) {
	s.c.SetReadDeadline(time.Now().Add(timeout))
	var f liveFrame
	if err := s.c.ReadJSON(&f); err != nil {
		return f, false
	}
	return f, true
}

// waitMessage reads frames until the message with this id comes, and returns how long that took;
// it fails the test when liveWait passes first.
func (s *liveSocket) waitMessage(id, from, body string, since time.Time) time.Duration {
	s.t.Helper()
	deadline := since.Add(liveWait)
	for {
		f, ok := s.next(time.Until(deadline))
		if !ok {
			s.t.Fatalf("message %s (%s: %q) did not reach the customer's socket on %s within %v", id, from, body, s.node, liveWait)
		}
		if f.Type != "message" || f.Message.ID != id {
			continue
		}
		if f.Message.From != from || f.Message.Body != body {
			s.t.Errorf("live message on %s = %+v, want from %s %q", s.node, f.Message, from, body)
		}
		return time.Since(since)
	}
}

// widgetPost calls the node's widget API and decodes its answer into out.
func widgetPost(t *testing.T, n *vouchdNode, path, session string, in, out any) int {
	t.Helper()
	b, _ := json.Marshal(in)
	req, err := http.NewRequest("POST", "http://"+n.addr+"/api/widget/v1"+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if session != "" {
		req.Header.Set("Authorization", "Bearer "+session)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s on %s: %v", path, n.name, err)
	}
	defer res.Body.Close()
	if out != nil {
		json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

// TestTwoNodesLiveChat: a customer starts a chat through node A's widget API and has its live
// WebSocket on node A, and a second tab's on node B. An agent's reply written elsewhere (the chat
// service in this process, on the same database: a third writer, as an agent on another node is)
// reaches both sockets within liveWait; a message the customer sends through node B reaches the
// socket on node A within liveWait.
func TestTwoNodesLiveChat(t *testing.T) {
	e := env(t)
	c := newCluster(t, e, false)
	c.setup()
	st := c.openStore()
	ws, err := org.New(st, nil).Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chats := chat.New(st, time.Now, chat.NewHub())
	inbox, _, err := chats.FirstChatInbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := c.start("node A")
	b, _ := c.start("node B")

	var s struct{ Session, Conversation string }
	if code := widgetPost(t, a, "/sessions", "", map[string]any{"inbox": inbox.ID, "name": "Ada"}, &s); code != http.StatusCreated || s.Session == "" {
		t.Fatalf("POST /sessions on node A = %d %+v, want 201 and a session", code, s)
	}
	onA := openLive(t, a, s.Session)
	onB := openLive(t, b, s.Session)

	var lat []string
	for i := range 3 {
		body := fmt.Sprintf("Agent reply %d", i)
		began := time.Now()
		m, err := chats.AgentSays(ctx, ws.Me, s.Conversation, body)
		if err != nil {
			t.Fatal(err)
		}
		dA := onA.waitMessage(m.ID, "agent", body, began)
		dB := onB.waitMessage(m.ID, "agent", body, began)
		lat = append(lat, fmt.Sprintf("reply %d: node A %v, node B %v", i, dA.Round(time.Millisecond), dB.Round(time.Millisecond)))

		var sent struct{ Message struct{ ID string } }
		body = fmt.Sprintf("Customer message %d", i)
		began = time.Now()
		if code := widgetPost(t, b, "/messages", s.Session, map[string]string{"clientMsgId": fmt.Sprintf("m%d", i), "body": body}, &sent); code != http.StatusCreated {
			t.Fatalf("POST /messages on node B = %d, want 201", code)
		}
		dA = onA.waitMessage(sent.Message.ID, "customer", body, began)
		lat = append(lat, fmt.Sprintf("customer %d via node B: node A %v", i, dA.Round(time.Millisecond)))
	}
	onA.c.Close()
	onB.c.Close()
	a.stop(15 * time.Second)
	b.stop(15 * time.Second)
	logProblems(t, a, b)
	t.Logf("FIGURE two nodes live chat: from the commit (or the POST) to the customer's socket: %v", lat)
}
