// Package chatload drives the widget's chat API as customers do: widget sessions, each with its
// live WebSocket, sending messages through POST /messages and reading them back. The loadtest
// command measures a fixed set of sessions with it (Run); the real-server integration test runs
// customers arriving at a rate (Churn) next to the outbox.
package chatload

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// Addrs is what a started server tells its client.
type Addrs struct {
	API     string `json:"api"`     // the widget server, host:port
	Control string `json:"control"` // the load test's control endpoints, host:port
	Inbox   string `json:"inbox"`   // the chat inbox the sessions open in
}

// Mem is the server process's memory after a forced GC.
type Mem struct {
	HeapInuse  uint64  `json:"heapInuse"`
	StackInuse uint64  `json:"stackInuse"`
	RSS        uint64  `json:"rss"` // VmRSS, bytes
	Goroutines int     `json:"goroutines"`
	CPU        float64 `json:"cpu"` // user+system CPU seconds the process has used
}

// Records is what the agent side saw while recording.
type Records struct {
	Changes map[string][]int64 `json:"changes"` // conversation id -> unix ns of each change
	Events  int64              `json:"events"`  // chat:changed events emitted
}

// Options size a run.
type Options struct {
	Sessions int           // widget sessions, each with one live WebSocket
	Rate     int           // customer messages per second, over all sessions
	Duration time.Duration // how long messages are sent
	Idle     time.Duration // how long the connections sit idle before memory is read
	Drain    time.Duration // how long to wait for the last deliveries
	Samples  io.Writer     // if set, gets one CSV line per message (unix ns; 0 = never)
}

// Result is what a run measured. Latencies are in milliseconds.
type Result struct {
	Sessions    int     `json:"sessions"`
	Connections int     `json:"connections"` // live WebSockets that got their ready frame
	Scheduled   int     `json:"scheduled"`   // messages the schedule asked for
	Sent        int     `json:"sent"`        // answered 201
	Failed      int     `json:"failed"`      // any other answer or a transport error
	Rate        float64 `json:"rate"`        // sent per second over the sending window
	Late        int     `json:"late"`        // sends that started over 10 ms after their slot

	Agent     Dist  `json:"agent"`     // slot -> the engine emitted chat:changed for the conversation
	Echo      Dist  `json:"echo"`      // slot -> the message event on the customer's own WebSocket
	HTTP      Dist  `json:"http"`      // request start -> POST /messages answered
	Unmatched int   `json:"unmatched"` // sends without an agent-side change, or changes without a send
	EchoLost  int   `json:"echoLost"`  // sent messages that never came back on the WebSocket
	Events    int64 `json:"events"`    // chat:changed events the engine emitted while sending

	// CPU per message sent during the load, in milliseconds: the server's, and this process's
	// (the clients').
	ServerCPU float64 `json:"serverCPU"`
	ClientCPU float64 `json:"clientCPU"`

	Before  Mem     `json:"before"`  // sessions open, no live connection
	After   Mem     `json:"after"`   // every live connection open and idle
	PerConn PerConn `json:"perConn"` // (After - Before) / Connections
}

// PerConn is the server's memory per idle live connection, in bytes.
type PerConn struct {
	HeapStack  float64 `json:"heapStack"` // HeapInuse + StackInuse
	RSS        float64 `json:"rss"`
	Goroutines float64 `json:"goroutines"`
}

// Dist is a latency distribution in milliseconds.
type Dist struct {
	N                       int
	P50, P95, P99, Max, Avg float64
}

func dist(ns []int64) Dist {
	if len(ns) == 0 {
		return Dist{}
	}
	slices.Sort(ns)
	at := func(q float64) float64 { // nearest rank
		i := int(math.Ceil(q*float64(len(ns)))) - 1
		return float64(ns[max(0, min(i, len(ns)-1))]) / 1e6
	}
	var sum int64
	for _, v := range ns {
		sum += v
	}
	return Dist{N: len(ns), P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: float64(ns[len(ns)-1]) / 1e6,
		Avg: float64(sum) / float64(len(ns)) / 1e6}
}

type session struct {
	Session      string `json:"session"`
	Conversation string `json:"conversation"`
	ws           *websocket.Conn
	mu           sync.Mutex // one message in flight per session, so changes pair with sends in order
}

