package main

import (
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"testing"
)

// End-to-end tests of Audience Manager's group methods (/api/v1/groups and
// /v1/groups), over real HTTP with API keys.

// aamGroup is an Audience Manager group as a client reads it.
type aamGroup struct {
	GroupID         int64   `json:"groupId"`
	PID             int64   `json:"pid"`
	Name            string  `json:"name"`
	Description     string  `json:"description"`
	MembershipCount int     `json:"membershipCount"`
	Users           []int64 `json:"users"`
}

// aamGroupPage is the answer of a group list asked for with page.
type aamGroupPage struct {
	Total    int        `json:"total"`
	Page     int        `json:"page"`
	PageSize int        `json:"pageSize"`
	List     []aamGroup `json:"list"`
}

func aamGroupPath(id int64) string { return "/api/v1/groups/" + strconv.FormatInt(id, 10) }

// aamCreateGroup creates a group with the partner 1 admin key and wants 201.
func (s *testServer) aamCreateGroup(body map[string]any) aamGroup {
	s.t.Helper()
	r := s.do("POST", "/api/v1/groups/", s.adminKey, body)
	wantStatus(s.t, r, http.StatusCreated)
	var g aamGroup
	r.json(s.t, &g)
	if g.GroupID < 1 {
		s.t.Fatalf("created group has no groupId: %s", r.body)
	}
	return g
}

// aamGetGroup reads one group with key and wants 200.
func (s *testServer) aamGetGroup(key string, id int64) aamGroup {
	s.t.Helper()
	r := s.do("GET", aamGroupPath(id), key, nil)
	wantStatus(s.t, r, http.StatusOK)
	var g aamGroup
	r.json(s.t, &g)
	return g
}

// aamPutGroup updates one group with the admin key and wants 200.
func (s *testServer) aamPutGroup(id int64, body map[string]any) aamGroup {
	s.t.Helper()
	r := s.do("PUT", aamGroupPath(id), s.adminKey, body)
	wantStatus(s.t, r, http.StatusOK)
	var g aamGroup
	r.json(s.t, &g)
	return g
}

// aamListGroups reads GET /api/v1/groups/?query without page.
func (s *testServer) aamListGroups(key, query string) []aamGroup {
	s.t.Helper()
	r := s.do("GET", "/api/v1/groups/?"+query, key, nil)
	wantStatus(s.t, r, http.StatusOK)
	var gs []aamGroup
	r.json(s.t, &gs)
	if gs == nil {
		s.t.Fatalf("GET /api/v1/groups/?%s is not a JSON array: %s", query, r.body)
	}
	return gs
}

func aamGroupNames(gs []aamGroup) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Name
	}
	return out
}

