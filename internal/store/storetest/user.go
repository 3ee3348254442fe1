package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

var userTests = []subtest{
	{"CreateSetsIDTimesAndRole", userCreateSetsIDTimesAndRole},
	{"RoundTripOfEveryField", userRoundTrip},
	{"EmailIsKeptAsWritten", userEmailKeptAsWritten},
	{"ConflictOnEmailCaseInsensitive", userConflictOnEmail},
	{"ConflictOnUsernameCaseInsensitive", userConflictOnUsername},
	{"SameEmailInAnotherPartner", userSameEmailInAnotherPartner},
	{"InvalidRoleOfAnotherPartner", userInvalidRole},
	{"LookupByIDAndEmail", userLookup},
	{"UpdateChangesFieldsAndRefreshesRole", userUpdate},
	{"ConflictOnUpdateOntoAnotherUser", userUpdateConflict},
	{"InvalidUpdateToRoleOfAnotherPartner", userUpdateInvalidRole},
	{"UpdateUnknownIsNotFound", userUpdateUnknown},
	{"DeleteRemovesTheUser", userDelete},
	{"DeleteRemovesMembershipsTokensAndHistory", userDeleteCascades},
	{"GroupsAreStoredSortedWithoutDuplicates", userGroups},
	{"InvalidGroupNotOfThePartner", userInvalidGroup},
	{"UsersByLoginSearchesEveryPartner", userUsersByLogin},
	{"IDsAreNeverReused", userIDsNeverReused},
	{"ActiveAdminCountCountsActiveAdmins", userActiveAdminCount},
}

// at returns a time with nanoseconds, in a zone other than UTC, so that a
// round trip shows both precision and normalisation to UTC.
func at(s string) *time.Time {
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	tm = tm.In(time.FixedZone("CEST", 2*60*60))
	return &tm
}

func ptr(s string) *string { return &s }

func userCreateSetsIDTimesAndRole(t *testing.T, s roster.Store) {
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAdmin)
	u := newUser(roster.DefaultPartnerID, role.ID, "ada")
	must(t, "CreateUser", s.CreateUser(t.Context(), u))
	if u.ID <= 0 || u.ID > roster.MaxID {
		t.Errorf("ID = %d, want in 1..MaxID", u.ID)
	}
	checkRecent(t, "CreatedAt", u.CreatedAt)
	checkRecent(t, "UpdatedAt", u.UpdatedAt)
	checkRole(t, "Role filled in by CreateUser", u.Role, role)
	checkUser(t, "User after CreateUser", mustUser(t, s, roster.DefaultPartnerID, u.ID), *u)
}

