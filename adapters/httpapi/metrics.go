package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the service's Prometheus metrics, on a registry of their own
// (never the global one), so each server and each test has its own.
type Metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	appends   *prometheus.CounterVec
	retries   prometheus.Counter
	conflicts prometheus.Counter
	commits   prometheus.Histogram
	batches   prometheus.Histogram
	lag       prometheus.GaugeFunc
}

// NewMetrics registers the metrics. projectionLag, if not nil, reports how
// many events the read model is behind the store.
func NewMetrics(projectionLag func() float64) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total", Help: "HTTP requests by route pattern and status.",
	}, []string{"route", "status"})
	m.durations = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "http_request_duration_seconds", Help: "HTTP request duration by route pattern and status.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "status"})
	m.appends = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ledger_appends_total", Help: "Events appended through the API, by event type.",
	}, []string{"type"})
	m.retries = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ledger_command_retries_total", Help: "Commands decided again after losing a race for their stream.",
	})
	m.conflicts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "ledger_conflicts_total", Help: "Writes answered 409: a stale If-Match, an event id reused for another command, or an id that exists.",
	})
	m.commits = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "ledger_store_commit_seconds", Help: "Time of one group commit of the embedded store, sync included.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
	})
	m.batches = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "ledger_store_commit_appends", Help: "Appends that shared one group commit.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 11),
	})
	m.reg.MustRegister(m.requests, m.durations, m.appends, m.retries, m.conflicts, m.commits, m.batches,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if projectionLag != nil {
		m.lag = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ledger_projection_lag_events", Help: "Events stored but not yet applied to the read model.",
		}, projectionLag)
		m.reg.MustRegister(m.lag)
	}
	return m
}

// Registry is where the metrics live, for tests and for adding more.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveRequest counts a request another handler on the same port served
// (the pages), under its route's name, beside the API's.
func (m *Metrics) ObserveRequest(route string, status int, d time.Duration) {
	m.observeRequest(route, status, d)
}

func (m *Metrics) observeRequest(route string, status int, d time.Duration) {
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(route, code).Inc()
	m.durations.WithLabelValues(route, code).Observe(d.Seconds())
	if status == http.StatusConflict {
		m.conflicts.Inc()
	}
}

func (m *Metrics) appended(eventType string) { m.appends.WithLabelValues(eventType).Inc() }

// Retried counts a command decided again after a race; pass it to the
// command service's OnRetry.
func (m *Metrics) Retried(string) { m.retries.Inc() }

// Committed records one group commit; pass it to the store's OnCommit.
func (m *Metrics) Committed(appends int, d time.Duration) {
	m.commits.Observe(d.Seconds())
	m.batches.Observe(float64(appends))
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