// aamSorted returns ids in ascending order.
func aamSorted(ids ...int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func TestAAMGroups_CreateAnswersTheGroupObject(t *testing.T) {
	s := startServer(t)
	u1 := s.aamCreateUser(aamNewUser("u1@example.com", "U", "One"))
	u2 := s.aamCreateUser(aamNewUser("u2@example.com", "U", "Two"))

	r := s.do("POST", "/api/v1/groups/", s.adminKey, map[string]any{
		"name": "Analysts", "description": "Read the reports", "users": []int64{u2.UserID, u1.UserID, u2.UserID}})
	wantStatus(t, r, http.StatusCreated)
	var raw map[string]any
	r.json(t, &raw)
	id, ok := raw["groupId"].(float64)
	if !ok || id < 1 || id != math.Trunc(id) {
		t.Errorf("groupId = %#v, want a positive JSON integer", raw["groupId"])
	}
	var g aamGroup
	r.json(t, &g)
	want := aamGroup{GroupID: g.GroupID, PID: 1, Name: "Analysts", Description: "Read the reports",
		MembershipCount: 2, Users: aamSorted(u1.UserID, u2.UserID)}
	g.Users = aamSorted(g.Users...)
	if !reflect.DeepEqual(g, want) {
		t.Errorf("created group = %+v, want %+v", g, want)
	}
	got := s.aamGetGroup(s.readKey, g.GroupID)
	got.Users = aamSorted(got.Users...)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GET after create = %+v, want %+v", got, want)
	}
	for _, u := range []aamUser{u1, u2} {
		if groups := s.aamGetUser(s.readKey, u.UserID).Groups; !slices.Equal(groups, []int64{g.GroupID}) {
			t.Errorf("user %d lists groups %v, want [%d]", u.UserID, groups, g.GroupID)
		}
	}

	// Under /v1, without the slash, and with only a name.
	r = s.do("POST", "/v1/groups", s.adminKey, map[string]any{"name": "Empty"})
	wantStatus(t, r, http.StatusCreated)
	var empty map[string]any
	r.json(t, &empty)
	if empty["membershipCount"] != 0.0 || !reflect.DeepEqual(empty["users"], []any{}) || empty["description"] != "" || empty["pid"] != 1.0 {
		t.Errorf("group with a name alone = %v, want no members, users [] and description \"\"", empty)
	}

	st := s.store()
	before := s.snapshot(st)
	for _, body := range []map[string]any{{}, {"name": ""}, {"name": "   "}, {"description": "no name"}, {"name": 7}} {
		aamWantError(t, s.do("POST", "/api/v1/groups/", s.adminKey, body), http.StatusBadRequest)
	}
	if n := len(s.aamListGroups(s.readKey, "")); n != 2 {
		t.Errorf("%d groups after refused creates, want 2", n)
	}
	if after := s.snapshot(st); after != before {
		t.Errorf("refused creates changed the users:\n%s", badFirstDiff(before, after))
	}
}

func TestAAMGroups_NamesAreUniqueInThePartnerIgnoringCase(t *testing.T) {
	s := startServer(t)
	ops := s.aamCreateGroup(map[string]any{"name": "Ops", "description": "first"})
	dev := s.aamCreateGroup(map[string]any{"name": "Dev"})

	aamWantError(t, s.do("POST", "/api/v1/groups/", s.adminKey, map[string]any{"name": "OPS"}), http.StatusConflict)
	aamWantError(t, s.do("POST", "/api/v1/groups/", s.adminKey, map[string]any{"name": " ops "}), http.StatusConflict)
	aamWantError(t, s.do("PUT", aamGroupPath(dev.GroupID), s.adminKey, map[string]any{"name": "oPs", "description": "x"}), http.StatusConflict)
	if got := aamGroupNames(s.aamListGroups(s.readKey, "")); !slices.Equal(got, []string{"Dev", "Ops"}) {
		t.Errorf("groups after the conflicts: %v, want [Dev Ops]", got)
	}
	if got := s.aamGetGroup(s.readKey, dev.GroupID); got.Description != "" {
		t.Errorf("a refused rename changed the description to %q", got.Description)
	}
	// A group's own name in another case is no conflict.
	if got := s.aamPutGroup(ops.GroupID, map[string]any{"name": "OPS"}); got.Name != "OPS" {
		t.Errorf("renaming Ops to OPS answered %+v", got)
	}
	// Another partner may use the name.
	other := s.createKey("other", "UserRead,UserModify", s.createPartner("Other"))
	wantStatus(t, s.do("POST", "/api/v1/groups/", other, map[string]any{"name": "Ops"}), http.StatusCreated)
}

