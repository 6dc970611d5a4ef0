package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"vouchdesk/backend/chat"
	"vouchdesk/backend/engine"
	"vouchdesk/backend/org"
	"vouchdesk/backend/store"
	"vouchdesk/backend/widget"
	"vouchdesk/backend/widget/loadtest/chatload"
)

// server is the engine under test plus the agent-side recorder.
type server struct {
	e       *engine.Engine
	api     *http.Server
	control *http.Server
	addrs   chatload.Addrs
	agent   store.User // the organization's owner, who answers in TestChurn

	recording atomic.Bool
	events    atomic.Int64 // chat:changed events the desktop emitter received
	mu        sync.Mutex
	seen      map[string][]int64 // conversation id -> unix ns of each change while recording
	live      map[string][]int64 // watched conversation id -> unix ns of each customer message on the hub
	watches   []func()           // cancels the watch listeners
}

// startServer opens an engine on database (a SQLite file path or a postgres:// URL), sets up an
// organization (which makes the chat inbox) or, with join, opens the one another node set up on
// the same database, and serves the widget API on 127.0.0.1:0 with raised throttles (every
// client shares 127.0.0.1). The desktop's side is the engine's OnEvent ("chat:changed", what
// app.go forwards to the WebView); the chat service's Changed hook, which the engine wires to
// that emitter, is wrapped to note which conversation changed and when.
func startServer(ctx context.Context, database string, join bool) (*server, error) {
	s := &server{seen: map[string][]int64{}, live: map[string][]int64{}}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e, err := engine.Open(ctx, engine.Config{DatabasePath: database, Logger: log,
		OnEvent: func(name string) {
			if name == engine.EventChatChanged {
				s.events.Add(1)
			}
		}})
	if err != nil {
		return nil, err
	}
	s.e = e
	emit := e.Chat().Changed
	e.Chat().Changed = func(orgID, conversationID string) {
		emit(orgID, conversationID) // the engine's emitter: OnEvent("chat:changed")
		if s.recording.Load() {
			t := time.Now().UnixNano()
			s.mu.Lock()
			s.seen[conversationID] = append(s.seen[conversationID], t)
			s.mu.Unlock()
		}
	}
	if err := e.Start(ctx); err != nil { // background parts only: no Listen
		e.Close(ctx)
		return nil, err
	}
	var ws org.Workspace
	if join { // Setup refuses a second organization: read back the first node's
		ws, err = e.Org().Current(ctx)
	} else {
		ws, err = e.Org().Setup(ctx, org.SetupInput{OrganizationName: "Load", OwnerName: "Olive Owner", OwnerEmail: "olive@load.test"})
	}
	if err != nil {
		e.Close(ctx)
		return nil, err
	}
	s.agent = ws.Me
	inboxes, err := e.Store().InboxesByOrg(ctx, ws.Organization.ID)
	if err != nil || len(inboxes) == 0 {
		e.Close(ctx)
		return nil, fmt.Errorf("no chat inbox after setup: %v", err)
	}
	s.addrs.Inbox = inboxes[0].ID

	open := widget.Rate{PerSecond: 1e6, Burst: 1e6}
	// The same server settings as engine.Start; only the per-IP throttles and the live caps per
	// address and per server are raised (every client is 127.0.0.1; the per-session cap stays).
	s.api = &http.Server{
		Handler: widget.NewHandler(widget.Deps{Version: "loadtest", DB: e.Store(), Senders: e.Senders(),
			Chat: &widget.ChatDeps{Chat: e.Chat(), Verify: e.Verify(), Log: log,
				Limits: widget.Limits{IP: open, Sessions: open, ServerStarts: open, Live: widget.LiveCaps{PerAddress: 1 << 30, PerServer: 1 << 30}}}}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /mem", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, readMem()) })
	mux.HandleFunc("GET /cpu", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, chatload.CPUSeconds()) })
	mux.HandleFunc("POST /record", s.record)
	mux.HandleFunc("GET /record", s.records)
	mux.HandleFunc("POST /watch", s.watch)
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	s.control = &http.Server{Handler: mux}
	for _, l := range []struct {
		srv  *http.Server
		addr *string
	}{{s.api, &s.addrs.API}, {s.control, &s.addrs.Control}} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.close()
			return nil, err
		}
		*l.addr = ln.Addr().String()
		go l.srv.Serve(ln)
	}
	return s, nil
}

func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.mu.Lock()
	for _, cancel := range s.watches {
		cancel()
	}
	s.watches = nil
	s.mu.Unlock()
	s.api.Close() // hijacked WebSockets are the client's to close; Close does not wait for them
	if s.control != nil {
		s.control.Close()
	}
	s.e.Close(ctx)
}

// record turns the agent-side recorder on (?on=1, clearing it) or off.
func (s *server) record(w http.ResponseWriter, r *http.Request) {
	on := r.URL.Query().Get("on") == "1"
	if on {
		s.mu.Lock()
		s.seen = map[string][]int64{}
		s.live = map[string][]int64{}
		s.mu.Unlock()
		s.events.Store(0)
	}
	s.recording.Store(on)
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) records(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, chatload.Records{Changes: s.seen, Live: s.live, Events: s.events.Load()})
}

// watch is the agent on this node watching conversations whose customers are on other nodes:
// it subscribes to this node's chat hub for each conversation in the body (a JSON list of ids)
// and, while recording, notes when each customer message arrives. On PostgreSQL the hub is fed
// from the change feed (engine/livechat.go), and the feed follower reads only conversations with
// a listener here, so this is also what makes this node read them. The chat service's Changed
// hook does not fire for another node's writes: the hub is where this node learns of them.
func (s *server) watch(w http.ResponseWriter, r *http.Request) {
	var ids []string
	if err := json.NewDecoder(r.Body).Decode(&ids); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	hub := s.e.Chat().Hub()
	for _, id := range ids {
		cancel := hub.Subscribe(id, func(ev chat.Event) {
			if ev.Kind != chat.EventMessage || ev.Message.SenderKind != store.SenderCustomer || !s.recording.Load() {
				return
			}
			t := time.Now().UnixNano()
			s.mu.Lock()
			s.live[id] = append(s.live[id], t)
			s.mu.Unlock()
		})
		s.mu.Lock()
		s.watches = append(s.watches, cancel)
		s.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// readMem collects garbage, returns freed pages to the OS, and reads the figures.
func readMem() chatload.Mem {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return chatload.Mem{HeapInuse: ms.HeapInuse, StackInuse: ms.StackInuse, RSS: rss(), Goroutines: runtime.NumGoroutine(), CPU: chatload.CPUSeconds()}
}

// rss is this process's resident set from /proc/self/status (0 where there is none).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
