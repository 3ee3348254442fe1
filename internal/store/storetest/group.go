package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

var groupTests = []subtest{
	{"CreateSetsIDTimesAndSortedMembers", groupCreate},
	{"ConflictOnNameCaseInsensitive", groupConflictOnName},
	{"SameNameInAnotherPartner", groupSameNameInAnotherPartner},
	{"InvalidMemberNotOfThePartner", groupInvalidMember},
	{"UnknownOrOtherPartnersGroupIsNotFound", groupNotFound},
	{"FilterOrderAndPaging", groupFilter},
	{"CountIgnoresOffsetAndLimit", groupCount},
	{"UpdateChangesFieldsMembersAndUpdatedAt", groupUpdate},
	{"UpdateKeepsOwnNameInOtherCase", groupUpdateOwnNameOtherCase},
	{"ConflictOnRenameOntoAnotherName", groupRenameConflict},
	{"InvalidUpdateToMemberNotOfThePartner", groupUpdateInvalidMember},
	{"UpdateUnknownIsNotFound", groupUpdateUnknown},
	{"DeleteRemovesMembershipsButNotUsers", groupDelete},
}

// mustCreateGroup creates a group with the members given, in their order.
func mustCreateGroup(t *testing.T, s roster.Store, partnerID int64, name string, members ...int64) roster.Group {
	t.Helper()
	g := roster.Group{PartnerID: partnerID, Name: name, Description: "About " + name, Users: members}
	must(t, "CreateGroup "+name, s.CreateGroup(t.Context(), &g))
	return g
}

// mustGroup reads one group back.
func mustGroup(t *testing.T, s roster.Store, partnerID, id int64) roster.Group {
	t.Helper()
	g, err := s.Group(t.Context(), partnerID, id)
	must(t, fmt.Sprintf("Group %d/%d", partnerID, id), err)
	return g
}

// diffGroup lists every difference between two groups.
func diffGroup(got, want roster.Group) []string {
	var d []string
	d = append(d, diffField("ID", got.ID, want.ID)...)
	d = append(d, diffField("PartnerID", got.PartnerID, want.PartnerID)...)
	d = append(d, diffField("Name", got.Name, want.Name)...)
	d = append(d, diffField("Description", got.Description, want.Description)...)
	d = append(d, diffStrings("Users", got.Users, want.Users)...)
	d = append(d, diffTime("CreatedAt", got.CreatedAt, want.CreatedAt)...)
	d = append(d, diffTime("UpdatedAt", got.UpdatedAt, want.UpdatedAt)...)
	return d
}

// checkGroup fails the test if got differs from want.
func checkGroup(t *testing.T, what string, got, want roster.Group) {
	t.Helper()
	for _, d := range diffGroup(got, want) {
		t.Errorf("%s: %s", what, d)
	}
}

// checkMembers fails unless the group has exactly the members given.
func checkMembers(t *testing.T, s roster.Store, what string, partnerID, groupID int64, want ...int64) {
	t.Helper()
	if got := mustGroup(t, s, partnerID, groupID).Users; !slices.Equal(got, want) {
		t.Errorf("%s: group %d has users %v, want %v", what, groupID, got, want)
	}
}

// checkUserGroups fails unless the user belongs to exactly the groups given.
func checkUserGroups(t *testing.T, s roster.Store, what string, partnerID, userID int64, want ...int64) {
	t.Helper()
	if got := mustUser(t, s, partnerID, userID).Groups; !slices.Equal(got, want) {
		t.Errorf("%s: user %d is in groups %v, want %v", what, userID, got, want)
	}
}

// analysts creates n users of partner 1 named prefix0, prefix1, …
func analysts(t *testing.T, s roster.Store, prefix string, n int) []roster.User {
	t.Helper()
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	us := make([]roster.User, n)
	for i := range us {
		us[i] = mustCreateUser(t, s, newUser(roster.DefaultPartnerID, role.ID, fmt.Sprintf("%s%d", prefix, i)))
	}
	return us
}

