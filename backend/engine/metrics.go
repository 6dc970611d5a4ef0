package engine

import (
	"net/http"

	"vouchdesk/backend/metrics"
	"vouchdesk/backend/widget"
)

// newMetrics registers the node's figures, read from the engine when scraped, and has the live
// chat follower report its lag to them.
func (e *Engine) newMetrics(chat *widget.ChatDeps) *metrics.Metrics {
	m := metrics.New(metrics.Sources{
		OutboxCounts:    e.db.OutboxCountsAll,
		LiveConnections: func() int { return chat.LiveStats().Open },
		Leading:         e.Leading,
		WriteStats:      e.db.WriteStats,
	})
	e.chats.FeedLag = m.ObserveFeedLag
	return m
}

// withMetrics serves the node's figures at GET /metrics (Prometheus's text format) beside the
// widget server, and times every other answer by route. The figures tell volumes, not content;
// docs/vouchd.md says to keep /metrics off the public side of the proxy.
func withMetrics(m *metrics.Metrics, widgetServer http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("/", widgetServer)
	return m.Measure(mux)
}
