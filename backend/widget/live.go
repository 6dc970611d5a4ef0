package widget

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/store"
)

const (
	pingEvery    = 30 * time.Second
	pongWait     = 2*pingEvery + 10*time.Second // two missed pongs drop the connection
	helloWait    = 10 * time.Second
	writeWait    = 10 * time.Second
	closeWait    = 2 * time.Second // for the client's answer to a close frame sent by a cap
	maxFrameRead = 4 << 10
	replayPage   = 500 // messages read from the store at a time
)

// upgrader: any origin may connect (the widget runs on the organization's site; the session
// token, not a cookie, authorizes). Buffers come from the HTTP server's and a shared pool, so an
// idle connection holds no write buffer.
var upgrader = websocket.Upgrader{
	HandshakeTimeout: 10 * time.Second,
	CheckOrigin:      func(*http.Request) bool { return true },
	WriteBufferPool:  &sync.Pool{},
}

// What a connection owes its client. A hub event only sets one of these; what is sent is read
// from the store when it is sent.
type owed struct {
	ready    bool // the first frame, with the state
	messages bool // messages may have been stored after the last one sent
	state    bool // the state changed
	ping     bool
}

func (o owed) any() bool { return o.ready || o.messages || o.state || o.ping }

// liveConn is one widget's WebSocket. The handler's goroutine reads (pongs, close); writes happen
// on a goroutine started only while something is owed, so an idle connection costs one goroutine.
//
// Messages are never sent from a hub event's copy. The event only says "something was stored";
// the writer then sends every message stored after the last one it sent (ids are UUIDv7, made
// under the store's single writer, so id order is the order of the commits). That one rule makes
// the replay after hello and the live stream the same loop, so a message stored before, during or
// after the backlog is sent exactly once and in order; and publishers that race after their
// commits cannot reorder what a client sees. Bursts cost one read, and a slow client holds no
// queue: it is simply further behind in the store.
type liveConn struct {
	ws      *websocket.Conn
	mu      sync.Mutex
	owe     owed
	writing bool
	closed  bool

	// Touched only by the writer goroutine (one at a time, handed over under mu).
	last     string // the newest message id the client has
	messages func(after string) ([]store.Message, error)
	state    func() (State, error)
	log      func(msg string, args ...any)
}

func (c *liveConn) add(o owed) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.owe.ready = c.owe.ready || o.ready
	c.owe.messages = c.owe.messages || o.messages
	c.owe.state = c.owe.state || o.state
	c.owe.ping = c.owe.ping || o.ping
	if !c.writing {
		c.writing = true
		go c.write()
	}
}

// shut closes the connection with a cap's code and reason: the writer stops, the close frame
// goes out, and the handler's reader returns when the client answers it, or after closeWait.
// Closing the socket at once would let a frame still unread from the client (its hello) reset
// the connection, and the client might never read the reason.
func (c *liveConn) shut(code int, reason string) {
	c.mu.Lock()
	c.closed = true
	c.ws.SetReadDeadline(time.Now().Add(closeWait + writeWait))
	c.mu.Unlock()
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(writeWait))
}

// waitPong gives the client pongWait for its next pong, unless shut set the deadline for the
// close (under mu, so the two cannot interleave).
func (c *liveConn) waitPong() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	return c.ws.SetReadDeadline(time.Now().Add(pongWait))
}

func (c *liveConn) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.ws.Close()
}

func (c *liveConn) write() {
	for {
		c.mu.Lock()
		o := c.owe
		c.owe = owed{}
		if !o.any() || c.closed {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		if err := c.pay(o); err != nil {
			c.mu.Lock()
			shut := c.closed
			c.mu.Unlock()
			if !shut { // a shut connection waits for the client's answer to its close frame
				c.close() // the client reconnects and replays from the newest message it has
			}
			return
		}
	}
}

// pay sends what is owed: the ready frame first, then messages oldest first, then the state.
func (c *liveConn) pay(o owed) error {
	if o.ready {
		st, err := c.state()
		if err != nil {
			c.log("live: read state", "err", err)
			return err
		}
		if err := c.send(map[string]any{"type": "ready", "state": st}); err != nil {
			return err
		}
		o.state = false // ready carried the newest state
	}
	for o.messages {
		page, err := c.messages(c.last)
		if err != nil {
			c.log("live: read messages", "err", err)
			return err
		}
		for _, m := range page {
			if err := c.send(map[string]any{"type": "message", "message": messageJSON(m)}); err != nil {
				return err
			}
			c.last = m.ID
		}
		o.messages = len(page) == replayPage
	}
	if o.state {
		st, err := c.state()
		if err != nil {
			c.log("live: read state", "err", err)
			return err
		}
		if err := c.send(map[string]any{"type": "state", "state": st}); err != nil {
			return err
		}
	}
	if o.ping {
		return c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait))
	}
	return nil
}

