package chatload

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Churn is customers arriving at a rate, as on a busy site: each starts a chat (POST /sessions),
// opens its live WebSocket (hello, ready), sends Messages messages Pace apart through POST
// /messages, and waits for each to come back on its WebSocket, with the agent's reply when Reply
// is set; then it reads the conversation back (GET /conversation) and leaves. Arrivals are open
// loop: a slow answer does not slow the schedule. Counts can be read while it runs.
type Churn struct {
	API      string        // the widget server, host:port
	Inbox    string        // the chat inbox the sessions open in
	Rate     int           // sessions started per second
	Messages int           // customer messages per session
	Pace     time.Duration // before each of a session's messages
	// Reply, when set, is the agent: called after each customer message is stored, it must add
	// body to the conversation as the agent's message (the customer waits for it live).
	Reply func(ctx context.Context, conversation, body string) error
	Wait  time.Duration // how long a session waits for its last echo and reply; 0 means 30 s

	sessions atomic.Int64 // sessions whose live connection got its ready frame
	sent     atomic.Int64 // customer messages answered 201
	replied  atomic.Int64 // agent replies Reply added
}

// ChurnResult is what a Churn run saw. Every count of something wrong is zero in a good run.
type ChurnResult struct {
	Scheduled     int           // sessions the schedule started
	Sessions      int           // sessions whose POST /sessions answered 201 and whose live connection got ready
	SessionFailed int           // sessions that could not start or connect
	Sent          int           // customer messages answered 201
	SendFailed    int           // customer messages answered otherwise, or not at all
	Replies       int           // agent replies added
	ReplyFailed   int           // Reply errors
	EchoLost      int           // sent customer messages that never came back on their WebSocket
	EchoTwice     int           // ... that came back more than once
	ReplyLost     int           // agent replies that never reached the customer's WebSocket
	ReplyTwice    int           // ... that reached it more than once
	StoredWrong   int           // messages GET /conversation does not hold exactly once (sent or replied)
	Echo          Dist          // POST /messages start -> the message on the customer's WebSocket, ms
	ReplyLatency  Dist          // Reply call -> the reply on the customer's WebSocket, ms
	Elapsed       time.Duration // first arrival -> last session done
}

// Wrong is the number of things that went wrong in the run.
func (r ChurnResult) Wrong() int {
	return r.SessionFailed + r.SendFailed + r.ReplyFailed + r.EchoLost + r.EchoTwice + r.ReplyLost + r.ReplyTwice + r.StoredWrong
}

// Counts are the sessions connected, the customer messages stored and the agent replies added so
// far; a caller measures rates over its own window with them.
func (c *Churn) Counts() (sessions, sent, replies int64) {
	return c.sessions.Load(), c.sent.Load(), c.replied.Load()
}

// churnSession is one customer's view: what it sent and what came back live.
type churnSession struct {
	mu      sync.Mutex
	arrived chan struct{}      // gets a token whenever a message event came
	echo    map[string][]int64 // clientMsgId -> arrival unix ns, one per arrival
	reply   map[string][]int64 // agent body -> arrival unix ns
}

// Run starts sessions at c.Rate until stop is closed (or ctx ends), then waits for every started
// session to finish.
func (c *Churn) Run(ctx context.Context, stop <-chan struct{}) ChurnResult {
	if c.Wait == 0 {
		c.Wait = 30 * time.Second
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}, Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	var (
		mu              sync.Mutex
		res             ChurnResult
		echoes, replies []int64
	)
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(c.Rate)
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := 0; ; {
		select {
		case <-stop:
		case <-ctx.Done():
		case <-timer.C:
			// Start everything due by now, so a late wake-up does not lower the rate.
			for now := time.Now(); !start.Add(time.Duration(i) * interval).After(now); i++ {
				res.Scheduled++
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					r, e, rp := c.session(ctx, hc, i)
					mu.Lock()
					defer mu.Unlock()
					res.add(r)
					echoes, replies = append(echoes, e...), append(replies, rp...)
				}(i)
			}
			timer.Reset(time.Until(start.Add(time.Duration(i) * interval)))
			continue
		}
		break
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Echo, res.ReplyLatency = dist(echoes), dist(replies)
	return res
}

func (r *ChurnResult) add(o ChurnResult) {
	r.Sessions += o.Sessions
	r.SessionFailed += o.SessionFailed
	r.Sent += o.Sent
	r.SendFailed += o.SendFailed
	r.Replies += o.Replies
	r.ReplyFailed += o.ReplyFailed
	r.EchoLost += o.EchoLost
	r.EchoTwice += o.EchoTwice
	r.ReplyLost += o.ReplyLost
	r.ReplyTwice += o.ReplyTwice
	r.StoredWrong += o.StoredWrong
}

