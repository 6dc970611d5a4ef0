// Command loadtest measures the widget's live chat under load: many widget sessions, each with
// its live WebSocket, on loopback, and customer messages sent at a fixed total rate through the
// real API (docs/benchmarks.md, "Chat widget").
//
// It starts itself a second time as the server (-serve): a real engine on a fresh SQLite file in
// a temp folder, the widget API on 127.0.0.1:0 with the per-IP throttles and the live
// connection caps per address and per server raised (every client shares 127.0.0.1; the
// per-conversation message throttle and the per-session cap keep their defaults), and a control
// listener for memory readings and the agent-side record. The clients run in this process, so
// their memory is not counted in the server's.
//
// It measures:
//   - memory per idle connection: the server's HeapInuse+StackInuse and VmRSS after a GC with
//     every session open and no live connection, then with every session's WebSocket open (hello
//     answered) and idle, divided by the number of connections;
//   - customer -> agent delivery: from each message's slot in the schedule to the moment the
//     engine emitted "chat:changed" for its conversation (what the desktop listens to; the
//     engine's Config.OnEvent is called synchronously from the chat service's Changed hook);
//   - customer echo: from the slot to the message event on the customer's own WebSocket.
//
// With -database postgres://... the servers run on that database instead, and -nodes N starts
// N of them on it (the first sets up the organization, the others open it): session i talks to
// node i mod N, and with N > 1 customer -> agent is measured on another node, node (i+1) mod N,
// as the moment the customer message reached that node's chat hub through the change feed
// (engine/livechat.go), where a watcher listens to the conversation (server.go, POST /watch).
// The Changed hook (chat:changed) fires only on the node that wrote the message, so with N > 1
// it is reported as the customer's own node's figure. Memory is read on every node.
//
// Usage:
//
//	go run -tags sqlite_fts5 ./backend/widget/loadtest -sessions 2000 -rate 500 -duration 30s
//	go run -tags sqlite_fts5 ./backend/widget/loadtest -sessions 2000 -rate 500 -duration 30s \
//		-database 'postgres://...' -nodes 2
//
// The open-files limit is raised to its hard limit in both processes (each holds one descriptor
// per connection).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"vouchdesk/backend/widget/loadtest/chatload"
)

func main() {
	serve := flag.Bool("serve", false, "run the server side (started by the client side)")
	var o chatload.Options
	flag.IntVar(&o.Sessions, "sessions", 2000, "widget sessions, each with one live WebSocket")
	flag.IntVar(&o.Rate, "rate", 500, "customer messages per second, over all sessions")
	flag.DurationVar(&o.Duration, "duration", 30*time.Second, "how long messages are sent (whole seconds)")
	flag.DurationVar(&o.Idle, "idle", 5*time.Second, "how long the connections sit idle before memory is read")
	flag.DurationVar(&o.Drain, "drain", 5*time.Second, "how long to wait for the last deliveries")
	asJSON := flag.Bool("json", false, "print the result as JSON")
	samples := flag.String("samples", "", "write one CSV line per message to this file")
	database := flag.String("database", "", "a postgres:// URL to run on (default: a fresh SQLite file in a temp folder)")
	nodes := flag.Int("nodes", 1, "server processes on the one -database (more than 1 needs -database)")
	join := flag.Bool("join", false, "with -serve: open the organization another node set up instead of setting one up")
	flag.Parse()
	log.SetFlags(0)
	raiseFileLimit()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *serve {
		if err := serveUntilStdinCloses(ctx, *database, *join); err != nil {
			log.Fatal(err)
		}
		return
	}
	if o.Sessions < 1 || o.Rate < 1 || o.Duration < time.Second {
		log.Fatal("need -sessions >= 1, -rate >= 1, -duration >= 1s")
	}
	if *nodes < 1 || (*nodes > 1 && *database == "") {
		log.Fatal("need -nodes >= 1, and -database postgres://... for more than one node (they share the database)")
	}
	if *samples != "" {
		f, err := os.Create(*samples)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		w := bufio.NewWriter(f)
		defer w.Flush()
		o.Samples = w
	}
	res, err := runAgainstChildren(ctx, o, *database, *nodes)
	if err != nil {
		log.Fatal(err)
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(res)
		return
	}
	report(os.Stdout, o, res)
}

