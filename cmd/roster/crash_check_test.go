package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for the integrity queries

	"github.com/roster-dev/roster/internal/apidoc/apidoctest"
	"github.com/roster-dev/roster/internal/roster"
)

// What the crash test checks after each kill, from the clients' records:
// first through the store, with the process dead, then through HTTP once
// the next process serves.

// searchChecksPerClient bounds the token searches per client and cycle to
// its last requests, those nearest the kill; the SQL checks of the search
// columns and the index cover every row.
const searchChecksPerClient = 25

// checkStore resolves the requests the kill cut off, then compares the
// whole database with the clients' users and runs the integrity checks.
func (r *crashRig) checkStore() {
	ctx := context.Background()
	if isPostgres(r.db) {
		r.waitForOrphanedBackends(ctx)
	}
	st, err := openStore(ctx, r.db)
	if err != nil {
		r.t.Fatalf("reopening the database after the kill: %v", err)
	}
	defer st.Close()
	for _, c := range r.clients {
		r.resolve(ctx, st, c)
	}
	users, err := st.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{IncludeInactive: true})
	if err != nil {
		r.t.Fatal(err)
	}
	got := map[int64]crashUser{}
	for _, u := range users {
		got[u.ID] = crashUserOf(u)
	}
	r.compare("store", got)
	for _, c := range r.clients {
		r.checkSearch(ctx, st, c)
	}
	r.checkIntegrity(ctx)
}

func crashUserOf(u roster.User) crashUser {
	return crashUser{id: u.ID, email: u.Email, username: u.Username, given: u.GivenName, family: u.FamilyName,
		role: u.Role.Name, title: u.Title, phone: u.Phone}
}

// resolve counts c's answered requests and decides from the store what
// became of the unanswered one: it must be wholly applied or wholly absent.
func (r *crashRig) resolve(ctx context.Context, st roster.Store, c *crashClient) {
	for i := range c.ops {
		op := &c.ops[i]
		switch {
		case op.status/100 == 2 && op.err != nil:
			r.t.Errorf("client %d: %s %s: %v", c.n, op.dialect, op.kind, op.err)
		case op.status/100 == 2:
			r.stats.count(op.kind)
		case op.status != 0:
			// Every request the load sends is valid: a refusal is a bug.
			r.t.Errorf("client %d: %s %s of %v answered %d", c.n, op.dialect, op.kind, op.before, op.status)
		case i != len(c.ops)-1:
			r.t.Errorf("client %d: request %d unanswered but not the last: %v", c.n, i, op.err)
		default:
			r.resolveUnanswered(ctx, st, c, op)
		}
	}
}

// resolveUnanswered looks at the user an unanswered write touched and
// records which whole state it is in; anything else is a torn write.
func (r *crashRig) resolveUnanswered(ctx context.Context, st roster.Store, c *crashClient, op *crashOp) {
	var (
		u   roster.User
		err error
	)
	if op.kind == opCreate {
		u, err = st.UserByEmail(ctx, roster.DefaultPartnerID, op.after.email)
		op.after.id = u.ID
	} else {
		u, err = st.User(ctx, roster.DefaultPartnerID, op.before.id)
		op.after.id = op.before.id
	}
	gone := roster.ErrorCode(err) == roster.ENotFound
	if err != nil && !gone {
		r.t.Fatal(err)
	}
	got := crashUserOf(u).String()
	before, after := op.before.String(), op.after.String()
	var applied bool
	switch {
	case op.kind == opCreate && gone, op.kind != opCreate && !gone && got == before:
		applied = false
	case op.kind != opDelete && !gone && got == after, op.kind == opDelete && gone:
		applied = true
	default:
		r.t.Errorf("client %d: unanswered %s %s is half-there:\n before %v\n after  %v\n stored %v (gone: %v)",
			c.n, op.dialect, op.kind, op.before, op.after, got, gone)
		return
	}
	if !applied {
		r.stats.unackedAbsent++
		if errors.Is(op.err, syscall.ECONNREFUSED) {
			r.stats.refused++
		}
		return
	}
	r.stats.unackedWhole++
	if op.kind == opDelete {
		c.remove(op.before)
	} else {
		c.put(op.after)
	}
}

