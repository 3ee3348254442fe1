// Package metrics exports Roster's operational figures in Prometheus' text
// format, through the official client library: HTTP requests by route,
// method and status with their latency, sign-ins and lockouts, mail
// delivered and failed, and database connection-pool use.
//
// A Metrics owns its own registry rather than the library's global one, so
// that each server (and each test) starts from zero. It knows nothing of
// the service's rules or of either database engine: the service reports
// through the service.Metrics interface, which *Metrics implements, and the
// stores through roster.Monitored.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/roster-dev/roster/internal/roster"
)

// namespace prefixes every metric of Roster's own.
const namespace = "roster"

// Unmatched is the route label of a request that no route pattern matched,
// so that probing random paths cannot mint new time series.
const Unmatched = "unmatched"

// Metrics holds the collectors of one server.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	signIns  *prometheus.CounterVec
	lockouts prometheus.Counter
}

// New returns Metrics on a fresh registry that also holds the Go runtime's
// and the process's collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "signins_total",
			Help: `Sign-ins with a password, by result: "success" or "failure" (bad credentials, locked or inactive account).`,
		}, []string{"result"}),
		lockouts: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "account_lockouts_total",
			Help: "Accounts locked after too many failed password checks.",
		}),
	}
	// Both results exist from the start, so that a rate() over them never
	// starts with a gap.
	m.signIns.WithLabelValues("success")
	m.signIns.WithLabelValues("failure")
	m.reg.MustRegister(m.requests, m.duration, m.signIns, m.lockouts,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry's metrics in the Prometheus exposition
// format. Errors while gathering are logged by the client library's
// default behaviour: the scrape answers with what it could gather.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, ErrorHandling: promhttp.ContinueOnError})
}

// Registry is the registry the metrics live in, for tests that gather
// them directly.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// SignInSucceeded implements service.Metrics.
func (m *Metrics) SignInSucceeded() { m.signIns.WithLabelValues("success").Inc() }

// SignInFailed implements service.Metrics.
func (m *Metrics) SignInFailed() { m.signIns.WithLabelValues("failure").Inc() }

// AccountLocked implements service.Metrics.
func (m *Metrics) AccountLocked() { m.lockouts.Inc() }

// WatchMail exports the mail queue's counts, read at scrape time: sent and
// failed return how many messages were delivered and given up on since
// the queue started (mail.Queue's Sent and Failed).
func (m *Metrics) WatchMail(sent, failed func() int64) {
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "mail", Name: "sent_total",
			Help: "Mail messages delivered.",
		}, func() float64 { return float64(sent()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "mail", Name: "failed_total",
			Help: "Mail messages given up on after every retry.",
		}, func() float64 { return float64(failed()) }))
}

// WatchPools exports the database's connection pools, read at scrape time.
func (m *Metrics) WatchPools(db roster.Monitored) {
	m.reg.MustRegister(poolCollector{db})
}

// Middleware records every request next answers. The route label is the
// pattern http.ServeMux matched (r.Pattern, such as "GET /users/{id}"),
// never the raw path, so that the number of series stays bounded. The mux
// sets r.Pattern on the request it is handed, so every middleware between
// this one and the mux must pass the same *http.Request along; a request
// replaced on the way (r.WithContext) is counted as Unmatched.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			route := r.Pattern
			if route == "" {
				route = Unmatched
			}
			method := methodLabel(r.Method)
			m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
			m.requests.WithLabelValues(route, method, strconv.Itoa(rec.status)).Inc()
		}()
		next.ServeHTTP(rec, r)
	})
}

// methodLabel bounds the method label to the methods HTTP defines; a
// client may send any token as a method.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

// statusRecorder remembers the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusRecorder) WriteHeader(status int) {
	if !w.wroteHeader && status >= 200 {
		w.status, w.wroteHeader = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
