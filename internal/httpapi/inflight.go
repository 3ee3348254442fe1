package httpapi

import (
	"fmt"
	"net/http"
)

// LimitInFlight lets at most n requests run at once; one more is answered
// 503 at once, with Retry-After and a JSON message, instead of queueing.
// Queueing would only move the wait into memory and hide overload from
// clients and load balancers, which can retry elsewhere. Requests that
// exempt approves (health checks) always run. n < 1 means no limit.
func LimitInFlight(n int, exempt func(*http.Request) bool, next http.Handler) http.Handler {
	if n < 1 {
		return next
	}
	slots := make(chan struct{}, n)
	busy := MessageBody(http.StatusServiceUnavailable, fmt.Sprintf("the server is busy (%d requests in flight); retry shortly", n))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exempt != nil && exempt(r) {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
		default:
			w.Header().Set("Retry-After", "1")
			WriteJSON(w, http.StatusServiceUnavailable, busy)
			return
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}
