package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
)

// auth names the credential a scenario's requests carry.
type auth int

const (
	authKey    auth = iota // X-API-Key: the bench's UserModify key
	authBearer             // Authorization: Bearer, the sign-in user's access token
	authNone               // no credential: /oauth/token
)

// scenario is one kind of request the bench drives. Each is written twice,
// once as a wrk Lua fragment and once as Go (next and respond), and the two
// ask for the same things: the Go side also serves to capture the real
// response the bare handler replays.
type scenario struct {
	name        string
	what        string
	write       bool // a write: driven at -write-concurrency, no bare handler
	method      string
	auth        auth
	contentType string
	// lua is a text/template, run on luaData, that completes the prelude
	// of wrk.go by defining request(). When it is empty every request is
	// the same, the one next returns, and wrk sends it as it is.
	lua string
	// next returns the path and body of w's next request; w.n counts the
	// requests w has made, this one included.
	next func(p *plan, w *worker) (path, body string)
	// respond, if set, sees every 2xx body (paging follows "next").
	respond func(w *worker, body []byte)
}

// worker is one load generator's state: a wrk thread (all its
// connections) or one Go worker (one connection).
type worker struct {
	id, workers int
	n           int64 // requests made so far
	rng         *rand.Rand
	cursor      string // paging: the next page's cursor, "" for the first page
	pages       int    // paging: pages read on this walk
}

// newWorker returns worker id of n, with a random stream of its own.
func newWorker(id, n int) *worker {
	return &worker{id: id, workers: n, rng: rand.New(rand.NewPCG(uint64(id)+1, 0x5eed))}
}

// pagingDepth is how many pages one walk follows before starting over.
const pagingDepth = 10

// listPath is a page of the largest size Panther allows.
const listPath = "/users?limit=60"