func (c *liveConn) send(v any) error {
	c.ws.SetWriteDeadline(time.Now().Add(writeWait))
	return c.ws.WriteMessage(websocket.TextMessage, frame(v))
}

func frame(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// refuse closes a connection a cap did not admit, with the cap's code and reason. The upgrade
// happens first because a browser shows a page nothing of a refused handshake (1006, no
// reason); the close frame tells the widget to poll instead.
func refuse(ws *websocket.Conn, code int, reason string) {
	defer ws.Close()
	ws.SetReadLimit(maxFrameRead)
	ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(writeWait))
	ws.SetReadDeadline(time.Now().Add(closeWait))
	for {
		if _, _, err := ws.NextReader(); err != nil {
			return // the client's answer to the close frame, or the deadline
		}
	}
}

// live serves GET /api/widget/v1/live. The per-IP request throttle (routes) has counted the
// handshake already; here the caps on open connections apply (livecaps.go).
func (d *ChatDeps) live(w http.ResponseWriter, r *http.Request) {
	caps := d.limits.live
	addr := addressKey(clientIP(r))
	code, reason, admitted := caps.admit(addr)
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		if admitted {
			caps.release(addr)
		}
		return // the upgrader answered already
	}
	if !admitted {
		refuse(ws, code, reason)
		return
	}
	defer caps.release(addr)
	defer ws.Close()
	ctx := context.WithoutCancel(r.Context())
	if conv, after, ok := d.hello(ctx, ws); ok {
		d.serveLive(ctx, ws, caps, conv, after)
	}
}

// hello reads the client's hello and finds its chat, or answers why not.
func (d *ChatDeps) hello(ctx context.Context, ws *websocket.Conn) (conv *store.Conversation, after string, ok bool) {
	ws.SetReadLimit(maxFrameRead)
	ws.SetReadDeadline(time.Now().Add(helloWait))
	var hello struct {
		Type    string `json:"type"`
		Session string `json:"session"`
		After   string `json:"after"`
	}
	if err := ws.ReadJSON(&hello); err != nil || hello.Type != "hello" {
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "send hello first"), time.Now().Add(writeWait))
		return nil, "", false
	}
	found, err := d.Chat.BySession(ctx, hello.Session)
	if err != nil {
		ws.SetWriteDeadline(time.Now().Add(writeWait))
		ws.WriteMessage(websocket.TextMessage, frame(map[string]any{"type": "error",
			"error": apiError{Code: chat.CodeUnauthorized, Message: "This chat session is unknown. Start a new chat."}}))
		return nil, "", false
	}
	return &found, hello.After, true
}

// serveLive streams the chat to a connection that said hello, until it closes. The steps
// before (admit, upgrade, hello) are separate functions that return before this one starts:
// the deepest of them, on top of one frame holding everything, doubled every idle
// connection's stack from 8 to 16 KiB (docs/benchmarks.md).
func (d *ChatDeps) serveLive(ctx context.Context, ws *websocket.Conn, caps *liveCaps, conv *store.Conversation, after string) {
	c := &liveConn{ws: ws, last: after, log: d.Log.Warn,
		messages: func(after string) ([]store.Message, error) {
			return d.Chat.Messages(ctx, *conv, after, replayPage)
		},
		state: func() (State, error) { return d.state(ctx, *conv) },
	}
	// The chat's oldest connection over the cap makes way (another tab, or a socket the network
	// dropped without a word, which would otherwise linger until its pongs are missed).
	for _, old := range caps.join(conv.ID, c) {
		old.shut(CloseReplaced, ReasonReplaced)
	}
	defer caps.leave(conv.ID, c)
	// Subscribe before anything is read: whatever is stored from here on pokes the writer, and
	// the writer's first read (the backlog) starts after the subscription, so nothing falls in
	// between.
	cancel := d.Chat.Hub().Subscribe(conv.ID, func(e chat.Event) {
		switch e.Kind {
		case chat.EventMessage:
			c.add(owed{messages: true})
		case chat.EventState:
			c.add(owed{state: true})
		}
	})
	defer cancel()
	c.add(owed{ready: true, messages: true})

	c.waitPong()
	ws.SetPongHandler(func(string) error { return c.waitPong() })
	// A timer, not a goroutine, waits for the next ping.
	var pingMu sync.Mutex
	stopped := false
	var ping *time.Timer
	pingMu.Lock()
	ping = time.AfterFunc(pingEvery, func() {
		pingMu.Lock()
		defer pingMu.Unlock()
		if !stopped {
			c.add(owed{ping: true})
			ping.Reset(pingEvery)
		}
	})
	pingMu.Unlock()
	defer func() {
		pingMu.Lock()
		stopped = true
		ping.Stop()
		pingMu.Unlock()
	}()
	for {
		// The client sends nothing after hello; reading processes pongs and notices the close.
		if _, _, err := ws.NextReader(); err != nil {
			c.close()
			return
		}
	}
}