func groupCreate(t *testing.T, s roster.Store) {
	us := analysts(t, s, "member", 3)
	g := roster.Group{
		PartnerID: roster.DefaultPartnerID, Name: "Night Shift", Description: "Équipe de nuit",
		Users: []int64{us[2].ID, us[0].ID},
	}
	must(t, "CreateGroup", s.CreateGroup(t.Context(), &g))
	if g.ID <= 0 || g.ID > roster.MaxID {
		t.Errorf("ID = %d, want in 1..MaxID", g.ID)
	}
	checkRecent(t, "CreatedAt", g.CreatedAt)
	checkRecent(t, "UpdatedAt", g.UpdatedAt)
	want := g
	want.Users = []int64{us[0].ID, us[2].ID}
	checkGroup(t, "Group after CreateGroup", mustGroup(t, s, roster.DefaultPartnerID, g.ID), want)

	empty := mustCreateGroup(t, s, roster.DefaultPartnerID, "Empty")
	checkGroup(t, "group without members", mustGroup(t, s, roster.DefaultPartnerID, empty.ID), empty)

	// The memberships are the users' too.
	checkUserGroups(t, s, "member 0", roster.DefaultPartnerID, us[0].ID, g.ID)
	checkUserGroups(t, s, "member 1", roster.DefaultPartnerID, us[1].ID)
	checkUserGroups(t, s, "member 2", roster.DefaultPartnerID, us[2].ID, g.ID)
}

func groupConflictOnName(t *testing.T, s roster.Store) {
	g := mustCreateGroup(t, s, roster.DefaultPartnerID, "Équipe")
	for _, name := range []string{"Équipe", "équipe", "ÉQUIPE"} {
		dup := roster.Group{PartnerID: roster.DefaultPartnerID, Name: name}
		wantCode(t, "CreateGroup "+name, s.CreateGroup(t.Context(), &dup), roster.EConflict)
	}
	gs, err := s.Groups(t.Context(), roster.DefaultPartnerID, roster.GroupFilter{})
	must(t, "Groups", err)
	if len(gs) != 1 {
		t.Fatalf("%d groups after conflicts, want 1", len(gs))
	}
	checkGroup(t, "group after conflicts", gs[0], g)
}

func groupSameNameInAnotherPartner(t *testing.T, s roster.Store) {
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	g1 := mustCreateGroup(t, s, roster.DefaultPartnerID, "Team")
	g2 := mustCreateGroup(t, s, p2.ID, "TEAM")
	if g2.ID == g1.ID {
		t.Errorf("group of partner %d got the id of partner 1's group", p2.ID)
	}
	checkGroup(t, "partner 1's group", mustGroup(t, s, roster.DefaultPartnerID, g1.ID), g1)
	checkGroup(t, "partner 2's group", mustGroup(t, s, p2.ID, g2.ID), g2)
}

func groupInvalidMember(t *testing.T, s roster.Store) {
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	own := analysts(t, s, "own", 1)[0]
	theirs := mustCreateUser(t, s, newUser(p2.ID, mustRole(t, s, p2.ID, roster.RoleAnalyst).ID, "theirs"))
	for _, tt := range []struct {
		name    string
		members []int64
	}{
		{"user of another partner", []int64{own.ID, theirs.ID}},
		{"unknown user", []int64{unknownID, own.ID}},
	} {
		g := roster.Group{PartnerID: roster.DefaultPartnerID, Name: "Team", Users: tt.members}
		wantCode(t, "CreateGroup with "+tt.name, s.CreateGroup(t.Context(), &g), roster.EInvalid)
	}
	n, err := s.CountGroups(t.Context(), roster.DefaultPartnerID, roster.GroupFilter{})
	must(t, "CountGroups", err)
	if n != 0 {
		t.Errorf("%d groups after refused creates, want 0", n)
	}
	checkUserGroups(t, s, "own user after refused creates", roster.DefaultPartnerID, own.ID)
	checkUserGroups(t, s, "other partner's user after refused creates", p2.ID, theirs.ID)
}

func groupNotFound(t *testing.T, s roster.Store) {
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	g := mustCreateGroup(t, s, roster.DefaultPartnerID, "Team")
	_, err := s.Group(t.Context(), roster.DefaultPartnerID, unknownID)
	wantCode(t, "Group(unknown)", err, roster.ENotFound)
	_, err = s.Group(t.Context(), p2.ID, g.ID)
	wantCode(t, "Group(partner 2, partner 1's group)", err, roster.ENotFound)
}

