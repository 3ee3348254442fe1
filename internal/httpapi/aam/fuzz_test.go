package aam

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

// userBodySeeds are user bodies (create, update, self update), good and
// hostile, shared by the decoder and handler fuzz targets.
var userBodySeeds = []string{
	`{"email":"grace@example.com","firstName":"Grace","lastName":"Hopper"}`,
	`{"email":"grace@example.com","firstName":"Grace","lastName":"Hopper","isAdmin":true,"password":"Cobol&Compil3rs"}`,
	`{"username":"grace","status":"ACTIVE","title":null,"phoneNumber":"+1 555","groups":[1,2]}`,
	`{"title":"Rear Admiral","phoneNumber":null}`,
	`{"title":1}`, `{"phoneNumber":[]}`, `{"groups":"1"}`, `{"groups":[9223372036854775808]}`,
	`{"groups":[-1,0]}`, `{"groups":[1e3]}`, `{"groups":null}`, `{"isAdmin":"true"}`, `{"isAdmin":null}`,
	`{"status":"DELETED"}`, `{"status":"' OR 1=1 --"}`, `{"email":"a@b.c\r\nBcc: x@evil.example"}`,
	`{"firstName":"A\u0000","lastName":"%","username":"_\\"}`, `{"password":""}`,
	`{"email":"x@example.com","email":"y@example.com"}`, `{"title":"t"} garbage`,
	`[]`, `null`, `{}`, ``, `"x"`, `{"firstName":` + strings.Repeat("[", 10000) + `}`,
}

// FuzzAAMUserBody decodes any body as a user create or update: a refusal,
// or fields exactly as the body wrote them, with null and absent told apart.
func FuzzAAMUserBody(f *testing.F) {
	for _, s := range userBodySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeUser(httptest.NewRecorder(), jsonRequest(body))
		if err != nil {
			wantClientError(t, err)
			return
		}
		var raw map[string]json.RawMessage
		if json.Unmarshal(body, &raw) != nil {
			if !bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
				t.Fatalf("accepted %q, which is not an object", body)
			}
			return
		}
		p := in.patch()
		for name, got := range map[string]*string{"email": p.Email, "firstName": p.GivenName, "lastName": p.FamilyName, "username": p.Username} {
			checkString(t, raw, name, got)
		}
		for name, n := range map[string]nullableString{"title": in.Title, "phoneNumber": in.PhoneNumber} {
			if n.Set != (len(fieldValues(raw, name)) > 0) {
				t.Fatalf("%s decoded as %+v from %q", name, n, body)
			}
			checkString(t, raw, name, n.Value)
		}
	})
}

// fieldValues are the values of every key of raw that encoding/json
// would take for name: it matches keys case-insensitively (so "EMAIL"
// sets email, as the fuzzer found) and keeps the last of several.
func fieldValues(raw map[string]json.RawMessage, name string) []json.RawMessage {
	var vals []json.RawMessage
	for k, v := range raw {
		if strings.EqualFold(k, name) {
			vals = append(vals, v)
		}
	}
	return vals
}

// checkString fails unless got is what raw says the field is: nil when
// absent or null, else the string written (one of them, when keys that
// differ only in case repeat the field, since a map forgets their order).
func checkString(t *testing.T, raw map[string]json.RawMessage, name string, got *string) {
	t.Helper()
	vals := fieldValues(raw, name)
	if len(vals) == 0 && got != nil {
		t.Fatalf("%s is %q, but the body has no such field", name, *got)
	}
	for _, v := range vals {
		var want *string
		if err := json.Unmarshal(v, &want); err == nil && ((want == nil && got == nil) || (want != nil && got != nil && *want == *got)) {
			return
		}
	}
	if len(vals) > 0 {
		t.Fatalf("%s decoded as %v from %q", name, got, vals)
	}
}

// FuzzAAMGroupBody decodes any body as a group create or update.
func FuzzAAMGroupBody(f *testing.F) {
	for _, s := range []string{
		`{"name":"Analysts","description":"read-only people","users":[2]}`,
		`{"name":null}`, `{"users":[]}`, `{"users":null}`, `{"users":["2"]}`, `{"users":[1.5]}`,
		`{"users":[9223372036854775808]}`, `{"name":7}`, `{"description":{}}`, `[]`, `{"name":"a","name":"b"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeGroup(httptest.NewRecorder(), jsonRequest(body))
		if err != nil {
			wantClientError(t, err)
			return
		}
		var raw map[string]json.RawMessage
		if json.Unmarshal(body, &raw) != nil {
			return // null: nothing given
		}
		checkString(t, raw, "name", in.Name)
		checkString(t, raw, "description", in.Description)
	})
}

// FuzzAAMPasswordBody decodes any body as an update-password request:
// both passwords, exactly as sent, or a refusal.
func FuzzAAMPasswordBody(f *testing.F) {
	for _, s := range []string{
		`{"oldPassword":"Cobol&Compil3rs","newPassword":"Flow-Matic&1959"}`,
		`{"oldPassword":"x"}`, `{"oldPassword":null,"newPassword":"y"}`, `{"oldPassword":1,"newPassword":2}`,
		`{"oldPassword":"\u0000","newPassword":"\ud800"}`, `{"oldPassword":"a","newPassword":"b","newPassword":"c"}`,
		`[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		oldPw, newPw, err := decodePasswordChange(httptest.NewRecorder(), jsonRequest(body))
		if err != nil {
			wantClientError(t, err)
			return
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("accepted %q, which is not an object", body)
		}
		checkString(t, raw, "oldPassword", &oldPw)
		checkString(t, raw, "newPassword", &newPw)
	})
}

