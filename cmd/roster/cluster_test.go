package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/store/postgres/pgtest"
)

// A cluster is two Roster processes on one PostgreSQL database, as behind
// a load balancer. These tests fire at both at once and check that the
// database, not either process, decides every race, and that nothing one
// node needs lives in the other's memory.
type cluster struct {
	t     *testing.T
	nodes []*process
	key   string
	http  *http.Client
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	db := pgtest.NewDatabase(t)
	c := &cluster{t: t, http: &http.Client{Timeout: 20 * time.Second}}
	var wg sync.WaitGroup
	c.nodes = make([]*process, 2)
	for i := range c.nodes {
		wg.Add(1)
		go func() { defer wg.Done(); c.nodes[i] = startProcess(t, db) }() // both migrate at once
	}
	wg.Wait()
	c.key = cliKey(t, db)
	return c
}

// send makes one request to node n and returns status and body. Auth is
// the cluster's API key unless headers give an Authorization.
func (c *cluster) send(n int, method, path string, body any, headers ...string) (int, []byte) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.nodes[n].url+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", c.key)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Errorf("%s %s on node %d: %v", method, path, n, err)
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		c.t.Errorf("%s %s on node %d: %d %s", method, path, n, resp.StatusCode, b)
	}
	return resp.StatusCode, b
}

func (c *cluster) createAAM(n int, body map[string]any) int64 {
	c.t.Helper()
	st, b := c.send(n, "POST", "/api/v1/users/", body)
	if st != http.StatusCreated {
		c.t.Fatalf("create: %d %s", st, b)
	}
	var u struct {
		UserID int64 `json:"userId"`
	}
	json.Unmarshal(b, &u)
	return u.UserID
}

func TestCluster_OneOfAHundredConcurrentCreatesOfAnEmailWins(t *testing.T) {
	c := startCluster(t)
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var st int
			if i%2 == 0 { // Panther on node 0, Audience Manager on node 1
				st, _ = c.send(0, "POST", "/users", newUser("race@example.com", "Race", fmt.Sprint(i), "Analyst"))
			} else {
				st, _ = c.send(1, "POST", "/api/v1/users/", map[string]any{"email": "race@example.com", "firstName": "Race", "lastName": fmt.Sprint(i)})
			}
			mu.Lock()
			statuses[st]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	won := statuses[http.StatusOK] + statuses[http.StatusCreated]
	if won != 1 || won+statuses[http.StatusBadRequest]+statuses[http.StatusConflict] != 100 {
		t.Errorf("statuses %v: want exactly one success and 99 conflicts (400 Panther, 409 Audience Manager)", statuses)
	}
}

func TestCluster_ConcurrentUpdatesLeaveOneWholeWrite(t *testing.T) {
	c := startCluster(t)
	id := c.createAAM(0, map[string]any{"email": "upd@example.com", "firstName": "F0", "lastName": "L0", "title": "T0"})
	var wg sync.WaitGroup
	for i := 1; i <= 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.send(i%2, "PUT", fmt.Sprintf("/api/v1/users/%d", id), map[string]any{
				"firstName": fmt.Sprint("F", i), "lastName": fmt.Sprint("L", i), "title": fmt.Sprint("T", i)})
		}()
	}
	wg.Wait()
	_, b := c.send(1, "GET", fmt.Sprintf("/api/v1/users/%d", id), nil)
	var u struct{ FirstName, LastName, Title string }
	json.Unmarshal(b, &u)
	n := strings.TrimPrefix(u.FirstName, "F")
	if u.LastName != "L"+n || u.Title != "T"+n || n == "0" {
		t.Errorf("final state %+v mixes writes or lost them all", u)
	}
}

func TestCluster_ConcurrentDemotionsKeepAnAdmin(t *testing.T) {
	c := startCluster(t)
	for round := range 8 {
		a := c.createAAM(0, map[string]any{"email": fmt.Sprintf("a%d@example.com", round), "firstName": "A", "lastName": "A", "isAdmin": true})
		b := c.createAAM(1, map[string]any{"email": fmt.Sprintf("b%d@example.com", round), "firstName": "B", "lastName": "B", "isAdmin": true})
		// Only a and b are admins now: earlier rounds' survivor is demoted
		// first through the rule itself, so each round starts with two.
		if round > 0 {
			c.demoteAllBut(a, b)
		}
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for n, id := range []int64{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[n], _ = c.send(n, "PUT", fmt.Sprintf("/api/v1/users/%d", id), map[string]any{"isAdmin": false})
			}()
		}
		wg.Wait()
		if admins := c.activeAdmins(); admins < 1 {
			t.Fatalf("round %d: demotions answered %v and left %d admins", round, codes, admins)
		}
		if codes[0] == http.StatusOK && codes[1] == http.StatusOK {
			t.Fatalf("round %d: both demotions succeeded", round)
		}
	}
}

// demoteAllBut demotes every admin except keep.
func (c *cluster) demoteAllBut(keep ...int64) {
	_, b := c.send(0, "GET", "/api/v1/users/", nil)
	var users []struct {
		UserID  int64 `json:"userId"`
		IsAdmin bool  `json:"isAdmin"`
	}
	json.Unmarshal(b, &users)
	for _, u := range users {
		if u.IsAdmin && u.UserID != keep[0] && u.UserID != keep[1] {
			if st, b := c.send(0, "PUT", fmt.Sprintf("/api/v1/users/%d", u.UserID), map[string]any{"isAdmin": false}); st != http.StatusOK {
				c.t.Fatalf("demote %d: %d %s", u.UserID, st, b)
			}
		}
	}
}

