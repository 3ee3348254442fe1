package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"
)

// RequestIDHeader carries a request's id in and out: a proxy's id is kept,
// so one id follows a request through every log on its way.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds an id taken from a client.
const maxRequestIDLen = 128

type requestIDKey struct{}

// RequestID returns the id AccessLog gave the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestID is the client's X-Request-Id if it is safe to log and echo
// (1 to 128 printable ASCII characters, no spaces), else a new random one.
// Anything else could forge log lines or carry a payload.
func requestID(r *http.Request) string {
	if id := r.Header.Get(RequestIDHeader); saneRequestID(id) {
		return id
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// AccessLog gives each request an id (RequestID; echoed in X-Request-Id)
// and writes one Info line per request when it ends: method, route
// pattern, path, status, bytes, duration, remote address and id. The query
// string is left out, since its values can be e-mail addresses and
// searches for people's names; headers and bodies are never logged, since
// they carry keys, tokens and passwords.
//
// Records logged through log's handler with the request's context, by any
// handler below, carry request_id too: AccessLog wraps log's handler in
// LogHandler unless it already is one.
func AccessLog(log *slog.Logger, next http.Handler) http.Handler {
	h := log.Handler()
	if _, ok := h.(requestIDHandler); !ok {
		h = LogHandler(h)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r)
		w.Header().Set(RequestIDHeader, id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		rec := &recorder{ResponseWriter: w}
		// Deferred, so that a request whose handler panics (an aborted
		// stream) is logged too.
		defer func() {
			ctx := r.Context()
			if !h.Enabled(ctx, slog.LevelInfo) {
				return
			}
			// Straight to the handler, with no caller's PC: every line
			// comes from here, and slog's Logger would take a stack
			// trace per request to find that out (a tenth of the line's
			// cost, profiled).
			line := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
			line.AddAttrs(
				slog.String("method", r.Method),
				slog.String("route", r.Pattern), // set by the mux on this same *Request
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.statusOr200()),
				slog.Int64("bytes", rec.bytes),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.String("remote", r.RemoteAddr),
			)
			_ = h.Handle(ctx, line) // a log that cannot be written has nowhere to say so
		}()
		next.ServeHTTP(rec, r)
	})
}

// recorder notes the status and the size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *recorder) statusOr200() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the connection (flushes and
// deadlines of a streamed answer).
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// LogHandler wraps h so that every record logged with a request's context
// carries that request's request_id: a handler's error line can then be
// matched with its access line.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestID(ctx); id != "" {
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