// FuzzAAMBulkIDs decodes any body as a bulk delete: a non-empty list of
// ids in range, or a refusal.
func FuzzAAMBulkIDs(f *testing.F) {
	for _, s := range []string{`[1,2,3]`, `{"ids":[4]}`, `[]`, `{"ids":[]}`, `{"ids":null}`, `[0]`, `[-1]`,
		`[9223372036854775808]`, `[1e3]`, `[1.5]`, `["1"]`, `{"ids":"1"}`, `{"ids":[1],"ids":[2]}`, `null`, `7`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ids, err := decodeIDs(httptest.NewRecorder(), jsonRequest(body))
		if err != nil {
			wantClientError(t, err)
			return
		}
		if len(ids) == 0 {
			t.Fatalf("no ids from %q", body)
		}
		for _, id := range ids {
			if id < 1 || id > roster.MaxID {
				t.Fatalf("id %d from %q", id, body)
			}
		}
	})
}

// FuzzAAMListOptions parses any query as a list's page, pageSize, sortBy,
// descending and search.
func FuzzAAMListOptions(f *testing.F) {
	for _, s := range []string{"", "page=0", "page=-1", "page=1073741825", "page=0&pageSize=1000", "pageSize=1001",
		"pageSize=0", "page=1e3", "page=0x10", "page=1&page=1", "sortBy=lastName&descending=true",
		"descending=yes", "search=%27+OR+1%3D1+--", "search=%25", "search=_", "search=%5C", "search=%ff", "search=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		qs, err := httpapi.ParseQuery(raw)
		if err != nil {
			wantClientError(t, err)
			return
		}
		o, err := parseListOptions(qs)
		if err != nil {
			wantClientError(t, err)
			return
		}
		if o.page < 0 || o.page > 1<<30 || o.pageSize < 1 || o.pageSize > maxPageSize || (!o.paged && o.page != 0) {
			t.Fatalf("options %+v from %q", o, raw)
		}
		// The offset a page asks for must not overflow.
		if off := o.page * o.pageSize; off < 0 {
			t.Fatalf("offset %d from %q", off, raw)
		}
	})
}

// aamRoutes are the dialect's routes as the handler fuzz picks them; {id}
// is replaced by the fuzzed id.
var aamRoutes = []struct{ method, path string }{
	{"POST", "/api/v1/users/"}, {"GET", "/api/v1/users/"}, {"POST", "/api/v1/users/bulk-delete"},
	{"GET", "/api/v1/users/{id}"}, {"PUT", "/api/v1/users/{id}"}, {"DELETE", "/api/v1/users/{id}"},
	{"GET", "/v1/users/self"}, {"PUT", "/v1/users/self/update"}, {"POST", "/api/v1/users/self/update-password"},
	{"POST", "/api/v1/groups/"}, {"GET", "/api/v1/groups"}, {"DELETE", "/api/v1/groups/bulk-delete"},
	{"GET", "/api/v1/groups/{id}"}, {"PUT", "/v1/groups/{id}/"}, {"DELETE", "/api/v1/groups/{id}"},
	{"PATCH", "/api/v1/users/{id}"},
}

// FuzzAAMHandler sends any request to any Audience Manager route through
// the real handler chain and a real SQLite store, as a partner admin key:
// never a 5xx, every error a JSON message, and a refused request leaves
// the store as it was.
func FuzzAAMHandler(f *testing.F) {
	for i, s := range userBodySeeds {
		f.Add(uint8(i), "2", "page=0&search=a", "application/json", []byte(s))
	}
	f.Add(uint8(1), "", "search=%27+OR+1%3D1+--&sortBy=email", "", []byte(nil))
	f.Add(uint8(1), "", "groupId=1&groupIds=2,x", "", []byte(nil))
	f.Add(uint8(2), "", "", "application/json", []byte(`{"ids":[9007199254740991]}`))
	f.Add(uint8(3), "9223372036854775808", "", "", []byte(nil))
	f.Add(uint8(9), "", "", "application/json", []byte(`{"name":"Fuzzers","users":[1,2]}`))
	f.Add(uint8(13), "1", "", "application/json", []byte(`{"users":[-1]}`))
	f.Add(uint8(10), "", "page=0&pageSize=1000&sortBy=name&descending=1", "", []byte(nil))
	srv := httpapitest.New(f, Mount)
	f.Fuzz(func(t *testing.T, route uint8, id, query, ct string, body []byte) {
		rt := aamRoutes[int(route)%len(aamRoutes)]
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

// jsonRequest is a POST of body as JSON.
func jsonRequest(body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
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
