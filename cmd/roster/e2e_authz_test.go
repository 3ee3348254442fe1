package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/metrics"
	"github.com/roster-dev/roster/internal/service"
)

// The authorization matrix (issue 6): every route the server registers,
// under every alias the mux has for it, called by every kind of caller,
// each cell a real request with the exact status expected. The routes come
// from the mux itself (newRouter), so a route added without a rule here,
// or a rule left for a route that is gone, fails
// TestAuthz_EveryRouteHasARuleAndEveryRuleARoute.

// caller is a kind of caller: what credentials a request carries.
type caller int

const (
	anonymous       caller = iota // no credentials at all
	badKey                        // X-API-Key: rst_bogus
	badBearer                     // Authorization: Bearer with a malformed token
	readKey                       // a partner 1 key with UserRead
	modifyKey                     // a partner 1 key with UserRead and UserModify
	otherPartnerKey               // a partner 2 key with UserRead and UserModify
	adminToken                    // a partner 1 admin user's access token
	userToken                     // a partner 1 Analyst's access token
	expiredToken                  // an access token the server issued more than an hour ago
	revokedToken                  // an access token its user's password change revoked
	lockedToken                   // the token of a user an admin then set LOCKED
	nCallers
)

var callerNames = [nCallers]string{
	"none", "badKey", "badBearer", "readKey", "modifyKey", "otherPartnerKey",
	"adminToken", "userToken", "expiredToken", "revokedToken", "lockedToken",
}

// statuses is the status each kind of caller gets, in the order of the
// callers above.
type statuses [nCallers]int

// The policies: who may call a route, as the README and DECISIONS.md
// describe it. Panther's dialect takes API keys only, by method (GET needs
// UserRead, POST and DELETE UserModify); Audience Manager's takes keys and
// tokens, lets partner admins (admin users, UserModify keys) call
// everything, UserRead keys read, and other signed-in users only the
// /users/self endpoints, which keys cannot call (a key has no self).
// Another partner's ids are 404; its collections are its own.
var (
	// caller:               none key  bear read mod  oth  adm  user exp  rev  lock
	public        = statuses{200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}
	pantherRead   = statuses{401, 401, 401, 200, 200, 404, 401, 401, 401, 401, 401}
	pantherList   = statuses{401, 401, 401, 200, 200, 200, 401, 401, 401, 401, 401}
	pantherCreate = statuses{401, 401, 401, 403, 200, 200, 401, 401, 401, 401, 401}
	pantherChange = statuses{401, 401, 401, 403, 200, 404, 401, 401, 401, 401, 401}
	aamRead       = statuses{401, 401, 401, 200, 200, 404, 200, 403, 401, 401, 401}
	aamList       = statuses{401, 401, 401, 200, 200, 200, 200, 403, 401, 401, 401}
	aamCreate     = statuses{401, 401, 401, 403, 201, 201, 201, 403, 401, 401, 401}
	aamUpdate     = statuses{401, 401, 401, 403, 200, 404, 200, 403, 401, 401, 401}
	aamDelete     = statuses{401, 401, 401, 403, 204, 404, 204, 403, 401, 401, 401}
	aamSelf       = statuses{401, 401, 401, 403, 403, 403, 200, 200, 401, 401, 401}
)

// policyNames lists the policies for the message that asks for a rule.
const policyNames = "public, pantherRead, pantherList, pantherCreate, pantherChange, aamRead, aamList, aamCreate, aamUpdate, aamDelete, aamSelf"

// authzRule is what the matrix knows of one route: who may call it, and
// how to build a request that succeeds for a caller who may, so that a
// refusal is about authorization and never about validation.
type authzRule struct {
	want statuses
	// request builds the request; one that changes or deletes something
	// creates its own target, so that cells do not interfere.
	request func(s *testServer, f *authzFixture) authzRequest
	// endsSessions marks a route that ends every session of its caller:
	// the admin and user callers get a user signed in for that cell alone.
	endsSessions bool
}

// authzRequest is a request for one cell.
type authzRequest struct {
	ids         map[string]string // the values of the pattern's wildcards
	body        any
	contentType string // when not JSON
}

// noRequest is a request with nothing to add to the route's path.
func noRequest(*testServer, *authzFixture) authzRequest { return authzRequest{} }