func userRoundTrip(t *testing.T, s roster.Store) {
	role := mustCreateRole(t, s, roster.DefaultPartnerID, "Auditor", roster.PermUserRead)
	tests := []*roster.User{
		{
			PartnerID: roster.DefaultPartnerID, Username: "bare", Email: "bare@example.com",
			Role:  roster.Role{ID: role.ID},
			State: roster.StateActive, SignIn: roster.SignInForceChange,
		},
		{
			PartnerID: roster.DefaultPartnerID, Username: "Full.User", Email: "Full.User@Example.org",
			GivenName: "Zoë", FamilyName: "O'Brien-Łukasiewicz",
			Title: ptr("Head of Security"), Phone: ptr("+33 1 23 45 67 89"),
			Role:              roster.Role{ID: role.ID},
			State:             roster.StateLocked,
			SignIn:            roster.SignInResetRequired,
			PasswordHash:      "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
			PasswordExpiresAt: at("2031-02-03T04:05:06.123456789Z"),
			LastLoginAt:       at("2024-12-31T23:59:59.999999Z"),
			FailedSignIns:     4,
			FailedSince:       at("2024-12-30T22:58:57.654321987Z"),
		},
		{
			PartnerID: roster.DefaultPartnerID, Username: "inactive", Email: "inactive@example.com",
			Title: ptr("Intern"),
			Role:  roster.Role{ID: role.ID},
			State: roster.StateInactive, SignIn: roster.SignInConfirmed,
			LastLoginAt: at("2001-01-01T00:00:00.000001Z"),
		},
	}
	wants := map[int64]roster.User{}
	for _, u := range tests {
		want := *u
		must(t, "CreateUser "+u.Username, s.CreateUser(t.Context(), u))
		want.ID, want.CreatedAt, want.UpdatedAt, want.Role = u.ID, u.CreatedAt, u.UpdatedAt, role
		checkRole(t, "CreateUser "+u.Username+" Role", u.Role, role)
		checkUser(t, "User "+u.Username, mustUser(t, s, roster.DefaultPartnerID, u.ID), want)
		wants[u.ID] = want
	}
	// A list may read its rows through one reused set of destinations:
	// every user in it must still come out whole and its own, outside a
	// transaction and inside one (where a store may read differently).
	checkList := func(what string, s roster.Store) {
		us, err := s.Users(t.Context(), roster.DefaultPartnerID, roster.UserFilter{IncludeInactive: true})
		must(t, what, err)
		found := 0
		for _, got := range us {
			if want, ok := wants[got.ID]; ok {
				checkUser(t, what+" "+want.Username, got, want)
				found++
			}
		}
		if found != len(wants) {
			t.Errorf("%s: found %d of the %d users", what, found, len(wants))
		}
	}
	checkList("Users", s)
	must(t, "Tx", s.Tx(t.Context(), func(tx roster.Store) error {
		checkList("Users in Tx", tx)
		return nil
	}))
}

func userEmailKeptAsWritten(t *testing.T, s roster.Store) {
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	u := newUser(roster.DefaultPartnerID, role.ID, "mixed")
	u.Email = "Mixed.Case@Example.COM"
	mustCreateUser(t, s, u)
	got := mustUser(t, s, roster.DefaultPartnerID, u.ID)
	if got.Email != "Mixed.Case@Example.COM" || got.Username != "mixed" {
		t.Errorf("Email, Username = %q, %q; want as written", got.Email, got.Username)
	}
}

func userConflictOnEmail(t *testing.T, s roster.Store) {
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	first := newUser(roster.DefaultPartnerID, role.ID, "ada")
	first.Email = "Ada@Example.com"
	mustCreateUser(t, s, first)
	for i, email := range []string{"Ada@Example.com", "ada@example.com", "ADA@EXAMPLE.COM"} {
		u := newUser(roster.DefaultPartnerID, role.ID, "other"+string(rune('a'+i)))
		u.Email = email
		wantCode(t, "CreateUser with e-mail "+email, s.CreateUser(t.Context(), u), roster.EConflict)
	}
	us, err := s.Users(t.Context(), roster.DefaultPartnerID, roster.UserFilter{IncludeInactive: true})
	must(t, "Users", err)
	wantUserIDs(t, "users after conflicts", us, first.ID)
}

func userConflictOnUsername(t *testing.T, s roster.Store) {
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	first := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, role.ID, "Ada"))
	for i, name := range []string{"Ada", "ada", "ADA"} {
		u := newUser(roster.DefaultPartnerID, role.ID, name)
		u.Email = "someone" + string(rune('a'+i)) + "@example.com"
		wantCode(t, "CreateUser with username "+name, s.CreateUser(t.Context(), u), roster.EConflict)
	}
	us, err := s.Users(t.Context(), roster.DefaultPartnerID, roster.UserFilter{IncludeInactive: true})
	must(t, "Users", err)
	wantUserIDs(t, "users after conflicts", us, first.ID)
}

func userSameEmailInAnotherPartner(t *testing.T, s roster.Store) {
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	a := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, mustRole(t, s, roster.DefaultPartnerID, roster.RoleAdmin).ID, "ada"))
	b := mustCreateUser(t, s, newUser(p2.ID, mustRole(t, s, p2.ID, roster.RoleAdmin).ID, "ada"))
	checkUser(t, "partner 1's ada", mustUser(t, s, roster.DefaultPartnerID, a.ID), a)
	got, err := s.UserByEmail(t.Context(), p2.ID, "ada@example.com")
	must(t, "UserByEmail", err)
	checkUser(t, "partner 2's ada", got, b)
}

