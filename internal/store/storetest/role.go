package storetest

import (
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

var roleTests = []subtest{
	{"DefaultPartnerHasTheBuiltInRoles", roleBuiltIns},
	{"CreateSetsIDAndTimes", roleCreateSetsIDAndTimes},
	{"ConflictOnNameCaseInsensitive", roleConflictOnName},
	{"SameNameInAnotherPartner", roleSameNameInAnotherPartner},
	{"LookupByIDAndName", roleLookup},
	{"FilterAndOrder", roleFilterAndOrder},
	{"UpdateChangesFieldsAndUpdatedAt", roleUpdate},
	{"UpdateKeepsOwnNameInOtherCase", roleUpdateOwnNameOtherCase},
	{"ConflictOnRenameOntoExistingName", roleRenameConflict},
	{"UpdateUnknownIsNotFound", roleUpdateUnknown},
	{"DeleteRemovesTheRole", roleDelete},
	{"ConflictOnDeleteOfRoleInUse", roleDeleteInUse},
	{"UserCountFollowsUsers", roleUserCount},
}

func roleBuiltIns(t *testing.T, s roster.Store) {
	roles, err := s.Roles(t.Context(), roster.DefaultPartnerID, roster.RoleFilter{})
	must(t, "Roles", err)
	if len(roles) != len(roster.BuiltInRoles) {
		t.Fatalf("partner 1 has %d roles, want %d", len(roles), len(roster.BuiltInRoles))
	}
	// BuiltInRoles is in name order, as Roles returns them.
	for i, want := range roster.BuiltInRoles {
		got := roles[i]
		want.ID, want.CreatedAt, want.UpdatedAt = got.ID, got.CreatedAt, got.UpdatedAt
		want.PartnerID = roster.DefaultPartnerID
		checkRole(t, "built-in role "+want.Name, got, want)
		if got.ID <= 0 {
			t.Errorf("built-in role %s has id %d", got.Name, got.ID)
		}
		if got.CreatedAt.IsZero() {
			t.Errorf("built-in role %s has no CreatedAt", got.Name)
		}
	}
}

func roleCreateSetsIDAndTimes(t *testing.T, s roster.Store) {
	r := roster.Role{
		PartnerID:         roster.DefaultPartnerID,
		Name:              "Auditor",
		Permissions:       roster.NewPermissions(roster.PermUserRead),
		LogTypeAccess:     []string{"AWS.CloudTrail", "Okta.SystemLog"},
		LogTypeAccessKind: roster.LogTypeAccessAllow,
	}
	must(t, "CreateRole", s.CreateRole(t.Context(), &r))
	if r.ID <= 0 {
		t.Errorf("ID = %d, want > 0", r.ID)
	}
	checkRecent(t, "CreatedAt", r.CreatedAt)
	checkRecent(t, "UpdatedAt", r.UpdatedAt)

	got, err := s.Role(t.Context(), roster.DefaultPartnerID, r.ID)
	must(t, "Role", err)
	checkRole(t, "Role after CreateRole", got, r)

	// A role without permissions is valid and grants nothing.
	none := mustCreateRole(t, s, roster.DefaultPartnerID, "Nobody")
	got, err = s.Role(t.Context(), roster.DefaultPartnerID, none.ID)
	must(t, "Role", err)
	checkRole(t, "role without permissions", got, none)
}

func roleConflictOnName(t *testing.T, s roster.Store) {
	mustCreateRole(t, s, roster.DefaultPartnerID, "Auditor", roster.PermUserRead)
	for _, name := range []string{"Auditor", "AUDITOR", "auditor", "admin", "ANALYSTREADONLY"} {
		r := roster.Role{PartnerID: roster.DefaultPartnerID, Name: name, LogTypeAccessKind: roster.LogTypeAccessAllowAll}
		wantCode(t, "CreateRole "+name, s.CreateRole(t.Context(), &r), roster.EConflict)
	}
	roles, err := s.Roles(t.Context(), roster.DefaultPartnerID, roster.RoleFilter{})
	must(t, "Roles", err)
	if len(roles) != len(roster.BuiltInRoles)+1 {
		t.Errorf("%d roles after conflicts, want %d", len(roles), len(roster.BuiltInRoles)+1)
	}
}

func roleSameNameInAnotherPartner(t *testing.T, s roster.Store) {
	p1 := mustCreateRole(t, s, roster.DefaultPartnerID, "Auditor", roster.PermUserRead)
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	r := mustCreateRole(t, s, p2.ID, "auditor", roster.PermUserModify)
	if r.ID == p1.ID {
		t.Errorf("role of partner %d got the id of partner 1's role", p2.ID)
	}
	got := mustRole(t, s, p2.ID, "Admin")
	if got.PartnerID != p2.ID || !got.BuiltIn {
		t.Errorf("partner %d's Admin = %+v", p2.ID, got)
	}
}

func roleLookup(t *testing.T, s roster.Store) {
	ctx := t.Context()
	r := mustCreateRole(t, s, roster.DefaultPartnerID, "Auditor", roster.PermUserRead)
	p2 := mustCreatePartnerWithRoles(t, s, "Other")

	got, err := s.Role(ctx, roster.DefaultPartnerID, r.ID)
	must(t, "Role", err)
	checkRole(t, "Role", got, r)
	for _, name := range []string{"Auditor", "auditor", "AUDITOR", "aUdItOr"} {
		got, err := s.RoleByName(ctx, roster.DefaultPartnerID, name)
		must(t, "RoleByName "+name, err)
		checkRole(t, "RoleByName "+name, got, r)
	}

	_, err = s.Role(ctx, roster.DefaultPartnerID, unknownID)
	wantCode(t, "Role(unknown id)", err, roster.ENotFound)
	_, err = s.Role(ctx, p2.ID, r.ID)
	wantCode(t, "Role(partner 2, id of partner 1)", err, roster.ENotFound)
	for _, name := range []string{"Audit", "Auditors", "Auditor ", ""} {
		_, err = s.RoleByName(ctx, roster.DefaultPartnerID, name)
		wantCode(t, "RoleByName("+name+")", err, roster.ENotFound)
	}
	_, err = s.RoleByName(ctx, p2.ID, "Auditor")
	wantCode(t, "RoleByName(partner 2, name of partner 1's role)", err, roster.ENotFound)
}

func roleFilterAndOrder(t *testing.T, s roster.Store) {
	// Names chosen so that byte order and case-insensitive order agree.
	auditor := mustCreateRole(t, s, roster.DefaultPartnerID, "Auditor", roster.PermUserRead)
	mustCreateRole(t, s, roster.DefaultPartnerID, "Billing Admin", roster.PermUserModify)
	support := mustCreateRole(t, s, roster.DefaultPartnerID, "Support", roster.PermUserRead)
	all := []string{"Admin", "Analyst", "AnalystReadOnly", "Auditor", "Billing Admin", "Support"}

	tests := []struct {
		name   string
		filter roster.RoleFilter
		want   []string
	}{
		{"everything", roster.RoleFilter{}, all},
		{"everything descending", roster.RoleFilter{Descending: true}, []string{"Support", "Billing Admin", "Auditor", "AnalystReadOnly", "Analyst", "Admin"}},
		{"name exact in other case", roster.RoleFilter{Name: "aUDITOR"}, []string{"Auditor"}},
		{"name is not a prefix", roster.RoleFilter{Name: "Audit"}, nil},
		{"name contains in other case", roster.RoleFilter{NameContains: "ADMIN"}, []string{"Admin", "Billing Admin"}},
		{"name contains descending", roster.RoleFilter{NameContains: "admin", Descending: true}, []string{"Billing Admin", "Admin"}},
		{"name contains across a space", roster.RoleFilter{NameContains: "g a"}, []string{"Billing Admin"}},
		{"name contains nothing matching", roster.RoleFilter{NameContains: "xyz"}, nil},
		{"name contains a literal percent", roster.RoleFilter{NameContains: "%"}, nil},
		{"name contains a literal underscore", roster.RoleFilter{NameContains: "_"}, nil},
		{"ids", roster.RoleFilter{IDs: []int64{support.ID, auditor.ID}}, []string{"Auditor", "Support"}},
		{"ids and name contains", roster.RoleFilter{IDs: []int64{support.ID, auditor.ID}, NameContains: "SUP"}, []string{"Support"}},
		{"ids and name", roster.RoleFilter{IDs: []int64{support.ID}, Name: "Auditor"}, nil},
		{"unknown id", roster.RoleFilter{IDs: []int64{unknownID}}, nil},
	}
	for _, tt := range tests {
		roles, err := s.Roles(t.Context(), roster.DefaultPartnerID, tt.filter)
		must(t, tt.name, err)
		var names []string
		for _, r := range roles {
			names = append(names, r.Name)
			if r.PartnerID != roster.DefaultPartnerID {
				t.Errorf("%s: role %q has partner %d", tt.name, r.Name, r.PartnerID)
			}
		}
		for _, d := range diffStrings("names", names, tt.want) {
			t.Errorf("%s: %s", tt.name, d)
		}
	}
}

func roleUpdate(t *testing.T, s roster.Store) {
	ctx := t.Context()
	r := roster.Role{
		PartnerID:         roster.DefaultPartnerID,
		Name:              "Auditor",
		Permissions:       roster.NewPermissions(roster.PermUserRead),
		LogTypeAccess:     []string{"AWS.CloudTrail"},
		LogTypeAccessKind: roster.LogTypeAccessAllow,
	}
	must(t, "CreateRole", s.CreateRole(ctx, &r))
	created := r
	pause()

	r.Name = "Reviewer"
	r.Permissions = roster.NewPermissions(roster.PermUserModify, roster.PermUserRead)
	r.LogTypeAccess = []string{"GitHub.Audit", "Okta.SystemLog"}
	r.LogTypeAccessKind = roster.LogTypeAccessDeny
	must(t, "UpdateRole", s.UpdateRole(ctx, &r))
	if !r.UpdatedAt.After(created.UpdatedAt) {
		t.Errorf("UpdatedAt = %v, want after %v", r.UpdatedAt, created.UpdatedAt)
	}
	checkRecent(t, "UpdatedAt", r.UpdatedAt)

	got, err := s.Role(ctx, roster.DefaultPartnerID, r.ID)
	must(t, "Role", err)
	want := r
	want.CreatedAt = created.CreatedAt
	checkRole(t, "Role after UpdateRole", got, want)
	_, err = s.RoleByName(ctx, roster.DefaultPartnerID, "Auditor")
	wantCode(t, "RoleByName(old name)", err, roster.ENotFound)
	// The new name is taken now; the old one is free again.
	dup := roster.Role{PartnerID: roster.DefaultPartnerID, Name: "REVIEWER", LogTypeAccessKind: roster.LogTypeAccessAllowAll}
	wantCode(t, "CreateRole(new name)", s.CreateRole(ctx, &dup), roster.EConflict)
	mustCreateRole(t, s, roster.DefaultPartnerID, "Auditor")
}

func roleUpdateOwnNameOtherCase(t *testing.T, s roster.Store) {
	r := mustCreateRole(t, s, roster.DefaultPartnerID, "Auditor", roster.PermUserRead)
	r.Name = "AUDITOR"
	must(t, "UpdateRole to own name in other case", s.UpdateRole(t.Context(), &r))
	if got := mustRole(t, s, roster.DefaultPartnerID, "auditor"); got.Name != "AUDITOR" {
		t.Errorf("name = %q, want AUDITOR", got.Name)
	}
}

func roleRenameConflict(t *testing.T, s roster.Store) {
	ctx := t.Context()
	r := mustCreateRole(t, s, roster.DefaultPartnerID, "Auditor", roster.PermUserRead)
	for _, name := range []string{"Analyst", "analyst", "ADMIN"} {
		upd := r
		upd.Name = name
		upd.Permissions = roster.NewPermissions(roster.PermUserModify)
		wantCode(t, "UpdateRole onto "+name, s.UpdateRole(ctx, &upd), roster.EConflict)
	}
	got, err := s.Role(ctx, roster.DefaultPartnerID, r.ID)
	must(t, "Role", err)
	checkRole(t, "role after failed renames", got, r)
	analyst := mustRole(t, s, roster.DefaultPartnerID, "Analyst")
	if !analyst.BuiltIn || analyst.Permissions.Has(roster.PermUserModify) {
		t.Errorf("Analyst changed by a failed rename: %+v", analyst)
	}
}

func roleUpdateUnknown(t *testing.T, s roster.Store) {
	r := roster.Role{ID: unknownID, PartnerID: roster.DefaultPartnerID, Name: "Ghost", LogTypeAccessKind: roster.LogTypeAccessAllowAll}
	wantCode(t, "UpdateRole(unknown)", s.UpdateRole(t.Context(), &r), roster.ENotFound)
	_, err := s.RoleByName(t.Context(), roster.DefaultPartnerID, "Ghost")
	wantCode(t, "RoleByName(Ghost)", err, roster.ENotFound)
}

func roleDelete(t *testing.T, s roster.Store) {
	ctx := t.Context()
	r := mustCreateRole(t, s, roster.DefaultPartnerID, "Auditor", roster.PermUserRead)
	keep := mustCreateRole(t, s, roster.DefaultPartnerID, "Support", roster.PermUserRead)
	must(t, "DeleteRole", s.DeleteRole(ctx, roster.DefaultPartnerID, r.ID))
	_, err := s.Role(ctx, roster.DefaultPartnerID, r.ID)
	wantCode(t, "Role after DeleteRole", err, roster.ENotFound)
	_, err = s.RoleByName(ctx, roster.DefaultPartnerID, "Auditor")
	wantCode(t, "RoleByName after DeleteRole", err, roster.ENotFound)
	wantCode(t, "DeleteRole twice", s.DeleteRole(ctx, roster.DefaultPartnerID, r.ID), roster.ENotFound)
	wantCode(t, "DeleteRole(unknown)", s.DeleteRole(ctx, roster.DefaultPartnerID, unknownID), roster.ENotFound)
	got, err := s.Role(ctx, roster.DefaultPartnerID, keep.ID)
	must(t, "Role(other role)", err)
	checkRole(t, "other role", got, keep)
	// The name is free again.
	mustCreateRole(t, s, roster.DefaultPartnerID, "auditor")
}

func roleDeleteInUse(t *testing.T, s roster.Store) {
	ctx := t.Context()
	r := mustCreateRole(t, s, roster.DefaultPartnerID, "Auditor", roster.PermUserRead)
	u := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, r.ID, "ada"))
	wantCode(t, "DeleteRole(in use)", s.DeleteRole(ctx, roster.DefaultPartnerID, r.ID), roster.EConflict)
	got, err := s.Role(ctx, roster.DefaultPartnerID, r.ID)
	must(t, "Role after refused delete", err)
	checkRole(t, "role after refused delete", got, r)
	checkUser(t, "user after refused delete", mustUser(t, s, roster.DefaultPartnerID, u.ID), u)

	must(t, "DeleteUser", s.DeleteUser(ctx, roster.DefaultPartnerID, u.ID))
	must(t, "DeleteRole(no longer in use)", s.DeleteRole(ctx, roster.DefaultPartnerID, r.ID))
}

