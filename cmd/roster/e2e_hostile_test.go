package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// The hostile corpus: requests built from categories of hostile input
// crossed with every route of both dialects and /oauth/token, sent over
// real HTTP. Each must be answered with the exact status expected (a 4xx,
// or a 2xx where treating the input literally is right, as for a search
// for "%"), an error body that says what is wrong, and no change to the
// store. TestBadInput covers simpler, per-route mistakes; this test is
// about volume and nastiness.

// hostileCase is one hostile request and what must come of it.
type hostileCase struct {
	badCase
	// check, when set, makes further assertions on the answer, such as
	// that a search's results are literal matches.
	check func(t *testing.T, r response)
}

// bodyRoute is a route that reads a JSON body.
type bodyRoute struct {
	method, path string
	auth         []string       // credential header, name and value
	valid        map[string]any // a body the route would accept
	field        string         // a string field to poison ("" for none)
	numField     string         // an array-of-ids field to poison ("" for none)
	// decodeOnly routes get only poisons that fail while decoding: a
	// password change that got further would change the password or
	// count a failure.
	decodeOnly bool
}

// poison is a hostile value for a string field of a body.
type poison struct {
	what       string
	raw        string // the JSON text that replaces the field's value
	want       int
	decodeFail bool // fails in DecodeJSON, before any rule is applied
}

