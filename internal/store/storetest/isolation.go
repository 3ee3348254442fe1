package storetest

import (
	"fmt"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

var isolationTests = []subtest{
	{"RoleOfAnotherPartnerIsNotFound", isoRole},
	{"RoleByNameFindsOnlyOwnPartnersRole", isoRoleByName},
	{"RolesListsOnlyOwnPartner", isoRoles},
	{"UpdateRoleOfAnotherPartnerIsNotFound", isoUpdateRole},
	{"DeleteRoleOfAnotherPartnerIsNotFound", isoDeleteRole},
	{"RoleUserCountOfAnotherPartnersRoleIsZero", isoRoleUserCount},
	{"UserOfAnotherPartnerIsNotFound", isoUser},
	{"UserByEmailFindsOnlyOwnPartnersUser", isoUserByEmail},
	{"UsersListsOnlyOwnPartner", isoUsers},
	{"UpdateUserOfAnotherPartnerIsNotFound", isoUpdateUser},
	{"RoleOfAnotherPartnerIsInvalidForUsers", isoUserRole},
	{"DeleteUserOfAnotherPartnerIsNotFound", isoDeleteUser},
	{"ActiveAdminCountIsPerPartner", isoActiveAdminCount},
	{"APIKeysKeepTheirPartner", isoAPIKeys},
}

// twoPartners holds the same shapes of data in partner 1 and partner p2:
// an unused role "Auditor", an admin "ada" with the same e-mail in both,
// "grace" only in partner 1 and "bob" only in p2.
type twoPartners struct {
	p2                     int64
	auditor1, auditor2     roster.Role
	admin1, admin2         roster.Role
	analyst2               roster.Role
	ada1, ada2, grace, bob roster.User
	key1, key2             roster.APIKey
	roles                  map[int64][]roster.Role
	users                  map[int64][]roster.User
}

func seedTwoPartners(t *testing.T, s roster.Store) *twoPartners {
	t.Helper()
	const p1 = roster.DefaultPartnerID
	f := &twoPartners{p2: mustCreatePartnerWithRoles(t, s, "Other").ID}
	f.auditor1 = mustCreateRole(t, s, p1, "Auditor", roster.PermUserRead)
	f.auditor2 = mustCreateRole(t, s, f.p2, "Auditor", roster.PermUserRead)
	f.admin1 = mustRole(t, s, p1, roster.RoleAdmin)
	f.admin2 = mustRole(t, s, f.p2, roster.RoleAdmin)
	f.analyst2 = mustRole(t, s, f.p2, roster.RoleAnalyst)
	f.ada1 = mustCreateUser(t, s, newUser(p1, f.admin1.ID, "ada"))
	f.grace = mustCreateUser(t, s, newUser(p1, mustRole(t, s, p1, roster.RoleAnalyst).ID, "grace"))
	f.ada2 = mustCreateUser(t, s, newUser(f.p2, f.admin2.ID, "ada"))
	f.bob = mustCreateUser(t, s, newUser(f.p2, f.admin2.ID, "bob"))
	f.key1 = mustCreateAPIKey(t, s, p1, "key-1", roster.PermUserModify)
	f.key2 = mustCreateAPIKey(t, s, f.p2, "key-2", roster.PermUserRead)
	f.roles, f.users = snapshot(t, s, p1, f.p2)
	return f
}

// snapshot reads every role and user of the partners.
func snapshot(t *testing.T, s roster.Store, partners ...int64) (map[int64][]roster.Role, map[int64][]roster.User) {
	t.Helper()
	roles, users := map[int64][]roster.Role{}, map[int64][]roster.User{}
	for _, pid := range partners {
		rs, err := s.Roles(t.Context(), pid, roster.RoleFilter{})
		must(t, "Roles", err)
		us, err := s.Users(t.Context(), pid, roster.UserFilter{IncludeInactive: true})
		must(t, "Users", err)
		roles[pid], users[pid] = rs, us
	}
	return roles, users
}

// checkUnchanged fails the test if any role or user of either partner
// differs from the snapshot taken after seeding.
func (f *twoPartners) checkUnchanged(t *testing.T, s roster.Store) {
	t.Helper()
	roles, users := snapshot(t, s, roster.DefaultPartnerID, f.p2)
	for pid, want := range f.roles {
		if len(roles[pid]) != len(want) {
			t.Errorf("partner %d: %d roles, want %d", pid, len(roles[pid]), len(want))
			continue
		}
		for i := range want {
			checkRole(t, fmt.Sprintf("partner %d role %q", pid, want[i].Name), roles[pid][i], want[i])
		}
	}
	for pid, want := range f.users {
		if len(users[pid]) != len(want) {
			t.Errorf("partner %d: %d users, want %d", pid, len(users[pid]), len(want))
			continue
		}
		for i := range want {
			checkUser(t, fmt.Sprintf("partner %d user %q", pid, want[i].Username), users[pid][i], want[i])
		}
	}
}

func isoRole(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	_, err := s.Role(t.Context(), f.p2, f.auditor1.ID)
	wantCode(t, "Role(partner 2, partner 1's role)", err, roster.ENotFound)
	_, err = s.Role(t.Context(), roster.DefaultPartnerID, f.admin2.ID)
	wantCode(t, "Role(partner 1, partner 2's role)", err, roster.ENotFound)
}

func isoRoleByName(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	for pid, want := range map[int64]roster.Role{roster.DefaultPartnerID: f.auditor1, f.p2: f.auditor2} {
		got, err := s.RoleByName(t.Context(), pid, "AUDITOR")
		must(t, "RoleByName", err)
		checkRole(t, fmt.Sprintf("partner %d's Auditor", pid), got, want)
	}
}

func isoRoles(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	rs, err := s.Roles(t.Context(), f.p2, roster.RoleFilter{IDs: []int64{f.auditor1.ID, f.admin1.ID}})
	must(t, "Roles", err)
	if len(rs) != 0 {
		t.Errorf("Roles(partner 2, ids of partner 1) = %d roles, want none", len(rs))
	}
	rs, err = s.Roles(t.Context(), f.p2, roster.RoleFilter{NameContains: "a"})
	must(t, "Roles", err)
	for _, r := range rs {
		if r.PartnerID != f.p2 {
			t.Errorf("Roles(partner 2) returned %q of partner %d", r.Name, r.PartnerID)
		}
	}
	if len(rs) != len(roster.BuiltInRoles)+1 {
		t.Errorf("Roles(partner 2) = %d roles, want %d", len(rs), len(roster.BuiltInRoles)+1)
	}
}

func isoUpdateRole(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	r := f.auditor1
	r.PartnerID = f.p2
	r.Name = "Hijacked"
	r.Permissions = roster.NewPermissions(roster.PermUserModify)
	wantCode(t, "UpdateRole(partner 2, partner 1's role)", s.UpdateRole(t.Context(), &r), roster.ENotFound)
	f.checkUnchanged(t, s)
}

func isoDeleteRole(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	wantCode(t, "DeleteRole(partner 2, partner 1's role)", s.DeleteRole(t.Context(), f.p2, f.auditor1.ID), roster.ENotFound)
	f.checkUnchanged(t, s)
}

func isoRoleUserCount(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	// Partner 1's Admin has a user; partner 2 must not see it. The method
	// names no error code, so ENotFound is as good as zero.
	n, err := s.RoleUserCount(t.Context(), f.p2, f.admin1.ID)
	if code := roster.ErrorCode(err); code != roster.ENotFound && (err != nil || n != 0) {
		t.Errorf("RoleUserCount(partner 2, partner 1's Admin) = %d, %v; want 0 or ENotFound", n, err)
	}
	n, err = s.RoleUserCount(t.Context(), f.p2, f.admin2.ID)
	must(t, "RoleUserCount", err)
	if n != 2 {
		t.Errorf("RoleUserCount(partner 2's Admin) = %d, want 2", n)
	}
}

func isoUser(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	for _, u := range []roster.User{f.ada1, f.grace} {
		_, err := s.User(t.Context(), f.p2, u.ID)
		wantCode(t, "User(partner 2, partner 1's "+u.Username+")", err, roster.ENotFound)
	}
	_, err := s.User(t.Context(), roster.DefaultPartnerID, f.bob.ID)
	wantCode(t, "User(partner 1, partner 2's bob)", err, roster.ENotFound)
}

func isoUserByEmail(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	_, err := s.UserByEmail(t.Context(), f.p2, f.grace.Email)
	wantCode(t, "UserByEmail(partner 2, partner 1's e-mail)", err, roster.ENotFound)
	for pid, want := range map[int64]roster.User{roster.DefaultPartnerID: f.ada1, f.p2: f.ada2} {
		got, err := s.UserByEmail(t.Context(), pid, "ADA@example.com")
		must(t, "UserByEmail", err)
		checkUser(t, fmt.Sprintf("partner %d's ada", pid), got, want)
	}
}

func isoUsers(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	for _, tt := range []struct {
		name   string
		filter roster.UserFilter
		want   []int64
	}{
		{"everyone", roster.UserFilter{IncludeInactive: true}, []int64{f.ada2.ID, f.bob.ID}},
		{"ids of partner 1", roster.UserFilter{IDs: []int64{f.ada1.ID, f.grace.ID}, IncludeInactive: true}, nil},
		{"e-mail of partner 1", roster.UserFilter{Email: f.grace.Email}, nil},
		{"shared e-mail", roster.UserFilter{Email: f.ada1.Email}, []int64{f.ada2.ID}},
		{"contains of partner 1", roster.UserFilter{Contains: "grace", IncludeInactive: true}, nil},
	} {
		us, err := s.Users(t.Context(), f.p2, tt.filter)
		must(t, tt.name, err)
		wantUserIDs(t, "Users(partner 2, "+tt.name+")", us, tt.want...)
	}
}

func isoUpdateUser(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	u := f.grace
	u.PartnerID = f.p2
	u.Role = roster.Role{ID: f.analyst2.ID}
	u.GivenName = "Hijacked"
	u.State = roster.StateInactive
	wantCode(t, "UpdateUser(partner 2, partner 1's grace)", s.UpdateUser(t.Context(), &u), roster.ENotFound)
	f.checkUnchanged(t, s)
}

func isoUserRole(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	u := newUser(f.p2, f.auditor1.ID, "carol")
	wantCode(t, "CreateUser in partner 2 with partner 1's role", s.CreateUser(t.Context(), u), roster.EInvalid)
	upd := f.bob
	upd.Role = roster.Role{ID: f.admin1.ID}
	wantCode(t, "UpdateUser in partner 2 to partner 1's role", s.UpdateUser(t.Context(), &upd), roster.EInvalid)
	f.checkUnchanged(t, s)
}

func isoDeleteUser(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	wantCode(t, "DeleteUser(partner 2, partner 1's grace)", s.DeleteUser(t.Context(), f.p2, f.grace.ID), roster.ENotFound)
	wantCode(t, "DeleteUser(partner 1, partner 2's bob)", s.DeleteUser(t.Context(), roster.DefaultPartnerID, f.bob.ID), roster.ENotFound)
	f.checkUnchanged(t, s)
}

func isoActiveAdminCount(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	for pid, want := range map[int64]int{roster.DefaultPartnerID: 1, f.p2: 2} {
		n, err := s.ActiveAdminCount(t.Context(), pid)
		must(t, "ActiveAdminCount", err)
		if n != want {
			t.Errorf("ActiveAdminCount(%d) = %d, want %d", pid, n, want)
		}
	}
}

func isoAPIKeys(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	for _, want := range []roster.APIKey{f.key1, f.key2} {
		got, err := s.APIKeyByHash(t.Context(), want.Hash)
		must(t, "APIKeyByHash", err)
		checkAPIKey(t, "key "+want.Name, got, want)
	}
}
