package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/roster-dev/roster/internal/roster"
)

// HandlerFunc is an HTTP handler that reports failure by returning an
// error instead of writing it; Adapter.Handle writes it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// StatusError is an error that fixes its own HTTP status, for failures that
// belong to HTTP rather than the domain (a body too large, a wrong media
// type).
type StatusError struct {
	Status  int
	Message string
}

// Error implements the error interface.
func (e *StatusError) Error() string { return e.Message }

// Adapter turns HandlerFuncs into http.Handlers for one dialect: the
// dialect chooses the status of each error code and the shape of the error
// body.
type Adapter struct {
	// Status maps a domain error code to the dialect's HTTP status.
	Status func(roster.Code) int
	// Body returns the JSON value written for an error message.
	Body func(status int, message string) any
	Log  *slog.Logger
}

// Handle wraps h so that a returned error is logged if it is ours and
// written in the dialect's shape.
func (a Adapter) Handle(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.WriteError(w, r, err)
		}
	})
}

// WriteError writes err in the dialect's shape. Internal errors are logged
// with their detail and shown only as a generic message.
func (a Adapter) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := a.classify(err)
	if status >= 500 {
		a.Log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	WriteJSON(w, status, a.Body(status, msg))
}

func (a Adapter) classify(err error) (int, string) {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status, se.Message
	}
	code := roster.ErrorCode(err)
	if code == roster.EInternal {
		return http.StatusInternalServerError, "internal error"
	}
	return a.Status(code), roster.ErrorMessage(err)
}

// WriteJSON writes v as a JSON answer with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own wire structs reach here; failing to encode one is a
		// programming error, but the client still gets valid JSON.
		status, b = http.StatusInternalServerError, []byte(`{"message":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// MessageBody is the {"message": …} error envelope both dialects use.
func MessageBody(_ int, message string) any {
	return struct {
		Message string `json:"message"`
	}{message}
}

// Reply writes wire(v) as a 200 answer, unless err is set, in which case
// it returns err for the adapter to write. It is the common tail of a
// handler that fetches or changes one thing.
func Reply[T, W any](w http.ResponseWriter, v T, err error, wire func(T) W) error {
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, wire(v))
	return nil
}