// authzRules maps every route, in its canonical form (see canonicalRoute),
// to its rule.
var authzRules = map[string]authzRule{
	"GET /healthz":      {public, noRequest, false},
	"GET /openapi.json": {public, noRequest, false},
	// The operator's routes: probes, metrics and the rendered API docs are
	// public on the API port (--metrics-addr moves /metrics off it).
	"GET /readyz":                   {public, noRequest, false},
	"GET /metrics":                  {public, noRequest, false},
	"GET /docs":                     {public, noRequest, false},
	"GET /docs/redoc.standalone.js": {public, noRequest, false},
	"POST /oauth/token":             {public, signInRequest, false},

	"POST /users": {pantherCreate, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{body: newUser(f.email(), "Cell", "Caller", "Analyst")}
	}, false},
	"GET /users": {pantherList, noRequest, false},
	"GET /users/{id}": {pantherRead, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{ids: map[string]string{"id": f.pantherUser.ID}}
	}, false},
	"POST /users/{id}": {pantherChange, func(s *testServer, f *authzFixture) authzRequest {
		u := f.freshPantherUser(s)
		return authzRequest{ids: map[string]string{"id": u.ID}, body: newUser(u.Email, "Renamed", "Caller", "Analyst")}
	}, false},
	"DELETE /users/{id}": {pantherChange, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{ids: map[string]string{"id": f.freshPantherUser(s).ID}}
	}, false},
	"POST /roles": {pantherCreate, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{body: map[string]any{"name": f.name("role"), "permissions": []string{"UserRead"}}}
	}, false},
	"GET /roles": {pantherList, noRequest, false},
	"GET /roles/{id}": {pantherRead, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{ids: map[string]string{"id": f.roleID}}
	}, false},
	"POST /roles/{id}": {pantherChange, func(s *testServer, f *authzFixture) authzRequest {
		id := f.freshRole(s)
		return authzRequest{ids: map[string]string{"id": id}, body: map[string]any{"name": f.name("renamed"), "permissions": []string{"UserRead"}}}
	}, false},
	"DELETE /roles/{id}": {pantherChange, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{ids: map[string]string{"id": f.freshRole(s)}}
	}, false},

	"POST /api/v1/users": {aamCreate, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{body: aamNewUser(f.email(), "Cell", "Caller")}
	}, false},
	"GET /api/v1/users": {aamList, noRequest, false},
	"POST /api/v1/users/bulk-delete": {aamDelete, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{body: []int64{f.freshAAMUser(s)}}
	}, false},
	"GET /api/v1/users/{userId}": {aamRead, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{ids: map[string]string{"userId": fmt.Sprint(f.aamUser)}}
	}, false},
	"PUT /api/v1/users/{userId}": {aamUpdate, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{ids: map[string]string{"userId": fmt.Sprint(f.freshAAMUser(s))}, body: map[string]any{"firstName": "Renamed"}}
	}, false},
	"DELETE /api/v1/users/{userId}": {aamDelete, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{ids: map[string]string{"userId": fmt.Sprint(f.freshAAMUser(s))}}
	}, false},

	"GET /api/v1/users/self":        {aamSelf, noRequest, false},
	"PUT /api/v1/users/self/update": {aamSelf, selfUpdateRequest, false},
	"PUT /api/v1/self/update":       {aamSelf, selfUpdateRequest, false},
	"POST /api/v1/users/self/update-password": {aamSelf, func(*testServer, *authzFixture) authzRequest {
		return authzRequest{body: map[string]string{"oldPassword": goodPassword, "newPassword": otherPassword}}
	}, true},
	"POST /api/v1/users/self/reset-password": {aamSelf, noRequest, true},
	"POST /api/v1/self/reset-password":       {aamSelf, noRequest, true},

	"POST /api/v1/groups": {aamCreate, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{body: map[string]any{"name": f.name("group")}}
	}, false},
	"GET /api/v1/groups": {aamList, noRequest, false},
	"GET /api/v1/audit":  {aamList, noRequest, false},
	"DELETE /api/v1/groups/bulk-delete": {aamDelete, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{body: []int64{f.freshGroup(s)}}
	}, false},
	"GET /api/v1/groups/{groupId}": {aamRead, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{ids: map[string]string{"groupId": fmt.Sprint(f.groupID)}}
	}, false},
	"PUT /api/v1/groups/{groupId}": {aamUpdate, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{ids: map[string]string{"groupId": fmt.Sprint(f.freshGroup(s))}, body: map[string]any{"name": f.name("renamed")}}
	}, false},
	"DELETE /api/v1/groups/{groupId}": {aamDelete, func(s *testServer, f *authzFixture) authzRequest {
		return authzRequest{ids: map[string]string{"groupId": fmt.Sprint(f.freshGroup(s))}}
	}, false},
}