// seedGroups creates five groups of partner 1, in an id order unlike
// their name order, with names whose byte order and case-insensitive
// order agree. Each has one member more than the one before it.
func seedGroups(t *testing.T, s roster.Store) map[string]roster.Group {
	t.Helper()
	us := analysts(t, s, "member", 5)
	gs := map[string]roster.Group{}
	for i, spec := range []struct{ name, description string }{
		{"Core", "Keeps the lights on"},
		{"Analysts", "Read the dashboards"},
		{"Editors", "Write the CORE docs"},
		{"Billing team", "Pays the bills"},
		{"Developers", "Équipe de développement"},
	} {
		g := roster.Group{PartnerID: roster.DefaultPartnerID, Name: spec.name, Description: spec.description}
		for _, u := range us[:i] {
			g.Users = append(g.Users, u.ID)
		}
		must(t, "CreateGroup "+spec.name, s.CreateGroup(t.Context(), &g))
		gs[spec.name] = g
	}
	return gs
}

func groupFilter(t *testing.T, s roster.Store) {
	gs := seedGroups(t, s)
	ids := func(names ...string) []int64 {
		var ids []int64
		for _, n := range names {
			ids = append(ids, gs[n].ID)
		}
		return ids
	}
	all := []string{"Analysts", "Billing team", "Core", "Developers", "Editors"}
	for _, tt := range []struct {
		name   string
		filter roster.GroupFilter
		want   []string
	}{
		{"everything by name", roster.GroupFilter{}, all},
		{"everything descending", roster.GroupFilter{Descending: true}, []string{"Editors", "Developers", "Core", "Billing team", "Analysts"}},
		{"ids by name whatever the order asked", roster.GroupFilter{IDs: ids("Editors", "Analysts")}, []string{"Analysts", "Editors"}},
		{"unknown id", roster.GroupFilter{IDs: []int64{unknownID}}, nil},
		{"search name in other case", roster.GroupFilter{Search: "BILLING"}, []string{"Billing team"}},
		{"search name across a space", roster.GroupFilter{Search: "g t"}, []string{"Billing team"}},
		{"search description", roster.GroupFilter{Search: "dashboards"}, []string{"Analysts"}},
		{"search name or description", roster.GroupFilter{Search: "core"}, []string{"Core", "Editors"}},
		{"search unicode in other case", roster.GroupFilter{Search: "ÉQUIPE"}, []string{"Developers"}},
		{"search percent is literal", roster.GroupFilter{Search: "%"}, nil},
		{"search nothing matching", roster.GroupFilter{Search: "xyz"}, nil},
		{"search and ids", roster.GroupFilter{Search: "core", IDs: ids("Editors", "Analysts")}, []string{"Editors"}},
		{"search descending", roster.GroupFilter{Search: "the", Descending: true}, []string{"Editors", "Core", "Billing team", "Analysts"}},
		{"limit", roster.GroupFilter{Limit: 2}, all[:2]},
		{"offset and limit", roster.GroupFilter{Offset: 2, Limit: 2}, all[2:4]},
		{"last page", roster.GroupFilter{Offset: 4, Limit: 2}, all[4:]},
		{"offset past the end", roster.GroupFilter{Offset: 5, Limit: 2}, nil},
		{"offset without limit", roster.GroupFilter{Offset: 3}, all[3:]},
		{"descending offset and limit", roster.GroupFilter{Descending: true, Offset: 1, Limit: 2}, []string{"Developers", "Core"}},
		{"search offset and limit", roster.GroupFilter{Search: "the", Offset: 1, Limit: 2}, []string{"Billing team", "Core"}},
	} {
		got, err := s.Groups(t.Context(), roster.DefaultPartnerID, tt.filter)
		must(t, tt.name, err)
		var names []string
		for _, g := range got {
			names = append(names, g.Name)
			checkGroup(t, tt.name+": group "+g.Name, g, gs[g.Name])
		}
		for _, d := range diffStrings("names", names, tt.want) {
			t.Errorf("%s: %s", tt.name, d)
		}
	}
}