func userInvalidRole(t *testing.T, s roster.Store) {
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	for _, tt := range []struct {
		name   string
		roleID int64
	}{
		{"role of another partner", mustRole(t, s, p2.ID, roster.RoleAdmin).ID},
		{"unknown role", unknownID},
		{"no role", 0},
	} {
		u := newUser(roster.DefaultPartnerID, tt.roleID, "ada")
		wantCode(t, "CreateUser with "+tt.name, s.CreateUser(t.Context(), u), roster.EInvalid)
	}
	_, err := s.UserByEmail(t.Context(), roster.DefaultPartnerID, "ada@example.com")
	wantCode(t, "UserByEmail after refused creates", err, roster.ENotFound)
}

func userLookup(t *testing.T, s roster.Store) {
	ctx := t.Context()
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	u := newUser(roster.DefaultPartnerID, role.ID, "grace")
	u.Email = "Grace.Hopper@Navy.example"
	want := mustCreateUser(t, s, u)
	mustCreateUser(t, s, newUser(roster.DefaultPartnerID, role.ID, "other"))

	checkUser(t, "User", mustUser(t, s, roster.DefaultPartnerID, want.ID), want)
	for _, email := range []string{"Grace.Hopper@Navy.example", "grace.hopper@navy.example", "GRACE.HOPPER@NAVY.EXAMPLE"} {
		got, err := s.UserByEmail(ctx, roster.DefaultPartnerID, email)
		must(t, "UserByEmail "+email, err)
		checkUser(t, "UserByEmail "+email, got, want)
	}
	_, err := s.User(ctx, roster.DefaultPartnerID, unknownID)
	wantCode(t, "User(unknown)", err, roster.ENotFound)
	for _, email := range []string{"grace", "grace.hopper@navy", "%@navy.example", ""} {
		_, err = s.UserByEmail(ctx, roster.DefaultPartnerID, email)
		wantCode(t, "UserByEmail("+email+")", err, roster.ENotFound)
	}
}

func userUpdate(t *testing.T, s roster.Store) {
	ctx := t.Context()
	analyst := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	auditor := mustCreateRole(t, s, roster.DefaultPartnerID, "Auditor", roster.PermUserModify)
	created := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, analyst.ID, "ada"))
	other := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, analyst.ID, "other"))
	pause()

	u := created
	u.Username = "countess"
	u.Email = "Countess@Example.org"
	u.GivenName = "Augusta Ada"
	u.FamilyName = "King"
	u.Title = ptr("Countess of Lovelace")
	u.Phone = ptr("+44 20 7946 0000")
	u.Role = roster.Role{ID: auditor.ID, Name: "ignored on write"}
	u.State = roster.StateLocked
	u.SignIn = roster.SignInResetRequired
	u.PasswordHash = "$argon2id$new"
	u.PasswordExpiresAt = at("2030-06-07T08:09:10.111111111Z")
	u.LastLoginAt = at("2029-01-02T03:04:05.666666Z")
	u.FailedSignIns = 2
	u.FailedSince = at("2029-01-01T00:00:00.000001Z")
	u.CreatedAt = created.CreatedAt.Add(-48 * time.Hour) // must be ignored
	must(t, "UpdateUser", s.UpdateUser(ctx, &u))

	if !u.UpdatedAt.After(created.UpdatedAt) {
		t.Errorf("UpdatedAt = %v, want after %v", u.UpdatedAt, created.UpdatedAt)
	}
	checkRecent(t, "UpdatedAt", u.UpdatedAt)
	checkRole(t, "Role refilled by UpdateUser", u.Role, auditor)

	want := u
	want.CreatedAt = created.CreatedAt
	got := mustUser(t, s, roster.DefaultPartnerID, u.ID)
	checkUser(t, "User after UpdateUser", got, want)
	byEmail, err := s.UserByEmail(ctx, roster.DefaultPartnerID, "countess@EXAMPLE.org")
	must(t, "UserByEmail(new e-mail)", err)
	checkUser(t, "UserByEmail(new e-mail)", byEmail, want)
	_, err = s.UserByEmail(ctx, roster.DefaultPartnerID, created.Email)
	wantCode(t, "UserByEmail(old e-mail)", err, roster.ENotFound)

	// Clearing the optional fields stores nil again.
	got.Title, got.Phone, got.PasswordExpiresAt, got.LastLoginAt = nil, nil, nil, nil
	got.FailedSignIns, got.FailedSince = 0, nil
	got.Role = roster.Role{ID: analyst.ID}
	must(t, "UpdateUser clearing", s.UpdateUser(ctx, &got))
	want = got
	want.Role = analyst
	checkUser(t, "User after clearing", mustUser(t, s, roster.DefaultPartnerID, u.ID), want)

	checkUser(t, "other user", mustUser(t, s, roster.DefaultPartnerID, other.ID), other)
	// The old e-mail and username are free again, the new ones taken.
	mustCreateUser(t, s, newUser(roster.DefaultPartnerID, analyst.ID, "ada"))
	taken := newUser(roster.DefaultPartnerID, analyst.ID, "COUNTESS")
	wantCode(t, "CreateUser with the new username", s.CreateUser(ctx, taken), roster.EConflict)
}