// raiseFileLimit lifts the soft open-files limit to the hard one.
func raiseFileLimit() {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err == nil && l.Cur < l.Max {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

// serveUntilStdinCloses starts the server, prints its addresses as one JSON line and runs until
// its parent closes stdin (or exits).
func serveUntilStdinCloses(ctx context.Context, database string, join bool) error {
	if database == "" {
		dir, err := os.MkdirTemp("", "vouchdesk-loadtest-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		database = filepath.Join(dir, "vouchdesk.db")
	}
	s, err := startServer(ctx, database, join)
	if err != nil {
		return err
	}
	defer s.close()
	if err := json.NewEncoder(os.Stdout).Encode(s.addrs); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return nil
}

// runAgainstChildren starts the server processes one after the other (the first sets up the
// organization, the others join it) and runs the load against them.
func runAgainstChildren(ctx context.Context, o chatload.Options, database string, nodes int) (chatload.Result, error) {
	self, err := os.Executable()
	if err != nil {
		return chatload.Result{}, err
	}
	var addrs []chatload.Addrs
	for j := range nodes {
		args := []string{"-serve"}
		if database != "" {
			args = append(args, "-database", database)
		}
		if j > 0 {
			args = append(args, "-join")
		}
		a, stop, err := startChild(ctx, self, args)
		if err != nil {
			return chatload.Result{}, err
		}
		defer stop()
		log.Printf("server %d: widget API %s, control %s (pprof under /debug/pprof/)", j+1, a.API, a.Control)
		addrs = append(addrs, a)
	}
	return chatload.RunNodes(ctx, addrs, o, func(f string, args ...any) { log.Printf(f, args...) })
}

// startChild starts one server process and reads its addresses; stop closes its stdin and waits.
func startChild(ctx context.Context, self string, args []string) (chatload.Addrs, func(), error) {
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return chatload.Addrs{}, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return chatload.Addrs{}, nil, err
	}
	if err := cmd.Start(); err != nil {
		return chatload.Addrs{}, nil, err
	}
	stop := func() {
		stdin.Close()
		cmd.Wait()
	}
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		stop()
		return chatload.Addrs{}, nil, fmt.Errorf("server did not start: %w", err)
	}
	var a chatload.Addrs
	if err := json.Unmarshal(line, &a); err != nil {
		stop()
		return chatload.Addrs{}, nil, fmt.Errorf("server said %q: %w", line, err)
	}
	return a, stop, nil
}

func report(w io.Writer, o chatload.Options, r chatload.Result) {
	kb := func(b float64) string { return fmt.Sprintf("%.1f KiB", b/1024) }
	mib := func(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	many := len(r.Nodes) > 1
	fmt.Fprintf(w, "connections: %d sessions, %d live WebSockets\n", r.Sessions, r.Connections)
	if many {
		for j, nd := range r.Nodes {
			fmt.Fprintf(w, "node %d (%s): %d sessions, %d live WebSockets; sessions i with i mod %d = %d\n", j+1, nd.API, nd.Sessions, nd.Connections, len(r.Nodes), j)
		}
	}
	mem := func(label string, before, after chatload.Mem, per chatload.PerConn) {
		fmt.Fprintf(w, "%smemory before: heap+stack %s, RSS %s, %d goroutines\n", label, mib(before.HeapInuse+before.StackInuse), mib(before.RSS), before.Goroutines)
		fmt.Fprintf(w, "%smemory idle:   heap+stack %s, RSS %s, %d goroutines\n", label, mib(after.HeapInuse+after.StackInuse), mib(after.RSS), after.Goroutines)
		fmt.Fprintf(w, "%sper idle connection:  heap+stack %s, RSS %s, %.2f goroutines\n", strings.Replace(label, "server ", "", 1), kb(per.HeapStack), kb(per.RSS), per.Goroutines)
	}
	if many {
		for j, nd := range r.Nodes {
			mem(fmt.Sprintf("node %d server ", j+1), nd.Before, nd.After, nd.PerConn)
		}
		mem("all nodes server ", r.Before, r.After, r.PerConn)
	} else {
		mem("server ", r.Before, r.After, r.PerConn)
	}
	fmt.Fprintf(w, "messages: %d scheduled at %d/s for %s, %d sent (201), %d failed, achieved %.1f/s, %d started >10 ms late\n",
		r.Scheduled, o.Rate, o.Duration, r.Sent, r.Failed, r.Rate, r.Late)
	d := func(name string, x chatload.Dist) {
		fmt.Fprintf(w, "%-34s n=%d p50 %.2f  p95 %.2f  p99 %.2f  max %.2f  avg %.2f ms\n", name, x.N, x.P50, x.P95, x.P99, x.Max, x.Avg)
	}
	if many {
		d("customer -> agent, other node's hub:", r.Agent)
		d("customer -> own node chat:changed:", r.Local)
	} else {
		d("customer -> agent (chat:changed):", r.Agent)
	}
	d("customer -> own WebSocket (echo):", r.Echo)
	d("POST /messages answered:", r.HTTP)
	fmt.Fprintf(w, "CPU per message while sending: server %.2f ms, clients %.2f ms\n", r.ServerCPU, r.ClientCPU)
	if many {
		for j, nd := range r.Nodes {
			fmt.Fprintf(w, "  node %d: server CPU %.2f ms per message, %d chat:changed events (its own customers' messages)\n", j+1, nd.ServerCPU, nd.Events)
		}
		fmt.Fprintf(w, "chat:changed events: %d; unmatched agent-side sightings: %d; echoes lost: %d\n", r.Events, r.Unmatched, r.EchoLost)
		return
	}
	fmt.Fprintf(w, "chat:changed events: %d; unmatched changes: %d; echoes lost: %d\n", r.Events, r.Unmatched, r.EchoLost)
}
