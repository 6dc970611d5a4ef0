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
	Changes map[string][]int64 `json:"changes"` // conversation id -> unix ns of each change (the Changed hook)
	// Live: watched conversation id -> unix ns of each customer message on the node's chat hub
	// (the agent on another node than the customer's; see the server's POST /watch).
	Live   map[string][]int64 `json:"live,omitempty"`
	Events int64              `json:"events"` // chat:changed events emitted
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

	// Agent: slot -> the agent side saw the message. One node: the engine emitted chat:changed
	// for the conversation. Several: the message reached the chat hub of the node after the
	// customer's (node (c+1) mod N), where a watcher listens (Records.Live).
	Agent Dist `json:"agent"`
	// Local, with several nodes: slot -> chat:changed on the customer's own node.
	Local     Dist  `json:"local"`
	Echo      Dist  `json:"echo"`      // slot -> the message event on the customer's own WebSocket
	HTTP      Dist  `json:"http"`      // request start -> POST /messages answered
	Unmatched int   `json:"unmatched"` // sends without an agent-side change, or changes without a send
	EchoLost  int   `json:"echoLost"`  // sent messages that never came back on the WebSocket
	Events    int64 `json:"events"`    // chat:changed events the engine emitted while sending

	// CPU per message sent during the load, in milliseconds: the server's, and this process's
	// (the clients').
	ServerCPU float64 `json:"serverCPU"`
	ClientCPU float64 `json:"clientCPU"`

	Before  Mem     `json:"before"`  // sessions open, no live connection (summed over nodes)
	After   Mem     `json:"after"`   // every live connection open and idle (summed over nodes)
	PerConn PerConn `json:"perConn"` // (After - Before) / Connections

	Nodes []Node `json:"nodes"` // each server's own figures, in the order given to RunNodes
}

// Node is one server's share of a run.
type Node struct {
	API         string  `json:"api"`
	Sessions    int     `json:"sessions"`    // sessions whose customer is on this node
	Connections int     `json:"connections"` // live WebSockets on this node
	Before      Mem     `json:"before"`
	After       Mem     `json:"after"`
	PerConn     PerConn `json:"perConn"`
	ServerCPU   float64 `json:"serverCPU"` // ms per message sent (over all nodes)
	Events      int64   `json:"events"`    // chat:changed events this node emitted while sending
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
	return RunNodes(ctx, []Addrs{a}, o, logf)
}