func userUpdateConflict(t *testing.T, s roster.Store) {
	ctx := t.Context()
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	ada := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, role.ID, "ada"))
	grace := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, role.ID, "grace"))
	tests := []struct {
		name string
		edit func(u *roster.User)
	}{
		{"e-mail", func(u *roster.User) { u.Email = "ada@example.com" }},
		{"e-mail in other case", func(u *roster.User) { u.Email = "ADA@Example.COM" }},
		{"username", func(u *roster.User) { u.Username = "ada" }},
		{"username in other case", func(u *roster.User) { u.Username = "Ada" }},
	}
	for _, tt := range tests {
		u := grace
		u.GivenName = "Changed"
		u.State = roster.StateInactive
		tt.edit(&u)
		wantCode(t, "UpdateUser onto another user's "+tt.name, s.UpdateUser(ctx, &u), roster.EConflict)
	}
	checkUser(t, "grace after refused updates", mustUser(t, s, roster.DefaultPartnerID, grace.ID), grace)
	checkUser(t, "ada after refused updates", mustUser(t, s, roster.DefaultPartnerID, ada.ID), ada)

	// A user keeps their own e-mail and username in another case.
	u := grace
	u.Email, u.Username = "GRACE@example.com", "Grace"
	must(t, "UpdateUser onto own e-mail in other case", s.UpdateUser(ctx, &u))
}

func userUpdateInvalidRole(t *testing.T, s roster.Store) {
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	ada := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst).ID, "ada"))
	for _, roleID := range []int64{mustRole(t, s, p2.ID, roster.RoleAdmin).ID, unknownID} {
		u := ada
		u.GivenName = "Changed"
		u.Role = roster.Role{ID: roleID}
		wantCode(t, "UpdateUser to a role not of the partner", s.UpdateUser(t.Context(), &u), roster.EInvalid)
	}
	checkUser(t, "ada after refused updates", mustUser(t, s, roster.DefaultPartnerID, ada.ID), ada)
}

func userUpdateUnknown(t *testing.T, s roster.Store) {
	u := newUser(roster.DefaultPartnerID, mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst).ID, "ghost")
	u.ID = unknownID
	wantCode(t, "UpdateUser(unknown)", s.UpdateUser(t.Context(), u), roster.ENotFound)
	_, err := s.UserByEmail(t.Context(), roster.DefaultPartnerID, "ghost@example.com")
	wantCode(t, "UserByEmail(ghost)", err, roster.ENotFound)
}

