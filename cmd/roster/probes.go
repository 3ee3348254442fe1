package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/roster-dev/roster/internal/apidoc"
	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/mail"
	"github.com/roster-dev/roster/internal/metrics"
	"github.com/roster-dev/roster/internal/roster"
)

// This file holds the routes an operator, rather than an API client, uses:
// liveness and readiness, metrics and the rendered API documentation.

// newMetrics returns the server's metrics, watching the mail queue and,
// if the store reports them, its connection pools.
func newMetrics(st roster.Store, queue *mail.Queue) *metrics.Metrics {
	m := metrics.New()
	m.WatchMail(queue.Sent, queue.Failed)
	if mon, ok := st.(roster.Monitored); ok {
		m.WatchPools(mon)
	}
	return m
}

// mountOperatorRoutes adds /healthz, /readyz, /docs and, if metricsHere,
// /metrics to the API's mux.
func mountOperatorRoutes(mux *httpapi.Mux, st roster.Store, m *metrics.Metrics, metricsHere bool, log *slog.Logger) {
	mux.Handle("GET /healthz", httpapi.Healthz())
	mux.Handle("GET /readyz", httpapi.Readyz(readyCheck(st), log))
	mux.Handle("GET /docs", apidoc.DocsHandler())
	mux.Handle("GET "+apidoc.ScriptPath, apidoc.DocsHandler())
	if metricsHere {
		mux.Handle("GET /metrics", m.Handler())
	}
}

// readyCheck is the store's readiness check; a store that has none is
// ready whenever the process is.
func readyCheck(st roster.Store) func(context.Context) error {
	if mon, ok := st.(roster.Monitored); ok {
		return mon.Ready
	}
	return func(context.Context) error { return nil }
}

// startMetrics serves /metrics alone on addr (--metrics-addr), on a
// listener of its own, and returns stop.
func startMetrics(addr string, m *metrics.Metrics, ready func(addr string), log *slog.Logger) (stop func(), err error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return serveApart("metrics-addr", addr, mux, ready, func(a string) {
		log.Info("metrics serving", "url", "http://"+a+"/metrics")
	}, log)
}