func (c *cluster) activeAdmins() int {
	_, b := c.send(1, "GET", "/api/v1/users/", nil)
	var users []struct {
		IsAdmin bool   `json:"isAdmin"`
		Status  string `json:"status"`
	}
	json.Unmarshal(b, &users)
	n := 0
	for _, u := range users {
		if u.IsAdmin && u.Status == "ACTIVE" {
			n++
		}
	}
	return n
}

func TestCluster_NothingLivesInOneNodesMemory(t *testing.T) {
	c := startCluster(t)
	const pw = "Cluster-Pass-42!"
	id := c.createAAM(0, map[string]any{"email": "node@example.com", "firstName": "No", "lastName": "De", "password": pw})

	// A token issued by node 0 works on node 1, and a refresh on node 1
	// spends it for node 0 too.
	form := url.Values{"grant_type": {"password"}, "username": {"node@example.com"}, "password": {pw}}.Encode()
	formHdr := []string{"Content-Type", "application/x-www-form-urlencoded"}
	st, b := c.send(0, "POST", "/oauth/token", form, formHdr...)
	if st != http.StatusOK {
		t.Fatalf("sign-in: %d %s", st, b)
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	json.Unmarshal(b, &tok)
	if st, b := c.send(1, "GET", "/api/v1/users/self", nil, "Authorization", "Bearer "+tok.AccessToken); st != http.StatusOK {
		t.Errorf("node 0's token on node 1: %d %s", st, b)
	}
	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}.Encode()
	if st, _ := c.send(1, "POST", "/oauth/token", refresh, formHdr...); st != http.StatusOK {
		t.Errorf("refresh on node 1: %d", st)
	}
	if st, _ := c.send(0, "POST", "/oauth/token", refresh, formHdr...); st != http.StatusBadRequest {
		t.Errorf("the same refresh token again on node 0: %d, want 400", st)
	}

	// Failed sign-ins on both nodes add up to a lockout.
	bad := url.Values{"grant_type": {"password"}, "username": {"node@example.com"}, "password": {"Wrong-Pass-00!"}}.Encode()
	for i := range 5 {
		c.send(i%2, "POST", "/oauth/token", bad, formHdr...)
	}
	_, b = c.send(1, "GET", fmt.Sprintf("/api/v1/users/%d", id), nil)
	if !bytes.Contains(b, []byte(`"status":"LOCKED"`)) {
		t.Errorf("3 failures on node 0 and 2 on node 1 did not lock: %s", b)
	}

	// A cursor from node 0 pages on node 1.
	for i := range 5 {
		c.send(i%2, "POST", "/users", newUser(fmt.Sprintf("p%d@example.com", i), "P", fmt.Sprint(i), "Analyst"))
	}
	_, b = c.send(0, "GET", "/users?limit=2", nil)
	var page struct{ Next string }
	json.Unmarshal(b, &page)
	if st, b := c.send(1, "GET", "/users?limit=2&cursor="+url.QueryEscape(page.Next), nil); st != http.StatusOK || !bytes.Contains(b, []byte("results")) {
		t.Errorf("node 0's cursor on node 1: %d %s", st, b)
	}

	// A token node 1 has just checked dies there within the credential
	// cache's lifetime when node 0 deactivates its user (node 0 at once).
	const spy = "Quiet-Agent-42!"
	spyID := c.createAAM(0, map[string]any{"email": "spy@example.com", "firstName": "S", "lastName": "Py", "password": spy})
	st, b = c.send(0, "POST", "/oauth/token", url.Values{"grant_type": {"password"}, "username": {"spy@example.com"}, "password": {spy}}.Encode(), formHdr...)
	if st != http.StatusOK {
		t.Fatalf("sign-in: %d %s", st, b)
	}
	json.Unmarshal(b, &tok)
	bearer := []string{"Authorization", "Bearer " + tok.AccessToken}
	if st, _ := c.send(1, "GET", "/api/v1/users/self", nil, bearer...); st != http.StatusOK {
		t.Fatalf("the token on node 1: %d", st)
	}
	deactivated := time.Now()
	if st, b := c.send(0, "PUT", fmt.Sprintf("/api/v1/users/%d", spyID), map[string]any{"status": "INACTIVE"}); st != http.StatusOK {
		t.Fatalf("deactivate on node 0: %d %s", st, b)
	}
	if st, _ := c.send(0, "GET", "/api/v1/users/self", nil, bearer...); st != http.StatusUnauthorized {
		t.Errorf("node 0 after its own deactivation: %d, want 401 at once", st)
	}
	for {
		st, _ := c.send(1, "GET", "/api/v1/users/self", nil, bearer...)
		if st == http.StatusUnauthorized {
			break
		}
		if time.Since(deactivated) > defaultAuthCache+time.Second {
			t.Fatalf("node 1 still accepts the token %s after the deactivation (status %d)", time.Since(deactivated), st)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A user deleted on node 0 is gone on node 1 at once.
	victim := c.createAAM(1, map[string]any{"email": "gone@example.com", "firstName": "G", "lastName": "One"})
	if st, _ := c.send(0, "DELETE", fmt.Sprintf("/api/v1/users/%d", victim), nil); st != http.StatusNoContent {
		t.Fatalf("delete: %d", st)
	}
	if st, _ := c.send(1, "GET", fmt.Sprintf("/api/v1/users/%d", victim), nil); st != http.StatusNotFound {
		t.Errorf("deleted on node 0, node 1 answers %d", st)
	}
}