func groupCount(t *testing.T, s roster.Store) {
	gs := seedGroups(t, s)
	for _, tt := range []struct {
		name   string
		filter roster.GroupFilter
		want   int
	}{
		{"everything", roster.GroupFilter{}, 5},
		{"ids", roster.GroupFilter{IDs: []int64{gs["Core"].ID, gs["Editors"].ID, unknownID}}, 2},
		{"search", roster.GroupFilter{Search: "CORE"}, 2},
		{"nothing", roster.GroupFilter{Search: "xyz"}, 0},
	} {
		for _, page := range []roster.GroupFilter{{}, {Offset: 1, Limit: 1}, {Offset: 10}, {Descending: true, Limit: 1}} {
			f := tt.filter
			f.Offset, f.Limit, f.Descending = page.Offset, page.Limit, page.Descending
			n, err := s.CountGroups(t.Context(), roster.DefaultPartnerID, f)
			must(t, "CountGroups "+tt.name, err)
			if n != tt.want {
				t.Errorf("CountGroups(%s, offset %d, limit %d) = %d, want %d", tt.name, f.Offset, f.Limit, n, tt.want)
			}
		}
	}
}

func groupUpdate(t *testing.T, s roster.Store) {
	ctx := t.Context()
	us := analysts(t, s, "member", 3)
	created := mustCreateGroup(t, s, roster.DefaultPartnerID, "Team", us[0].ID, us[1].ID)
	other := mustCreateGroup(t, s, roster.DefaultPartnerID, "Other", us[0].ID)
	pause()

	g := created
	g.Name = "Renamed"
	g.Description = "Now with a description in ünïcode"
	g.Users = []int64{us[2].ID, us[1].ID}
	g.CreatedAt = created.CreatedAt.AddDate(0, 0, -2) // must be ignored
	must(t, "UpdateGroup", s.UpdateGroup(ctx, &g))
	if !g.UpdatedAt.After(created.UpdatedAt) {
		t.Errorf("UpdatedAt = %v, want after %v", g.UpdatedAt, created.UpdatedAt)
	}
	checkRecent(t, "UpdatedAt", g.UpdatedAt)
	want := g
	want.CreatedAt = created.CreatedAt
	want.Users = []int64{us[1].ID, us[2].ID}
	checkGroup(t, "Group after UpdateGroup", mustGroup(t, s, roster.DefaultPartnerID, g.ID), want)
	checkUserGroups(t, s, "member removed", roster.DefaultPartnerID, us[0].ID, other.ID)
	checkUserGroups(t, s, "member kept", roster.DefaultPartnerID, us[1].ID, g.ID)
	checkUserGroups(t, s, "member added", roster.DefaultPartnerID, us[2].ID, g.ID)
	checkGroup(t, "other group", mustGroup(t, s, roster.DefaultPartnerID, other.ID), other)

	// An empty set clears the members.
	g.Users = []int64{}
	must(t, "UpdateGroup to no members", s.UpdateGroup(ctx, &g))
	checkMembers(t, s, "after clearing", roster.DefaultPartnerID, g.ID)

	// The new name is taken now; the old one is free again.
	dup := roster.Group{PartnerID: roster.DefaultPartnerID, Name: "RENAMED"}
	wantCode(t, "CreateGroup(new name)", s.CreateGroup(ctx, &dup), roster.EConflict)
	mustCreateGroup(t, s, roster.DefaultPartnerID, "team")
}

func groupUpdateOwnNameOtherCase(t *testing.T, s roster.Store) {
	g := mustCreateGroup(t, s, roster.DefaultPartnerID, "Team")
	g.Name = "TEAM"
	must(t, "UpdateGroup to own name in other case", s.UpdateGroup(t.Context(), &g))
	if got := mustGroup(t, s, roster.DefaultPartnerID, g.ID); got.Name != "TEAM" {
		t.Errorf("name = %q, want TEAM", got.Name)
	}
}

