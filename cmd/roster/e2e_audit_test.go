package main

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// auditEvent is an audit log entry as a client reads it, from the API or
// from roster audit --json.
type auditEvent struct {
	EventID    int64    `json:"eventId"`
	PID        int64    `json:"pid"`
	Time       string   `json:"time"`
	ActorType  string   `json:"actorType"`
	ActorID    *int64   `json:"actorId"`
	Action     string   `json:"action"`
	TargetType string   `json:"targetType"`
	TargetID   int64    `json:"targetId"`
	Changes    []string `json:"changes"`
}

// brief is "action actor target" with the actor as type:id (id 0 for none).
func (e auditEvent) brief() string {
	var id int64
	if e.ActorID != nil {
		id = *e.ActorID
	}
	return fmt.Sprintf("%s %s:%d %s:%d", e.Action, e.ActorType, id, e.TargetType, e.TargetID)
}

type auditPage struct {
	Events []auditEvent `json:"events"`
	Next   *string      `json:"next"`
}

// audit reads one page of the log with the query and a credential: an API
// key, or "Bearer …".
func (s *testServer) audit(path, query, cred string) (response, auditPage) {
	s.t.Helper()
	var r response
	if token, ok := strings.CutPrefix(cred, "Bearer "); ok {
		r = s.do("GET", path+"?"+query, "", nil, "Authorization", "Bearer "+token)
	} else {
		r = s.do("GET", path+"?"+query, cred, nil)
	}
	var p auditPage
	if r.status == http.StatusOK {
		r.json(s.t, &p)
	}
	return r, p
}

// briefs reads every page of the log with the query and returns the events.
func (s *testServer) auditAll(t *testing.T, query string) []string {
	t.Helper()
	r, p := s.audit("/api/v1/audit", query, s.adminKey)
	wantStatus(t, r, http.StatusOK)
	var out []string
	for _, e := range p.Events {
		out = append(out, e.brief())
	}
	if p.Next != nil {
		t.Fatalf("query %q needs more than one page", query)
	}
	return out
}

