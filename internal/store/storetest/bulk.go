package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

var bulkTests = []subtest{
	{"CreateUsersSetsIDsTimesRoleAndGroups", bulkCreate},
	{"BulkUsersAreSearchable", bulkSearchable},
	{"ManyUsersInOneCall", bulkMany},
	{"ConflictRefusesTheWholeBatch", bulkConflict},
	{"ForeignRoleOrGroupRefused", bulkForeignRefs},
	{"RolledBackTxLeavesNothing", bulkRolledBack},
	{"UsersByLoginsFindsEmailsAndUsernames", bulkUsersByLogins},
	{"AppendAuditOfManyEvents", bulkAudit},
}

// bulkBatch returns n analysts handle0..handle(n-1) of the default partner.
func bulkBatch(t *testing.T, s roster.Store, handle string, n int) []*roster.User {
	t.Helper()
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	us := make([]*roster.User, n)
	for i := range us {
		us[i] = newUser(roster.DefaultPartnerID, role.ID, fmt.Sprintf("%s%d", handle, i))
	}
	return us
}

// countUsers returns how many users the default partner has.
func countUsers(t *testing.T, s roster.Store) int {
	t.Helper()
	n, err := s.CountUsers(t.Context(), roster.DefaultPartnerID, roster.UserFilter{})
	must(t, "CountUsers", err)
	return n
}

func bulkCreate(t *testing.T, s roster.Store) {
	ctx := t.Context()
	g1 := mustCreateGroup(t, s, roster.DefaultPartnerID, "One")
	g2 := mustCreateGroup(t, s, roster.DefaultPartnerID, "Two")
	admin := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAdmin)
	before := mustCreateUser(t, s, newUser(roster.DefaultPartnerID, admin.ID, "first"))
	us := bulkBatch(t, s, "bulk", 3)
	title := "Dr"
	us[0].Title, us[0].Role.ID = &title, admin.ID
	us[1].Groups = []int64{g2.ID, g1.ID, g2.ID}
	us[2].Groups = []int64{g1.ID}
	must(t, "CreateUsers", s.CreateUsers(ctx, us))

	for i, u := range us {
		if u.ID <= before.ID || i > 0 && u.ID <= us[i-1].ID {
			t.Errorf("user %d: id %d, want ascending ids after %d", i, u.ID, before.ID)
		}
		checkRecent(t, "CreatedAt", u.CreatedAt)
		if !u.UpdatedAt.Equal(u.CreatedAt) {
			t.Errorf("user %d: UpdatedAt %v, CreatedAt %v", i, u.UpdatedAt, u.CreatedAt)
		}
		checkUser(t, fmt.Sprintf("bulk user %d", i), mustUser(t, s, roster.DefaultPartnerID, u.ID), *u)
	}
	if us[0].Role.Name != roster.RoleAdmin || us[1].Role.Name != roster.RoleAnalyst {
		t.Errorf("roles filled in as %q and %q", us[0].Role.Name, us[1].Role.Name)
	}
	if want := []int64{g1.ID, g2.ID}; !slices.Equal(us[1].Groups, want) {
		t.Errorf("groups set to %v, want %v", us[1].Groups, want)
	}
	// Listing reads the memberships another way (SQLite's group_ids copy).
	listed, err := s.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{})
	must(t, "Users", err)
	wantUserIDs(t, "Users", listed, before.ID, us[0].ID, us[1].ID, us[2].ID)
	for i, u := range listed[1:] {
		if !slices.Equal(u.Groups, us[i].Groups) {
			t.Errorf("listed user %d: groups %v, want %v", u.ID, u.Groups, us[i].Groups)
		}
	}
	if got := mustGroup(t, s, roster.DefaultPartnerID, g1.ID).Users; !slices.Equal(got, []int64{us[1].ID, us[2].ID}) {
		t.Errorf("group One's members %v, want %v", got, []int64{us[1].ID, us[2].ID})
	}
	must(t, "CreateUsers of none", s.CreateUsers(ctx, nil))
}

