package panther

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/httpapi/httpapitest"
	"github.com/roster-dev/roster/internal/roster"
)

// userBodySeeds are ModifyUser bodies, good and hostile, shared by the
// decoder and handler fuzz targets.
var userBodySeeds = []string{
	`{"email":"ada@example.com","givenName":"Ada","familyName":"Lovelace","role":{"name":"Analyst"}}`,
	`{"email":"ada@example.com","givenName":"Ada","familyName":"Lovelace","role":{"id":"1"}}`,
	`{"email":"ada@example.com","givenName":"Ada","familyName":"Lovelace","role":{"id":"1","name":"Admin"}}`,
	`{"email":"ada@example.com","givenName":"Ada","familyName":"Lovelace","role":{"id":1}}`,
	`{"email":"ada@example.com","givenName":"Ada","familyName":"Lovelace","role":{"id":"9223372036854775808"}}`,
	`{"email":"ada@example.com","givenName":"Ada","familyName":"Lovelace","role":{"id":"-1"}}`,
	`{"email":"ada@example.com","givenName":"Ada","familyName":"Lovelace","role":{"id":"1e3"}}`,
	`{"email":"ada@example.com","givenName":"Ada","familyName":"Lovelace","role":null}`,
	`{"email":"ada@example.com","givenName":"Ada","familyName":"Lovelace","role":"Admin"}`,
	`{"email":null,"givenName":"Ada","familyName":"Lovelace","role":{"name":"Analyst"}}`,
	`{"email":42,"givenName":"Ada","familyName":"Lovelace","role":{"name":"Analyst"}}`,
	`{"email":["a@b.c"],"givenName":"Ada","familyName":"Lovelace","role":{"name":"Analyst"}}`,
	`{"email":"a@b.c\r\nBcc: x@evil.example","givenName":"Ada","familyName":"L","role":{"name":"Analyst"}}`,
	`{"email":"ada@example.com","givenName":"Ada\r\nBcc: x@evil.example","familyName":"L","role":{"name":"Analyst"}}`,
	`{"email":"' OR 1=1 --@example.com","givenName":"%","familyName":"_\\","role":{"name":"' OR 1=1 --"}}`,
	`{"email":"nul@example.com","givenName":"A\u0000","familyName":"L","role":{"name":"Analyst"}}`,
	`{"email":"dup@example.com","email":"dup2@example.com","givenName":"A","familyName":"L","role":{"name":"Analyst"}}`,
	`{"email":"ada@example.com"} garbage`,
	`[]`, `null`, `{}`, ``, `"x"`,
}

// FuzzPantherModifyUser decodes any body as a user create or update. A
// body is either refused as the client's fault or gives all four fields,
// each exactly as the body wrote it, and a role id in range.
func FuzzPantherModifyUser(f *testing.F) {
	for _, s := range userBodySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/users", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		p, err := decodeModifyUser(httptest.NewRecorder(), r)
		if err != nil {
			wantClientError(t, err)
			return
		}
		var raw struct {
			Email, GivenName, FamilyName string
			Role                         struct{ ID, Name string }
		}
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("accepted %q, which does not decode: %v", body, err)
		}
		if p.Email == nil || p.GivenName == nil || p.FamilyName == nil || p.Role == nil {
			t.Fatalf("accepted %q without all four fields: %+v", body, p)
		}
		if *p.Email != raw.Email || *p.GivenName != raw.GivenName || *p.FamilyName != raw.FamilyName || p.Role.Name != raw.Role.Name {
			t.Fatalf("decoded %+v from %q", p, body)
		}
		if id := p.Role.ID; id != 0 && (id < 1 || id > roster.MaxID) {
			t.Fatalf("role id %d from %q", id, body)
		}
	})
}

// FuzzPantherModifyRole decodes any body as a role create or update: a
// refusal, or a name and only known permissions.
func FuzzPantherModifyRole(f *testing.F) {
	for _, s := range []string{
		`{"name":"Auditors","permissions":["UserRead"]}`,
		`{"name":"Auditors","permissions":["userread"," UserModify "]}`,
		`{"name":"Auditors","permissions":"UserRead"}`,
		`{"name":"Auditors","permissions":[1]}`,
		`{"name":"Auditors","permissions":null,"logTypeAccessKind":"ALLOW","logTypeAccess":["AWS.S3"]}`,
		`{"name":null,"permissions":[]}`,
		`{"name":5}`, `{"permissions":["CastSpells"]}`, `[]`, `{"name":"a","name":"b"}`,
		`{"name":"` + strings.Repeat("[", 100) + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/roles", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		in, err := decodeModifyRole(httptest.NewRecorder(), r)
		if err != nil {
			wantClientError(t, err)
			return
		}
		for _, p := range in.Permissions {
			if p != roster.PermUserRead && p != roster.PermUserModify {
				t.Fatalf("unknown permission %q accepted from %q", p, body)
			}
		}
	})
}