func TestAAMGroups_UpdateChangesTheFieldsSentAndUsersReplaceTheMembers(t *testing.T) {
	s := startServer(t)
	u1 := s.aamCreateUser(aamNewUser("u1@example.com", "U", "One"))
	u2 := s.aamCreateUser(aamNewUser("u2@example.com", "U", "Two"))
	u3 := s.aamCreateUser(aamNewUser("u3@example.com", "U", "Three"))
	g := s.aamCreateGroup(map[string]any{"name": "Team", "description": "The team", "users": []int64{u1.UserID, u2.UserID}})

	want := g
	for _, step := range []struct {
		name   string
		body   map[string]any
		change func(*aamGroup)
	}{
		{"users replace the members", map[string]any{"users": []int64{u3.UserID}},
			func(w *aamGroup) { w.Users, w.MembershipCount = []int64{u3.UserID}, 1 }},
		{"name and description alone keep the members", map[string]any{"name": "Squad", "description": "Renamed"},
			func(w *aamGroup) { w.Name, w.Description = "Squad", "Renamed" }},
		{"more users", map[string]any{"users": []int64{u3.UserID, u1.UserID, u2.UserID}},
			func(w *aamGroup) { w.Users, w.MembershipCount = aamSorted(u1.UserID, u2.UserID, u3.UserID), 3 }},
		{"an empty description", map[string]any{"description": ""}, func(w *aamGroup) { w.Description = "" }},
		{"no users", map[string]any{"users": []int64{}}, func(w *aamGroup) { w.Users, w.MembershipCount = []int64{}, 0 }},
	} {
		got := s.aamPutGroup(g.GroupID, step.body)
		got.Users = aamSorted(got.Users...)
		step.change(&want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: PUT answered %+v, want %+v", step.name, got, want)
		}
		read := s.aamGetGroup(s.readKey, g.GroupID)
		read.Users = aamSorted(read.Users...)
		if !reflect.DeepEqual(read, want) {
			t.Errorf("%s: GET after PUT = %+v, want %+v", step.name, read, want)
		}
		for _, u := range []aamUser{u1, u2, u3} {
			in := slices.Contains(s.aamGetUser(s.readKey, u.UserID).Groups, g.GroupID)
			if in != slices.Contains(want.Users, u.UserID) {
				t.Errorf("%s: user %d lists the group: %v", step.name, u.UserID, in)
			}
		}
	}

	// Memberships written from the user's side show in the group, and a
	// deleted user leaves it.
	s.aamPutUser(u2.UserID, map[string]any{"groups": []int64{g.GroupID}})
	s.aamPutUser(u3.UserID, map[string]any{"groups": []int64{g.GroupID}})
	if got := s.aamGetGroup(s.readKey, g.GroupID); got.MembershipCount != 2 || !slices.Equal(aamSorted(got.Users...), aamSorted(u2.UserID, u3.UserID)) {
		t.Errorf("after users joined: %+v", got)
	}
	wantStatus(t, s.do("DELETE", aamUserPath(u2.UserID), s.adminKey, nil), http.StatusNoContent)
	if got := s.aamGetGroup(s.readKey, g.GroupID); got.MembershipCount != 1 || !slices.Equal(got.Users, []int64{u3.UserID}) {
		t.Errorf("after a member was deleted: %+v", got)
	}

	aamWantError(t, s.do("PUT", aamGroupPath(g.GroupID+1000), s.adminKey, map[string]any{"name": "Ghost"}), http.StatusNotFound)
	aamWantError(t, s.do("PUT", aamGroupPath(g.GroupID), s.adminKey, map[string]any{"name": ""}), http.StatusBadRequest)
}

func TestAAMGroups_GetOneGroup(t *testing.T) {
	s := startServer(t)
	g := s.aamCreateGroup(map[string]any{"name": "Solo"})
	if got := s.aamGetGroup(s.readKey, g.GroupID); !reflect.DeepEqual(got, g) {
		t.Errorf("GET = %+v, want %+v", got, g)
	}
	r := s.do("GET", fmt.Sprintf("/v1/groups/%d/", g.GroupID), s.readKey, nil)
	wantStatus(t, r, http.StatusOK)
	aamWantError(t, s.do("GET", aamGroupPath(g.GroupID+1000), s.readKey, nil), http.StatusNotFound)
	for _, bad := range []string{"abc", "0", "-2", "1e3"} {
		aamWantError(t, s.do("GET", "/api/v1/groups/"+bad, s.readKey, nil), http.StatusBadRequest)
	}
}