func groupRenameConflict(t *testing.T, s roster.Store) {
	us := analysts(t, s, "member", 2)
	team := mustCreateGroup(t, s, roster.DefaultPartnerID, "Team", us[0].ID)
	g := mustCreateGroup(t, s, roster.DefaultPartnerID, "Other", us[1].ID)
	for _, name := range []string{"Team", "team", "TEAM"} {
		upd := g
		upd.Name = name
		upd.Description = "changed"
		upd.Users = []int64{us[0].ID}
		wantCode(t, "UpdateGroup onto "+name, s.UpdateGroup(t.Context(), &upd), roster.EConflict)
	}
	checkGroup(t, "group after refused renames", mustGroup(t, s, roster.DefaultPartnerID, g.ID), g)
	checkGroup(t, "Team after refused renames", mustGroup(t, s, roster.DefaultPartnerID, team.ID), team)
}

func groupUpdateInvalidMember(t *testing.T, s roster.Store) {
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	own := analysts(t, s, "own", 1)[0]
	theirs := mustCreateUser(t, s, newUser(p2.ID, mustRole(t, s, p2.ID, roster.RoleAnalyst).ID, "theirs"))
	g := mustCreateGroup(t, s, roster.DefaultPartnerID, "Team", own.ID)
	for _, members := range [][]int64{{theirs.ID}, {own.ID, unknownID}} {
		upd := g
		upd.Description = "changed"
		upd.Users = members
		wantCode(t, fmt.Sprintf("UpdateGroup with members %v", members), s.UpdateGroup(t.Context(), &upd), roster.EInvalid)
	}
	checkGroup(t, "group after refused updates", mustGroup(t, s, roster.DefaultPartnerID, g.ID), g)
	checkUserGroups(t, s, "other partner's user", p2.ID, theirs.ID)
}

func groupUpdateUnknown(t *testing.T, s roster.Store) {
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	g := roster.Group{ID: unknownID, PartnerID: roster.DefaultPartnerID, Name: "Ghost"}
	wantCode(t, "UpdateGroup(unknown)", s.UpdateGroup(t.Context(), &g), roster.ENotFound)
	theirs := mustCreateGroup(t, s, p2.ID, "Theirs")
	upd := theirs
	upd.PartnerID, upd.Name = roster.DefaultPartnerID, "Hijacked"
	wantCode(t, "UpdateGroup(partner 1, partner 2's group)", s.UpdateGroup(t.Context(), &upd), roster.ENotFound)
	checkGroup(t, "partner 2's group", mustGroup(t, s, p2.ID, theirs.ID), theirs)
	n, err := s.CountGroups(t.Context(), roster.DefaultPartnerID, roster.GroupFilter{})
	must(t, "CountGroups", err)
	if n != 0 {
		t.Errorf("partner 1 has %d groups after refused updates, want 0", n)
	}
}

func groupDelete(t *testing.T, s roster.Store) {
	ctx := t.Context()
	us := analysts(t, s, "member", 2)
	g := mustCreateGroup(t, s, roster.DefaultPartnerID, "Team", us[0].ID, us[1].ID)
	keep := mustCreateGroup(t, s, roster.DefaultPartnerID, "Keep", us[0].ID)
	must(t, "DeleteGroup", s.DeleteGroup(ctx, roster.DefaultPartnerID, g.ID))
	_, err := s.Group(ctx, roster.DefaultPartnerID, g.ID)
	wantCode(t, "Group after DeleteGroup", err, roster.ENotFound)
	wantCode(t, "DeleteGroup twice", s.DeleteGroup(ctx, roster.DefaultPartnerID, g.ID), roster.ENotFound)
	wantCode(t, "DeleteGroup(unknown)", s.DeleteGroup(ctx, roster.DefaultPartnerID, unknownID), roster.ENotFound)

	// The users stay, without the membership.
	checkUserGroups(t, s, "member of both", roster.DefaultPartnerID, us[0].ID, keep.ID)
	checkUserGroups(t, s, "member of the deleted one", roster.DefaultPartnerID, us[1].ID)
	checkGroup(t, "other group", mustGroup(t, s, roster.DefaultPartnerID, keep.ID), keep)
	got, err := s.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{GroupIDs: []int64{g.ID}, IncludeInactive: true})
	must(t, "Users in the deleted group", err)
	wantUserIDs(t, "Users in the deleted group", got)
	// The name is free again.
	mustCreateGroup(t, s, roster.DefaultPartnerID, "team")
}