// RunNodes is Run over several servers on one database (PostgreSQL): session i is opened on,
// connects to and sends through node i mod N, and with N > 1 its messages are seen on the agent
// side by node (i+1) mod N, which watches the conversation on its chat hub. Memory and CPU are
// read on every node.
func RunNodes(ctx context.Context, nodes []Addrs, o Options, logf func(string, ...any)) (Result, error) {
	var res Result
	tr := &http.Transport{MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	n := len(nodes)
	home := func(i int) int { return i % n } // the node of session i's customer
	agentNode := func(i int) int {           // the node whose agent side sees session i
		if n == 1 {
			return 0
		}
		return (i + 1) % n
	}
	base := func(i int) string { return "http://" + nodes[home(i)].API + "/api/widget/v1" }
	control := func(j int, path string) string { return "http://" + nodes[j].Control + path }
	res.Nodes = make([]Node, n)
	for j := range nodes {
		res.Nodes[j].API = nodes[j].API
	}

	sessions := make([]*session, o.Sessions)
	if err := parallel(len(sessions), 8, func(i int) error {
		s := &session{}
		if code, err := post(ctx, hc, base(i)+"/sessions", "", map[string]any{"inbox": nodes[home(i)].Inbox, "name": "Load " + strconv.Itoa(i)}, s); err != nil || code != 201 {
			return fmt.Errorf("POST /sessions = %d %v", code, err)
		}
		sessions[i] = s
		return nil
	}); err != nil {
		return res, err
	}
	res.Sessions = len(sessions)
	for i := range sessions {
		res.Nodes[home(i)].Sessions++
	}
	logf("%d sessions open", len(sessions))
	if n > 1 {
		// Each node's agent watches the conversations of the customers on the node before it.
		watch := make([][]string, n)
		for i, s := range sessions {
			watch[agentNode(i)] = append(watch[agentNode(i)], s.Conversation)
		}
		for j := range nodes {
			if code, err := post(ctx, hc, control(j, "/watch"), "", watch[j], nil); err != nil || code != 204 {
				return res, fmt.Errorf("POST /watch = %d %v", code, err)
			}
		}
	}

	// Memory before: every session exists, no live connection, no idle keep-alive connection.
	tr.CloseIdleConnections()
	time.Sleep(time.Second)
	for j := range nodes {
		if err := getJSON(ctx, hc, control(j, "/mem"), &res.Nodes[j].Before); err != nil {
			return res, err
		}
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
		c, err := dialLive(ctx, nodes[home(i)].API, s.Session)
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
	for j := range res.Nodes {
		res.Nodes[j].Connections = res.Nodes[j].Sessions
	}
	logf("%d live connections ready; idle %s", len(sessions), o.Idle)
	time.Sleep(o.Idle)
	tr.CloseIdleConnections()
	for j := range nodes {
		nd := &res.Nodes[j]
		if err := getJSON(ctx, hc, control(j, "/mem"), &nd.After); err != nil {
			return res, err
		}
		nd.PerConn = perConn(nd.Before, nd.After, nd.Connections)
		res.Before, res.After = addMem(res.Before, nd.Before), addMem(res.After, nd.After)
	}
	res.PerConn = perConn(res.Before, res.After, res.Connections)

	// Load: message i is due at start + i/Rate and goes to session i mod Sessions.
	serverCPU0 := make([]float64, n)
	for j := range nodes {
		if code, err := post(ctx, hc, control(j, "/record?on=1"), "", nil, nil); err != nil || code != 204 {
			return res, fmt.Errorf("record on = %d %v", code, err)
		}
		if err := getJSON(ctx, hc, control(j, "/cpu"), &serverCPU0[j]); err != nil {
			return res, err
		}
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
				k := i % len(sessions)
				s := sessions[k]
				s.mu.Lock()
				defer s.mu.Unlock()
				begin[i] = time.Now().UnixNano()
				code, err := post(ctx, hc, base(k)+"/messages", s.Session, map[string]string{"clientMsgId": "m" + strconv.Itoa(i), "body": "load message " + strconv.Itoa(i)}, nil)
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
	serverCPU1 := make([]float64, n)
	for j := range nodes {
		if err := getJSON(ctx, hc, control(j, "/cpu"), &serverCPU1[j]); err != nil {
			return res, err
		}
	}
	clientCPU1 := CPUSeconds()
	sentOK := 0
	for i := range total {
		if status[i] == 201 {
			sentOK++
		}
	}
	// Wait for the echoes and agent-side sightings still on their way.
	recs := make([]Records, n)
	readRecords := func() (int, error) {
		seen := 0
		for j := range nodes {
			recs[j] = Records{}
			if err := getJSON(ctx, hc, control(j, "/record"), &recs[j]); err != nil {
				return 0, err
			}
			seen += count(agentSide(recs[j], n))
		}
		return seen, nil
	}
	for deadline := time.Now().Add(o.Drain); ; time.Sleep(50 * time.Millisecond) {
		missing := 0
		for i := range total {
			if status[i] == 201 && echo[i].Load() == 0 {
				missing++
			}
		}
		seen, err := readRecords()
		if err != nil {
			return res, err
		}
		if (missing == 0 && seen >= sentOK) || !time.Now().Before(deadline) {
			break
		}
	}
	for j := range nodes {
		if code, err := post(ctx, hc, control(j, "/record?on=0"), "", nil, nil); err != nil || code != 204 {
			return res, fmt.Errorf("record off = %d %v", code, err)
		}
	}
	if _, err := readRecords(); err != nil {
		return res, err
	}
	for j := range nodes {
		res.Nodes[j].Events = recs[j].Events
		res.Events += recs[j].Events
	}

	res.Scheduled = total
	var agent, local, echoes, answers []int64
	sent := make(map[string][]int, len(sessions)) // conversation -> its 201 messages, in order
	convSession := make(map[string]int, len(sessions))
	for k, s := range sessions {
		convSession[s.Conversation] = k
	}
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
	// One message in flight per conversation, and the change is noted before the answer (or, on
	// the hub of another node, published in commit order): the k-th change of a conversation is
	// its k-th message.
	agentAt := make([]int64, total)
	for conv, msgs := range sent {
		k := convSession[conv]
		seen := agentSide(recs[agentNode(k)], n)[conv]
		for m, i := range msgs {
			if m < len(seen) {
				agent = append(agent, seen[m]-slot[i])
				agentAt[i] = seen[m]
			}
		}
		res.Unmatched += abs(len(seen) - len(msgs))
		if n > 1 {
			changed := recs[home(k)].Changes[conv]
			for m, i := range msgs {
				if m < len(changed) {
					local = append(local, changed[m]-slot[i])
				}
			}
		}
	}
	for j := range nodes {
		for conv, seen := range agentSide(recs[j], n) {
			k, ours := convSession[conv]
			if _, sentSome := sent[conv]; !ours || !sentSome || agentNode(k) != j {
				res.Unmatched += len(seen)
			}
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
		for j := range nodes {
			res.Nodes[j].ServerCPU = (serverCPU1[j] - serverCPU0[j]) * 1000 / float64(res.Sent)
			res.ServerCPU += res.Nodes[j].ServerCPU
		}
		res.ClientCPU = (clientCPU1 - clientCPU0) * 1000 / float64(res.Sent)
	}
	res.Agent, res.Local, res.Echo, res.HTTP = dist(agent), dist(local), dist(echoes), dist(answers)
	return res, nil
}

// agentSide is what a node's agent side recorded: with one node the Changed hook's changes,
// with several the customer messages its hub watcher saw (the node's own customers' changes are
// the customer side then).
func agentSide(r Records, nodes int) map[string][]int64 {
	if nodes == 1 {
		return r.Changes
	}
	return r.Live
}

func count(m map[string][]int64) int {
	c := 0
	for _, v := range m {
		c += len(v)
	}
	return c
}

func addMem(a, b Mem) Mem {
	return Mem{HeapInuse: a.HeapInuse + b.HeapInuse, StackInuse: a.StackInuse + b.StackInuse, RSS: a.RSS + b.RSS,
		Goroutines: a.Goroutines + b.Goroutines, CPU: a.CPU + b.CPU}
}

// perConn is the memory the live connections added, per connection.
func perConn(before, after Mem, conns int) PerConn {
	if conns == 0 {
		return PerConn{}
	}
	c := float64(conns)
	return PerConn{
		HeapStack:  (float64(after.HeapInuse+after.StackInuse) - float64(before.HeapInuse+before.StackInuse)) / c,
		RSS:        (float64(after.RSS) - float64(before.RSS)) / c,
		Goroutines: float64(after.Goroutines-before.Goroutines) / c,
	}
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