func TestAAMGroups_ListIsAPlainArrayOrAPage(t *testing.T) {
	s := startServer(t)
	u := s.aamCreateUser(aamNewUser("m@example.com", "M", "Ember"))
	for _, name := range []string{"charlie", "Alpha", "bravo", "Delta"} {
		body := map[string]any{"name": name, "description": "about " + name}
		if name == "bravo" {
			body["users"] = []int64{u.UserID}
		}
		s.aamCreateGroup(body)
	}
	all := s.aamListGroups(s.readKey, "")
	if got := aamGroupNames(all); !slices.Equal(got, []string{"Alpha", "bravo", "charlie", "Delta"}) {
		t.Errorf("plain list: %v, want by name ignoring case", got)
	}
	for _, g := range all {
		if want := g.Name == "bravo"; (g.MembershipCount == 1) != want || slices.Contains(g.Users, u.UserID) != want {
			t.Errorf("listed group %+v: members wrong", g)
		}
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"descending=true", []string{"Delta", "charlie", "bravo", "Alpha"}},
		{"sortBy=name&descending=false", []string{"Alpha", "bravo", "charlie", "Delta"}},
		{"search=ALP", []string{"Alpha"}},
		{"search=about", []string{"Alpha", "bravo", "charlie", "Delta"}},
		{"search=nothing", []string{}},
	} {
		if got := aamGroupNames(s.aamListGroups(s.readKey, tc.query)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
		}
	}

	for _, tc := range []struct {
		query          string
		page, pageSize int
		want           []string
	}{
		{"page=0&pageSize=3", 0, 3, []string{"Alpha", "bravo", "charlie"}},
		{"page=1&pageSize=3", 1, 3, []string{"Delta"}},
		{"page=0", 0, 10, []string{"Alpha", "bravo", "charlie", "Delta"}},
		{"page=5", 5, 10, []string{}},
		{"page=0&pageSize=2&descending=true", 0, 2, []string{"Delta", "charlie"}},
	} {
		r := s.do("GET", "/api/v1/groups/?"+tc.query, s.readKey, nil)
		wantStatus(t, r, http.StatusOK)
		var p aamGroupPage
		r.json(t, &p)
		if p.Total != 4 || p.Page != tc.page || p.PageSize != tc.pageSize || p.List == nil {
			t.Errorf("%s: %s; want total 4, page %d, pageSize %d and a list", tc.query, r.body, tc.page, tc.pageSize)
		}
		if got := aamGroupNames(p.List); !slices.Equal(got, tc.want) {
			t.Errorf("%s: list %v, want %v", tc.query, got, tc.want)
		}
	}

	for _, q := range []string{"page=-1", "pageSize=0", "pageSize=1001", "sortBy=nope", "descending=maybe"} {
		aamWantError(t, s.do("GET", "/api/v1/groups/?"+q, s.readKey, nil), http.StatusBadRequest)
	}
}

func TestAAMGroups_DeleteRemovesTheMembershipsButNeverTheUsers(t *testing.T) {
	s := startServer(t)
	u1 := s.aamCreateUser(aamNewUser("u1@example.com", "U", "One"))
	u2 := s.aamCreateUser(aamNewUser("u2@example.com", "U", "Two"))
	gone := s.aamCreateGroup(map[string]any{"name": "Gone", "users": []int64{u1.UserID, u2.UserID}})
	kept := s.aamCreateGroup(map[string]any{"name": "Kept", "users": []int64{u1.UserID}})

	r := s.do("DELETE", aamGroupPath(gone.GroupID), s.adminKey, nil)
	wantStatus(t, r, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Errorf("204 with a body: %s", r.body)
	}
	aamWantError(t, s.do("GET", aamGroupPath(gone.GroupID), s.readKey, nil), http.StatusNotFound)
	aamWantError(t, s.do("DELETE", aamGroupPath(gone.GroupID), s.adminKey, nil), http.StatusNotFound)

	if got := s.aamGetUser(s.readKey, u1.UserID).Groups; !slices.Equal(got, []int64{kept.GroupID}) {
		t.Errorf("user 1's groups = %v, want only the kept group %d", got, kept.GroupID)
	}
	if got := s.aamGetUser(s.readKey, u2.UserID).Groups; len(got) != 0 {
		t.Errorf("user 2's groups = %v, want none", got)
	}
	wantStatus(t, s.do("GET", aamPantherPath(u2.UserID), s.readKey, nil), http.StatusOK)
	if got := s.aamListUsers(s.readKey, fmt.Sprint("groupId=", gone.GroupID)); len(got) != 0 {
		t.Errorf("the deleted group still has users %v", aamUserIDs(got))
	}
	if got := s.aamGetGroup(s.readKey, kept.GroupID); !slices.Equal(got.Users, []int64{u1.UserID}) || got.MembershipCount != 1 {
		t.Errorf("the other group changed: %+v", got)
	}
	aamWantError(t, s.do("DELETE", "/api/v1/groups/nope", s.adminKey, nil), http.StatusBadRequest)
}

