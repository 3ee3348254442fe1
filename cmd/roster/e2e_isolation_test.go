package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestIsolation_AnotherPartnerCanNeitherSeeNorChangeAnything walks every
// endpoint of both dialects with the credentials of partner 2 — an admin
// API key and an admin user's bearer token — aimed at partner 1's users,
// roles and groups. Each answer must be a 4xx or show only partner 2's own
// data, and partner 1 must be exactly as it was.
func TestIsolation_AnotherPartnerCanNeitherSeeNorChangeAnything(t *testing.T) {
	s := startServer(t)
	// Partner 1: an admin, an analyst in a group, a custom role.
	s.createUser("boss@one.example", "Boss", "One", "Admin")
	victim := s.createUser("victim@one.example", "Vic", "Tim", "Analyst")
	r := s.do("POST", "/api/v1/groups/", s.adminKey, map[string]any{"name": "Secret Group", "users": []string{}})
	wantStatus(t, r, http.StatusCreated)
	var group struct {
		GroupID int64 `json:"groupId"`
	}
	r.json(t, &group)
	r = s.do("POST", "/roles", s.adminKey, map[string]any{"name": "SecretRole", "permissions": []string{"UserRead"}})
	wantStatus(t, r, http.StatusOK)
	var role struct{ ID string }
	r.json(t, &role)
	st := s.store()
	before := s.partnerSnapshot(st, 1)

	// Partner 2: an admin key, and an admin user signed in with a token.
	pid := s.createPartner("Other")
	key := s.createKey("other-admin", "UserRead,UserModify", pid)
	r = s.do("POST", "/api/v1/users/", key, map[string]any{
		"email": "admin@two.example", "firstName": "Ad", "lastName": "Min", "isAdmin": true, "password": "Tw0-Partner&Pass",
	})
	wantStatus(t, r, http.StatusCreated)
	token := s.isolationSignIn("admin@two.example", "Tw0-Partner&Pass")

	uid, gid := victim.ID, fmt.Sprint(group.GroupID)
	user := newUser("victim@one.example", "Hacked", "Hacked", "Admin")
	aamUser := map[string]any{"firstName": "Hacked", "status": "INACTIVE", "isAdmin": true}
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/users/" + uid, nil},
		{"POST", "/users/" + uid, user},
		{"DELETE", "/users/" + uid, nil},
		{"GET", "/users?email=victim@one.example", nil},
		{"GET", "/users?ids=" + uid, nil},
		{"GET", "/users?contains=victim", nil},
		{"GET", "/roles/" + role.ID, nil},
		{"POST", "/roles/" + role.ID, map[string]any{"name": "Mine", "permissions": []string{}}},
		{"DELETE", "/roles/" + role.ID, nil},
		{"GET", "/roles?ids=" + role.ID, nil},
		{"GET", "/roles?name=SecretRole", nil},
		{"POST", "/users", map[string]any{"email": "x@two.example", "givenName": "X", "familyName": "Y", "role": map[string]string{"id": role.ID}}},
		{"GET", "/api/v1/users/" + uid, nil},
		{"PUT", "/api/v1/users/" + uid, aamUser},
		{"DELETE", "/api/v1/users/" + uid, nil},
		{"POST", "/api/v1/users/bulk-delete", []string{uid}},
		{"GET", "/api/v1/users/", nil},
		{"GET", "/api/v1/users/?page=0&search=victim", nil},
		{"GET", "/api/v1/users/?groupId=" + gid, nil},
		{"POST", "/api/v1/users/", map[string]any{"email": "y@two.example", "firstName": "Y", "lastName": "Z", "groups": []int64{group.GroupID}}},
		{"GET", "/api/v1/groups/" + gid, nil},
		{"PUT", "/api/v1/groups/" + gid, map[string]any{"name": "Mine", "users": []string{uid}}},
		{"DELETE", "/api/v1/groups/" + gid, nil},
		{"DELETE", "/api/v1/groups/bulk-delete", []string{gid}},
		{"GET", "/api/v1/groups/", nil},
		{"GET", "/api/v1/groups/?page=0", nil},
		{"POST", "/api/v1/groups/", map[string]any{"name": "Theirs", "users": []string{uid}}},
	} {
		for _, cred := range []struct {
			name    string
			key     string
			headers []string
		}{
			{"key", key, nil},
			{"token", "", []string{"Authorization", "Bearer " + token}},
		} {
			if cred.name == "token" && !strings.HasPrefix(c.path, "/api/") {
				continue // the Panther dialect takes API keys only
			}
			t.Run(cred.name+" "+c.method+" "+c.path, func(t *testing.T) {
				r := s.do(c.method, c.path, cred.key, c.body, cred.headers...)
				body := string(r.body)
				if r.status < 300 && (strings.Contains(body, "one.example") || strings.Contains(body, "Secret")) {
					t.Errorf("%d answer shows partner 1's data: %s", r.status, body)
				}
				if r.status < 300 && c.method != "GET" && !strings.Contains(c.path, "?") && c.method != "POST" {
					t.Errorf("%s %s changed something: %d %s", c.method, c.path, r.status, body)
				}
			})
		}
	}
	if after := s.partnerSnapshot(st, 1); after != before {
		t.Errorf("partner 1 changed:\nbefore %s\nafter  %s", before, after)
	}
}

// isolationSignIn signs in with the password grant and returns the access token.
func (s *testServer) isolationSignIn(login, pw string) string {
	s.t.Helper()
	form := url.Values{"grant_type": {"password"}, "username": {login}, "password": {pw}}.Encode()
	r := s.do("POST", "/oauth/token", "", form, "Content-Type", "application/x-www-form-urlencoded")
	wantStatus(s.t, r, http.StatusOK)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	r.json(s.t, &tok)
	return tok.AccessToken
}