// FuzzPantherListQuery parses any query string as GET /users'. A success
// is a query the service can run: e-mail alone, or a limit in range, ids
// in range and a known status.
func FuzzPantherListQuery(f *testing.F) {
	for _, s := range []string{
		"", "limit=10", "limit=0", "limit=61", "limit=-1", "limit=1e3", "limit=10&limit=10",
		"email=ann@example.com", "email=ann@example.com&limit=abc", "email=a&email=b", "email=%27+OR+1%3D1+--",
		"contains=%25", "contains=_", "contains=%5C", "contains=%00", "contains=%ff", "contains=%zz",
		"id=1&ids=2,3", "ids=1,x", "id=9223372036854775808", "id=-1", "status=CONFIRMED", "status=confirmed",
		"include-deactivated=true", "include-deactivated=maybe", "cursor=AAAA", "cursor=a&cursor=b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest(http.MethodGet, "/users", nil)
		r.URL.RawQuery = raw
		q, err := parseListUsers(r)
		if err != nil {
			wantClientError(t, err)
			return
		}
		if q.Filter.Email != "" {
			if q.Limit != 0 || q.Cursor != "" || q.Filter.Contains != "" || q.Filter.IDs != nil {
				t.Fatalf("email= kept other parameters: %+v", q)
			}
			return
		}
		if q.Limit < 0 || q.Limit > 60 {
			t.Fatalf("limit %d from %q", q.Limit, raw)
		}
		for _, id := range q.Filter.IDs {
			if id < 1 || id > roster.MaxID {
				t.Fatalf("id %d from %q", id, raw)
			}
		}
		if q.Filter.SignIn != "" {
			if _, err := roster.ParseSignInState(string(q.Filter.SignIn)); err != nil {
				t.Fatalf("status %q from %q", q.Filter.SignIn, raw)
			}
		}
	})
}

// pantherRoutes are the dialect's routes as the handler fuzz picks them;
// {id} is replaced by the fuzzed id.
var pantherRoutes = []struct{ method, path string }{
	{"POST", "/users"}, {"GET", "/users"}, {"GET", "/users/{id}"}, {"POST", "/users/{id}"},
	{"DELETE", "/users/{id}"}, {"POST", "/roles"}, {"GET", "/roles"}, {"GET", "/roles/{id}"},
	{"POST", "/roles/{id}"}, {"DELETE", "/roles/{id}"}, {"PUT", "/users"}, {"PATCH", "/users/{id}"},
}

// FuzzPantherHandler sends any request to any Panther route through the
// real handler chain and a real SQLite store: never a 5xx, every error a
// JSON message, and a refused request leaves the store as it was.
func FuzzPantherHandler(f *testing.F) {
	for i, s := range userBodySeeds {
		f.Add(uint8(i), "2", "limit=1&contains=a", "application/json", []byte(s))
	}
	f.Add(uint8(1), "", "contains=%27+OR+1%3D1+--", "", []byte(nil))
	f.Add(uint8(2), "9223372036854775808", "", "", []byte(nil))
	f.Add(uint8(3), "2", "", "text/plain", []byte(userBodySeeds[0]))
	f.Add(uint8(4), "-1", "", "", []byte(nil))
	f.Add(uint8(5), "", "", "application/json", []byte(`{"name":"Fuzzers","permissions":["UserRead"]}`))
	f.Add(uint8(6), "", "name=%00&sort-dir=up", "", []byte(nil))
	f.Add(uint8(10), "", "", "application/json", []byte(`{}`))
	f.Add(uint8(11), "2", "", "application/json", []byte(`{}`))
	srv := httpapitest.New(f, Mount)
	f.Fuzz(func(t *testing.T, route uint8, id, query, ct string, body []byte) {
		rt := pantherRoutes[int(route)%len(pantherRoutes)]
		r := httptest.NewRequest(rt.method, "/", bytes.NewReader(body))
		r.URL.Path = strings.ReplaceAll(rt.path, "{id}", id)
		r.URL.RawQuery = query
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		r.Header.Set("X-API-Key", srv.AdminKey)
		before := srv.Snapshot(t)
		rec := srv.Do(r)
		httpapitest.CheckAnswer(t, rec, "message")
		if rec.Code >= 400 {
			if after := srv.Snapshot(t); after != before {
				t.Fatalf("%s %q answered %d but changed the store", rt.method, r.URL, rec.Code)
			}
		}
	})
}

// wantClientError fails unless err is one the dialect answers with a 4xx.
func wantClientError(t *testing.T, err error) {
	t.Helper()
	var se *httpapi.StatusError
	if errors.As(err, &se) {
		if se.Status < 400 || se.Status >= 500 {
			t.Fatalf("status %d: %v", se.Status, err)
		}
		return
	}
	if st := status(roster.ErrorCode(err)); st >= 500 || roster.ErrorMessage(err) == "" {
		t.Fatalf("error %v would be answered %d", err, st)
	}
}