func TestAAMGroups_BulkDeleteIsAllOrNothing(t *testing.T) {
	s := startServer(t)
	u := s.aamCreateUser(aamNewUser("u@example.com", "U", "Ser"))
	var gs []aamGroup
	for _, name := range []string{"A", "B", "C"} {
		gs = append(gs, s.aamCreateGroup(map[string]any{"name": name, "users": []int64{u.UserID}}))
	}
	theirs := func() aamGroup {
		other := s.createKey("other", "UserRead,UserModify", s.createPartner("Other"))
		r := s.do("POST", "/api/v1/groups/", other, map[string]any{"name": "Theirs"})
		wantStatus(t, r, http.StatusCreated)
		var g aamGroup
		r.json(t, &g)
		return g
	}()
	st := s.store()
	before := s.snapshot(st)
	for _, tc := range []struct {
		name string
		body any
		want int
	}{
		{"one unknown id", []int64{gs[0].GroupID, gs[1].GroupID + 1000, gs[1].GroupID}, http.StatusNotFound},
		{"another partner's group", []int64{gs[0].GroupID, theirs.GroupID}, http.StatusNotFound},
		{"no ids", []int64{}, http.StatusBadRequest},
		{"not a list of ids", map[string]any{"groups": 1}, http.StatusBadRequest},
	} {
		aamWantError(t, s.do("DELETE", "/api/v1/groups/bulk-delete", s.adminKey, tc.body), tc.want)
		if got := aamGroupNames(s.aamListGroups(s.readKey, "")); !slices.Equal(got, []string{"A", "B", "C"}) {
			t.Fatalf("%s: groups after a refused bulk delete: %v", tc.name, got)
		}
		if after := s.snapshot(st); after != before {
			t.Fatalf("%s: a refused bulk delete changed the memberships:\n%s", tc.name, badFirstDiff(before, after))
		}
	}
	wantStatus(t, s.do("DELETE", "/api/v1/groups/bulk-delete", s.readKey, []int64{gs[0].GroupID}), http.StatusForbidden)

	r := s.do("DELETE", "/api/v1/groups/bulk-delete", s.adminKey, []int64{gs[0].GroupID, gs[2].GroupID})
	wantStatus(t, r, http.StatusNoContent)
	if got := aamGroupNames(s.aamListGroups(s.readKey, "")); !slices.Equal(got, []string{"B"}) {
		t.Errorf("groups after deleting A and C: %v, want [B]", got)
	}
	if got := s.aamGetUser(s.readKey, u.UserID).Groups; !slices.Equal(got, []int64{gs[1].GroupID}) {
		t.Errorf("the member's groups = %v, want [%d]", got, gs[1].GroupID)
	}
	wantStatus(t, s.do("DELETE", "/v1/groups/bulk-delete/", s.adminKey, []int64{gs[1].GroupID}), http.StatusNoContent)
	if got := s.aamListGroups(s.readKey, ""); len(got) != 0 {
		t.Errorf("groups left: %v", aamGroupNames(got))
	}
}

