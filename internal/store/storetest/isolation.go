package storetest

import (
	"fmt"
	"testing"
	"time"

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
	{"GroupOfAnotherPartnerIsNotFound", isoGroup},
	{"GroupsListOnlyOwnPartner", isoGroups},
	{"UpdateGroupOfAnotherPartnerIsNotFound", isoUpdateGroup},
	{"DeleteGroupOfAnotherPartnerIsNotFound", isoDeleteGroup},
	{"UserOfAnotherPartnerIsInvalidForGroups", isoGroupMember},
	{"GroupOfAnotherPartnerIsInvalidForUsers", isoUserGroup},
	{"CountUsersAndEachUserStayInTheirPartner", isoCountAndEachUser},
	{"PasswordHistoryOfAnotherPartnersUserIsUntouched", isoPasswordHistory},
	{"TokensOfAnotherPartnerAreUntouched", isoTokens},
}

// twoPartners holds the same shapes of data in partner 1 and partner p2:
// an unused role "Auditor", an admin "ada" with the same e-mail in both,
// "grace" only in partner 1 and "bob" only in p2, a group "Team" in both
// (ada and grace in partner 1's, bob in p2's), a token and a password
// history entry for each ada.
type twoPartners struct {
	p2                     int64
	auditor1, auditor2     roster.Role
	admin1, admin2         roster.Role
	analyst2               roster.Role
	ada1, ada2, grace, bob roster.User
	key1, key2             roster.APIKey
	team1, team2           roster.Group
	token1, token2         roster.Token
	seeded                 map[int64]partnerData
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
	f.team1 = mustCreateGroup(t, s, p1, "Team")
	f.team2 = mustCreateGroup(t, s, f.p2, "Team")
	inTeam := func(u *roster.User, team roster.Group) *roster.User { u.Groups = []int64{team.ID}; return u }
	f.ada1 = mustCreateUser(t, s, inTeam(newUser(p1, f.admin1.ID, "ada"), f.team1))
	f.grace = mustCreateUser(t, s, inTeam(newUser(p1, mustRole(t, s, p1, roster.RoleAnalyst).ID, "grace"), f.team1))
	f.ada2 = mustCreateUser(t, s, newUser(f.p2, f.admin2.ID, "ada"))
	f.bob = mustCreateUser(t, s, inTeam(newUser(f.p2, f.admin2.ID, "bob"), f.team2))
	f.team1, f.team2 = mustGroup(t, s, p1, f.team1.ID), mustGroup(t, s, f.p2, f.team2.ID)
	f.key1 = mustCreateAPIKey(t, s, p1, "key-1", roster.PermUserModify)
	f.key2 = mustCreateAPIKey(t, s, f.p2, "key-2", roster.PermUserRead)
	f.token1 = mustCreateToken(t, s, f.ada1, roster.TokenRefresh, "token-1", time.Hour)
	f.token2 = mustCreateToken(t, s, f.ada2, roster.TokenRefresh, "token-2", time.Hour)
	must(t, "AddPasswordHistory", s.AddPasswordHistory(t.Context(), p1, f.ada1.ID, "ada-1-old"))
	must(t, "AddPasswordHistory", s.AddPasswordHistory(t.Context(), f.p2, f.ada2.ID, "ada-2-old"))
	f.seeded = snapshot(t, s, p1, f.p2)
	return f
}

// partnerData is what a partner's lists show.
type partnerData struct {
	roles  []roster.Role
	users  []roster.User
	groups []roster.Group
}

// snapshot reads every role, user and group of the partners.
func snapshot(t *testing.T, s roster.Store, partners ...int64) map[int64]partnerData {
	t.Helper()
	data := map[int64]partnerData{}
	for _, pid := range partners {
		var d partnerData
		var err error
		d.roles, err = s.Roles(t.Context(), pid, roster.RoleFilter{})
		must(t, "Roles", err)
		d.users, err = s.Users(t.Context(), pid, roster.UserFilter{IncludeInactive: true})
		must(t, "Users", err)
		d.groups, err = s.Groups(t.Context(), pid, roster.GroupFilter{})
		must(t, "Groups", err)
		data[pid] = d
	}
	return data
}

