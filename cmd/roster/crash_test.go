package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/store/postgres/pgtest"
)

// The crash test runs the real binary under a load of creates, updates and
// deletes from several clients, kills it with SIGKILL at a random moment,
// and checks the database against what the clients were told: every write
// answered 2xx is there, a write cut off by the kill is wholly applied or
// wholly absent, and the database passes its integrity checks. Then it
// starts the binary again on the same database, checks the same through
// HTTP, and loads it again: crashCycles times per engine.
//
// Each client owns the users it creates, so every user's history is one
// sequence of requests, of which at most the last is unanswered. That makes
// the expected state exact, with no guessing at interleavings.

const (
	crashCycles  = 20
	crashClients = 4
	// The kill comes at a random moment in this range after the load starts.
	crashMinDelay = 50 * time.Millisecond
	crashMaxDelay = 400 * time.Millisecond
	// crashSeedEnv replays a failed run's kill delays and requests.
	crashSeedEnv = "ROSTER_CRASH_SEED"
)

func TestCrash_AcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	engines := []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "roster.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.NewDatabase(t) }},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			runCrashCycles(t, e.db(t))
		})
	}
}

// runCrashCycles loads, kills, checks and restarts Roster on db.
func runCrashCycles(t *testing.T, db string) {
	seed := crashSeed(t)
	t.Logf("seed %d (replay with %s=%d)", seed, crashSeedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	start := time.Now()

	rig := &crashRig{t: t, db: db, key: cliKey(t, db)}
	for n := range crashClients {
		rig.clients = append(rig.clients, newCrashClient(n))
	}
	for cycle := range crashCycles {
		p := startProcess(t, db)
		if cycle > 0 {
			rig.checkHTTP(p.url) // what the last crash left, as clients see it
		}
		delay := crashMinDelay + time.Duration(rng.Int64N(int64(crashMaxDelay-crashMinDelay)))
		rig.load(p, rng.Uint64(), delay)
		rig.stats.crashes++
		rig.checkStore()
		if t.Failed() {
			t.Fatalf("cycle %d (kill after %v) broke durability; seed %d", cycle, delay, seed)
		}
	}
	rig.checkHTTP(startProcess(t, db).url)

	s := rig.stats
	t.Logf("%d crashes in %v: %d acknowledged writes checked (%d creates, %d updates, %d deletes); "+
		"%d unacknowledged writes found whole, %d absent (%d of them sent after the kill); %d users at the end",
		s.crashes, time.Since(start).Round(time.Millisecond), s.acked(), s.ackedCreates, s.ackedUpdates, s.ackedDeletes,
		s.unackedWhole, s.unackedAbsent, s.refused, rig.liveUsers())
	if s.crashes < crashCycles {
		t.Errorf("%d crashes, want at least %d", s.crashes, crashCycles)
	}
	if s.acked() < crashCycles {
		t.Errorf("only %d acknowledged writes in %d cycles: the test proves little", s.acked(), s.crashes)
	}
	if s.ackedUpdates == 0 || s.ackedDeletes == 0 {
		t.Errorf("acknowledged updates %d, deletes %d: each kind must be exercised", s.ackedUpdates, s.ackedDeletes)
	}
}

// crashSeed is the replayed seed from the environment, or a new one.
func crashSeed(t *testing.T) uint64 {
	v := os.Getenv(crashSeedEnv)
	if v == "" {
		return uint64(time.Now().UnixNano())
	}
	seed, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", crashSeedEnv, v, err)
	}
	return seed
}

// crashRig is one engine's run: the database, the clients and what they
// have been told, and the figures.
type crashRig struct {
	t       *testing.T
	db      string
	key     string
	clients []*crashClient
	stats   crashStats
}

// crashStats are the run's figures.
type crashStats struct {
	crashes                                  int
	ackedCreates, ackedUpdates, ackedDeletes int
	unackedWhole, unackedAbsent              int
	// refused counts the absent ones that never reached the server: sent
	// after it died, their connection was refused.
	refused int
}

func (s crashStats) acked() int { return s.ackedCreates + s.ackedUpdates + s.ackedDeletes }