func bulkSearchable(t *testing.T, s roster.Store) {
	ctx := t.Context()
	us := bulkBatch(t, s, "user", 4)
	us[2].FamilyName, us[2].Username = "Okonkwo", "zed"
	must(t, "CreateUsers", s.CreateUsers(ctx, us))
	for _, f := range []roster.UserFilter{{Contains: "konk"}, {Search: "KONKW"}, {Search: "zed"}} {
		got, err := s.Users(ctx, roster.DefaultPartnerID, f)
		must(t, "Users", err)
		wantUserIDs(t, fmt.Sprintf("Users %+v", f), got, us[2].ID)
	}
}

func bulkMany(t *testing.T, s roster.Store) {
	ctx := t.Context()
	g := mustCreateGroup(t, s, roster.DefaultPartnerID, "All")
	us := bulkBatch(t, s, "many", 1234) // more than one statement's worth on SQLite
	for _, u := range us {
		u.Groups = []int64{g.ID}
	}
	must(t, "CreateUsers", s.CreateUsers(ctx, us))
	for i := 1; i < len(us); i++ {
		if us[i].ID != us[i-1].ID+1 {
			t.Fatalf("ids %d then %d: a lone writer's batch should get consecutive ids", us[i-1].ID, us[i].ID)
		}
	}
	if n := countUsers(t, s); n != len(us) {
		t.Errorf("%d users stored, want %d", n, len(us))
	}
	if got := len(mustGroup(t, s, roster.DefaultPartnerID, g.ID).Users); got != len(us) {
		t.Errorf("group has %d members, want %d", got, len(us))
	}
	last := mustUser(t, s, roster.DefaultPartnerID, us[len(us)-1].ID)
	if last.Email != "many1233@example.com" || !slices.Equal(last.Groups, []int64{g.ID}) {
		t.Errorf("last user %q in groups %v", last.Email, last.Groups)
	}
}

func bulkConflict(t *testing.T, s roster.Store) {
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	mustCreateUser(t, s, newUser(roster.DefaultPartnerID, role.ID, "taken"))
	for _, tt := range []struct {
		name   string
		break_ func(us []*roster.User)
	}{
		{"e-mail of a stored user", func(us []*roster.User) { us[2].Email = "TAKEN@example.com" }},
		{"username of a stored user", func(us []*roster.User) { us[2].Username = "Taken" }},
		{"e-mail twice in the batch", func(us []*roster.User) { us[2].Email = "B0@Example.com" }},
		{"username twice in the batch", func(us []*roster.User) { us[2].Username = "B1" }},
	} {
		us := bulkBatch(t, s, "b", 3)
		tt.break_(us)
		wantCode(t, "CreateUsers with "+tt.name, s.CreateUsers(t.Context(), us), roster.EConflict)
		if n := countUsers(t, s); n != 1 {
			t.Errorf("%s: %d users stored, want only the first", tt.name, n)
		}
	}
	// Another partner's logins do not clash.
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	u := newUser(p2.ID, mustRole(t, s, p2.ID, roster.RoleAnalyst).ID, "taken")
	must(t, "CreateUsers in another partner", s.CreateUsers(t.Context(), []*roster.User{u}))
}

func bulkForeignRefs(t *testing.T, s roster.Store) {
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	foreignGroup := mustCreateGroup(t, s, p2.ID, "Theirs")
	for _, tt := range []struct {
		name   string
		break_ func(us []*roster.User)
	}{
		{"role of another partner", func(us []*roster.User) { us[1].Role.ID = mustRole(t, s, p2.ID, roster.RoleAdmin).ID }},
		{"unknown role", func(us []*roster.User) { us[1].Role.ID = unknownID }},
		{"group of another partner", func(us []*roster.User) { us[1].Groups = []int64{foreignGroup.ID} }},
		{"user of another partner", func(us []*roster.User) { us[1].PartnerID = p2.ID }},
	} {
		us := bulkBatch(t, s, "r", 2)
		wantCode(t, "CreateUsers with "+tt.name, s.CreateUsers(t.Context(), breakWith(us, tt.break_)), roster.EInvalid)
		if n := countUsers(t, s); n != 0 {
			t.Errorf("%s: %d users stored, want none", tt.name, n)
		}
	}
}

