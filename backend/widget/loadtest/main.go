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
// Usage:
//
//	go run -tags sqlite_fts5 ./backend/widget/loadtest -sessions 2000 -rate 500 -duration 30s
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
	flag.Parse()
	log.SetFlags(0)
	raiseFileLimit()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *serve {
		if err := serveUntilStdinCloses(ctx); err != nil {
			log.Fatal(err)
		}
		return
	}
	if o.Sessions < 1 || o.Rate < 1 || o.Duration < time.Second {
		log.Fatal("need -sessions >= 1, -rate >= 1, -duration >= 1s")
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
	res, err := runAgainstChild(ctx, o)
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
func serveUntilStdinCloses(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "vouchdesk-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s, err := startServer(ctx, dir)
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

func runAgainstChild(ctx context.Context, o chatload.Options) (chatload.Result, error) {
	self, err := os.Executable()
	if err != nil {
		return chatload.Result{}, err
	}
	cmd := exec.CommandContext(ctx, self, "-serve")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return chatload.Result{}, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return chatload.Result{}, err
	}
	if err := cmd.Start(); err != nil {
		return chatload.Result{}, err
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		return chatload.Result{}, fmt.Errorf("server did not start: %w", err)
	}
	var a chatload.Addrs
	if err := json.Unmarshal(line, &a); err != nil {
		return chatload.Result{}, fmt.Errorf("server said %q: %w", line, err)
	}
	log.Printf("server: widget API %s, control %s (pprof under /debug/pprof/)", a.API, a.Control)
	return chatload.Run(ctx, a, o, func(f string, args ...any) { log.Printf(f, args...) })
}

func report(w io.Writer, o chatload.Options, r chatload.Result) {
	kb := func(b float64) string { return fmt.Sprintf("%.1f KiB", b/1024) }
	mib := func(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	fmt.Fprintf(w, "connections: %d sessions, %d live WebSockets\n", r.Sessions, r.Connections)
	fmt.Fprintf(w, "server memory before: heap+stack %s, RSS %s, %d goroutines\n", mib(r.Before.HeapInuse+r.Before.StackInuse), mib(r.Before.RSS), r.Before.Goroutines)
	fmt.Fprintf(w, "server memory idle:   heap+stack %s, RSS %s, %d goroutines\n", mib(r.After.HeapInuse+r.After.StackInuse), mib(r.After.RSS), r.After.Goroutines)
	fmt.Fprintf(w, "per idle connection:  heap+stack %s, RSS %s, %.2f goroutines\n", kb(r.PerConn.HeapStack), kb(r.PerConn.RSS), r.PerConn.Goroutines)
	fmt.Fprintf(w, "messages: %d scheduled at %d/s for %s, %d sent (201), %d failed, achieved %.1f/s, %d started >10 ms late\n",
		r.Scheduled, o.Rate, o.Duration, r.Sent, r.Failed, r.Rate, r.Late)
	d := func(name string, x chatload.Dist) {
		fmt.Fprintf(w, "%-34s n=%d p50 %.2f  p95 %.2f  p99 %.2f  max %.2f  avg %.2f ms\n", name, x.N, x.P50, x.P95, x.P99, x.Max, x.Avg)
	}
	d("customer -> agent (chat:changed):", r.Agent)
	d("customer -> own WebSocket (echo):", r.Echo)
	d("POST /messages answered:", r.HTTP)
	fmt.Fprintf(w, "CPU per message while sending: server %.2f ms, clients %.2f ms\n", r.ServerCPU, r.ClientCPU)
	fmt.Fprintf(w, "chat:changed events: %d; unmatched changes: %d; echoes lost: %d\n", r.Events, r.Unmatched, r.EchoLost)
}