// signInRequest is a password grant that succeeds: /oauth/token is public
// and ignores whatever other credentials come with it.
func signInRequest(*testServer, *authzFixture) authzRequest {
	form := url.Values{"grant_type": {"password"}, "username": {"ivy"}, "password": {goodPassword}}
	return authzRequest{body: form.Encode(), contentType: formType}
}

// selfUpdateRequest changes a field every user may change on themselves,
// to the same value each time.
func selfUpdateRequest(*testServer, *authzFixture) authzRequest {
	return authzRequest{body: map[string]any{"title": "Matrix tester"}}
}

// wantCells is how many cells the matrix checks: every registered pattern
// (85: Panther's 10, Audience Manager's 18 under /api/v1 and /v1, each with
// and without a trailing slash, /oauth/token, /healthz and /openapi.json)
// times every kind of caller (11).
const wantCells = 1023

// canonicalRoute is the rule key of a registered pattern: Audience
// Manager's /v1 alias is written under /api/v1, and the trailing-slash
// variant (/{$}) as the route without it.
func canonicalRoute(pattern string) string {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return pattern // a pattern for every method is its own key
	}
	path = strings.TrimSuffix(path, "/{$}")
	if rest, ok := strings.CutPrefix(path, "/v1/"); ok {
		path = "/api/v1/" + rest
	}
	return method + " " + path
}

// routes is every pattern the server registers, from the same function
// that builds the server's handler. Mounting only registers handlers, so a
// service with no store is enough to list them.
func routes() []string {
	log := slog.New(slog.DiscardHandler)
	return newRouter(service.New(service.Config{Log: log}), nil, metrics.New(), log, defaultServeConfig()).Routes()
}

// ruleProblems says which routes have no rule and which rules no route.
func ruleProblems() []string {
	var problems []string
	aliases := map[string][]string{}
	var order []string
	for _, p := range routes() {
		key := canonicalRoute(p)
		if _, seen := aliases[key]; !seen {
			order = append(order, key)
		}
		aliases[key] = append(aliases[key], p)
	}
	for _, key := range order {
		if _, ok := authzRules[key]; !ok {
			problems = append(problems, fmt.Sprintf(
				"route %q (registered as %q) has no authorization rule: add\n\t%q: {<policy>, <request builder>, <endsSessions>},\n"+
					"to authzRules in cmd/roster/e2e_authz_test.go, with the policy one of %s (or a new statuses row), "+
					"and add %d to wantCells", key, aliases[key], key, policyNames, len(aliases[key])*int(nCallers)))
		}
	}
	for key := range authzRules {
		if _, ok := aliases[key]; !ok {
			problems = append(problems, fmt.Sprintf("authzRules has a rule for %q, but no route registers it: remove the rule (and its cells from wantCells)", key))
		}
	}
	slices.Sort(problems)
	return problems
}

func TestAuthz_EveryRouteHasARuleAndEveryRuleARoute(t *testing.T) {
	for _, p := range ruleProblems() {
		t.Error(p)
	}
}

func TestAuthz_CanonicalRouteFoldsAliasesOntoOneRule(t *testing.T) {
	for _, tc := range []struct{ pattern, want string }{
		{"GET /users/{id}", "GET /users/{id}"},
		{"GET /api/v1/users/{userId}", "GET /api/v1/users/{userId}"},
		{"GET /api/v1/users/{userId}/{$}", "GET /api/v1/users/{userId}"},
		{"GET /v1/users/{userId}", "GET /api/v1/users/{userId}"},
		{"PUT /v1/self/update/{$}", "PUT /api/v1/self/update"},
		{"GET /v1", "GET /v1"},
		{"/debug/", "/debug/"},
	} {
		if got := canonicalRoute(tc.pattern); got != tc.want {
			t.Errorf("canonicalRoute(%q) = %q, want %q", tc.pattern, got, tc.want)
		}
	}
}