// breakWith applies fn to us and returns them.
func breakWith(us []*roster.User, fn func([]*roster.User)) []*roster.User {
	fn(us)
	return us
}

func bulkRolledBack(t *testing.T, s roster.Store) {
	ctx := t.Context()
	g := mustCreateGroup(t, s, roster.DefaultPartnerID, "G")
	us := bulkBatch(t, s, "gone", 5)
	us[0].Groups = []int64{g.ID}
	errStop := fmt.Errorf("stop")
	err := s.Tx(ctx, func(tx roster.Store) error {
		must(t, "CreateUsers in Tx", tx.CreateUsers(ctx, us))
		if n := countUsers(t, tx); n != 5 {
			t.Errorf("inside Tx: %d users, want 5", n)
		}
		return errStop
	})
	if err != errStop {
		t.Fatalf("Tx returned %v, want the callback's error", err)
	}
	if n := countUsers(t, s); n != 0 {
		t.Errorf("after rollback: %d users, want none", n)
	}
	if got := mustGroup(t, s, roster.DefaultPartnerID, g.ID).Users; len(got) != 0 {
		t.Errorf("after rollback: group members %v", got)
	}
	got, err := s.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{Contains: "gone"})
	must(t, "Users", err)
	wantUserIDs(t, "search after rollback", got)
}

func bulkUsersByLogins(t *testing.T, s roster.Store) {
	ctx := t.Context()
	us := bulkBatch(t, s, "who", 3)
	us[1].Username = "nick"
	must(t, "CreateUsers", s.CreateUsers(ctx, us))
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	mustCreateUser(t, s, newUser(p2.ID, mustRole(t, s, p2.ID, roster.RoleAnalyst).ID, "who0"))

	got, err := s.UsersByLogins(ctx, roster.DefaultPartnerID, []string{"WHO2@example.com", "Nick", "who0", "nobody"})
	must(t, "UsersByLogins", err)
	wantUserIDs(t, "UsersByLogins", got, us[0].ID, us[1].ID, us[2].ID)
	checkUser(t, "UsersByLogins", got[1], *us[1])
	none, err := s.UsersByLogins(ctx, roster.DefaultPartnerID, nil)
	must(t, "UsersByLogins of none", err)
	wantUserIDs(t, "UsersByLogins of none", none)
}

func bulkAudit(t *testing.T, s roster.Store) {
	ctx := t.Context()
	events := make([]roster.AuditEvent, 1500)
	for i := range events {
		events[i] = roster.AuditEvent{PartnerID: roster.DefaultPartnerID, ActorKind: roster.ActorSystem,
			Action: roster.ActionUserCreate, TargetKind: roster.TargetUser, TargetID: int64(i + 1),
			Changes: []string{"email"}}
	}
	must(t, "AppendAudit", s.AppendAudit(ctx, events...))
	got, err := s.AuditEvents(ctx, roster.DefaultPartnerID, roster.AuditFilter{})
	must(t, "AuditEvents", err)
	if len(got) != len(events) {
		t.Fatalf("%d events stored, want %d", len(got), len(events))
	}
	for i, e := range got {
		if e.TargetID != int64(i+1) || !slices.Equal(e.Changes, []string{"email"}) {
			t.Fatalf("event %d: target %d, changes %v", i, e.TargetID, e.Changes)
		}
		checkRecent(t, "At", e.At)
	}
	// One bad event refuses them all.
	bad := []roster.AuditEvent{events[0], events[1]}
	bad[1].PartnerID = unknownID
	wantCode(t, "AppendAudit with an unknown partner", s.AppendAudit(ctx, bad...), roster.EInvalid)
	if got, _ := s.AuditEvents(ctx, roster.DefaultPartnerID, roster.AuditFilter{}); len(got) != len(events) {
		t.Errorf("after a refused append: %d events, want %d", len(got), len(events))
	}
}