// scenarios are every scenario, in the order they run: reads first, while
// the seeded data is as seeded, then the writes, delete last but one, and
// sign-in last.
var scenarios = []*scenario{
	{
		name: "get-panther", what: "GET /users/{id}, random seeded id, X-API-Key",
		method: "GET", auth: authKey,
		lua: `function request()
  return wrk.format(nil, "/users/" .. (FIRST + math.random(0, USERS - 1)))
end`,
		next: func(p *plan, w *worker) (string, string) {
			return "/users/" + strconv.FormatInt(p.randomID(w), 10), ""
		},
	},
	{
		name: "get-aam", what: "GET /api/v1/users/{id}, random seeded id, bearer token",
		method: "GET", auth: authBearer,
		lua: `function request()
  return wrk.format(nil, "/api/v1/users/" .. (FIRST + math.random(0, USERS - 1)))
end`,
		next: func(p *plan, w *worker) (string, string) {
			return "/api/v1/users/" + strconv.FormatInt(p.randomID(w), 10), ""
		},
	},
	{
		name: "list", what: "GET /users?limit=60, no filter",
		method: "GET", auth: authKey,
		next: func(*plan, *worker) (string, string) { return listPath, "" },
	},
	{
		name: "contains", what: "GET /users?limit=60&contains=…, a fragment ~2% of users match",
		method: "GET", auth: authKey,
		next: func(p *plan, _ *worker) (string, string) {
			return listPath + "&contains=" + p.Fragment, ""
		},
	},
	{
		name: "contains-none", what: "GET /users?limit=60&contains=…, a fragment no user matches",
		method: "GET", auth: authKey,
		next: func(p *plan, _ *worker) (string, string) {
			return listPath + "&contains=" + p.NoneFragment, ""
		},
	},
	{
		name: "email", what: "GET /users?email=…, random seeded user",
		method: "GET", auth: authKey,
		lua: `function request()
  local i = math.random(1, USERS)
  return wrk.format(nil, "/users?email=user" .. i .. "@" .. DOMAINS[i % #DOMAINS + 1])
end`,
		next: func(p *plan, w *worker) (string, string) {
			return "/users?email=" + seedEmail(1+w.rng.IntN(p.Users)), ""
		},
	},
	{
		name: "paging", what: "GET /users?limit=60, then 9 more pages by following next",
		method: "GET", auth: authKey,
		// A wrk thread's connections share one Lua state, so the walk is
		// per thread: every request carries a real cursor of this query,
		// but consecutive pages of one walk may go out on different
		// connections. Keyset pages cost the same at any depth.
		lua: `local cursor, pages = nil, 0
function request()
  if cursor then
    return wrk.format(nil, "` + listPath + `&cursor=" .. cursor)
  end
  return wrk.format(nil, "` + listPath + `")
end
function response(status, headers, body)
  if status ~= 200 then return end
  pages = pages + 1
  if pages >= ` + strconv.Itoa(pagingDepth) + ` then
    cursor, pages = nil, 0
    return
  end
  cursor = string.match(body, '"next":"([^"]+)"')
end`,
		next: func(_ *plan, w *worker) (string, string) {
			if w.cursor != "" {
				return listPath + "&cursor=" + w.cursor, ""
			}
			return listPath, ""
		},
		respond: followNext,
	},
	{
		name: "create", what: "POST /users, a new user with a unique e-mail (invited: log mail)",
		method: "POST", auth: authKey, contentType: "application/json", write: true,
		lua: `function request()
  n = n + 1
  return wrk.format(nil, "/users", nil, string.format(
    '{"email":"new%d-%d@bench.example","givenName":"Bench","familyName":"Created","role":{"name":"Analyst"}}', tid, n))
end`,
		next: func(_ *plan, w *worker) (string, string) {
			return "/users", fmt.Sprintf(
				`{"email":"new%d-%d@bench.example","givenName":"Bench","familyName":"Created","role":{"name":"Analyst"}}`, w.id, w.n)
		},
	},
	{
		name: "update", what: "POST /users/{id}, a random seeded analyst renamed, e-mail and role kept",
		method: "POST", auth: authKey, contentType: "application/json", write: true,
		lua: `function request()
  n = n + 1
  local i = math.random({{.UpdateLo}}, {{.UpdateHi}})
  return wrk.format(nil, "/users/" .. (FIRST + i - 1), nil, string.format(
    '{"email":"user%d@%s","givenName":"Renamed%d","familyName":"Updated","role":{"name":"Analyst"}}',
    i, DOMAINS[i % #DOMAINS + 1], n))
end`,
		next: func(p *plan, w *worker) (string, string) {
			i := p.UpdateLo + w.rng.IntN(p.UpdateHi-p.UpdateLo+1)
			return "/users/" + strconv.FormatInt(p.userID(i), 10), fmt.Sprintf(
				`{"email":"%s","givenName":"Renamed%d","familyName":"Updated","role":{"name":"Analyst"}}`, seedEmail(i), w.n)
		},
	},
	{
		name: "delete", what: "DELETE /users/{id}: users the create scenario made, then seeded ones from the top",
		method: "DELETE", auth: authKey, write: true,
		// Worker t of T deletes the t-th, (t+T)-th, … id of the pool, so
		// that no two workers ask for the same id. Past the pool's end it
		// asks for /users/0, a counted error.
		lua: `local k = 0
function request()
  local idx = tid + THREADS * k
  k = k + 1
  local id
  if idx < {{.Delete.N1}} then
    id = {{.Delete.Lo1}} + idx
  else
    id = {{.Delete.Hi2}} - (idx - {{.Delete.N1}})
  end
  if id < {{.Delete.Lo2}} then id = 0 end
  return wrk.format(nil, "/users/" .. id)
end`,
		next: func(p *plan, w *worker) (string, string) {
			idx := int64(w.id) + int64(w.workers)*(w.n-1)
			return "/users/" + strconv.FormatInt(p.Delete.id(idx), 10), ""
		},
	},
	{
		name: "signin", what: "POST /oauth/token, password grant of the one user with an argon2id password",
		method: "POST", auth: authNone, contentType: "application/x-www-form-urlencoded", write: true,
		next: func(p *plan, _ *worker) (string, string) { return "/oauth/token", p.SignInBody },
	},
}

