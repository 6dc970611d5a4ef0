package engine_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"vouchdesk/backend/services"
	"vouchdesk/backend/widget"
)

// TestAgentAPIInboxFigures measures what the inbox view's calls cost through the agents' API
// (HTTP on loopback, token lookup, JSON) beside the same service calls in process, in one run
// (docs/benchmarks.md, "The agents' API beside the desktop's calls"). It runs only with
// VOUCHDESK_FIGURES_API=N (N iterations; try 500); the figure line starts with FIGURE.
func TestAgentAPIInboxFigures(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("VOUCHDESK_FIGURES_API"))
	if n <= 0 {
		t.Skip("a measurement: set VOUCHDESK_FIGURES_API=500 to run it")
	}
	loose := widget.Rate{PerSecond: 1000, Burst: 1000}
	c := newTeamEnvWith(t, envOptions{limits: widget.Limits{IP: loose, Sessions: loose, Messages: loose}})
	owner := c.signIn("olive@acme.test", "desk").Token
	chats := 100
	var last string
	for i := range chats {
		s := c.start(fmt.Sprintf("customer%03d@example.com", i), "")
		c.api("POST", "conversations/"+s.Conversation+"/messages", owner, map[string]string{"body": "Hello, how can I help?"}, nil)
		last = s.Conversation
	}
	in := c.backend.For(context.Background(), c.ws)

	type call struct {
		name   string
		local  func() error
		remote func() int
	}
	calls := []call{
		{"overview", func() error { _, err := services.NewWorkspace(in).Overview(); return err },
			func() int { return c.api("GET", "overview", owner, nil, nil) }},
		{"list open", func() error { _, err := services.NewChat(in).List("open"); return err },
			func() int { return c.api("GET", "conversations?filter=open", owner, nil, nil) }},
		{"open one", func() error { _, err := services.NewChat(in).Open(last); return err },
			func() int { return c.api("GET", "conversations/"+last, owner, nil, nil) }},
	}
	pct := func(d []time.Duration, p float64) float64 {
		slices.Sort(d)
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
	for _, cl := range calls {
		var local, remote []time.Duration
		for range n { // alternate, so both see the same machine
			start := time.Now()
			if err := cl.local(); err != nil {
				t.Fatalf("%s in process: %v", cl.name, err)
			}
			local = append(local, time.Since(start))
			start = time.Now()
			if got := cl.remote(); got != 200 {
				t.Fatalf("%s through the API = %d", cl.name, got)
			}
			remote = append(remote, time.Since(start))
		}
		t.Logf("FIGURE agents' API %s (%d open chats, %d calls each): in process p50 %.2f p99 %.2f ms; through the API p50 %.2f p99 %.2f ms (%.1fx / %.1fx)",
			cl.name, chats, n, pct(local, 0.5), pct(local, 0.99), pct(remote, 0.5), pct(remote, 0.99),
			pct(remote, 0.5)/pct(local, 0.5), pct(remote, 0.99)/pct(local, 0.99))
	}
}