func TestAAMGroups_MembersMustBeThePartnersUsers(t *testing.T) {
	s := startServer(t)
	pid := s.createPartner("Other Corp")
	other := s.createKey("other-admin", "UserRead,UserModify", pid)
	r := s.do("POST", "/api/v1/users/", other, aamNewUser("their@example.com", "Their", "User"))
	wantStatus(t, r, http.StatusCreated)
	var theirs aamUser
	r.json(t, &theirs)
	mine := s.aamCreateUser(aamNewUser("mine@example.com", "My", "User"))
	g := s.aamCreateGroup(map[string]any{"name": "Ours", "users": []int64{mine.UserID}})

	st := s.store()
	before := s.snapshot(st)
	for _, tc := range []struct {
		name, method, path string
		body               map[string]any
	}{
		{"create with another partner's user", "POST", "/api/v1/groups/", map[string]any{"name": "New", "users": []int64{theirs.UserID}}},
		{"create with ours and another partner's", "POST", "/api/v1/groups/", map[string]any{"name": "New", "users": []int64{mine.UserID, theirs.UserID}}},
		{"create with a user nobody has", "POST", "/api/v1/groups/", map[string]any{"name": "New", "users": []int64{theirs.UserID + 1000}}},
		{"update to another partner's user", "PUT", aamGroupPath(g.GroupID), map[string]any{"name": "Renamed", "users": []int64{theirs.UserID}}},
	} {
		aamWantError(t, s.do(tc.method, tc.path, s.adminKey, tc.body), http.StatusBadRequest)
		if after := s.snapshot(st); after != before {
			t.Fatalf("%s: the refused request changed the store:\n%s", tc.name, badFirstDiff(before, after))
		}
	}
	if got := s.aamListGroups(s.readKey, ""); len(got) != 1 || got[0].Name != "Ours" || !slices.Equal(got[0].Users, []int64{mine.UserID}) {
		t.Errorf("groups after the refusals: %+v, want only Ours with its member", got)
	}
}

func TestAAMGroups_ReadKeysReadAndOtherPartnersSeeNothing(t *testing.T) {
	s := startServer(t)
	g := s.aamCreateGroup(map[string]any{"name": "Private"})
	if got := s.aamGetGroup(s.readKey, g.GroupID); !reflect.DeepEqual(got, g) {
		t.Errorf("a read key reads %+v", got)
	}
	if got := s.aamListGroups(s.readKey, ""); len(got) != 1 {
		t.Errorf("a read key lists %v", aamGroupNames(got))
	}
	writes := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/groups/", map[string]any{"name": "Nope"}},
		{"PUT", aamGroupPath(g.GroupID), map[string]any{"name": "Hacked"}},
		{"DELETE", aamGroupPath(g.GroupID), nil},
		{"DELETE", "/api/v1/groups/bulk-delete", []int64{g.GroupID}},
	}
	for _, w := range writes {
		aamWantError(t, s.do(w.method, w.path, s.readKey, w.body), http.StatusForbidden)
		r := s.do(w.method, w.path, "", w.body)
		aamWantError(t, r, http.StatusUnauthorized)
		if r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s without credentials: 401 without WWW-Authenticate", w.method, w.path)
		}
	}
	r := s.do("GET", "/api/v1/groups/", "", nil)
	aamWantError(t, r, http.StatusUnauthorized)

	other := s.createKey("other-admin", "UserRead,UserModify", s.createPartner("Other Corp"))
	aamWantError(t, s.do("GET", aamGroupPath(g.GroupID), other, nil), http.StatusNotFound)
	aamWantError(t, s.do("PUT", aamGroupPath(g.GroupID), other, map[string]any{"name": "Stolen"}), http.StatusNotFound)
	aamWantError(t, s.do("DELETE", aamGroupPath(g.GroupID), other, nil), http.StatusNotFound)
	if got := s.aamListGroups(other, ""); len(got) != 0 {
		t.Errorf("another partner lists %v", aamGroupNames(got))
	}
	if got := s.aamGetGroup(s.readKey, g.GroupID); !reflect.DeepEqual(got, g) {
		t.Errorf("after the refusals the group is %+v, want %+v", got, g)
	}
}
