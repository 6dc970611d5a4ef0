package engine_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestTeamPropagationFigures measures how long a change made on desktop A takes to show in
// desktop B's replica (docs/benchmarks.md, issue 18): A sends a reply through the agents' API, and
// B's own view of the conversation (read from its replica, as its UI reads it) is polled until
// the reply is there. Server on loopback. It runs only with VOUCHDESK_FIGURES_TEAM=N (N changes;
// try 300); the figure line starts with FIGURE.
func TestTeamPropagationFigures(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("VOUCHDESK_FIGURES_TEAM"))
	if n <= 0 {
		t.Skip("a measurement: set VOUCHDESK_FIGURES_TEAM=300 to run it")
	}
	c := newTeamEnv(t)
	a, b := twoDesktops(t, c, "http://"+c.e.Addr())
	s := c.start("ada@example.test", "")
	eventually(t, "the chat reaches B", func() bool { _, err := b.chat().Open(s.Conversation); return err == nil })
	var took []time.Duration
	for i := range n {
		body := fmt.Sprintf("Reply number %d", i)
		start := time.Now()
		if _, err := a.chat().Send(s.Conversation, body); err != nil {
			t.Fatalf("A: Send = %v", err)
		}
		for {
			d, err := b.chat().Open(s.Conversation)
			if err == nil && len(d.Messages) > 0 && d.Messages[len(d.Messages)-1].Body == body {
				break
			}
			if time.Since(start) > 10*time.Second {
				t.Fatalf("reply %d not on B after 10 s", i)
			}
			time.Sleep(time.Millisecond)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	p := func(q float64) float64 {
		return float64(took[min(len(took)-1, int(q*float64(len(took))))].Microseconds()) / 1000
	}
	t.Logf("FIGURE team propagation A→B, %d replies: p50 %.1f ms, p99 %.1f ms, max %.1f ms", n, p(0.50), p(0.99), p(1))
}
