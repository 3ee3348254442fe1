package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

// logBuffer collects log lines written from the server's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines decodes every JSON line logged so far.
func (l *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, ln := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(ln), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, ln)
		}
		out = append(out, m)
	}
	return out
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestAccessLog_OneLinePerRequestWithItsID(t *testing.T) {
	logs := &logBuffer{}
	// As newLogger builds it: handlers' lines carry the request id too.
	log := slog.New(LogHandler(slog.NewJSONHandler(logs, nil)))
	a := Adapter{Status: func(roster.Code) int { return http.StatusBadRequest }, Body: MessageBody, Log: log}
	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}", a.Handle(func(w http.ResponseWriter, r *http.Request) error {
		if r.PathValue("id") == "0" {
			return errors.New("the disk is on fire") // an internal error, logged
		}
		WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
		return nil
	}))
	srv := httptest.NewServer(AccessLog(log, Recover(log, mux)))
	defer srv.Close()

	for _, tc := range []struct {
		name, path, sentID string
		status             int
		keepsID            bool
	}{
		{"a sane incoming id is kept", "/users/7?email=ada@example.com", "req-42.abc_XYZ", http.StatusOK, true},
		{"a missing id is generated", "/users/7", "", http.StatusOK, false},
		{"an id with a space is replaced", "/users/7", "forged line", http.StatusOK, false},
		{"an id over 128 characters is replaced", "/users/7", strings.Repeat("a", 129), http.StatusOK, false},
		{"an id with a non-ASCII character is replaced", "/users/7", "caf\u00e9", http.StatusOK, false},
		{"an unknown route is logged too", "/nowhere", "", http.StatusNotFound, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs.b.Reset()
			req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
			if tc.sentID != "" {
				req.Header.Set(RequestIDHeader, tc.sentID)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			id := resp.Header.Get(RequestIDHeader)
			switch {
			case tc.keepsID && id != tc.sentID:
				t.Errorf("X-Request-Id %q, want the client's %q", id, tc.sentID)
			case !tc.keepsID && !generatedID.MatchString(id):
				t.Errorf("X-Request-Id %q, want 32 new hex digits", id)
			}
			lines := logs.lines(t)
			if len(lines) != 1 {
				t.Fatalf("%d log lines, want one: %v", len(lines), lines)
			}
			l := lines[0]
			path, _, _ := strings.Cut(tc.path, "?")
			route := "GET /users/{id}"
			if tc.status == http.StatusNotFound {
				route = ""
			}
			want := map[string]any{
				"level": "INFO", "msg": "request", "method": "GET", "route": route, "path": path,
				"status": float64(tc.status), "request_id": id,
			}
			for k, v := range want {
				if l[k] != v {
					t.Errorf("%s = %v, want %v (line %v)", k, l[k], v, l)
				}
			}
			if b, _ := l["bytes"].(float64); b <= 0 {
				t.Errorf("bytes = %v, want the body's size", l["bytes"])
			}
			if _, ok := l["duration_ms"].(float64); !ok {
				t.Errorf("no duration_ms in %v", l)
			}
			if r, _ := l["remote"].(string); !strings.HasPrefix(r, "127.0.0.1:") {
				t.Errorf("remote = %v, want the client's address", l["remote"])
			}
		})
	}

	t.Run("a handler's error line carries the request id", func(t *testing.T) {
		logs.b.Reset()
		req, _ := http.NewRequest("GET", srv.URL+"/users/0", nil)
		req.Header.Set(RequestIDHeader, "trace-me")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		lines := logs.lines(t)
		if len(lines) != 2 || lines[0]["msg"] != "request failed" || lines[1]["msg"] != "request" {
			t.Fatalf("want the error line, then the access line: %v", lines)
		}
		for _, l := range lines {
			if l["request_id"] != "trace-me" {
				t.Errorf("line %v lacks request_id trace-me", l)
			}
		}
		if lines[1]["status"] != float64(http.StatusInternalServerError) {
			t.Errorf("access line status %v, want 500", lines[1]["status"])
		}
	})
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
