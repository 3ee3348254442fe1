package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// readyTimeout bounds one readiness check: a database that takes longer to
// answer is not ready, and the probe must not hang with it.
const readyTimeout = 2 * time.Second

// Healthz answers 200 {"status":"ok"} while the process serves at all: a
// liveness probe, which checks nothing else so that a slow database never
// gets a healthy process restarted.
func Healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

// Readyz answers 200 {"status":"ready"} when ready returns nil, and 503
// with a JSON message otherwise: a readiness probe, for a load balancer to
// send traffic only to nodes whose database answers. ready's error is
// logged, not shown, since it may carry a driver's detail.
func Readyz(ready func(context.Context) error, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := ready(ctx); err != nil {
			log.WarnContext(r.Context(), "not ready", "err", err)
			WriteJSON(w, http.StatusServiceUnavailable, MessageBody(http.StatusServiceUnavailable,
				"not ready: the database does not answer or its schema is not at the latest migration"))
			return
		}
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
}
