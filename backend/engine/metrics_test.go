package engine_test

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
)

// TestMetricsTellTheNodesFigures: /metrics answers in Prometheus's text format with the outbox
// by status, the live connections, leadership, the store's writes and commits, and the widget
// API's request times by route (the route's pattern, never a path with a token in it).
func TestMetricsTellTheNodesFigures(t *testing.T) {
	c := newChatEnv(t, false)
	a := c.start("ada@example.com", "")
	if a.Session == "" {
		t.Fatal("no chat started")
	}
	res, err := http.Get("http://" + c.e.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /metrics = %d", res.StatusCode)
	}
	value := func(series string) float64 {
		t.Helper()
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(body)
		if m == nil {
			t.Fatalf("no %s in /metrics:\n%s", series, body)
		}
		v, _ := strconv.ParseFloat(string(m[1]), 64)
		return v
	}
	if v := value(`vouchdesk_outbox_messages{status="sent"}`); v < 1 {
		t.Errorf("outbox sent = %v, want the email sent", v)
	}
	value(`vouchdesk_outbox_messages{status="queued"}`) // every status is there, zeros too
	if v := value("vouchdesk_leader"); v != 1 {
		t.Errorf("vouchdesk_leader = %v, want 1 (one node)", v)
	}
	if w, cm := value("vouchdesk_store_writes_total"), value("vouchdesk_store_commits_total"); w < 1 || cm < 1 || cm > w {
		t.Errorf("writes %v in %v commits", w, cm)
	}
	value("vouchdesk_live_connections")
	if v := value(`vouchdesk_http_request_duration_seconds_count{code="201",route="POST /api/widget/v1/sessions"}`); v < 1 {
		t.Errorf("timed chat starts = %v, want 1", v)
	}
	if regexp.MustCompile(`route="[^"]*` + regexp.QuoteMeta(a.Session)).Match(body) {
		t.Error("a session token reached a metric label")
	}
}
