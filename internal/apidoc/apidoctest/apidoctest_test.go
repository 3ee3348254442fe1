package apidoctest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/roster-dev/roster/internal/apidoc/apidoctest"
)

// recorder is a testing.TB that collects Errorf calls instead of failing.
// Everything else (Fatalf included) goes to the real test.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

const (
	validUser = `{"id":"7","email":"ada@example.com","givenName":"Ada","familyName":"Lovelace",` +
		`"role":{"id":"1","name":"Admin"},"enabled":true,"status":"CONFIRMED","createdAt":"2024-05-01T10:00:00Z"}`
	userWithoutEnabled = `{"id":"7","email":"ada@example.com","givenName":"Ada","familyName":"Lovelace",` +
		`"role":{"id":"1","name":"Admin"},"status":"CONFIRMED","createdAt":"2024-05-01T10:00:00Z"}`
)

// answer is a handler that always answers status with body as JSON (no
// Content-Type when contentType is empty).
func answer(status int, contentType, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
}

// exchange sends one request to a server running h and runs Check on the
// answer with a recorder; it returns what Check reported.
func exchange(t *testing.T, h http.Handler, method, path string) []string {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{TB: t}
	apidoctest.Check(rec, req, resp, body)
	return rec.errs
}

func TestCheck(t *testing.T) {
	const json = "application/json"
	for _, tc := range []struct {
		name         string
		h            http.Handler
		method, path string
		wantFail     bool
	}{
		{"valid user", answer(200, json, validUser), "GET", "/users/7", false},
		{"user without enabled", answer(200, json, userWithoutEnabled), "GET", "/users/7", true},
		{"undeclared status 418", answer(http.StatusTeapot, json, `{"message":"teapot"}`), "GET", "/users/7", true},
		{"undeclared status 500", answer(500, json, `{"message":"internal error"}`), "GET", "/users/7", true},
		{"wrong error shape", answer(404, json, `{"error":"gone"}`), "GET", "/users/7", true},
		{"declared 404", answer(404, json, `{"message":"no user 7"}`), "GET", "/users/7", false},
		{"added 401", answer(401, json, `{"message":"invalid API key"}`), "GET", "/users/7", false},
		{"added 415 on a write", answer(415, json, `{"message":"Content-Type must be application/json"}`), "POST", "/users", false},
		{"415 on a read is undeclared", answer(415, json, `{"message":"?"}`), "GET", "/users/7", true},
		{"no Content-Type", answer(200, "", validUser), "GET", "/users/7", true},
		{"Content-Type with charset", answer(200, json+"; charset=utf-8", validUser), "GET", "/users/7", false},
		{"not JSON", answer(200, json, `<html>`), "GET", "/users/7", true},

		{"list, multi-valued id", answer(200, json, `{"results":[`+validUser+`],"next":"abc"}`),
			"GET", "/users?id=7&id=8&ids=9,10&limit=2&include-deactivated=true", false},
		{"list, last page", answer(200, json, `{"results":[]}`), "GET", "/users?email=ada%40example.com", false},
		{"list without results", answer(200, json, `{"next":"abc"}`), "GET", "/users", true},
		{"list, limit 0 is a 400", answer(400, json, `{"message":"limit must be between 1 and 60, not 0"}`), "GET", "/users?limit=0", false},

		{"delete, empty 200", answer(200, "", ""), "DELETE", "/users/7", false},
		{"delete, 200 with a body", answer(200, json, `{}`), "DELETE", "/users/7", true},

		{"role", answer(200, json, `{"id":"1","name":"Admin","permissions":["UserModify","UserRead"],`+
			`"logTypeAccessKind":"ALLOW_ALL","createdAt":"2024-05-01T10:00:00Z","updatedAt":"2024-05-01T10:00:00Z"}`),
			"GET", "/roles/1", false},
		{"role, unknown permission", answer(200, json, `{"id":"1","name":"X","permissions":["Root"],"logTypeAccessKind":"ALLOW_ALL"}`),
			"GET", "/roles/1", true},
		{"roles", answer(200, json, `{"results":[]}`), "GET", "/roles?id=1&id=2&sort-dir=desc", false},

		{"healthz", answer(200, json, `{"status":"ok"}`), "GET", "/healthz", false},
		{"healthz, wrong body", answer(200, json, `{"status":"sick"}`), "GET", "/healthz", true},

		{"unknown path, JSON message", answer(404, json, `{"message":"no route for GET /nope"}`), "GET", "/nope", false},
		{"unknown path, text body", answer(404, "text/plain", "404 page not found\n"), "GET", "/nope", true},
		{"unknown path, message not a string", answer(404, json, `{"message":404}`), "GET", "/nope", true},
		{"trailing slash is not a route", answer(404, json, `{"message":"no route"}`), "GET", "/users/", false},
		{"unknown method, JSON message", answer(405, json, `{"message":"method PUT is not allowed"}`), "PUT", "/users", false},
		{"unknown method, empty body", answer(405, "", ""), "PATCH", "/users/7", true},

		{"HEAD of a GET operation", answer(200, json, ""), "HEAD", "/users/7", false},
		{"HEAD, undeclared status", answer(http.StatusTeapot, json, ""), "HEAD", "/users/7", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := exchange(t, tc.h, tc.method, tc.path)
			switch {
			case tc.wantFail && len(errs) == 0:
				t.Errorf("Check passed %s %s, want a failure", tc.method, tc.path)
			case !tc.wantFail && len(errs) > 0:
				t.Errorf("Check failed %s %s, want a pass:\n%s", tc.method, tc.path, strings.Join(errs, "\n"))
			}
			if testing.Verbose() {
				for _, e := range errs {
					t.Logf("reported: %s", e)
				}
			}
		})
	}
}

// TestCheckParallel runs Check from many goroutines at once, for the race
// detector.
func TestCheckParallel(t *testing.T) {
	srv := httptest.NewServer(answer(200, "application/json", validUser))
	defer srv.Close()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", srv.URL+"/users/7", nil)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			rec := &recorder{TB: t}
			apidoctest.Check(rec, req, resp, body)
			if len(rec.errs) > 0 {
				t.Errorf("Check failed: %v", rec.errs)
			}
		})
	}
	wg.Wait()
}
