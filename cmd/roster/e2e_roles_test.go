package main

import (
	"net/http"
	"slices"
	"testing"
)

type apiRole struct {
	ID                string   `json:"id"`
	Name              string   `json:"name"`
	Permissions       []string `json:"permissions"`
	LogTypeAccess     []string `json:"logTypeAccess"`
	LogTypeAccessKind string   `json:"logTypeAccessKind"`
	CreatedAt         string   `json:"createdAt"`
	UpdatedAt         string   `json:"updatedAt"`
}

func (s *testServer) listRoles(query string) []apiRole {
	s.t.Helper()
	r := s.do("GET", "/roles?"+query, s.readKey, nil)
	wantStatus(s.t, r, http.StatusOK)
	var list struct {
		Results []apiRole `json:"results"`
	}
	r.json(s.t, &list)
	return list.Results
}

func roleNames(rs []apiRole) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

func TestRoles_BuiltInsAndCRUD(t *testing.T) {
	s := startServer(t)
	if got := roleNames(s.listRoles("")); !slices.Equal(got, []string{"Admin", "Analyst", "AnalystReadOnly"}) {
		t.Fatalf("built-in roles = %v", got)
	}
	admin := s.listRoles("name=Admin")[0]
	if !slices.Equal(admin.Permissions, []string{"UserModify", "UserRead"}) || admin.LogTypeAccessKind != "ALLOW_ALL" {
		t.Errorf("Admin = %+v", admin)
	}

	r := s.do("POST", "/roles", s.adminKey, map[string]any{
		"name": "Auditor", "permissions": []string{"UserRead"}, "logTypeAccess": []string{"AWS.CloudTrail"}, "logTypeAccessKind": "ALLOW",
	})
	wantStatus(t, r, http.StatusOK)
	var auditor apiRole
	r.json(t, &auditor)
	if auditor.ID == "" || auditor.Name != "Auditor" || !slices.Equal(auditor.Permissions, []string{"UserRead"}) ||
		!slices.Equal(auditor.LogTypeAccess, []string{"AWS.CloudTrail"}) || auditor.LogTypeAccessKind != "ALLOW" {
		t.Errorf("created = %+v", auditor)
	}

	r = s.do("GET", "/roles/"+auditor.ID, s.readKey, nil)
	wantStatus(t, r, http.StatusOK)
	var got apiRole
	r.json(t, &got)
	if got.Name != "Auditor" {
		t.Errorf("GET = %+v", got)
	}

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"name-contains=ANALYST", []string{"Analyst", "AnalystReadOnly"}},
		{"sort-dir=desc", []string{"Auditor", "AnalystReadOnly", "Analyst", "Admin"}},
		{"sort-dir=asc", []string{"Admin", "Analyst", "AnalystReadOnly", "Auditor"}},
		{"ids=" + auditor.ID + "," + admin.ID, []string{"Admin", "Auditor"}},
		{"id=" + auditor.ID, []string{"Auditor"}},
		{"name=auditor&name-contains=zzz", []string{"Auditor"}}, // an exact name ignores the rest
	} {
		if got := roleNames(s.listRoles(tc.query)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.query, got, tc.want)
		}
	}

	// A user can take the new role by id and by name.
	u := s.createUser("aud@example.com", "Au", "Ditor", "auditor")
	if u.Role.ID != auditor.ID || u.Role.Name != "Auditor" {
		t.Errorf("user's role = %+v", u.Role)
	}

	r = s.do("POST", "/roles/"+auditor.ID, s.adminKey, map[string]any{"name": "Reviewer", "permissions": []string{"UserRead"}})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &got)
	if got.Name != "Reviewer" || got.ID != auditor.ID || got.LogTypeAccessKind != "ALLOW_ALL" {
		t.Errorf("updated = %+v", got)
	}
	r = s.do("GET", "/users/"+u.ID, s.readKey, nil)
	var after apiUser
	r.json(t, &after)
	if after.Role.Name != "Reviewer" {
		t.Errorf("user's role after rename = %+v", after.Role)
	}

	// In use: cannot be deleted; once free, it can.
	wantStatus(t, s.do("DELETE", "/roles/"+auditor.ID, s.adminKey, nil), http.StatusBadRequest)
	wantStatus(t, s.do("DELETE", "/users/"+u.ID, s.adminKey, nil), http.StatusOK)
	wantStatus(t, s.do("DELETE", "/roles/"+auditor.ID, s.adminKey, nil), http.StatusOK)
	wantStatus(t, s.do("GET", "/roles/"+auditor.ID, s.readKey, nil), http.StatusNotFound)
}

func TestRoles_BuiltInsCannotBeDeletedOrRenamed(t *testing.T) {
	s := startServer(t)
	for _, name := range []string{"Admin", "Analyst", "AnalystReadOnly"} {
		id := s.roleID(s.readKey, name)
		wantStatus(t, s.do("DELETE", "/roles/"+id, s.adminKey, nil), http.StatusBadRequest)
		wantStatus(t, s.do("POST", "/roles/"+id, s.adminKey, map[string]any{"name": name + "2", "permissions": []string{"UserRead"}}), http.StatusBadRequest)
	}
	if got := roleNames(s.listRoles("")); !slices.Equal(got, []string{"Admin", "Analyst", "AnalystReadOnly"}) {
		t.Errorf("roles = %v", got)
	}
	// Its log type access may change; its name and permissions stay.
	id := s.roleID(s.readKey, "Analyst")
	r := s.do("POST", "/roles/"+id, s.adminKey, map[string]any{"name": "Analyst", "permissions": []string{"UserRead"}, "logTypeAccessKind": "DENY_ALL"})
	wantStatus(t, r, http.StatusOK)
}

func TestInvariants_PartnerKeepsAnActiveAdmin(t *testing.T) {
	s := startServer(t)
	// Before any admin exists, non-admins come and go freely.
	a := s.createUser("analyst@example.com", "An", "Alyst", "Analyst")
	wantStatus(t, s.do("DELETE", "/users/"+a.ID, s.adminKey, nil), http.StatusOK)

	boss := s.createUser("boss@example.com", "Big", "Boss", "Admin")
	demote := newUser("boss@example.com", "Big", "Boss", "Analyst")
	r := s.do("POST", "/users/"+boss.ID, s.adminKey, demote)
	wantStatus(t, r, http.StatusBadRequest)
	r.message(t)
	wantStatus(t, s.do("DELETE", "/users/"+boss.ID, s.adminKey, nil), http.StatusBadRequest)

	// A custom role granting UserModify counts as admin; taking that
	// permission from the role held by the last admin is refused too.
	r = s.do("POST", "/roles", s.adminKey, map[string]any{"name": "Manager", "permissions": []string{"UserModify"}})
	wantStatus(t, r, http.StatusOK)
	var mgr apiRole
	r.json(t, &mgr)
	r = s.do("POST", "/users/"+boss.ID, s.adminKey, newUser("boss@example.com", "Big", "Boss", "Manager"))
	wantStatus(t, r, http.StatusOK)
	r = s.do("POST", "/roles/"+mgr.ID, s.adminKey, map[string]any{"name": "Manager", "permissions": []string{"UserRead"}})
	wantStatus(t, r, http.StatusBadRequest)

	// With a second admin, the first may be demoted and deleted.
	s.createUser("deputy@example.com", "The", "Deputy", "Admin")
	wantStatus(t, s.do("POST", "/users/"+boss.ID, s.adminKey, demote), http.StatusOK)
	wantStatus(t, s.do("DELETE", "/users/"+boss.ID, s.adminKey, nil), http.StatusOK)
}