// session is customer i from arrival to leaving; it returns its counts and its echo and reply
// latencies in ns.
func (c *Churn) session(ctx context.Context, hc *http.Client, i int) (res ChurnResult, echoes, replies []int64) {
	base := "http://" + c.API + "/api/widget/v1"
	var s session
	if code, err := post(ctx, hc, base+"/sessions", "", map[string]any{"inbox": c.Inbox, "name": "Churn " + strconv.Itoa(i)}, &s); err != nil || code != 201 {
		res.SessionFailed = 1
		return
	}
	ws, err := dialLive(ctx, c.API, s.Session)
	if err != nil {
		res.SessionFailed = 1
		return
	}
	res.Sessions = 1
	c.sessions.Add(1)
	cs := &churnSession{arrived: make(chan struct{}, 1), echo: map[string][]int64{}, reply: map[string][]int64{}}
	read := make(chan struct{})
	go func() { defer close(read); cs.readLive(ws) }()

	sentAt := map[string]int64{}  // clientMsgId -> POST start
	replyAt := map[string]int64{} // reply body -> Reply call
	for k := range c.Messages {
		select {
		case <-time.After(c.Pace):
		case <-ctx.Done():
		}
		id := "c" + strconv.Itoa(k)
		t := time.Now().UnixNano()
		code, err := post(ctx, hc, base+"/messages", s.Session, map[string]string{"clientMsgId": id, "body": fmt.Sprintf("churn %d message %d", i, k)}, nil)
		if err != nil || code != 201 {
			res.SendFailed++
			continue
		}
		res.Sent++
		c.sent.Add(1)
		sentAt[id] = t
		if c.Reply == nil {
			continue
		}
		body := fmt.Sprintf("reply to churn %d message %d", i, k)
		t = time.Now().UnixNano()
		if err := c.Reply(ctx, s.Conversation, body); err != nil {
			res.ReplyFailed++
			continue
		}
		res.Replies++
		c.replied.Add(1)
		replyAt[body] = t
	}

	// Wait until every message sent and every reply came back, or c.Wait passed.
	deadline := time.NewTimer(c.Wait)
	defer deadline.Stop()
	for !cs.has(sentAt, replyAt) {
		select {
		case <-cs.arrived:
			continue
		case <-deadline.C:
		case <-ctx.Done():
		}
		break
	}
	ws.Close()
	<-read
	for id, t := range sentAt {
		switch got := cs.echo[id]; {
		case len(got) == 0:
			res.EchoLost++
		case len(got) > 1:
			res.EchoTwice++
			fallthrough
		default:
			echoes = append(echoes, got[0]-t)
		}
	}
	for body, t := range replyAt {
		switch got := cs.reply[body]; {
		case len(got) == 0:
			res.ReplyLost++
		case len(got) > 1:
			res.ReplyTwice++
			fallthrough
		default:
			replies = append(replies, got[0]-t)
		}
	}
	res.StoredWrong = storedWrong(ctx, hc, base, s.Session, sentAt, replyAt)
	return res, echoes, replies
}

// dialLive opens the live WebSocket of a session and waits for its ready frame.
func dialLive(ctx context.Context, api, session string) (*websocket.Conn, error) {
	d := &websocket.Dialer{HandshakeTimeout: 30 * time.Second}
	ws, _, err := d.DialContext(ctx, "ws://"+api+"/api/widget/v1/live", nil)
	if err != nil {
		return nil, err
	}
	if err := ws.WriteJSON(map[string]string{"type": "hello", "session": session, "after": ""}); err != nil {
		ws.Close()
		return nil, err
	}
	var ready struct{ Type string }
	ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	if err := ws.ReadJSON(&ready); err != nil || ready.Type != "ready" {
		ws.Close()
		return nil, fmt.Errorf("first live frame %q, %v", ready.Type, err)
	}
	ws.SetReadDeadline(time.Time{})
	return ws, nil
}

// liveMessage is the part of a message event (or of GET /conversation's messages) Churn reads.
type liveMessage struct {
	From        string `json:"from"`
	Body        string `json:"body"`
	ClientMsgID string `json:"clientMsgId"`
}

// readLive notes each customer message (by clientMsgId) and agent message (by body) that comes.
func (cs *churnSession) readLive(ws *websocket.Conn) {
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			return
		}
		t := time.Now().UnixNano()
		var ev struct {
			Type    string
			Message liveMessage
		}
		if json.Unmarshal(b, &ev) != nil || ev.Type != "message" {
			continue
		}
		cs.mu.Lock()
		switch ev.Message.From {
		case "customer":
			cs.echo[ev.Message.ClientMsgID] = append(cs.echo[ev.Message.ClientMsgID], t)
		case "agent":
			cs.reply[ev.Message.Body] = append(cs.reply[ev.Message.Body], t)
		}
		cs.mu.Unlock()
		select {
		case cs.arrived <- struct{}{}:
		default:
		}
	}
}

// has tells whether every sent message and every reply came back at least once.
func (cs *churnSession) has(sent, replied map[string]int64) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for id := range sent {
		if len(cs.echo[id]) == 0 {
			return false
		}
	}
	for body := range replied {
		if len(cs.reply[body]) == 0 {
			return false
		}
	}
	return true
}

// storedWrong reads the conversation back and counts the sent messages and replies it does not
// hold exactly once, plus any customer or agent message nobody sent (1 if it cannot be read).
func storedWrong(ctx context.Context, hc *http.Client, base, session string, sent, replied map[string]int64) int {
	var conv struct{ Messages []liveMessage }
	if err := getJSONAuth(ctx, hc, base+"/conversation", session, &conv); err != nil {
		return 1
	}
	seen := map[string]int{}
	wrong := 0
	for _, m := range conv.Messages {
		switch m.From {
		case "customer":
			if _, ok := sent[m.ClientMsgID]; !ok {
				wrong++
			}
			seen["c:"+m.ClientMsgID]++
		case "agent":
			if _, ok := replied[m.Body]; !ok {
				wrong++
			}
			seen["a:"+m.Body]++
		}
	}
	for id := range sent {
		if seen["c:"+id] != 1 {
			wrong++
		}
	}
	for body := range replied {
		if seen["a:"+body] != 1 {
			wrong++
		}
	}
	return wrong
}
