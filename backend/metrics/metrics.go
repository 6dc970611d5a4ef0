// Package metrics exposes a vouchd node's figures at /metrics in Prometheus's text format: the
// outbox's depth by status, the live chat connections, the live feed's lag across nodes, the
// store's writes and commits (group commit), whether the node leads, and HTTP request latency by
// route. It uses Prometheus's own client library (the format, histograms and the handler are
// its, not rewritten here); the values are read from the engine when scraped.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Sources are where the scraped values come from. Any may be nil (the figure is then left out).
type Sources struct {
	// OutboxCounts counts the emails of every organization by status.
	OutboxCounts func(ctx context.Context) (map[string]int, error)
	// LiveConnections is how many live chat connections this node holds.
	LiveConnections func() int
	// Leading reports whether this node runs the leader's jobs.
	Leading func() bool
	// WriteStats are the store's write transactions kept and the commits they took.
	WriteStats func() (writes, commits int64)
}

// Metrics is one node's registry.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	feedLag  prometheus.Histogram
}

// New registers the node's figures.
func New(src Sources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "vouchdesk_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request (live chat connections excluded), by route and status code.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "code"})
	m.feedLag = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "vouchdesk_live_feed_lag_seconds",
		Help:    "From a chat change's commit to its publication to this node's live listeners (PostgreSQL; clocks of the database and the node).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	})
	m.reg.MustRegister(m.requests, m.feedLag)
	if src.OutboxCounts != nil {
		m.reg.MustRegister(outboxCollector{counts: src.OutboxCounts, desc: prometheus.NewDesc("vouchdesk_outbox_messages",
			"Emails in the outbox by status.", []string{"status"}, nil)})
	}
	if src.LiveConnections != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vouchdesk_live_connections",
			Help: "Live chat connections (WebSockets) open on this node."}, func() float64 { return float64(src.LiveConnections()) }))
	}
	if src.Leading != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vouchdesk_leader",
			Help: "1 when this node runs the leader's jobs (mailbox watchers, idle-chat sweep)."}, func() float64 {
			if src.Leading() {
				return 1
			}
			return 0
		}))
	}
	if src.WriteStats != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vouchdesk_store_writes_total",
			Help: "Write transactions committed by this node."}, func() float64 { w, _ := src.WriteStats(); return float64(w) }))
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vouchdesk_store_commits_total",
			Help: "Database commits those writes took (writes share commits under load)."}, func() float64 { _, c := src.WriteStats(); return float64(c) }))
	}
	return m
}

// outboxCollector reads the outbox's counts at each scrape.
type outboxCollector struct {
	counts func(ctx context.Context) (map[string]int, error)
	desc   *prometheus.Desc
}

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.counts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	// Every status, zeros included: a series that vanishes reads as "no data", not as 0.
	for _, st := range []string{"queued", "sending", "sent", "retrying", "failed", "bounced"} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[st]), st)
	}
}

// ObserveFeedLag records one chat change's lag from its commit to its publication.
func (m *Metrics) ObserveFeedLag(d time.Duration) { m.feedLag.Observe(max(d, 0).Seconds()) }

// Handler serves the figures.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Measure wraps the node's HTTP handler: each answer's time by the route it matched (the mux's
// pattern, never the raw path, which holds tokens and ids) and status code. Live connections
// (WebSocket upgrades) last as long as the chat and are left out.
func (m *Metrics) Measure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := r.Pattern // set by the ServeMux that routed it
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(route, strconv.Itoa(rec.code)).Observe(time.Since(start).Seconds())
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the real writer (flushes, deadlines).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