func userDelete(t *testing.T, s roster.Store) {
	ctx := t.Context()
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	ada := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, role.ID, "ada"))
	grace := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, role.ID, "grace"))
	must(t, "DeleteUser", s.DeleteUser(ctx, roster.DefaultPartnerID, ada.ID))
	_, err := s.User(ctx, roster.DefaultPartnerID, ada.ID)
	wantCode(t, "User after DeleteUser", err, roster.ENotFound)
	_, err = s.UserByEmail(ctx, roster.DefaultPartnerID, ada.Email)
	wantCode(t, "UserByEmail after DeleteUser", err, roster.ENotFound)
	wantCode(t, "DeleteUser twice", s.DeleteUser(ctx, roster.DefaultPartnerID, ada.ID), roster.ENotFound)
	wantCode(t, "DeleteUser(unknown)", s.DeleteUser(ctx, roster.DefaultPartnerID, unknownID), roster.ENotFound)
	checkUser(t, "other user", mustUser(t, s, roster.DefaultPartnerID, grace.ID), grace)
	// The e-mail and username are free again.
	mustCreateUser(t, s, newUser(roster.DefaultPartnerID, role.ID, "ada"))
}

func userIDsNeverReused(t *testing.T, s roster.Store) {
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	first := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, role.ID, "first"))
	last := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, role.ID, "last"))
	// Deleting the highest id is what tempts an engine to hand it out again.
	must(t, "DeleteUser", s.DeleteUser(t.Context(), roster.DefaultPartnerID, last.ID))
	next := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, role.ID, "next"))
	if next.ID <= last.ID {
		t.Errorf("id %d after deleting %d (first %d), want a greater one", next.ID, last.ID, first.ID)
	}
}

func userActiveAdminCount(t *testing.T, s roster.Store) {
	ctx := t.Context()
	admin := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAdmin)
	analyst := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	manager := mustCreateRole(t, s, roster.DefaultPartnerID, "Manager", roster.PermUserModify)
	count := func(what string, want int) {
		t.Helper()
		n, err := s.ActiveAdminCount(ctx, roster.DefaultPartnerID)
		must(t, "ActiveAdminCount", err)
		if n != want {
			t.Errorf("%s: ActiveAdminCount = %d, want %d", what, n, want)
		}
	}
	count("no users", 0)

	a := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, admin.ID, "a"))
	count("one admin", 1)
	mustCreateUser(t, s, newUser(roster.DefaultPartnerID, analyst.ID, "b"))
	for _, st := range []roster.AccountState{roster.StateInactive, roster.StateLocked} {
		u := newUser(roster.DefaultPartnerID, admin.ID, "admin-"+string(st))
		u.State = st
		mustCreateUser(t, s, u)
	}
	count("analyst, inactive and locked admins do not count", 1)
	m := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, manager.ID, "m"))
	count("custom role granting UserModify counts", 2)

	a.State = roster.StateInactive
	must(t, "UpdateUser", s.UpdateUser(ctx, &a))
	count("admin deactivated", 1)
	a.State = roster.StateActive
	must(t, "UpdateUser", s.UpdateUser(ctx, &a))
	count("admin reactivated", 2)
	a.Role = roster.Role{ID: analyst.ID}
	must(t, "UpdateUser", s.UpdateUser(ctx, &a))
	count("admin demoted", 1)

	manager.Permissions = roster.NewPermissions(roster.PermUserRead)
	must(t, "UpdateRole", s.UpdateRole(ctx, &manager))
	count("role no longer grants UserModify", 0)
	manager.Permissions = roster.NewPermissions(roster.PermUserModify)
	must(t, "UpdateRole", s.UpdateRole(ctx, &manager))
	count("role grants UserModify again", 1)

	must(t, "DeleteUser", s.DeleteUser(ctx, roster.DefaultPartnerID, m.ID))
	count("admin deleted", 0)
}

