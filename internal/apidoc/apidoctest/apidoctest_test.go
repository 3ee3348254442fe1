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

	aamUser = `{"pid":1,"userId":7,"username":"ada","status":"ACTIVE","firstName":"Ada","lastName":"Lovelace",` +
		`"email":"ada@example.com","title":"Countess","phoneNumber":"+44 20 7946 0000","groups":[3,4],"isAdmin":true}`
	aamUserNullTitle = `{"pid":1,"userId":8,"username":"charles@example.com","status":"LOCKED","firstName":"Charles",` +
		`"lastName":"Babbage","email":"charles@example.com","title":null,"phoneNumber":null,"groups":[],"isAdmin":false}`
	aamUserWithoutPID = `{"userId":7,"username":"ada","status":"ACTIVE","firstName":"Ada","lastName":"Lovelace",` +
		`"email":"ada@example.com","title":null,"phoneNumber":null,"groups":[],"isAdmin":true}`
	aamUserAdminAsString = `{"pid":1,"userId":7,"username":"ada","status":"ACTIVE","firstName":"Ada","lastName":"Lovelace",` +
		`"email":"ada@example.com","title":null,"phoneNumber":null,"groups":[],"isAdmin":"true"}`
	// aamStream is a user list as the dialect streams it: one user per
	// line, the separators leading.
	aamStream = "[" + aamUser + "\n," + aamUserNullTitle + "\n]\n"
	aamGroup  = `{"groupId":3,"pid":1,"name":"Analysts","description":"","membershipCount":2,"users":[7,8]}`
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

		{"AAM user", answer(200, json, aamUser), "GET", "/api/v1/users/7", false},
		{"AAM user with title null", answer(200, json, aamUserNullTitle), "GET", "/api/v1/users/8", false},
		{"AAM user without pid", answer(200, json, aamUserWithoutPID), "GET", "/api/v1/users/7", true},
		{"AAM user, isAdmin a string", answer(200, json, aamUserAdminAsString), "GET", "/api/v1/users/7", true},
		{"AAM user, unknown status", answer(200, json, strings.Replace(aamUser, "ACTIVE", "CONFIRMED", 1)),
			"GET", "/api/v1/users/7", true},
		{"AAM create answers 201", answer(201, json, aamUser), "POST", "/api/v1/users", false},
		{"AAM create, 200 is undeclared", answer(200, json, aamUser), "POST", "/api/v1/users", true},
		{"AAM conflict is a 409", answer(409, json, `{"message":"a user with e-mail \"ada@example.com\" already exists"}`),
			"POST", "/api/v1/users", false},
		{"AAM delete, empty 204", answer(204, "", ""), "DELETE", "/api/v1/users/7", false},
		{"AAM bulk delete, empty 204", answer(204, "", ""), "POST", "/api/v1/users/bulk-delete", false},
		{"AAM 401", answer(401, json, `{"message":"invalid or expired token"}`), "GET", "/api/v1/users/self", false},

		{"AAM list, page object", answer(200, json, `{"total":12,"page":1,"pageSize":2,"list":[`+aamUser+`,`+aamUserNullTitle+`]}`),
			"GET", "/api/v1/users?page=1&pageSize=2&sortBy=email&descending=true&search=ada&groupId=3&groupId=4", false},
		{"AAM list, plain array", answer(200, json, `[`+aamUser+`,`+aamUserNullTitle+`]`), "GET", "/api/v1/users", false},
		{"AAM list, streamed array", answer(200, json, aamStream), "GET", "/api/v1/users", false},
		{"AAM list, empty array", answer(200, json, `[]`), "GET", "/api/v1/users", false},
		{"AAM list, page without total", answer(200, json, `{"page":0,"pageSize":10,"list":[]}`), "GET", "/api/v1/users?page=0", true},
		{"AAM list, array with a bad user", answer(200, json, `[`+aamUser+`,`+aamUserWithoutPID+`]`), "GET", "/api/v1/users", true},

		{"/v1 alias with trailing slash, array", answer(200, json, aamStream), "GET", "/v1/users/", false},
		{"/v1 alias with trailing slash is held to the list", answer(200, json, `{"message":"not a list"}`), "GET", "/v1/users/", true},
		{"trailing slash on an AAM item", answer(200, json, aamUserWithoutPID), "GET", "/api/v1/users/7/", true},
		{"/self/update alias", answer(200, json, aamUser), "PUT", "/api/v1/self/update", false},
		{"/v1/self/reset-password alias", answer(200, json, `{"message":"a new password has been sent"}`),
			"POST", "/v1/self/reset-password/", false},
		{"/self/update alias is held to the operation", answer(204, "", ""), "PUT", "/v1/self/update", true},

		{"AAM group", answer(200, json, aamGroup), "GET", "/api/v1/groups/3", false},
		{"AAM group without users", answer(200, json, `{"groupId":3,"pid":1,"name":"A","description":"","membershipCount":0}`),
			"GET", "/api/v1/groups/3", true},
		{"AAM groups, page object", answer(200, json, `{"total":1,"page":0,"pageSize":10,"list":[`+aamGroup+`]}`),
			"GET", "/api/v1/groups?page=0", false},
		{"AAM groups, plain array", answer(200, json, `[`+aamGroup+`]`), "GET", "/api/v1/groups/", false},
		{"AAM groups bulk delete, empty 204", answer(204, "", ""), "DELETE", "/api/v1/groups/bulk-delete", false},

		{"oauth token", answer(200, json, `{"access_token":"rat_x","token_type":"bearer","expires_in":3600,`+
			`"refresh_token":"rrt_y","scope":"UserModify UserRead"}`), "POST", "/oauth/token", false},
		{"oauth token without refresh_token", answer(200, json, `{"access_token":"rat_x","token_type":"bearer","expires_in":3600,"scope":""}`),
			"POST", "/oauth/token", true},
		{"oauth error", answer(400, json, `{"error":"invalid_grant","error_description":"invalid username or password"}`),
			"POST", "/oauth/token", false},
		{"oauth error too large", answer(413, json, `{"error":"invalid_request","error_description":"the body is too large"}`),
			"POST", "/oauth/token", false},
		{"oauth error, unknown code", answer(400, json, `{"error":"nope","error_description":"?"}`), "POST", "/oauth/token", true},
		{"oauth error as a message", answer(400, json, `{"message":"invalid username or password"}`), "POST", "/oauth/token", true},
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

// TestCheckLeavesTheRequestAlone checks that mapping an alias to its
// documented path does not change the caller's request.
func TestCheckLeavesTheRequestAlone(t *testing.T) {
	srv := httptest.NewServer(answer(200, "application/json", aamStream))
	defer srv.Close()
	for _, method := range []string{"GET", "HEAD"} {
		req, err := http.NewRequest(method, srv.URL+"/v1/users/?page=", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rec := &recorder{TB: t}
		apidoctest.Check(rec, req, resp, body)
		if len(rec.errs) > 0 {
			t.Errorf("%s: Check failed: %v", method, rec.errs)
		}
		if req.Method != method || req.URL.Path != "/v1/users/" || req.URL.RawQuery != "page=" {
			t.Errorf("%s: Check changed the request to %s %s", method, req.Method, req.URL)
		}
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
