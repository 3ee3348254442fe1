package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/roster-dev/roster/internal/httpapi"
)

func TestMux_RoutesListsEveryPatternInOrderAndRoutesAsServeMuxDoes(t *testing.T) {
	m := httpapi.NewMux()
	answer := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, body) }
	}
	m.Handle("GET /users/{id}", answer("user"))
	m.HandleFunc("POST /users", answer("created"))
	m.Handle("GET /v1/users/{$}", answer("list"))

	want := []string{"GET /users/{id}", "POST /users", "GET /v1/users/{$}"}
	got := m.Routes()
	if !slices.Equal(got, want) {
		t.Fatalf("Routes() = %q, want %q", got, want)
	}
	got[0] = "changed"
	if m.Routes()[0] != want[0] {
		t.Error("Routes() returned the Mux's own slice: a caller's change leaked into it")
	}

	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/users/7", 200, "user"},
		{"POST", "/users", 200, "created"},
		{"GET", "/v1/users/", 200, "list"},
		{"DELETE", "/users/7", 405, ""},
		{"GET", "/v1/users/x", 404, ""},
	} {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.status || tc.body != "" && rec.Body.String() != tc.body {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, rec.Code, rec.Body, tc.status, tc.body)
		}
	}
}

func TestMux_PanicsOnAConflictingPatternLikeServeMux(t *testing.T) {
	m := httpapi.NewMux()
	m.HandleFunc("GET /users/{id}", func(http.ResponseWriter, *http.Request) {})
	defer func() {
		if recover() == nil {
			t.Error("registering GET /users/{id} twice did not panic")
		}
		if n := len(m.Routes()); n != 1 {
			t.Errorf("Routes() has %d patterns after a refused registration, want 1", n)
		}
	}()
	m.HandleFunc("GET /users/{id}", func(http.ResponseWriter, *http.Request) {})
}