func TestAuthz_EveryRouteAnswersEveryKindOfCallerAsItsRuleSays(t *testing.T) {
	if problems := ruleProblems(); len(problems) > 0 {
		t.Fatalf("the matrix does not match the routes:\n%s", strings.Join(problems, "\n"))
	}
	clock := &testClock{}
	// Every cell comes from one address and signs its users in: the sign-in
	// rate limits (tested in e2e_limits_test.go) would refuse the later ones.
	s := startServer(t, withoutSMTP(), withClock(clock), withSigninLimits(0, 1, 0, 1))
	f := newAuthzFixture(t, s, clock)
	st := s.store()
	start := time.Now()
	cells := 0
	for _, pattern := range routes() {
		rule := authzRules[canonicalRoute(pattern)]
		for c := range nCallers {
			cells++
			t.Run(pattern+"/"+callerNames[c], func(t *testing.T) {
				cs := s.aamWith(t)
				want := rule.want[c]
				req := f.prepare(cs, pattern, rule, c)
				// A refused write must change nothing. Snapshots are
				// costly, so reads skip them, and so do aliases, which
				// share their canonical route's handler.
				check := want >= 400 && req.method != http.MethodGet && canonicalRoute(pattern) == pattern
				var before string
				if check {
					before = cs.snapshot(st)
				}
				r := cs.do(req.method, req.path, req.key, req.body, req.headers...)
				if r.status != want {
					t.Errorf("%s as %s: status %d, want %d; body %s", pattern, callerNames[c], r.status, want, r.body)
				}
				if check {
					if after := cs.snapshot(st); after != before {
						t.Errorf("%s as %s was refused but changed the data:\nbefore %s\nafter  %s", pattern, callerNames[c], before, after)
					}
				}
			})
		}
	}
	t.Logf("%d cells (%d routes × %d callers) in %v", cells, cells/int(nCallers), nCallers, time.Since(start).Round(time.Millisecond))
	if cells != wantCells {
		t.Errorf("the matrix checked %d cells, want %d: if routes were added or removed on purpose, set wantCells to %d", cells, wantCells, cells)
	}
}

// authzFixture is what the cells share: the callers' credentials and the
// partner 1 objects that reads name.
type authzFixture struct {
	readKey, modifyKey, otherKey          string
	admin, user, expired, revoked, locked string // access tokens
	pantherUser                           apiUser
	aamUser                               int64
	roleID                                string
	groupID                               int64
	seq                                   atomic.Int64 // numbers fresh names
}

// newAuthzFixture creates the callers and the shared targets once.
func newAuthzFixture(t *testing.T, s *testServer, clock *testClock) *authzFixture {
	t.Helper()
	f := &authzFixture{
		readKey:   s.readKey,
		modifyKey: s.adminKey,
		otherKey:  s.createKey("other", "UserRead,UserModify", s.createPartner("Other")),
	}
	addUser(t, s, "ivy", false) // signs in at /oauth/token
	f.admin = signIn(t, s, addUser(t, s, "ada", true).Username, goodPassword).AccessToken
	f.user = signIn(t, s, addUser(t, s, "bob", false).Username, goodPassword).AccessToken

	// Expired: issued two hours ago by the server's own clock, so an hour
	// past its TTL; it worked then.
	addUser(t, s, "eve", false)
	clock.set(-2 * time.Hour)
	f.expired = signIn(t, s, "eve", goodPassword).AccessToken
	wantStatus(t, s.asUser("GET", "/api/v1/users/self", f.expired, nil), http.StatusOK)
	clock.set(0)

	// Revoked: a working token whose user then changed the password.
	addUser(t, s, "rex", false)
	f.revoked = signIn(t, s, "rex", goodPassword).AccessToken
	wantStatus(t, s.asUser("GET", "/api/v1/users/self", f.revoked, nil), http.StatusOK)
	wantStatus(t, s.asUser("POST", "/api/v1/users/self/update-password", f.revoked,
		map[string]string{"oldPassword": goodPassword, "newPassword": otherPassword}), http.StatusOK)

	// Locked: a working token whose user an admin then set LOCKED.
	lou := addUser(t, s, "lou", false)
	f.locked = signIn(t, s, "lou", goodPassword).AccessToken
	wantStatus(t, s.asUser("GET", "/api/v1/users/self", f.locked, nil), http.StatusOK)
	setStatus(t, s, lou.UserID, "LOCKED")

	f.pantherUser = s.createUser("target@example.com", "Tara", "Target", "Analyst")
	f.aamUser, _ = strconv.ParseInt(f.pantherUser.ID, 10, 64)
	f.roleID = f.freshRole(s)
	f.groupID = f.freshGroup(s)
	return f
}