// poisonedBody is valid with field's value replaced by raw JSON text, or
// with raw appended as a duplicate key when dup is set.
func poisonedBody(t *testing.T, valid map[string]any, field, raw string, dup bool) string {
	t.Helper()
	b := make(map[string]any, len(valid))
	for k, v := range valid {
		b[k] = v
	}
	const marker = "\x01poison\x01"
	if !dup {
		b[field] = marker
	}
	j, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if dup {
		return strings.TrimSuffix(string(j), "}") + `,"` + field + `":` + raw + "}"
	}
	m, _ := json.Marshal(marker)
	return strings.Replace(string(j), string(m), raw, 1)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// stringPoisons go where a string belongs.
func stringPoisons() []poison {
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	return []poison{
		{"invalid UTF-8 in a string", "\"ab\xff\xfecd\"", 400, true},
		{"a lone continuation byte in a string", "\"\x80\"", 400, true},
		{"a NUL byte in a string", `"nul\u0000byte"`, 400, false},
		{"a raw NUL byte in the body", "\"nul\x00byte\"", 400, true},
		{"a 1 MB string (body over 64 KiB)", jsonString(strings.Repeat("m", 1<<20)), 413, true},
		{"a 10,000-character string within 64 KiB", jsonString(strings.Repeat("x", 10000)), 400, false},
		{"JSON nested 10,000 deep", deep, 400, true},
		{"a number", "12345", 400, true},
		{"a huge number", "1e400", 400, true},
		{"an array", `["x"]`, 400, true},
		{"an object", `{"x":1}`, 400, true},
		{"a boolean", "true", 400, true},
		{"CR LF and a Bcc header", jsonString("Eve\r\nBcc: eve@evil.example"), 400, false},
		{"a bare LF and a header", jsonString("Eve\nX-Injected: 1"), 400, false},
		{"an unterminated string", `"open`, 400, true},
		{"an invalid escape", `"\x"`, 400, true},
	}
}

// idPoisons go where an array of ids belongs.
func idPoisons() []poison {
	return []poison{
		{"an id beyond 2^63", "[9223372036854775808]", 400, true},
		{"an id beyond 2^64", "[18446744073709551616]", 400, true},
		{"an id in exponent form", "[1e3]", 400, true},
		{"a fractional id", "[1.5]", 400, true},
		{"a hex id", "[0x10]", 400, true},
		{"ids as strings", `["1"]`, 400, true},
		{"ids as a string", `"1,2"`, 400, true},
		{"ids as an object", `{"0":1}`, 400, true},
		{"a negative id", "[-1]", 400, false},
		{"id zero", "[0]", 400, false},
		{"ids nested in arrays", "[[1]]", 400, true},
	}
}

// wholeBodyPoisons replace or wrap the whole body.
func wholeBodyPoisons(valid string) []struct {
	what, body string
	header     []string
	want       int
} {
	return []struct {
		what, body string
		header     []string
		want       int
	}{
		{"an empty body", "", nil, 400},
		{"a whitespace-only body", " \r\n\t ", nil, 400},
		{"trailing garbage after the JSON", valid + " garbage", nil, 400},
		{"two JSON values", valid + valid, nil, 400},
		{"a byte-order mark before the JSON", "\xef\xbb\xbf" + valid, nil, 400},
		{"a top-level string", `"` + strings.ReplaceAll(valid, `"`, `\"`) + `"`, nil, 400},
		{"a top-level number", "42", nil, 400},
		{"the body as text/plain", valid, []string{"Content-Type", "text/plain"}, 415},
		{"the body as application/xml", valid, []string{"Content-Type", "application/xml"}, 415},
		{"the body as multipart/form-data", valid, []string{"Content-Type", "multipart/form-data; boundary=x"}, 415},
		{"the body as a form", valid, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415},
		{"a malformed Content-Type", valid, []string{"Content-Type", "application/json; charset"}, 415},
		{"a Content-Type with a CR LF payload percent-encoded", valid, []string{"Content-Type", "text/html%0d%0aX-Injected: 1"}, 415},
	}
}

// hostileFixture is the state the corpus runs against.
type hostileFixture struct {
	s                 *testServer
	annPanther        string // Ann's id as Panther spells it
	ann, selma        int64
	auditors          string
	group, pctGroup   int64
	bearer            string
	users             []roster.User // partner 1's users, for literal-match expectations
	groupNames        []string
	roleNames         []string
	unknownID, selfPw string
}

func newHostileFixture(t *testing.T, s *testServer) *hostileFixture {
	fx := &hostileFixture{s: s, unknownID: "9007199254740991", selfPw: goodPassword}
	s.createUser("root@example.com", "Root", "Admin", "Admin")
	ann := s.createUser("ann@example.com", "Ann", "O'Brien", "Analyst")
	fx.annPanther = ann.ID
	fmt.Sscan(ann.ID, &fx.ann)
	s.createUser("pct_50%@example.com", "Percy", "Cent", "Analyst")
	s.createUser("under@example.com", "Under_Score", `Back\Slash`, "Analyst")
	s.createUser("bobby@example.com", "Bobby", "Tables'); DROP TABLE users;--", "Analyst")
	s.createUser("star@example.com", "Star*", "[a-z]", "Analyst")
	selma := s.aamCreateUser(map[string]any{"email": "selma@example.com", "username": "selma", "firstName": "Selma",
		"lastName": "Self", "password": goodPassword})
	fx.selma = selma.UserID
	r := s.do("POST", "/roles", s.adminKey, badRole("Auditors", "UserRead"))
	wantStatus(t, r, http.StatusOK)
	var role struct{ ID string }
	r.json(t, &role)
	fx.auditors = role.ID
	fx.group = s.aamCreateGroup(map[string]any{"name": "Group One", "description": "first", "users": []int64{fx.ann}}).GroupID
	fx.pctGroup = s.aamCreateGroup(map[string]any{"name": "50% _off_ \\o/", "description": "meta"}).GroupID
	s.aamCreateGroup(map[string]any{"name": "O'Reilly", "description": "quote"})
	fx.bearer = "Bearer " + signIn(t, s, "selma", goodPassword).AccessToken

	st := s.store()
	var err error
	if fx.users, err = st.Users(context.Background(), 1, roster.UserFilter{IncludeInactive: true}); err != nil {
		t.Fatal(err)
	}
	groups, err := st.Groups(context.Background(), 1, roster.GroupFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		fx.groupNames = append(fx.groupNames, g.Name)
	}
	roles, err := st.Roles(context.Background(), 1, roster.RoleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		fx.roleNames = append(fx.roleNames, r.Name)
	}
	return fx
}

// bodyRoutes are every route that reads a JSON body.
func (fx *hostileFixture) bodyRoutes() []bodyRoute {
	key := []string{"X-API-Key", fx.s.adminKey}
	bearer := []string{"Authorization", fx.bearer}
	unknown := roster.MaxID
	return []bodyRoute{
		{method: "POST", path: "/users", auth: key, valid: newUser("hostile@example.com", "Host", "Ile", "Analyst"), field: "givenName"},
		{method: "POST", path: "/users/" + fx.annPanther, auth: key, valid: newUser("ann@example.com", "Ann", "O'Brien", "Analyst"), field: "familyName"},
		{method: "POST", path: "/roles", auth: key, valid: badRole("Hostile", "UserRead"), field: "name"},
		{method: "POST", path: "/roles/" + fx.auditors, auth: key, valid: badRole("Auditors", "UserRead"), field: "name"},
		{method: "POST", path: "/api/v1/users/", auth: key, valid: aamNewUser("hostile@example.com", "Host", "Ile"), field: "firstName", numField: "groups"},
		{method: "PUT", path: fmt.Sprintf("/api/v1/users/%d", fx.ann), auth: key, valid: map[string]any{"firstName": "Ann"}, field: "lastName", numField: "groups"},
		{method: "POST", path: "/v1/users/bulk-delete", auth: key, valid: map[string]any{"ids": []int64{unknown}}, numField: "ids"},
		{method: "PUT", path: "/api/v1/users/self/update", auth: bearer, valid: map[string]any{"firstName": "Selma"}, field: "firstName"},
		{method: "POST", path: "/api/v1/users/self/update-password", auth: bearer, decodeOnly: true,
			valid: map[string]any{"oldPassword": fx.selfPw, "newPassword": fx.selfPw}, field: "newPassword"},
		{method: "POST", path: "/api/v1/groups/", auth: key, valid: map[string]any{"name": "Hostile", "description": "d", "users": []int64{}}, field: "name", numField: "users"},
		{method: "PUT", path: fmt.Sprintf("/v1/groups/%d/", fx.group), auth: key, valid: map[string]any{"name": "Group One"}, field: "name", numField: "users"},
		{method: "DELETE", path: "/api/v1/groups/bulk-delete", auth: key, valid: map[string]any{"ids": []int64{unknown}}, numField: "ids"},
	}
}

// bodyCases crosses every body route with every poison.
func (fx *hostileFixture) bodyCases(t *testing.T) []hostileCase {
	var cases []hostileCase
	add := func(rt bodyRoute, what, body string, header []string, want int) {
		cases = append(cases, hostileCase{badCase: badCase{
			name:   fmt.Sprintf("%s %s with %s is %d", rt.method, rt.path, what, want),
			method: rt.method, path: rt.path, body: body, header: append(slices.Clone(rt.auth), header...), want: want,
		}})
	}
	for _, rt := range fx.bodyRoutes() {
		valid, err := json.Marshal(rt.valid)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range stringPoisons() {
			if rt.field == "" || (rt.decodeOnly && !p.decodeFail) {
				continue
			}
			add(rt, p.what+" in "+rt.field, poisonedBody(t, rt.valid, rt.field, p.raw, false), nil, p.want)
		}
		for _, p := range idPoisons() {
			if rt.numField == "" {
				continue
			}
			add(rt, p.what+" in "+rt.numField, poisonedBody(t, rt.valid, rt.numField, p.raw, false), nil, p.want)
		}
		// Duplicate keys: encoding/json keeps the last, so a bad last one
		// must be refused however good the first.
		if rt.field != "" {
			add(rt, "a duplicate "+rt.field+" whose last value is a number", poisonedBody(t, rt.valid, rt.field, "7", true), nil, 400)
			if !rt.decodeOnly {
				add(rt, "a duplicate "+rt.field+" whose last value holds a NUL", poisonedBody(t, rt.valid, rt.field, `"a\u0000"`, true), nil, 400)
			}
		}
		for _, w := range wholeBodyPoisons(string(valid)) {
			add(rt, w.what, w.body, w.header, w.want)
		}
	}
	return cases
}

// idRoutes are every route with an id in its path.
func (fx *hostileFixture) idRoutes() []struct{ method, prefix, suffix string } {
	return []struct{ method, prefix, suffix string }{
		{"GET", "/users/", ""}, {"POST", "/users/", ""}, {"DELETE", "/users/", ""},
		{"GET", "/roles/", ""}, {"POST", "/roles/", ""}, {"DELETE", "/roles/", ""},
		{"GET", "/api/v1/users/", ""}, {"PUT", "/api/v1/users/", ""}, {"DELETE", "/v1/users/", "/"},
		{"GET", "/api/v1/groups/", "/"}, {"PUT", "/v1/groups/", ""}, {"DELETE", "/api/v1/groups/", ""},
	}
}

// pathCases send malformed ids, escaped as a client would, to every id
// route. TestBadInput already sends the plain ones to Panther's.
func (fx *hostileFixture) pathCases() []hostileCase {
	ids := []struct{ what, escaped string }{
		{"a hex id", "0x10"},
		{"an id with invalid UTF-8", "%FF%FE"},
		{"an id with a NUL", "1%00"},
		{"an id of Arabic-Indic digits", "%D9%A1"},
		{"an id with a CR LF", "1%0D%0ASet-Cookie:%20x=1"},
		{"an SQL injection id", "1%20OR%201=1"},
		{"a 10,000-digit id", strings.Repeat("9", 10000)},
	}
	aamOnly := []struct{ what, escaped string }{
		{"a negative id", "-1"}, {"id zero", "0"}, {"an id in exponent form", "1e3"},
		{"an id beyond 2^63", "9223372036854775808"}, {"an id beyond 2^53-1", "9007199254740992"},
	}
	var cases []hostileCase
	for _, rt := range fx.idRoutes() {
		auth := []string{"X-API-Key", fx.s.adminKey}
		var body any
		switch rt.method {
		case "POST":
			body = newUser("path@example.com", "Path", "Id", "Analyst")
			if strings.HasPrefix(rt.prefix, "/roles") {
				body = badRole("PathRole", "UserRead")
			}
		case "PUT":
			body = map[string]any{"name": "x", "firstName": "x"}
		}
		list := ids
		if strings.Contains(rt.prefix, "v1") {
			list = append(slices.Clone(ids), aamOnly...)
		}
		for _, id := range list {
			cases = append(cases, hostileCase{badCase: badCase{
				name:   fmt.Sprintf("%s %s{id} with %s is 400", rt.method, rt.prefix, id.what),
				method: rt.method, path: rt.prefix + id.escaped + rt.suffix, body: body, header: auth, want: 400,
			}})
		}
	}
	return cases
}

// queryCases send malformed, duplicated and mistyped parameters to every
// list route.
func (fx *hostileFixture) queryCases() []hostileCase {
	lists := []struct {
		path   string
		search string   // its free-text parameter
		params []string // its single-valued parameters, each to be given twice
		bad    []string // malformed parameters
	}{
		{"/users", "contains", []string{"limit=5", "contains=a", "cursor=x", "include-deactivated=true", "status=CONFIRMED"},
			[]string{"limit=0x10", "limit=1e3", "limit=%FF", "id=-1", "ids=9223372036854775808", "ids=1,0x10", "status=%00", "include-deactivated=%FF"}},
		{"/roles", "name-contains", []string{"name=Admin", "name-contains=a", "sort-dir=asc"},
			[]string{"ids=-1", "id=9223372036854775808", "sort-dir=%00"}},
		{"/api/v1/users/", "search", []string{"page=0", "pageSize=5", "sortBy=email", "descending=true", "search=a"},
			[]string{"page=-1", "page=1e3", "page=0x10", "page=9223372036854775808", "pageSize=0", "pageSize=1001", "groupId=-1",
				"groupIds=1,0x10", "groupId=9223372036854775808", "sortBy=password", "sortBy=email%3B%20DROP%20TABLE%20users", "sortBy=%00", "descending=%FF"}},
		{"/v1/groups", "search", []string{"page=0", "pageSize=5", "sortBy=name", "descending=false", "search=a"},
			[]string{"sortBy=lastName", "page=-1", "pageSize=1001", "descending=maybe"}},
	}
	var cases []hostileCase
	add := func(path, what, query string) {
		cases = append(cases, hostileCase{badCase: badCase{
			name: fmt.Sprintf("GET %s with %s is 400", path, what), method: "GET", path: path + "?" + query, key: fx.s.readKey, want: 400,
		}})
	}
	for _, l := range lists {
		add(l.path, l.search+" with invalid UTF-8", l.search+"=%FF%FE")
		add(l.path, l.search+" with a NUL", l.search+"=a%00b")
		add(l.path, "a parameter name with invalid UTF-8", "%C0%AF=1")
		add(l.path, "malformed percent-encoding in "+l.search, l.search+"=%G1")
		add(l.path, "a semicolon separator", l.search+"=a;"+l.search+"=b")
		for _, p := range l.params {
			add(l.path, p+" given twice", p+"&"+p)
		}
		for _, p := range l.bad {
			add(l.path, p, p)
		}
	}
	return cases
}

// sqlNeedles are SQL and LIKE metacharacters, which every search must
// treat as the characters they are.
var sqlNeedles = []string{"%", "_", `\`, "'", "' OR 1=1 --", "'); DROP TABLE users;--", "%%", "_n_", "%@%",
	"*", "[a-z]", `"`, ";", "50% _off_", `\o/`, "o'b", `\%`, "%_"}

// literalCases search for every needle in every list and assert the
// answer is exactly the literal matches: a 200, not a 4xx, and never all
// users (as "' OR 1=1 --" or "%" would give if they reached SQL as such).
func (fx *hostileFixture) literalCases() []hostileCase {
	var cases []hostileCase
	for _, needle := range sqlNeedles {
		q := url.QueryEscape(needle)
		lower := strings.ToLower(needle)
		var panther, aam, groups, roles []string
		for _, u := range fx.users {
			if strings.Contains(u.SearchText(), lower) {
				panther = append(panther, u.Email)
			}
			if strings.Contains(u.SearchText()+"\n"+strings.ToLower(u.Username), lower) {
				aam = append(aam, u.Email)
			}
		}
		for _, g := range fx.groupNames {
			if strings.Contains(strings.ToLower(g), lower) {
				groups = append(groups, g)
			}
		}
		for _, r := range fx.roleNames {
			if strings.Contains(strings.ToLower(r), lower) {
				roles = append(roles, r)
			}
		}
		cases = append(cases,
			literalCase("GET /users?contains="+q, "/users?contains="+q, fx.s.readKey, panther, pantherEmails),
			literalCase("GET /api/v1/users/?search="+q, "/api/v1/users/?search="+q, fx.s.readKey, aam, aamEmails),
			literalCase("GET /api/v1/users/?page=0&search="+q, "/api/v1/users/?page=0&pageSize=1000&search="+q, fx.s.readKey, aam, aamPageEmails),
			literalCase("GET /api/v1/groups?search="+q, "/api/v1/groups?search="+q, fx.s.readKey, groups, aamGroupNamesOf),
			literalCase("GET /roles?name-contains="+q, "/roles?name-contains="+q, fx.s.readKey, roles, pantherRoleNames),
		)
	}
	// email= is an exact, case-insensitive match, never a pattern.
	for _, tc := range []struct{ email, want string }{
		{"pct_50%@example.com", "pct_50%@example.com"},
		{"PCT_50%@EXAMPLE.COM", "pct_50%@example.com"},
		{"pct_5_%@example.com", ""},
		{"%@example.com", ""},
		{"%", ""},
		{"_nn@example.com", ""},
		{"' OR 1=1 --", ""},
		{"ann@example.com' OR '1'='1", ""},
	} {
		var want []string
		if tc.want != "" {
			want = []string{tc.want}
		}
		q := url.QueryEscape(tc.email)
		cases = append(cases, literalCase("GET /users?email="+q, "/users?email="+q+"&limit=abc", fx.s.readKey, want, pantherEmails))
	}
	return cases
}

// literalCase is a 200 whose items, read by list, must be exactly want.
func literalCase(name, path, key string, want []string, list func(t *testing.T, r response) []string) hostileCase {
	return hostileCase{
		badCase: badCase{name: name + " is 200 with literal matches only", method: "GET", path: path, key: key, want: 200},
		check: func(t *testing.T, r response) {
			got := list(t, r)
			slices.Sort(got)
			want := slices.Sorted(slices.Values(want))
			if !slices.Equal(got, want) {
				t.Errorf("results %q, want exactly %q", got, want)
			}
		},
	}
}

func pantherEmails(t *testing.T, r response) []string {
	var l apiList
	r.json(t, &l)
	var out []string
	for _, u := range l.Results {
		out = append(out, u.Email)
	}
	return out
}

func aamEmails(t *testing.T, r response) []string {
	var l []aamUser
	r.json(t, &l)
	var out []string
	for _, u := range l {
		out = append(out, u.Email)
	}
	return out
}

func aamPageEmails(t *testing.T, r response) []string {
	var p aamUserPage
	r.json(t, &p)
	if p.Total != len(p.List) {
		t.Errorf("total %d for a list of %d", p.Total, len(p.List))
	}
	var out []string
	for _, u := range p.List {
		out = append(out, u.Email)
	}
	return out
}

func aamGroupNamesOf(t *testing.T, r response) []string {
	var gs []aamGroup
	r.json(t, &gs)
	return aamGroupNames(gs)
}

func pantherRoleNames(t *testing.T, r response) []string {
	var l struct {
		Results []struct{ Name string } `json:"results"`
	}
	r.json(t, &l)
	var out []string
	for _, x := range l.Results {
		out = append(out, x.Name)
	}
	return out
}

// methodCases use a method no route of the path has: 405 with an Allow
// header that names the methods it has.
func (fx *hostileFixture) methodCases() []hostileCase {
	a := fmt.Sprint(fx.ann)
	g := fmt.Sprint(fx.group)
	list := []struct{ method, path, allow string }{
		{"PATCH", "/users", "GET, POST"}, {"PUT", "/users", "GET, POST"}, {"TRACE", "/users", "GET, POST"},
		{"PUT", "/users/" + fx.annPanther, "DELETE, GET, POST"}, {"PATCH", "/roles", "GET, POST"},
		{"PATCH", "/roles/" + fx.auditors, "DELETE, GET, POST"},
		{"PATCH", "/api/v1/users/" + a, "DELETE, GET, PUT"}, {"POST", "/api/v1/users/" + a, "DELETE, GET, PUT"},
		{"DELETE", "/api/v1/users/", "GET, POST"}, {"PUT", "/v1/users", "GET, POST"},
		{"PATCH", "/api/v1/users/bulk-delete", "DELETE, GET, POST, PUT"},
		{"POST", "/api/v1/users/self/update", "PUT"}, {"GET", "/api/v1/users/self/update-password", "POST"},
		{"PUT", "/v1/self/reset-password", "POST"}, {"POST", "/v1/self/update", "PUT"},
		{"PATCH", "/api/v1/groups/", "GET, POST"}, {"POST", "/api/v1/groups/" + g, "DELETE, GET, PUT"},
		{"GET", "/oauth/token", "POST"}, {"PUT", "/oauth/token", "POST"}, {"DELETE", "/oauth/token", "POST"},
	}
	var cases []hostileCase
	for _, m := range list {
		allow := m.allow
		cases = append(cases, hostileCase{
			badCase: badCase{name: fmt.Sprintf("%s %s is 405", m.method, m.path), method: m.method, path: m.path,
				header: []string{"X-API-Key", fx.s.adminKey}, want: 405},
			check: func(t *testing.T, r response) {
				if got := r.header.Get("Allow"); !sameMethods(got, allow) {
					t.Errorf("Allow %q, want %q", got, allow)
				}
			},
		})
	}
	return cases
}

// sameMethods compares two Allow lists as sets, HEAD aside (the mux
// allows it wherever GET is).
func sameMethods(got, want string) bool {
	set := func(s string) []string {
		var out []string
		for m := range strings.SplitSeq(s, ",") {
			if m = strings.TrimSpace(m); m != "" && m != "HEAD" {
				out = append(out, m)
			}
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(set(got), set(want))
}

// oauthCases send hostile token requests. Errors are RFC 6749's
// {"error", "error_description"}; none may sign anyone in.
func (fx *hostileFixture) oauthCases() []hostileCase {
	form := func(kv ...string) string {
		var b strings.Builder
		for i := 0; i+1 < len(kv); i += 2 {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(kv[i] + "=" + kv[i+1])
		}
		return b.String()
	}
	pw := url.QueryEscape(fx.selfPw)
	list := []struct {
		what, body, ct, code string
		want                 int
	}{
		{"invalid UTF-8 in username", form("grant_type", "password", "username", "%FF%FE", "password", pw), formType, "invalid_request", 400},
		{"invalid UTF-8 in password", form("grant_type", "password", "username", "selma", "password", "%C3%28"), formType, "invalid_request", 400},
		{"a NUL in username", form("grant_type", "password", "username", "selma%00", "password", pw), formType, "invalid_request", 400},
		{"a NUL in a refresh token", form("grant_type", "refresh_token", "refresh_token", "rrt_%00"), formType, "invalid_request", 400},
		{"a 1 MB password", form("grant_type", "password", "username", "selma", "password", strings.Repeat("p", 1<<20)), formType, "invalid_request", 413},
		{"grant_type given twice", form("grant_type", "password", "grant_type", "refresh_token", "username", "selma", "password", pw), formType, "invalid_request", 400},
		{"username given twice", form("grant_type", "password", "username", "selma", "username", "root", "password", pw), formType, "invalid_request", 400},
		{"a JSON body", `{"grant_type":"password","username":"selma","password":"` + fx.selfPw + `"}`, "application/json", "invalid_request", 400},
		{"a text/plain body", form("grant_type", "password", "username", "selma", "password", pw), "text/plain", "invalid_request", 400},
		{"a multipart body", "--x\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\npassword\r\n--x--", "multipart/form-data; boundary=x", "invalid_request", 400},
		{"an empty body", "", formType, "invalid_request", 400},
		{"malformed percent-encoding", "grant_type=%zz", formType, "invalid_request", 400},
		{"a semicolon separator", "grant_type=password;username=selma", formType, "invalid_request", 400},
		{"a pid beyond 2^63", form("grant_type", "password", "username", "selma", "password", pw, "pid", "9223372036854775808"), formType, "invalid_request", 400},
		{"a negative pid", form("grant_type", "password", "username", "selma", "password", pw, "pid", "-1"), formType, "invalid_request", 400},
		{"a hex pid", form("grant_type", "password", "username", "selma", "password", pw, "pid", "0x1"), formType, "invalid_request", 400},
		{"a pid in exponent form", form("grant_type", "password", "username", "selma", "password", pw, "pid", "1e0"), formType, "invalid_request", 400},
		{"an unknown grant type", form("grant_type", "client_credentials"), formType, "unsupported_grant_type", 400},
		{"an SQL injection username", form("grant_type", "password", "username", url.QueryEscape("' OR 1=1 --"), "password", pw), formType, "invalid_grant", 400},
		{"a LIKE pattern for a username, with its password", form("grant_type", "password", "username", "s_lma", "password", pw), formType, "invalid_grant", 400},
		{"a % pattern for a username, with its password", form("grant_type", "password", "username", "selm%25", "password", pw), formType, "invalid_grant", 400},
		{"a LIKE pattern for an e-mail, with its password", form("grant_type", "password", "username", "selma%40example.co_", "password", pw), formType, "invalid_grant", 400},
		{"an SQL injection refresh token", form("grant_type", "refresh_token", "refresh_token", url.QueryEscape("' OR 1=1 --")), formType, "invalid_grant", 400},
		{"a CR LF in the username", form("grant_type", "password", "username", "selma%0D%0ASet-Cookie:%20x", "password", pw), formType, "invalid_grant", 400},
	}
	var cases []hostileCase
	for _, c := range list {
		code := c.code
		cases = append(cases, hostileCase{
			badCase: badCase{name: fmt.Sprintf("POST /oauth/token with %s is %d %s", c.what, c.want, code), method: "POST",
				path: "/oauth/token", body: c.body, header: []string{"Content-Type", c.ct}, want: c.want},
			check: func(t *testing.T, r response) {
				var e oauthError
				r.json(t, &e)
				if e.Error != code || e.Description == "" {
					t.Errorf("error %q (%q), want %q with a description", e.Error, e.Description, code)
				}
				if r.header.Get("Set-Cookie") != "" {
					t.Errorf("a Set-Cookie header was injected")
				}
			},
		})
	}
	return cases
}

// headerCases put hostile values where Roster reads or echoes headers.
func (fx *hostileFixture) headerCases() []hostileCase {
	noInjection := func(t *testing.T, r response) {
		if r.header.Get("Set-Cookie") != "" || r.header.Get("X-Injected") != "" {
			t.Errorf("a header was injected: %v", r.header)
		}
	}
	list := []badCase{
		{name: "GET /users with an X-API-Key of invalid UTF-8 is 401", method: "GET", path: "/users", header: []string{"X-API-Key", "rst_\xff\xfe"}, want: 401},
		{name: "GET /users with an SQL injection X-API-Key is 401", method: "GET", path: "/users", header: []string{"X-API-Key", "' OR 1=1 --"}, want: 401},
		{name: "GET /users with a 16 KB X-API-Key is 401", method: "GET", path: "/users", header: []string{"X-API-Key", strings.Repeat("k", 16<<10)}, want: 401},
		{name: "GET /api/v1/users/ with a Bearer token of invalid UTF-8 is 401", method: "GET", path: "/api/v1/users/", header: []string{"Authorization", "Bearer rat_\xff"}, want: 401},
		{name: "GET /api/v1/users/ with an SQL injection Bearer token is 401", method: "GET", path: "/api/v1/users/", header: []string{"Authorization", "Bearer ' OR 1=1 --"}, want: 401},
		{name: "GET /api/v1/users/self with Basic credentials is 401", method: "GET", path: "/api/v1/users/self", header: []string{"Authorization", "Basic c2VsbWE6eA=="}, want: 401},
		{name: "GET /api/v1/users/self with a bare Bearer is 401", method: "GET", path: "/api/v1/users/self", header: []string{"Authorization", "Bearer"}, want: 401},
		{name: "GET on a path with an encoded CR LF header is 404", method: "GET", path: "/users%0D%0ASet-Cookie:%20evil=1", header: []string{"X-API-Key", fx.s.readKey}, want: 404},
		{name: "PATCH on a path with an encoded CR LF header is 404", method: "PATCH", path: "/api/v1/users/%0D%0AX-Injected:%201/x", header: []string{"X-API-Key", fx.s.adminKey}, want: 404},
		{name: "POST /users with an e-mail carrying CR LF and a Bcc is 400", method: "POST", path: "/users", header: []string{"X-API-Key", fx.s.adminKey},
			body: newUser("eve@example.com\r\nBcc: x@evil.example", "Eve", "Il", "Analyst"), want: 400},
		{name: "POST /api/v1/users/ with an e-mail carrying LF and an SMTP command is 400", method: "POST", path: "/api/v1/users/", header: []string{"X-API-Key", fx.s.adminKey},
			body: aamNewUser("eve@example.com\nRCPT TO:<x@evil.example>", "Eve", "Il"), want: 400},
		{name: "POST /api/v1/users/ with an e-mail whose display name encodes CR LF is 400", method: "POST", path: "/api/v1/users/", header: []string{"X-API-Key", fx.s.adminKey},
			body: aamNewUser("=?utf-8?q?Eve=0D=0ABcc:_x@evil.example?= <eve@example.com>", "Eve", "Il"), want: 400},
		{name: "POST /api/v1/users/ with an e-mail closing the RCPT path is 400", method: "POST", path: "/api/v1/users/", header: []string{"X-API-Key", fx.s.adminKey},
			body: aamNewUser("eve@example.com> NOTIFY=NEVER", "Eve", "Il"), want: 400},
		{name: "PUT /api/v1/users/self/update with an e-mail carrying CR LF is 400", method: "PUT", path: "/api/v1/users/self/update", header: []string{"Authorization", fx.bearer},
			body: map[string]any{"email": "selma@example.com\r\nBcc: x@evil.example"}, want: 400},
	}
	var cases []hostileCase
	for _, c := range list {
		cases = append(cases, hostileCase{badCase: c, check: noInjection})
	}
	return cases
}

// rawRequest writes req on a fresh connection and reads the status line
// and headers of the answer, for requests Go's client refuses to send.
func rawRequest(t *testing.T, s *testServer, req string) *http.Response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(s.url, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	resp.Body.Close()
	return resp
}

// protocolCases are requests malformed at the HTTP level. Go's server
// answers them itself, before any handler of Roster's runs, in plain text
// (there is no hook to make that JSON): the test asserts the status, that
// nothing was injected, and that the store is unchanged.
func (fx *hostileFixture) protocolCases() []struct {
	name, req string
	want      int
} {
	key := fx.s.adminKey
	big := strings.Repeat("h", 70<<10)
	return []struct {
		name, req string
		want      int
	}{
		{"a CR inside a header value is 400", "GET /users HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key + "\rSet-Cookie: evil=1\r\n\r\n", 400},
		{"a NUL inside a header value is 400", "GET /users HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key + "\x00\r\n\r\n", 400},
		{"a header line without a colon is 400", "GET /users HTTP/1.1\r\nHost: x\r\nX-API-Key " + key + "\r\n\r\n", 400},
		{"a header over 64 KiB is 431", "GET /users HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key + "\r\nX-Big: " + big + "\r\n\r\n", 431},
		{"a 1 MB query string is 431", "GET /users?contains=" + strings.Repeat("q", 1<<20) + " HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key + "\r\n\r\n", 431},
		{"a space inside the request target is 400", "GET /users?contains=a b HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key + "\r\n\r\n", 400},
		{"two Content-Length headers that disagree is 400", "POST /users HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400},
	}
}

func TestHostileInput(t *testing.T) {
	s := startServer(t)
	fx := newHostileFixture(t, s)
	st := s.store()
	mailsBefore := len(s.smtp.Messages())

	var cases []hostileCase
	cases = append(cases, fx.bodyCases(t)...)
	cases = append(cases, fx.pathCases()...)
	cases = append(cases, fx.queryCases()...)
	cases = append(cases, fx.literalCases()...)
	cases = append(cases, fx.methodCases()...)
	cases = append(cases, fx.oauthCases()...)
	cases = append(cases, fx.headerCases()...)

	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two cases are named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			ts := s.aamWith(t)
			before := ts.snapshot(st)
			r := ts.do(tc.method, tc.path, tc.key, tc.body, tc.header...)
			if r.status != tc.want {
				t.Errorf("%s %.120q answered %d, want %d; body %.300s", tc.method, tc.path, r.status, tc.want, r.body)
			}
			if after := ts.snapshot(st); after != before {
				t.Errorf("the store changed: %s", badFirstDiff(before, after))
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			if r.status >= 400 && tc.path != "/oauth/token" {
				r.message(t)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}

	protocol := fx.protocolCases()
	for _, pc := range protocol {
		t.Run("raw HTTP: "+pc.name, func(t *testing.T) {
			before := s.snapshot(st)
			resp := rawRequest(t, s, pc.req)
			if resp.StatusCode != pc.want {
				t.Errorf("answered %d, want %d", resp.StatusCode, pc.want)
			}
			if resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("a header was injected: %v", resp.Header)
			}
			if after := s.snapshot(st); after != before {
				t.Errorf("the store changed: %s", badFirstDiff(before, after))
			}
		})
	}

	// Not one hostile request got as far as sending mail.
	if n := len(s.smtp.Messages()) - mailsBefore; n != 0 {
		t.Errorf("%d mails were sent", n)
	}
	total := len(cases) + len(protocol)
	t.Logf("%d hostile requests sent", total)
	if total < 150 {
		t.Errorf("only %d hostile requests, want at least 150", total)
	}
}
