package widget

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"vouchdesk/backend/chat"
)

const (
	pingEvery    = 30 * time.Second
	pongWait     = 2*pingEvery + 10*time.Second // two missed pongs drop the connection
	helloWait    = 10 * time.Second
	writeWait    = 10 * time.Second
	maxQueued    = 256 // events waiting for a slow client before it is dropped
	maxFrameRead = 4 << 10
)

// upgrader: any origin may connect (the widget runs on the organization's site; the session
// token, not a cookie, authorizes). Buffers come from the HTTP server's and a shared pool, so an
// idle connection holds no write buffer.
var upgrader = websocket.Upgrader{
	HandshakeTimeout: 10 * time.Second,
	CheckOrigin:      func(*http.Request) bool { return true },
	WriteBufferPool:  &sync.Pool{},
}

// liveConn is one widget's WebSocket. The handler's goroutine reads (pongs, close); writes happen
// on a goroutine started only while there is something to send, so an idle connection costs one
// goroutine.
type liveConn struct {
	ws      *websocket.Conn
	mu      sync.Mutex
	queue   [][]byte
	writing bool
	closed  bool
	onState func() ([]byte, error)
}

func (c *liveConn) send(frame []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if len(c.queue) >= maxQueued {
		c.closed = true
		c.ws.Close() // a client this far behind reconnects and replays
		return
	}
	c.queue = append(c.queue, frame)
	if !c.writing {
		c.writing = true
		go c.drain()
	}
}

func (c *liveConn) drain() {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || c.closed {
			c.writing = false
			c.mu.Unlock()
			return
		}
		frame := c.queue[0]
		c.queue = c.queue[1:]
		c.mu.Unlock()
		if frame == nil { // a state change: read it now, so the newest state is sent
			var err error
			if frame, err = c.onState(); err != nil {
				continue
			}
		}
		c.ws.SetWriteDeadline(time.Now().Add(writeWait))
		var err error
		if len(frame) == 1 && frame[0] == 'p' {
			err = c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait))
		} else {
			err = c.ws.WriteMessage(websocket.TextMessage, frame)
		}
		if err != nil {
			c.mu.Lock()
			c.closed = true
			c.mu.Unlock()
			c.ws.Close()
			return
		}
	}
}

func frame(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func (d *ChatDeps) live(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered already
	}
	defer ws.Close()
	ws.SetReadLimit(maxFrameRead)
	ws.SetReadDeadline(time.Now().Add(helloWait))
	var hello struct {
		Type    string `json:"type"`
		Session string `json:"session"`
		After   string `json:"after"`
	}
	if err := ws.ReadJSON(&hello); err != nil || hello.Type != "hello" {
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "send hello first"), time.Now().Add(writeWait))
		return
	}
	ctx := context.WithoutCancel(r.Context())
	conv, err := d.Chat.BySession(ctx, hello.Session)
	if err != nil {
		ws.SetWriteDeadline(time.Now().Add(writeWait))
		ws.WriteMessage(websocket.TextMessage, frame(map[string]any{"type": "error",
			"error": apiError{Code: chat.CodeUnauthorized, Message: "This chat session is unknown. Start a new chat."}}))
		return
	}
	c := &liveConn{ws: ws}
	c.onState = func() ([]byte, error) {
		st, err := d.freshState(ctx, conv)
		if err != nil {
			return nil, err
		}
		return frame(map[string]any{"type": "state", "state": st}), nil
	}
	// Subscribe before reading the backlog: a message added in between arrives twice at most,
	// and the client drops ids it has, but never goes missing.
	cancel := d.Chat.Hub().Subscribe(conv.ID, func(e chat.Event) {
		switch e.Kind {
		case chat.EventMessage:
			c.send(frame(map[string]any{"type": "message", "message": messageJSON(e.Message)}))
		case chat.EventState:
			c.send(nil)
		}
	})
	defer cancel()

	st, err := d.freshState(ctx, conv)
	if err != nil {
		return
	}
	backlog, err := d.Store.Messages(ctx, conv.OrgID, conv.ID, hello.After, 0)
	if err != nil {
		return
	}
	c.send(frame(map[string]any{"type": "ready", "state": st}))
	for _, m := range backlog {
		c.send(frame(map[string]any{"type": "message", "message": messageJSON(m)}))
	}

	ws.SetReadDeadline(time.Now().Add(pongWait))
	ws.SetPongHandler(func(string) error { return ws.SetReadDeadline(time.Now().Add(pongWait)) })
	// A timer, not a goroutine, waits for the next ping.
	var pingMu sync.Mutex
	stopped := false
	var ping *time.Timer
	pingMu.Lock()
	ping = time.AfterFunc(pingEvery, func() {
		pingMu.Lock()
		defer pingMu.Unlock()
		if !stopped {
			c.send([]byte{'p'})
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
			c.mu.Lock()
			c.closed = true
			c.mu.Unlock()
			return
		}
	}
}