// checkUnchanged fails the test if any role, user or group of either
// partner differs from the snapshot taken after seeding.
func (f *twoPartners) checkUnchanged(t *testing.T, s roster.Store) {
	t.Helper()
	now := snapshot(t, s, roster.DefaultPartnerID, f.p2)
	for pid, want := range f.seeded {
		got := now[pid]
		if len(got.roles) != len(want.roles) {
			t.Errorf("partner %d: %d roles, want %d", pid, len(got.roles), len(want.roles))
		} else {
			for i, r := range want.roles {
				checkRole(t, fmt.Sprintf("partner %d role %q", pid, r.Name), got.roles[i], r)
			}
		}
		if len(got.users) != len(want.users) {
			t.Errorf("partner %d: %d users, want %d", pid, len(got.users), len(want.users))
		} else {
			for i, u := range want.users {
				checkUser(t, fmt.Sprintf("partner %d user %q", pid, u.Username), got.users[i], u)
			}
		}
		if len(got.groups) != len(want.groups) {
			t.Errorf("partner %d: %d groups, want %d", pid, len(got.groups), len(want.groups))
		} else {
			for i, g := range want.groups {
				checkGroup(t, fmt.Sprintf("partner %d group %q", pid, g.Name), got.groups[i], g)
			}
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
		{"search of partner 1", roster.UserFilter{Search: "grace", IncludeInactive: true}, nil},
		{"group of partner 1", roster.UserFilter{GroupIDs: []int64{f.team1.ID}, IncludeInactive: true}, nil},
		{"own group", roster.UserFilter{GroupIDs: []int64{f.team1.ID, f.team2.ID}}, []int64{f.bob.ID}},
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
	u.Groups = []int64{f.team2.ID} // a group of partner 2: the user is what is missing
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

func isoGroup(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	_, err := s.Group(t.Context(), f.p2, f.team1.ID)
	wantCode(t, "Group(partner 2, partner 1's group)", err, roster.ENotFound)
	_, err = s.Group(t.Context(), roster.DefaultPartnerID, f.team2.ID)
	wantCode(t, "Group(partner 1, partner 2's group)", err, roster.ENotFound)
}

func isoGroups(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	for _, tt := range []struct {
		name   string
		filter roster.GroupFilter
		want   []roster.Group
	}{
		{"everything", roster.GroupFilter{}, []roster.Group{f.team2}},
		{"ids of both partners", roster.GroupFilter{IDs: []int64{f.team1.ID, f.team2.ID}}, []roster.Group{f.team2}},
		{"id of partner 1", roster.GroupFilter{IDs: []int64{f.team1.ID}}, nil},
		{"search", roster.GroupFilter{Search: "TEAM"}, []roster.Group{f.team2}},
	} {
		gs, err := s.Groups(t.Context(), f.p2, tt.filter)
		must(t, "Groups "+tt.name, err)
		if len(gs) != len(tt.want) {
			t.Errorf("Groups(partner 2, %s) = %d groups, want %d", tt.name, len(gs), len(tt.want))
		}
		for i := range min(len(gs), len(tt.want)) {
			checkGroup(t, "Groups(partner 2, "+tt.name+")", gs[i], tt.want[i])
		}
		n, err := s.CountGroups(t.Context(), f.p2, tt.filter)
		must(t, "CountGroups "+tt.name, err)
		if n != len(tt.want) {
			t.Errorf("CountGroups(partner 2, %s) = %d, want %d", tt.name, n, len(tt.want))
		}
	}
}

func isoUpdateGroup(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	g := f.team1
	g.PartnerID = f.p2
	g.Name = "Hijacked"
	g.Users = []int64{f.bob.ID}
	wantCode(t, "UpdateGroup(partner 2, partner 1's group)", s.UpdateGroup(t.Context(), &g), roster.ENotFound)
	f.checkUnchanged(t, s)
}

func isoDeleteGroup(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	wantCode(t, "DeleteGroup(partner 2, partner 1's group)", s.DeleteGroup(t.Context(), f.p2, f.team1.ID), roster.ENotFound)
	wantCode(t, "DeleteGroup(partner 1, partner 2's group)", s.DeleteGroup(t.Context(), roster.DefaultPartnerID, f.team2.ID), roster.ENotFound)
	f.checkUnchanged(t, s)
}

func isoGroupMember(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	g := roster.Group{PartnerID: f.p2, Name: "Mixed", Users: []int64{f.bob.ID, f.grace.ID}}
	wantCode(t, "CreateGroup in partner 2 with partner 1's user", s.CreateGroup(t.Context(), &g), roster.EInvalid)
	upd := f.team2
	upd.Users = []int64{f.bob.ID, f.ada1.ID}
	wantCode(t, "UpdateGroup in partner 2 to partner 1's user", s.UpdateGroup(t.Context(), &upd), roster.EInvalid)
	f.checkUnchanged(t, s)
}

func isoUserGroup(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	u := newUser(f.p2, f.analyst2.ID, "carol")
	u.Groups = []int64{f.team1.ID}
	wantCode(t, "CreateUser in partner 2 in partner 1's group", s.CreateUser(t.Context(), u), roster.EInvalid)
	upd := f.bob
	upd.Groups = []int64{f.team2.ID, f.team1.ID}
	wantCode(t, "UpdateUser in partner 2 to partner 1's group", s.UpdateUser(t.Context(), &upd), roster.EInvalid)
	f.checkUnchanged(t, s)
}

func isoCountAndEachUser(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	for _, tt := range []struct {
		name      string
		partnerID int64
		filter    roster.UserFilter
		want      []int64
	}{
		{"partner 2's users", f.p2, roster.UserFilter{IncludeInactive: true}, []int64{f.ada2.ID, f.bob.ID}},
		{"partner 1's users", roster.DefaultPartnerID, roster.UserFilter{IncludeInactive: true}, []int64{f.ada1.ID, f.grace.ID}},
		{"partner 2, partner 1's group", f.p2, roster.UserFilter{GroupIDs: []int64{f.team1.ID}}, nil},
		{"partner 1, partner 2's group", roster.DefaultPartnerID, roster.UserFilter{GroupIDs: []int64{f.team2.ID}}, nil},
		{"partner 2, partner 1's ids", f.p2, roster.UserFilter{IDs: []int64{f.ada1.ID, f.grace.ID}}, nil},
		{"partner 2, search of partner 1", f.p2, roster.UserFilter{Search: "grace"}, nil},
	} {
		n, err := s.CountUsers(t.Context(), tt.partnerID, tt.filter)
		must(t, "CountUsers "+tt.name, err)
		if n != len(tt.want) {
			t.Errorf("CountUsers(%s) = %d, want %d", tt.name, n, len(tt.want))
		}
		var seen []roster.User
		err = s.EachUser(t.Context(), tt.partnerID, tt.filter, func(u roster.User) error {
			seen = append(seen, u)
			return nil
		})
		must(t, "EachUser "+tt.name, err)
		wantUserIDs(t, "EachUser("+tt.name+")", seen, tt.want...)
	}
}

func isoPasswordHistory(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	err := s.AddPasswordHistory(t.Context(), f.p2, f.ada1.ID, "hijack")
	wantCode(t, "AddPasswordHistory(partner 2, partner 1's ada)", err, roster.ENotFound)
	err = s.AddPasswordHistory(t.Context(), roster.DefaultPartnerID, f.bob.ID, "hijack")
	wantCode(t, "AddPasswordHistory(partner 1, partner 2's bob)", err, roster.ENotFound)
	checkNoHistory(t, s, "partner 2 reading partner 1's ada", f.p2, f.ada1.ID)
	checkNoHistory(t, s, "partner 1 reading partner 2's ada", roster.DefaultPartnerID, f.ada2.ID)
	checkHistory(t, s, "partner 1's ada", roster.DefaultPartnerID, f.ada1.ID, 10, "ada-1-old")
	checkHistory(t, s, "partner 2's ada", f.p2, f.ada2.ID, 10, "ada-2-old")
	checkHistory(t, s, "partner 2's bob", f.p2, f.bob.ID, 10)
}

func isoTokens(t *testing.T, s roster.Store) {
	f := seedTwoPartners(t, s)
	ctx := t.Context()
	wantCode(t, "DeleteToken(partner 2, partner 1's token)", s.DeleteToken(ctx, f.p2, f.token1.ID), roster.ENotFound)
	wantCode(t, "DeleteToken(partner 1, partner 2's token)", s.DeleteToken(ctx, roster.DefaultPartnerID, f.token2.ID), roster.ENotFound)
	// DeleteUserTokens names no error code, so ENotFound is as good as nil.
	for _, tt := range []struct {
		partnerID int64
		user      roster.User
	}{{f.p2, f.ada1}, {roster.DefaultPartnerID, f.ada2}} {
		err := s.DeleteUserTokens(ctx, tt.partnerID, tt.user.ID)
		if err != nil && roster.ErrorCode(err) != roster.ENotFound {
			t.Errorf("DeleteUserTokens(partner %d, user %d of partner %d) = %v, want nil or ENotFound", tt.partnerID, tt.user.ID, tt.user.PartnerID, err)
		}
	}
	checkToken(t, "partner 1's token", mustToken(t, s, f.token1.Hash), f.token1)
	checkToken(t, "partner 2's token", mustToken(t, s, f.token2.Hash), f.token2)
}