func roleUserCount(t *testing.T, s roster.Store) {
	ctx := t.Context()
	admin := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAdmin)
	analyst := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	count := func(what string, id int64, want int) {
		t.Helper()
		n, err := s.RoleUserCount(ctx, roster.DefaultPartnerID, id)
		must(t, "RoleUserCount", err)
		if n != want {
			t.Errorf("%s: RoleUserCount = %d, want %d", what, n, want)
		}
	}
	count("no users", admin.ID, 0)

	a := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, admin.ID, "a"))
	mustCreateUser(t, s, newUser(roster.DefaultPartnerID, admin.ID, "b"))
	inactive := newUser(roster.DefaultPartnerID, admin.ID, "c")
	inactive.State = roster.StateInactive
	mustCreateUser(t, s, inactive)
	mustCreateUser(t, s, newUser(roster.DefaultPartnerID, analyst.ID, "d"))
	count("three admins, inactive included", admin.ID, 3)
	count("one analyst", analyst.ID, 1)

	a.Role = roster.Role{ID: analyst.ID}
	must(t, "UpdateUser", s.UpdateUser(ctx, &a))
	count("admin moved away", admin.ID, 2)
	count("admin moved in", analyst.ID, 2)

	must(t, "DeleteUser", s.DeleteUser(ctx, roster.DefaultPartnerID, a.ID))
	count("after delete", analyst.ID, 1)
}
