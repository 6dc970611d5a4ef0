package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vouchdesk/backend/widget/loadtest/chatload"
)

// chatClientEnv carries a chat client process's configuration (JSON) from its parent.
const chatClientEnv = "VOUCHDESK_IT_CHAT_CLIENT"

// chatClientConfig is what a chat client process runs.
type chatClientConfig struct {
	API, Inbox string
	Rate       int
	Messages   int
	Pace       time.Duration
	ReplyURL   string // the parent's agent: POST {"conversation", "body"}; "" means no replies
}

// chatClient is the chat load running in a child process (this test binary running
// TestChatLoadClient): customers' browsers are not in the engine's process, and in it their
// goroutines would queue on the engine's two cores ahead of its own (the loadtest command keeps
// its clients apart for the same reason).
type chatClient struct {
	cmd                     *exec.Cmd
	stdin                   io.WriteCloser
	sessions, sent, replied atomic.Int64
	result                  chan chatload.ChurnResult
	agent                   *httptest.Server
}

// startChatClient starts the chat load against the engine's widget API; reply, when set, is the
// agent answering each customer message in the engine's process.
func startChatClient(t *testing.T, cfg chatClientConfig, reply func(ctx context.Context, conversation, body string) error) *chatClient {
	t.Helper()
	c := &chatClient{result: make(chan chatload.ChurnResult, 1)}
	if reply != nil {
		c.agent = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var in struct{ Conversation, Body string }
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if err := reply(r.Context(), in.Conversation, in.Body); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(c.agent.Close)
		cfg.ReplyURL = c.agent.URL
	}
	b, _ := json.Marshal(cfg)
	c.cmd = exec.Command(os.Args[0], "-test.run=^TestChatLoadClient$", "-test.count=1")
	c.cmd.Env = append(os.Environ(), chatClientEnv+"="+string(b))
	c.cmd.Stderr = os.Stderr
	var err error
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.stdin.Close(); c.cmd.Wait() })
	go func() {
		defer close(c.result)
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			var s, m, r int64
			if _, err := fmt.Sscanf(line, "COUNTS %d %d %d", &s, &m, &r); err == nil {
				c.sessions.Store(s)
				c.sent.Store(m)
				c.replied.Store(r)
			} else if rest, ok := strings.CutPrefix(line, "RESULT "); ok {
				var res chatload.ChurnResult
				if json.Unmarshal([]byte(rest), &res) == nil {
					c.result <- res
				}
			}
		}
	}()
	return c
}

// Counts are the client's chatload.Churn counts, at most 20 ms old.
func (c *chatClient) Counts() (sessions, sent, replies int64) {
	return c.sessions.Load(), c.sent.Load(), c.replied.Load()
}

// Stop ends the arrivals, waits for every session to finish, and returns what the client saw (ok
// false when the process ended without a result).
func (c *chatClient) Stop() (chatload.ChurnResult, bool) {
	c.stdin.Close()
	res, ok := <-c.result
	return res, ok
}

// TestChatLoadClient is the chat client process of startChatClient, not a test of its own: it runs
// chatload.Churn until its stdin closes, printing its counts every 20 ms and its result at the end.
func TestChatLoadClient(t *testing.T) {
	raw := os.Getenv(chatClientEnv)
	if raw == "" {
		t.Skip("the chat load's client process, started by TestOutboxDrainsUnderChatLoad")
	}
	var cfg chatClientConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	load := &chatload.Churn{API: cfg.API, Inbox: cfg.Inbox, Rate: cfg.Rate, Messages: cfg.Messages, Pace: cfg.Pace}
	if cfg.ReplyURL != "" {
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
		load.Reply = func(ctx context.Context, conversation, body string) error {
			b, _ := json.Marshal(map[string]string{"conversation": conversation, "body": body})
			res, err := hc.Post(cfg.ReplyURL, "application/json", bytes.NewReader(b))
			if err != nil {
				return err
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusNoContent {
				msg, _ := io.ReadAll(res.Body)
				return fmt.Errorf("agent reply = %d %s", res.StatusCode, msg)
			}
			return nil
		}
	}
	stop := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(stop) }()
	done := make(chan chatload.ChurnResult, 1)
	go func() { done <- load.Run(context.Background(), stop) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case res := <-done:
			b, _ := json.Marshal(res)
			fmt.Printf("RESULT %s\n", b)
			return
		case <-tick.C:
			s, m, r := load.Counts()
			fmt.Printf("COUNTS %d %d %d\n", s, m, r)
		}
	}
}