func userDeleteCascades(t *testing.T, s roster.Store) {
	ctx := t.Context()
	us := analysts(t, s, "member", 2)
	ada, grace := us[0], us[1]
	both := mustCreateGroup(t, s, roster.DefaultPartnerID, "Both", ada.ID, grace.ID)
	adaOnly := mustCreateGroup(t, s, roster.DefaultPartnerID, "Ada only", ada.ID)
	adaTokens := []roster.Token{
		mustCreateToken(t, s, ada, roster.TokenAccess, "ada-access", time.Hour),
		mustCreateToken(t, s, ada, roster.TokenRefresh, "ada-refresh", time.Hour),
	}
	graceToken := mustCreateToken(t, s, grace, roster.TokenRefresh, "grace-refresh", time.Hour)
	must(t, "AddPasswordHistory", s.AddPasswordHistory(ctx, roster.DefaultPartnerID, ada.ID, "ada-old"))
	must(t, "AddPasswordHistory", s.AddPasswordHistory(ctx, roster.DefaultPartnerID, grace.ID, "grace-old"))

	must(t, "DeleteUser", s.DeleteUser(ctx, roster.DefaultPartnerID, ada.ID))
	checkMembers(t, s, "group of both after DeleteUser", roster.DefaultPartnerID, both.ID, grace.ID)
	checkMembers(t, s, "group of the deleted user", roster.DefaultPartnerID, adaOnly.ID)
	for _, tok := range adaTokens {
		_, err := s.TokenByHash(ctx, tok.Hash)
		wantCode(t, "TokenByHash(deleted user's "+string(tok.Kind)+" token)", err, roster.ENotFound)
	}
	checkToken(t, "other user's token", mustToken(t, s, graceToken.Hash), graceToken)
	checkNoHistory(t, s, "deleted user", roster.DefaultPartnerID, ada.ID)
	checkHistory(t, s, "other user", roster.DefaultPartnerID, grace.ID, 10, "grace-old")
}

func userGroups(t *testing.T, s roster.Store) {
	ctx := t.Context()
	g1 := mustCreateGroup(t, s, roster.DefaultPartnerID, "One")
	g2 := mustCreateGroup(t, s, roster.DefaultPartnerID, "Two")
	g3 := mustCreateGroup(t, s, roster.DefaultPartnerID, "Three")
	u := newUser(roster.DefaultPartnerID, mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst).ID, "ada")
	u.Groups = []int64{g3.ID, g1.ID, g3.ID}
	must(t, "CreateUser", s.CreateUser(ctx, u))
	want := *u
	want.Groups = []int64{g1.ID, g3.ID}
	checkUser(t, "User after CreateUser", mustUser(t, s, roster.DefaultPartnerID, u.ID), want)
	checkMembers(t, s, "One after CreateUser", roster.DefaultPartnerID, g1.ID, u.ID)
	checkMembers(t, s, "Two after CreateUser", roster.DefaultPartnerID, g2.ID)
	checkMembers(t, s, "Three after CreateUser", roster.DefaultPartnerID, g3.ID, u.ID)

	// An update replaces the set.
	upd := want
	upd.Groups = []int64{g2.ID, g1.ID, g2.ID}
	must(t, "UpdateUser", s.UpdateUser(ctx, &upd))
	checkUserGroups(t, s, "User after UpdateUser", roster.DefaultPartnerID, u.ID, g1.ID, g2.ID)
	checkMembers(t, s, "Two after UpdateUser", roster.DefaultPartnerID, g2.ID, u.ID)
	checkMembers(t, s, "Three after UpdateUser", roster.DefaultPartnerID, g3.ID)
	us, err := s.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{IDs: []int64{u.ID}})
	must(t, "Users", err)
	if len(us) != 1 || !slices.Equal(us[0].Groups, []int64{g1.ID, g2.ID}) {
		t.Errorf("Users lists %v, want the user in groups %v", us, []int64{g1.ID, g2.ID})
	}

	// An empty set, or none, clears it.
	for _, empty := range [][]int64{{}, nil} {
		upd.Groups = []int64{g1.ID}
		must(t, "UpdateUser", s.UpdateUser(ctx, &upd))
		upd.Groups = empty
		must(t, "UpdateUser clearing the groups", s.UpdateUser(ctx, &upd))
		checkUserGroups(t, s, fmt.Sprintf("User after UpdateUser(Groups %#v)", empty), roster.DefaultPartnerID, u.ID)
		checkMembers(t, s, fmt.Sprintf("One after UpdateUser(Groups %#v)", empty), roster.DefaultPartnerID, g1.ID)
	}
}