func (r *crashRig) liveUsers() int {
	n := 0
	for _, c := range r.clients {
		n += len(c.live)
	}
	return n
}

// load runs every client against p until p is killed, delay after the
// start, and waits for them all to notice.
func (r *crashRig) load(p *process, seed uint64, delay time.Duration) {
	hc := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: crashClients},
	}
	defer hc.CloseIdleConnections()
	// The delay counts from the first acknowledged write, so that a slow
	// start (a busy machine, new database connections) cannot use it up
	// and every kill lands in the middle of writes.
	var (
		wg       sync.WaitGroup
		ackOnce  sync.Once
		firstAck = make(chan struct{})
	)
	acked := func() { ackOnce.Do(func() { close(firstAck) }) }
	for _, c := range r.clients {
		c.rng = rand.New(rand.NewPCG(seed, uint64(c.n)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(hc, p.url, r.key, acked)
		}()
	}
	select {
	case <-firstAck:
	case <-time.After(20 * time.Second):
		r.t.Errorf("no write acknowledged within 20s\n%s", p.stderr)
	}
	time.Sleep(delay)
	p.kill9(r.t)
	wg.Wait()
}

// crashOpKind is what a request does.
type crashOpKind string

const (
	opCreate crashOpKind = "create"
	opUpdate crashOpKind = "update"
	opDelete crashOpKind = "delete"
)

// crashOp is one write request and what became of it.
type crashOp struct {
	kind    crashOpKind
	dialect string // "panther" or "aam"
	// before is the user as it was (update, delete); after as the request
	// makes it (create, update). A create's id is learnt from its answer.
	before, after crashUser
	// status is the answer's status; 0 when none came (the kill).
	status int
	err    error
}

// crashUser is the state of one user that the test checks. Every write
// sets given and family name to one fresh token, and most set the e-mail
// (and with it the username), title, phone or role alongside, so a write
// applied in part shows.
type crashUser struct {
	id                  int64
	email, username     string
	given, family, role string
	title, phone        *string
}

// String is the user's checked fields, one comparable line.
func (u crashUser) String() string {
	return fmt.Sprintf("id=%d email=%s username=%s given=%s family=%s role=%s title=%s phone=%s",
		u.id, u.email, u.username, u.given, u.family, u.role, strOrNil(u.title), strOrNil(u.phone))
}

func strOrNil(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return strconv.Quote(*s)
}

// crashClient is one client: the users it owns and this cycle's requests.
type crashClient struct {
	n   int
	rng *rand.Rand
	// live is the client's users that exist, as acknowledged; order keeps
	// their ids in a slice so that a seeded pick is reproducible.
	live  map[int64]crashUser
	order []int64
	// ops are this cycle's requests; the last may be unanswered.
	ops []crashOp
	// deleted holds this cycle's deleted users, whose tokens must find nobody.
	deleted []crashUser
}

func newCrashClient(n int) *crashClient {
	return &crashClient{n: n, live: map[int64]crashUser{}}
}

// run sends requests until one gets no answer: the server is dead. It
// calls acked after each acknowledged write.
func (c *crashClient) run(hc *http.Client, url, key string, acked func()) {
	c.ops, c.deleted = c.ops[:0], c.deleted[:0]
	for {
		op := c.next()
		body, err := c.send(hc, url, key, &op)
		if err != nil {
			op.err = err
			c.ops = append(c.ops, op)
			return
		}
		if op.status/100 == 2 {
			c.applyAcked(&op, body)
			acked()
		}
		c.ops = append(c.ops, op)
	}
}

// next picks the next request: a create, or an update or delete of one of
// the client's users, in either dialect.
func (c *crashClient) next() crashOp {
	op := crashOp{dialect: "panther"}
	if c.rng.IntN(2) == 0 {
		op.dialect = "aam"
	}
	r := c.rng.Float64()
	if len(c.order) == 0 || r < 0.35 {
		op.kind = opCreate
		op.after = c.newUser(op.dialect)
		return op
	}
	op.before = c.live[c.order[c.rng.IntN(len(c.order))]]
	if r < 0.75 {
		op.kind, op.after = opUpdate, c.updated(op.before, op.dialect)
		return op
	}
	op.kind = opDelete
	return op
}