// cellRequest is one cell's request, ready for testServer.do.
type cellRequest struct {
	method, path, key string
	body              any
	headers           []string
}

// prepare builds the cell's request, creating what it needs first: the
// route's own pattern with the rule's ids, the rule's body, and the
// caller's credentials.
func (f *authzFixture) prepare(s *testServer, pattern string, rule authzRule, c caller) cellRequest {
	s.t.Helper()
	ar := rule.request(s, f)
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = http.MethodGet, pattern
	}
	path = strings.ReplaceAll(path, "{$}", "")
	for name, v := range ar.ids {
		path = strings.ReplaceAll(path, "{"+name+"}", v)
	}
	if strings.Contains(path, "{") {
		s.t.Fatalf("the rule for %s leaves a wildcard unset in %s", pattern, path)
	}
	key, headers := f.credentials(s, c, rule.endsSessions)
	if ar.contentType != "" {
		headers = append(headers, "Content-Type", ar.contentType)
	}
	return cellRequest{method: method, path: path, key: key, body: ar.body, headers: headers}
}

// credentials returns the X-API-Key and other headers of a caller.
func (f *authzFixture) credentials(s *testServer, c caller, endsSessions bool) (key string, headers []string) {
	bearer := func(token string) []string { return []string{"Authorization", "Bearer " + token} }
	switch c {
	case badKey:
		return "rst_bogus", nil
	case badBearer:
		return "", bearer("not a token")
	case readKey:
		return f.readKey, nil
	case modifyKey:
		return f.modifyKey, nil
	case otherPartnerKey:
		return f.otherKey, nil
	case adminToken, userToken:
		token := f.admin
		if c == userToken {
			token = f.user
		}
		if endsSessions {
			token = f.freshSession(s, c == adminToken)
		}
		return "", bearer(token)
	case expiredToken:
		return "", bearer(f.expired)
	case revokedToken:
		return "", bearer(f.revoked)
	case lockedToken:
		return "", bearer(f.locked)
	}
	return "", nil
}

// name returns a fresh name with the prefix.
func (f *authzFixture) name(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, f.seq.Add(1))
}

// email returns a fresh e-mail address.
func (f *authzFixture) email() string { return f.name("cell") + "@example.com" }

// freshPantherUser creates an Analyst of partner 1 through Panther's dialect.
func (f *authzFixture) freshPantherUser(s *testServer) apiUser {
	return s.createUser(f.email(), "Fresh", "Target", "Analyst")
}

// freshAAMUser creates an Analyst of partner 1 through Audience Manager's
// dialect and returns the id.
func (f *authzFixture) freshAAMUser(s *testServer) int64 {
	return s.aamCreateUser(aamNewUser(f.email(), "Fresh", "Target")).UserID
}

// freshRole creates a role of partner 1 and returns its id.
func (f *authzFixture) freshRole(s *testServer) string {
	s.t.Helper()
	r := s.do("POST", "/roles", s.adminKey, map[string]any{"name": f.name("role"), "permissions": []string{"UserRead"}})
	wantStatus(s.t, r, http.StatusOK)
	var role struct {
		ID string `json:"id"`
	}
	r.json(s.t, &role)
	return role.ID
}

// freshGroup creates a group of partner 1 and returns its id.
func (f *authzFixture) freshGroup(s *testServer) int64 {
	s.t.Helper()
	r := s.do("POST", "/api/v1/groups/", s.adminKey, map[string]any{"name": f.name("group")})
	wantStatus(s.t, r, http.StatusCreated)
	var g struct {
		GroupID int64 `json:"groupId"`
	}
	r.json(s.t, &g)
	return g.GroupID
}

// freshSession creates a user of partner 1 with goodPassword, an admin or
// not, signs them in and returns the access token.
func (f *authzFixture) freshSession(s *testServer, admin bool) string {
	return signIn(s.t, s, addUser(s.t, s, f.name("cell"), admin).Username, goodPassword).AccessToken
}

// testClock is the wall clock moved by an offset a test sets, for a
// server that must see time pass (withClock).
type testClock struct{ offset atomic.Int64 }

// now is the clock's time.
func (c *testClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// set moves the clock to the wall clock plus d.
func (c *testClock) set(d time.Duration) { c.offset.Store(int64(d)) }

// withClock runs the server's rules on c's time.
func withClock(c *testClock) serverOption { return func(s *setup) { s.cfg.now = c.now } }