// Run drives a server through its widget API: opens the sessions and their live connections,
// reads the server's memory idle, then sends Rate messages a second for Duration.
func Run(ctx context.Context, a Addrs, o Options, logf func(string, ...any)) (Result, error) {
	var res Result
	tr := &http.Transport{MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	base := "http://" + a.API + "/api/widget/v1"

	sessions := make([]*session, o.Sessions)
	if err := parallel(len(sessions), 8, func(i int) error {
		s := &session{}
		if code, err := post(ctx, hc, base+"/sessions", "", map[string]any{"inbox": a.Inbox, "name": "Load " + strconv.Itoa(i)}, s); err != nil || code != 201 {
			return fmt.Errorf("POST /sessions = %d %v", code, err)
		}
		sessions[i] = s
		return nil
	}); err != nil {
		return res, err
	}
	res.Sessions = len(sessions)
	logf("%d sessions open", len(sessions))

	// Memory before: every session exists, no live connection, no idle keep-alive connection.
	tr.CloseIdleConnections()
	time.Sleep(time.Second)
	if err := getJSON(ctx, hc, "http://"+a.Control+"/mem", &res.Before); err != nil {
		return res, err
	}
	tr.CloseIdleConnections()

	total := o.Rate * int(o.Duration/time.Second)
	echo := make([]atomic.Int64, total)
	var readers sync.WaitGroup
	defer func() {
		for _, s := range sessions {
			if s.ws != nil {
				s.ws.Close()
			}
		}
		readers.Wait()
	}()
	if err := parallel(len(sessions), 16, func(i int) error {
		s := sessions[i]
		c, err := dialLive(ctx, a.API, s.Session)
		if err != nil {
			return err
		}
		s.ws = c
		readers.Add(1)
		go func() { defer readers.Done(); readLive(c, echo) }()
		return nil
	}); err != nil {
		return res, err
	}
	res.Connections = len(sessions)
	logf("%d live connections ready; idle %s", len(sessions), o.Idle)
	time.Sleep(o.Idle)
	tr.CloseIdleConnections()
	if err := getJSON(ctx, hc, "http://"+a.Control+"/mem", &res.After); err != nil {
		return res, err
	}
	n := float64(res.Connections)
	res.PerConn = PerConn{
		HeapStack:  (float64(res.After.HeapInuse+res.After.StackInuse) - float64(res.Before.HeapInuse+res.Before.StackInuse)) / n,
		RSS:        (float64(res.After.RSS) - float64(res.Before.RSS)) / n,
		Goroutines: float64(res.After.Goroutines-res.Before.Goroutines) / n,
	}

	// Load: message i is due at start + i/Rate and goes to session i mod Sessions.
	if code, err := post(ctx, hc, "http://"+a.Control+"/record?on=1", "", nil, nil); err != nil || code != 204 {
		return res, fmt.Errorf("record on = %d %v", code, err)
	}
	var serverCPU0 float64
	if err := getJSON(ctx, hc, "http://"+a.Control+"/cpu", &serverCPU0); err != nil {
		return res, err
	}
	clientCPU0 := CPUSeconds()
	logf("sending %d messages at %d/s", total, o.Rate)
	slot := make([]int64, total)  // when message i was due
	begin := make([]int64, total) // when its request started
	done := make([]int64, total)  // when its answer was read
	status := make([]int32, total)
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(o.Rate)
	start := time.Now().Add(50 * time.Millisecond)
	for i := 0; i < total; {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		// Dispatch everything due by now, so a late wake-up does not lower the rate.
		for now := time.Now(); i < total && !start.Add(time.Duration(i)*interval).After(now); i++ {
			slot[i] = start.Add(time.Duration(i) * interval).UnixNano()
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				s := sessions[i%len(sessions)]
				s.mu.Lock()
				defer s.mu.Unlock()
				begin[i] = time.Now().UnixNano()
				code, err := post(ctx, hc, base+"/messages", s.Session, map[string]string{"clientMsgId": "m" + strconv.Itoa(i), "body": "load message " + strconv.Itoa(i)}, nil)
				done[i] = time.Now().UnixNano()
				if err != nil {
					code = -1
				}
				status[i] = int32(code)
			}(i)
		}
	}
	wg.Wait()
	end := time.Now()
	var serverCPU1 float64
	if err := getJSON(ctx, hc, "http://"+a.Control+"/cpu", &serverCPU1); err != nil {
		return res, err
	}
	clientCPU1 := CPUSeconds()
	// Wait for the echoes still on their way.
	for deadline := time.Now().Add(o.Drain); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		missing := 0
		for i := range total {
			if status[i] == 201 && echo[i].Load() == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
	}
	if code, err := post(ctx, hc, "http://"+a.Control+"/record?on=0", "", nil, nil); err != nil || code != 204 {
		return res, fmt.Errorf("record off = %d %v", code, err)
	}
	var rec Records
	if err := getJSON(ctx, hc, "http://"+a.Control+"/record", &rec); err != nil {
		return res, err
	}
	res.Events = rec.Events

	res.Scheduled = total
	var agent, echoes, answers []int64
	sent := make(map[string][]int, len(sessions)) // conversation -> its 201 messages, in order
	for i := range total {
		if begin[i]-slot[i] > int64(10*time.Millisecond) {
			res.Late++
		}
		if status[i] != 201 {
			res.Failed++
			continue
		}
		res.Sent++
		answers = append(answers, done[i]-begin[i])
		conv := sessions[i%len(sessions)].Conversation
		sent[conv] = append(sent[conv], i)
		if t := echo[i].Load(); t != 0 {
			echoes = append(echoes, t-slot[i])
		} else {
			res.EchoLost++
		}
	}
	// One message in flight per conversation, and the change is noted before the answer: the
	// k-th change of a conversation is its k-th message.
	agentAt := make([]int64, total)
	for conv, msgs := range sent {
		seen := rec.Changes[conv]
		for k, i := range msgs {
			if k < len(seen) {
				agent = append(agent, seen[k]-slot[i])
				agentAt[i] = seen[k]
			}
		}
		res.Unmatched += abs(len(seen) - len(msgs))
	}
	for conv, seen := range rec.Changes {
		if _, ok := sent[conv]; !ok {
			res.Unmatched += len(seen)
		}
	}
	if o.Samples != nil {
		fmt.Fprintln(o.Samples, "message,slot,begin,answered,status,agent,echo")
		for i := range total {
			fmt.Fprintf(o.Samples, "%d,%d,%d,%d,%d,%d,%d\n", i, slot[i], begin[i], done[i], status[i], agentAt[i], echo[i].Load())
		}
	}
	res.Rate = float64(res.Sent) / end.Sub(start).Seconds()
	if res.Sent > 0 {
		res.ServerCPU = (serverCPU1 - serverCPU0) * 1000 / float64(res.Sent)
		res.ClientCPU = (clientCPU1 - clientCPU0) * 1000 / float64(res.Sent)
	}
	res.Agent, res.Echo, res.HTTP = dist(agent), dist(echoes), dist(answers)
	return res, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// readLive notes when each of the customer's messages comes back as a message event.
func readLive(c *websocket.Conn, echo []atomic.Int64) {
	for {
		_, b, err := c.ReadMessage()
		if err != nil {
			return
		}
		t := time.Now().UnixNano()
		var ev struct {
			Type    string
			Message struct {
				ClientMsgID string `json:"clientMsgId"`
			}
		}
		if json.Unmarshal(b, &ev) != nil || ev.Type != "message" || len(ev.Message.ClientMsgID) < 2 {
			continue
		}
		if i, err := strconv.Atoi(ev.Message.ClientMsgID[1:]); err == nil && i >= 0 && i < len(echo) {
			echo[i].CompareAndSwap(0, t)
		}
	}
}

func post(ctx context.Context, hc *http.Client, url, session string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, "POST", url, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if session != "" {
		req.Header.Set("Authorization", "Bearer "+session)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil {
		err = json.NewDecoder(resp.Body).Decode(out)
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	return resp.StatusCode, err
}

func getJSON(ctx context.Context, hc *http.Client, url string, out any) error {
	return getJSONAuth(ctx, hc, url, "", out)
}

// getJSONAuth is getJSON with a widget session's token ("" for none).
func getJSONAuth(ctx context.Context, hc *http.Client, url, session string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	if session != "" {
		req.Header.Set("Authorization", "Bearer "+session)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s = %d", url, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// parallel calls fn(0..n-1) on at most limit goroutines and returns the first error.
func parallel(n, limit int, fn func(i int) error) error {
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	sem := make(chan struct{}, limit)
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(i); err != nil {
				once.Do(func() { first = err })
			}
		}()
	}
	wg.Wait()
	return first
}

// CPUSeconds is the user+system CPU time this process has used.
func CPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