func TestAudit_ChangesThroughBothDialectsAreReadBackWithEveryFilter(t *testing.T) {
	s := startServer(t)
	// Through Panther, with the admin key (id 1): create and rename Ann.
	ann := s.createUser("ann@example.com", "Ann", "Lee", "Analyst")
	body := newUser("ann@example.com", "Annie", "Lee", "Analyst")
	wantStatus(t, s.do("POST", "/users/"+ann.ID, s.adminKey, body), http.StatusOK)

	// Through Audience Manager: an admin and an analyst with passwords.
	const adminPw, analystPw = "Adm1n&Passw0rd!", "Rev1ewer&Passw0rd!"
	var boss, analyst struct {
		UserID int64 `json:"userId"`
	}
	r := s.do("POST", "/api/v1/users/", s.adminKey, map[string]any{
		"email": "boss@example.com", "firstName": "Bo", "lastName": "Ss", "isAdmin": true, "password": adminPw})
	wantStatus(t, r, http.StatusCreated)
	r.json(t, &boss)
	r = s.do("POST", "/api/v1/users", s.adminKey, map[string]any{
		"email": "ana@example.com", "firstName": "An", "lastName": "Alyst", "password": analystPw})
	wantStatus(t, r, http.StatusCreated)
	r.json(t, &analyst)
	bossToken := "Bearer " + s.isolationSignIn("boss@example.com", adminPw)
	analystToken := "Bearer " + s.isolationSignIn("ana@example.com", analystPw)

	// The admin, signed in, locks Ann and makes a group; a stranger fails
	// to sign in as the admin; the key deletes Ann.
	wantStatus(t, s.do("PUT", "/v1/users/"+ann.ID, "", map[string]any{"status": "LOCKED"}, "Authorization", bossToken), http.StatusOK)
	r = s.do("POST", "/api/v1/groups", "", map[string]any{"name": "Ops", "users": []int64{boss.UserID}}, "Authorization", bossToken)
	wantStatus(t, r, http.StatusCreated)
	var group struct {
		GroupID int64 `json:"groupId"`
	}
	r.json(t, &group)
	form := url.Values{"grant_type": {"password"}, "username": {"boss@example.com"}, "password": {"Wrong&Guess123"}}.Encode()
	wantStatus(t, s.do("POST", "/oauth/token", "", form, "Content-Type", "application/x-www-form-urlencoded"), http.StatusBadRequest)
	wantStatus(t, s.do("DELETE", "/api/v1/users/"+ann.ID, s.adminKey, nil), http.StatusNoContent)

	annT, bossT := "user:"+ann.ID, fmt.Sprintf("user:%d", boss.UserID)
	all := s.auditAll(t, "")
	want := []string{
		"apikey.create system:0 apikey:1", "apikey.create system:0 apikey:2",
		"user.create key:1 " + annT, "user.update key:1 " + annT,
		"user.create key:1 " + bossT, fmt.Sprintf("user.create key:1 user:%d", analyst.UserID),
		fmt.Sprintf("user.lock user:%d %s", boss.UserID, annT),
		fmt.Sprintf("group.create user:%d group:%d", boss.UserID, group.GroupID),
		"user.signin_failure anonymous:0 " + bossT,
		"user.delete key:1 " + annT,
	}
	if !slices.Equal(all, want) {
		t.Fatalf("the whole log:\n  %s\nwant\n  %s", strings.Join(all, "\n  "), strings.Join(want, "\n  "))
	}

	// Each filter keeps exactly its events.
	for _, tc := range []struct {
		query string
		want  []int // indexes into want
	}{
		{"targetType=user&targetId=" + ann.ID, []int{2, 3, 6, 9}},
		{"targetType=group", []int{7}},
		{fmt.Sprintf("actorType=user&actorId=%d", boss.UserID), []int{6, 7}},
		{"actorType=anonymous", []int{8}},
		{"actorType=system", []int{0, 1}},
		{"actorType=key&actorId=2", nil},
	} {
		var w []string
		for _, i := range tc.want {
			w = append(w, want[i])
		}
		if got := s.auditAll(t, tc.query); !slices.Equal(got, w) {
			t.Errorf("%s: %v, want %v", tc.query, got, w)
		}
	}

	// Without targetType, an id matches targets of every kind.
	var sameID []string
	for _, e := range want {
		if strings.HasSuffix(e, ":"+ann.ID) {
			sameID = append(sameID, e)
		}
	}
	if got := s.auditAll(t, "targetId="+ann.ID); !slices.Equal(got, sameID) || len(got) <= 4 {
		t.Errorf("targetId=%s: %v, want %v", ann.ID, got, sameID)
	}

	// since and until split the log at an event's time.
	_, page := s.audit("/api/v1/audit", "actorType=anonymous", s.adminKey)
	at := url.QueryEscape(page.Events[0].Time)
	if got := s.auditAll(t, "since="+at); len(got) == 0 || got[0] != want[8] {
		t.Errorf("since the failure: %v, want it first", got)
	}
	if got := s.auditAll(t, "until="+at); slices.Contains(got, want[8]) || len(got) < 8 {
		t.Errorf("until the failure: %v, want the events before it", got)
	}

	// Paging: two at a time through the /v1 and trailing-slash spellings,
	// with the reading key, gives back the whole log in order.
	var paged []string
	query := "limit=2"
	for i := 0; ; i++ {
		path := []string{"/api/v1/audit", "/v1/audit", "/v1/audit/"}[i%3]
		r, p := s.audit(path, query, s.readKey)
		wantStatus(t, r, http.StatusOK)
		if len(p.Events) > 2 {
			t.Fatalf("page of %d events with limit 2", len(p.Events))
		}
		for _, e := range p.Events {
			paged = append(paged, e.brief())
		}
		if p.Next == nil {
			break
		}
		query = "limit=2&cursor=" + url.QueryEscape(*p.Next)
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged log %v, want %v", paged, want)
	}

	// No password, tried or set, appears anywhere in the log.
	r, _ = s.audit("/api/v1/audit", "", s.adminKey)
	for _, secret := range []string{adminPw, analystPw, "Wrong&Guess123", "password\":"} {
		if strings.Contains(string(r.body), secret) {
			t.Errorf("the log shows %q", secret)
		}
	}

	// The admin's token reads the log; the analyst's does not.
	if r, p := s.audit("/api/v1/audit", "", bossToken); r.status != http.StatusOK || len(p.Events) != len(want) {
		t.Errorf("admin user: %d with %d events", r.status, len(p.Events))
	}
	r, _ = s.audit("/api/v1/audit", "", analystToken)
	wantStatus(t, r, http.StatusForbidden)
	r.message(t)

	// Another partner sees only its own creation and key.
	pid := s.createPartner("Other")
	otherKey := s.createKey("other", "UserRead", pid)
	_, p := s.audit("/api/v1/audit", "", otherKey)
	var got []string
	for _, e := range p.Events {
		got = append(got, e.brief())
		if e.PID != pid {
			t.Errorf("partner %d sees an event of partner %d", pid, e.PID)
		}
	}
	if wantOther := []string{fmt.Sprintf("partner.create system:0 partner:%d", pid), "apikey.create system:0 apikey:3"}; !slices.Equal(got, wantOther) {
		t.Errorf("partner %d's log: %v, want %v", pid, got, wantOther)
	}
	if _, p := s.audit("/api/v1/audit", "targetId="+ann.ID, otherKey); len(p.Events) != 0 {
		t.Errorf("partner %d sees %d events of partner 1's user", pid, len(p.Events))
	}
}

func TestAudit_BadQueriesAre400(t *testing.T) {
	s := startServer(t)
	for _, q := range []string{
		"targetType=users", "actorType=admin", "targetId=abc", "targetId=0", "actorId=-1",
		"since=yesterday", "until=2026-01-02", "since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z",
		"limit=0", "limit=1001", "limit=ten", "limit=1&limit=2", "cursor=forged", "%zz",
	} {
		r, _ := s.audit("/api/v1/audit", q, s.adminKey)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400; %s", q, r.status, r.body)
			continue
		}
		r.message(t)
	}
	r, p := s.audit("/api/v1/audit", "limit=1", s.adminKey)
	wantStatus(t, r, http.StatusOK)
	// A cursor is tied to its filters.
	r, _ = s.audit("/api/v1/audit", "limit=1&actorType=system&cursor="+url.QueryEscape(*p.Next), s.adminKey)
	wantStatus(t, r, http.StatusBadRequest)
	r, _ = s.audit("/api/v1/audit", "", "")
	wantStatus(t, r, http.StatusUnauthorized)
}