func userInvalidGroup(t *testing.T, s roster.Store) {
	ctx := t.Context()
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	own := mustCreateGroup(t, s, roster.DefaultPartnerID, "Own")
	theirs := mustCreateGroup(t, s, p2.ID, "Theirs")
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	invalid := [][]int64{{own.ID, theirs.ID}, {unknownID}}
	for _, groups := range invalid {
		u := newUser(roster.DefaultPartnerID, role.ID, "ada")
		u.Groups = groups
		wantCode(t, fmt.Sprintf("CreateUser in groups %v", groups), s.CreateUser(ctx, u), roster.EInvalid)
	}
	_, err := s.UserByEmail(ctx, roster.DefaultPartnerID, "ada@example.com")
	wantCode(t, "UserByEmail after refused creates", err, roster.ENotFound)
	checkMembers(t, s, "own group after refused creates", roster.DefaultPartnerID, own.ID)

	g := newUser(roster.DefaultPartnerID, role.ID, "grace")
	g.Groups = []int64{own.ID}
	grace := mustCreateUser(t, s, g)
	for _, groups := range invalid {
		u := grace
		u.GivenName = "Changed"
		u.Groups = groups
		wantCode(t, fmt.Sprintf("UpdateUser to groups %v", groups), s.UpdateUser(ctx, &u), roster.EInvalid)
	}
	checkUser(t, "grace after refused updates", mustUser(t, s, roster.DefaultPartnerID, grace.ID), grace)
	checkMembers(t, s, "own group after refused updates", roster.DefaultPartnerID, own.ID, grace.ID)
	checkMembers(t, s, "other partner's group", p2.ID, theirs.ID)
}

func userUsersByLogin(t *testing.T, s roster.Store) {
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	r1 := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst).ID
	r2 := mustRole(t, s, p2.ID, roster.RoleAnalyst).ID
	ada1 := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, r1, "ada"))
	l := newUser(roster.DefaultPartnerID, r1, "lovelace")
	l.Email = "Countess@Example.org"
	lovelace := mustCreateUser(t, s, l)
	a := newUser(p2.ID, r2, "Ada")
	a.Email, a.State = "ADA@example.com", roster.StateInactive // found whatever its state
	ada2 := mustCreateUser(t, s, a)
	o := newUser(p2.ID, r2, "countess@example.org") // partner 1's e-mail as a username
	o.Email = "odd@example.com"
	odd := mustCreateUser(t, s, o)
	byID := map[int64]roster.User{ada1.ID: ada1, lovelace.ID: lovelace, ada2.ID: ada2, odd.ID: odd}

	for _, tt := range []struct {
		name, login string
		limit       int
		want        []int64
	}{
		{"username in both partners", "ada", 10, []int64{ada1.ID, ada2.ID}},
		{"username in other case", "ADA", 10, []int64{ada1.ID, ada2.ID}},
		{"e-mail in both partners", "ada@example.com", 10, []int64{ada1.ID, ada2.ID}},
		{"e-mail in other case", "Ada@EXAMPLE.com", 10, []int64{ada1.ID, ada2.ID}},
		{"limit", "ada", 1, []int64{ada1.ID}},
		{"username only", "LOVELACE", 10, []int64{lovelace.ID}},
		{"e-mail of one, username of another", "countess@example.ORG", 10, []int64{lovelace.ID, odd.ID}},
		{"not a prefix", "ada@example", 10, nil},
		{"not a substring", "love", 10, nil},
		{"no wildcards", "%", 10, nil},
		{"no single-character wildcards", "ad_", 10, nil},
		{"unknown", "nobody@example.com", 10, nil},
		{"empty", "", 10, nil},
	} {
		us, err := s.UsersByLogin(t.Context(), tt.login, tt.limit)
		must(t, "UsersByLogin "+tt.name, err)
		wantUserIDs(t, "UsersByLogin "+tt.name, us, tt.want...)
		for _, u := range us {
			checkUser(t, "UsersByLogin "+tt.name, u, byID[u.ID])
		}
	}
}