func (s *crashStats) count(k crashOpKind) {
	switch k {
	case opCreate:
		s.ackedCreates++
	case opUpdate:
		s.ackedUpdates++
	case opDelete:
		s.ackedDeletes++
	}
}

// compare fails the test unless got holds exactly the clients' users.
func (r *crashRig) compare(where string, got map[int64]crashUser) {
	var problems []string
	want := map[int64]crashUser{}
	for _, c := range r.clients {
		for id, u := range c.live {
			want[id] = u
		}
	}
	for id, w := range want {
		g, ok := got[id]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("lost: %v", w))
		case g.String() != w.String():
			problems = append(problems, fmt.Sprintf("differs:\n  want %v\n  got  %v", w, g))
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			problems = append(problems, fmt.Sprintf("present but never acknowledged, or deleted: %v", g))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		r.t.Errorf("%s: %d of %d users wrong, e.g.\n%s", where, len(problems), len(want), strings.Join(problems[:min(10, len(problems))], "\n"))
	}
}

// checkSearch searches for the tokens of c's last requests: a user's
// current token finds exactly that user, an overwritten or deleted one
// finds nobody. It is the search index agreeing with the users table.
func (r *crashRig) checkSearch(ctx context.Context, st roster.Store, c *crashClient) {
	ops := c.ops[max(0, len(c.ops)-searchChecksPerClient):]
	current := map[string]int64{} // a user's text holds its latest token and its e-mail's
	for _, u := range c.live {
		current[u.given] = u.id
		current[strings.TrimSuffix(u.email, "@crash.example")] = u.id
	}
	tokens := map[string]bool{}
	for _, op := range ops {
		for _, tok := range []string{op.before.given, op.after.given} {
			tokens[tok] = tok != ""
		}
	}
	for tok, ok := range tokens {
		if !ok {
			continue
		}
		found, err := st.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{Contains: tok, IncludeInactive: true})
		if err != nil {
			r.t.Fatal(err)
		}
		var want []int64
		if id, ok := current[tok]; ok {
			want = []int64{id}
		}
		if ids := userIDs(found); !slices.Equal(ids, want) {
			r.t.Errorf("client %d: search %q finds %v, want %v", c.n, tok, ids, want)
		}
	}
}

func userIDs(us []roster.User) []int64 {
	var ids []int64
	for _, u := range us {
		ids = append(ids, u.ID)
	}
	return ids
}

// checkHTTP reads every user through both dialects of a fresh process and
// compares them with the clients' users.
func (r *crashRig) checkHTTP(base string) {
	got := map[int64]crashUser{}
	cursor := ""
	for {
		var page struct {
			Results []apiUser `json:"results"`
			Next    string    `json:"next"`
		}
		r.getJSON(base, "/users?limit=60&cursor="+url.QueryEscape(cursor), &page)
		for _, u := range page.Results {
			var id int64
			fmt.Sscan(u.ID, &id)
			got[id] = crashUser{id: id, email: u.Email, given: u.GivenName, family: u.FamilyName, role: u.Role.Name}
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	var all []struct {
		UserID              int64 `json:"userId"`
		Username, Email     string
		FirstName, LastName string
		Title               *string `json:"title"`
		PhoneNumber         *string `json:"phoneNumber"`
	}
	r.getJSON(base, "/api/v1/users/", &all)
	if len(all) != len(got) {
		r.t.Errorf("HTTP: Panther lists %d users, Audience Manager %d", len(got), len(all))
	}
	for _, a := range all {
		u := got[a.UserID]
		if a.Email != u.email || a.FirstName != u.given || a.LastName != u.family {
			r.t.Errorf("HTTP: user %d is %s %s <%s> in Audience Manager's dialect, %s %s <%s> in Panther's",
				a.UserID, a.FirstName, a.LastName, a.Email, u.given, u.family, u.email)
		}
		u.username, u.title, u.phone = a.Username, a.Title, a.PhoneNumber
		got[a.UserID] = u
	}
	r.compare("HTTP after restart", got)
}

// getJSON GETs a path with the rig's key, checks the answer against our
// OpenAPI document and decodes it.
func (r *crashRig) getJSON(base, path string, v any) {
	r.t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("X-API-Key", r.key)
	hc := &http.Client{Timeout: 20 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		r.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	apidoctest.Check(r.t, req, resp, b)
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		r.t.Fatalf("GET %s: %v", path, err)
	}
}