// token is a fresh lower-case word that no other user's text contains.
func (c *crashClient) token() string {
	b := make([]byte, 12)
	for i := range b {
		b[i] = byte('a' + c.rng.IntN(26))
	}
	return string(b)
}

func (c *crashClient) newUser(dialect string) crashUser {
	tok := c.token()
	email := tok + "@crash.example"
	u := crashUser{email: email, username: email, given: tok, family: tok, role: "Analyst"}
	if dialect == "aam" {
		u.title, u.phone = ptr("title "+tok), ptr("+1 "+tok)
	}
	return u
}

// updated is u after an update in the dialect: Panther's sends all four
// fields (a new e-mail moves the username with it, and the role flips);
// Audience Manager's sets the names, title and phone.
func (c *crashClient) updated(u crashUser, dialect string) crashUser {
	tok := c.token()
	u.given, u.family = tok, tok
	if dialect == "panther" {
		u.email = tok + "@crash.example"
		u.username = u.email
		u.role = map[string]string{"Analyst": "AnalystReadOnly", "AnalystReadOnly": "Analyst"}[u.role]
		return u
	}
	u.title, u.phone = ptr("title "+tok), ptr("+1 "+tok)
	return u
}

func ptr(s string) *string { return &s }

// send makes op's request and returns the answer's body; an error means no
// answer came.
func (c *crashClient) send(hc *http.Client, url, key string, op *crashOp) ([]byte, error) {
	method, path, body := op.request()
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-API-Key", key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		// Headers came but the body was cut: the status alone does not
		// prove the server finished, so count it as unanswered.
		return nil, err
	}
	op.status = resp.StatusCode
	return b, nil
}

// request is op as an HTTP method, path and JSON body.
func (op crashOp) request() (method, path string, body any) {
	id := strconv.FormatInt(op.before.id, 10)
	u := op.after
	switch {
	case op.dialect == "panther" && op.kind == opCreate:
		return "POST", "/users", newUser(u.email, u.given, u.family, u.role)
	case op.dialect == "panther" && op.kind == opUpdate:
		return "POST", "/users/" + id, newUser(u.email, u.given, u.family, u.role)
	case op.dialect == "panther":
		return "DELETE", "/users/" + id, nil
	case op.kind == opCreate:
		return "POST", "/api/v1/users/", map[string]any{"email": u.email, "firstName": u.given, "lastName": u.family,
			"title": u.title, "phoneNumber": u.phone, "isAdmin": false}
	case op.kind == opUpdate:
		return "PUT", "/api/v1/users/" + id, map[string]any{"firstName": u.given, "lastName": u.family,
			"title": u.title, "phoneNumber": u.phone}
	}
	return "DELETE", "/api/v1/users/" + id, nil
}

// applyAcked records an acknowledged write in the client's users.
func (c *crashClient) applyAcked(op *crashOp, body []byte) {
	switch op.kind {
	case opCreate:
		var created struct {
			ID     string `json:"id"`     // Panther
			UserID int64  `json:"userId"` // Audience Manager
		}
		if err := json.Unmarshal(body, &created); err != nil {
			op.err = fmt.Errorf("create answered %d with %q: %w", op.status, body, err)
			return
		}
		op.after.id = created.UserID
		if op.dialect == "panther" {
			op.after.id, _ = strconv.ParseInt(created.ID, 10, 64)
		}
		c.put(op.after)
	case opUpdate:
		op.after.id = op.before.id
		c.put(op.after)
	case opDelete:
		c.remove(op.before)
	}
}

// put records u as existing.
func (c *crashClient) put(u crashUser) {
	if _, ok := c.live[u.id]; !ok {
		c.order = append(c.order, u.id)
	}
	c.live[u.id] = u
}

// remove records u as deleted.
func (c *crashClient) remove(u crashUser) {
	delete(c.live, u.id)
	for i, id := range c.order {
		if id == u.id {
			c.order[i] = c.order[len(c.order)-1]
			c.order = c.order[:len(c.order)-1]
			break
		}
	}
	c.deleted = append(c.deleted, u)
}
