package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// Recover turns a panic in a handler into a logged 500 with a JSON body, so
// that one bad request can never take the process down. It is the last
// line of defence: handlers are written not to panic on any input.
func Recover(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic in handler", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
				WriteJSON(w, http.StatusInternalServerError, MessageBody(0, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// JSONErrors rewrites the plain-text 404 and 405 answers of
// http.ServeMux into JSON bodies, so that every answer of the API is JSON.
// Handlers of ours always set a JSON Content-Type first, so only the mux's
// own text answers are touched.
func JSONErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&jsonErrorWriter{ResponseWriter: w, r: r}, r)
	})
}

type jsonErrorWriter struct {
	http.ResponseWriter
	r        *http.Request
	replaced bool
}

func (w *jsonErrorWriter) WriteHeader(status int) {
	if (status == http.StatusNotFound || status == http.StatusMethodNotAllowed) &&
		strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		w.replaced = true
		msg := fmt.Sprintf("no route for %s %s", w.r.Method, w.r.URL.Path)
		if status == http.StatusMethodNotAllowed {
			msg = fmt.Sprintf("method %s is not allowed on %s (allowed: %s)", w.r.Method, w.r.URL.Path, w.Header().Get("Allow"))
		}
		WriteJSON(w.ResponseWriter, status, MessageBody(status, msg))
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *jsonErrorWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil // the mux's text body, already answered in JSON
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *jsonErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