// followNext keeps the cursor of a page's "next" for the following request,
// and starts over from the first page after pagingDepth pages or at the end.
func followNext(w *worker, body []byte) {
	w.pages++
	if w.pages >= pagingDepth {
		w.cursor, w.pages = "", 0
		return
	}
	w.cursor = nextCursor(body)
	if w.cursor == "" {
		w.pages = 0
	}
}

// nextCursor returns the value of "next" in a list body, or "".
func nextCursor(body []byte) string {
	const key = `"next":"`
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return ""
	}
	rest := body[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// plan is what the scenarios need to know about the seeded database and
// the credentials; it is also the data of the Lua templates.
type plan struct {
	Key, Token   string
	FirstID      int64 // the id of seeded user 1; user i has FirstID+i-1
	Users        int
	Domains      []string
	Fragment     string // matches about 2% of the seeded users
	NoneFragment string // matches none
	// UpdateLo..UpdateHi are the seeded users (by number) update renames:
	// analysts only, below the ones delete may take.
	UpdateLo, UpdateHi int
	Delete             deletePool
	SignInBody         string // the form body of a successful sign-in
}

// newPlan returns the plan for n seeded users from firstID.
func newPlan(key string, firstID int64, n int) *plan {
	return &plan{
		Key: key, FirstID: firstID, Users: n, Domains: domains,
		Fragment: containsFragment, NoneFragment: noneFragment,
		UpdateLo: min(seedAdmins+1, n), UpdateHi: max(min(seedAdmins+1, n), n/2),
	}
}

// userID is the id of seeded user i.
func (p *plan) userID(i int) int64 { return p.FirstID + int64(i) - 1 }

// randomID is the id of a random seeded user.
func (p *plan) randomID(w *worker) int64 { return p.userID(1 + w.rng.IntN(p.Users)) }

// signInForm is the form body of a password grant.
func signInForm(login, password string) string {
	return url.Values{"grant_type": {"password"}, "username": {login}, "password": {password}}.Encode()
}

// deletePool is the ids delete may take, in the order it takes them: N1
// ids from Lo1 up (the users the create scenario made), then from Hi2 down
// to Lo2 (the seeded users above the ones update renames).
type deletePool struct {
	Lo1, N1  int64
	Hi2, Lo2 int64
}

// id is the idx-th id of the pool, or 0 past its end.
func (d deletePool) id(idx int64) int64 {
	if idx < d.N1 {
		return d.Lo1 + idx
	}
	id := d.Hi2 - (idx - d.N1)
	if id < d.Lo2 {
		return 0
	}
	return id
}

// size is how many ids the pool holds.
func (d deletePool) size() int64 { return d.N1 + max(0, d.Hi2-d.Lo2+1) }

// selectScenarios returns the scenarios a -scenarios list names, in run
// order; "" or "all" names every one.
func selectScenarios(list string) ([]*scenario, error) {
	if list == "" || list == "all" {
		return scenarios, nil
	}
	want := map[string]bool{}
	for _, name := range splitList(list) {
		if findScenario(name) == nil {
			return nil, fmt.Errorf("-scenarios: unknown scenario %q (known: %s)", name, scenarioNames())
		}
		want[name] = true
	}
	var out []*scenario
	for _, sc := range scenarios {
		if want[sc.name] {
			out = append(out, sc)
		}
	}
	return out, nil
}

// findScenario returns the scenario called name, or nil.
func findScenario(name string) *scenario {
	for _, sc := range scenarios {
		if sc.name == name {
			return sc
		}
	}
	return nil
}

// scenarioNames lists every scenario's name, comma-separated.
func scenarioNames() string {
	var b bytes.Buffer
	for i, sc := range scenarios {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(sc.name)
	}
	return b.String()
}
