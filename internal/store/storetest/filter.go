package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

var filterTests = []subtest{
	{"EmailIsExactCaseInsensitiveAndIgnoresEverythingElse", filterEmail},
	{"ContainsIsCaseInsensitiveSubstring", filterContains},
	{"IncludeInactiveShowsOnlyInactiveNotLocked", filterIncludeInactive},
	{"IDsAndSignIn", filterIDsAndSignIn},
	{"AfterIDAndLimit", filterAfterIDAndLimit},
	{"Combinations", filterCombinations},
	{"KeysetPagingVisitsEveryUserOnce", filterKeysetPaging},
	{"FiltersSeeUpdatedUsers", filterSeesUpdates},
	{"OptimizeChangesNoSearchAndKeepsUpWithWrites", filterAfterOptimize},
	{"GroupIDsReturnUsersInAnyGroupOnce", filterGroupIDs},
	{"SearchIsCaseInsensitiveSubstringOfUsernameToo", filterSearch},
	{"SortByEveryOrderBreaksTiesByID", filterSortBy},
	{"OffsetAndLimitPage", filterOffset},
	{"EmailStillOverridesEverything", filterEmailOverridesNewFields},
	{"CountUsersIgnoresPaging", filterCountUsers},
	{"EachUserVisitsWhatUsersReturns", filterEachUser},
	{"EachUserStopsAtFnsError", filterEachUserStops},
}

// people is the population of the filter tests, by handle, in creation
// (and so id) order.
type people map[string]roster.User

// ids returns the ids of the named people in the order given.
func (p people) ids(handles ...string) []int64 {
	ids := make([]int64, len(handles))
	for i, h := range handles {
		u, ok := p[h]
		if !ok {
			panic("no person " + h)
		}
		ids[i] = u.ID
	}
	return ids
}

// seedPeople creates five users of partner 1 whose searchable fields
// overlap only where the tests say so.
func seedPeople(t *testing.T, s roster.Store) people {
	t.Helper()
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	specs := []struct {
		handle, given, family, email string
		state                        roster.AccountState
		signIn                       roster.SignInState
	}{
		{"ada", "Ada", "Lovelace", "countess@example.com", roster.StateActive, roster.SignInConfirmed},
		{"grace", "Grace", "Hopper", "admiral@navy.example", roster.StateActive, roster.SignInForceChange},
		{"elodie", "élodie", "Dupont", "elodie@example.fr", roster.StateActive, roster.SignInConfirmed},
		{"alan", "Alan", "Turing", "alan_turing@example.com", roster.StateInactive, roster.SignInConfirmed},
		{"linus", "Linus", "Torvalds", "linus@kernel.example", roster.StateLocked, roster.SignInResetRequired},
	}
	p := people{}
	for _, sp := range specs {
		u := newUser(roster.DefaultPartnerID, role.ID, "u-"+sp.handle)
		u.GivenName, u.FamilyName, u.Email = sp.given, sp.family, sp.email
		u.State, u.SignIn = sp.state, sp.signIn
		p[sp.handle] = mustCreateUser(t, s, u)
	}
	return p
}

// filterCase is one call of Users and the people it must return, in order.
type filterCase struct {
	name   string
	filter roster.UserFilter
	want   []string
}

func runFilterCases(t *testing.T, s roster.Store, p people, cases []filterCase) {
	t.Helper()
	for _, c := range cases {
		us, err := s.Users(t.Context(), roster.DefaultPartnerID, c.filter)
		must(t, c.name, err)
		wantUserIDs(t, c.name, us, p.ids(c.want...)...)
		for _, u := range us {
			for h, want := range p {
				if want.ID == u.ID {
					checkUser(t, c.name+": "+h, u, want)
				}
			}
		}
	}
}

func filterEmail(t *testing.T, s roster.Store) {
	p := seedPeople(t, s)
	runFilterCases(t, s, p, []filterCase{
		{"exact", roster.UserFilter{Email: "countess@example.com"}, []string{"ada"}},
		{"other case", roster.UserFilter{Email: "CountESS@EXAMPLE.com"}, []string{"ada"}},
		{"inactive user", roster.UserFilter{Email: "alan_turing@example.com"}, []string{"alan"}},
		{"every other field ignored", roster.UserFilter{
			Email:    "ALAN_TURING@EXAMPLE.COM",
			IDs:      p.ids("ada", "grace"),
			Contains: "no such text",
			SignIn:   roster.SignInForceChange,
			AfterID:  roster.MaxID,
			Limit:    1,
		}, []string{"alan"}},
		{"not a substring", roster.UserFilter{Email: "countess@example.co"}, nil},
		{"not a prefix", roster.UserFilter{Email: "countess"}, nil},
		{"no wildcards", roster.UserFilter{Email: "%@example.com"}, nil},
		{"no single-character wildcards", roster.UserFilter{Email: "alan_turing@example_com", IncludeInactive: true}, nil},
	})
}

// contains is the filter for users, inactive ones too, whose text holds
// text.
func contains(text string) roster.UserFilter {
	return roster.UserFilter{Contains: text, IncludeInactive: true}
}

func filterContains(t *testing.T, s roster.Store) {
	p := seedPeople(t, s)
	runFilterCases(t, s, p, []filterCase{
		{"given name", contains("ADA"), []string{"ada"}},
		{"family name", contains("hopper"), []string{"grace"}},
		{"family name in other case", contains("lOVELACE"), []string{"ada"}},
		{"full name across the space", contains("a l"), []string{"ada"}},
		{"full name across the space in other case", contains("CE HOP"), []string{"grace"}},
		{"e-mail", contains("NAVY.EXAMPLE"), []string{"grace"}},
		{"e-mail from the at sign", contains("@kernel"), []string{"linus"}},
		{"every e-mail", contains("example"), []string{"ada", "grace", "elodie", "alan", "linus"}},
		{"unicode in other case", contains("ÉLODIE"), []string{"elodie"}},
		{"unicode full name", contains("Élodie d"), []string{"elodie"}},
		{"underscore is literal", contains("_"), []string{"alan"}},
		{"percent is literal", contains("%"), nil},
		{"nothing matches", contains("nobody-matches-this"), nil},
	})
	us, err := s.Users(t.Context(), roster.DefaultPartnerID, contains("nobody-matches-this"))
	must(t, "Users", err)
	if len(us) != 0 {
		t.Errorf("no match: got %d users", len(us))
	}
}

func filterAfterOptimize(t *testing.T, s roster.Store) {
	p := seedPeople(t, s)
	gs := seedGroups(t, s)
	must(t, "Optimize", s.Optimize(t.Context()))
	must(t, "Optimize again", s.Optimize(t.Context()))
	ada := p["ada"]
	ada.FamilyName = "King"
	must(t, "UpdateUser after Optimize", s.UpdateUser(t.Context(), &ada))
	p["ada"] = ada
	runFilterCases(t, s, p, []filterCase{
		{"family name", contains("hopper"), []string{"grace"}},
		{"e-mail from the at sign", contains("@kernel"), []string{"linus"}},
		{"unicode in other case", contains("ÉLODIE"), []string{"elodie"}},
		{"name before the update", contains("lovelace"), nil},
		{"name after the update", contains("a king"), []string{"ada"}},
	})
	got, err := s.Groups(t.Context(), roster.DefaultPartnerID, roster.GroupFilter{Search: "core"})
	must(t, "Groups after Optimize", err)
	var names []string
	for _, g := range got {
		names = append(names, g.Name)
	}
	for _, d := range diffStrings("groups", names, []string{gs["Core"].Name, gs["Editors"].Name}) {
		t.Errorf("search core after Optimize: %s", d)
	}
}

func filterIncludeInactive(t *testing.T, s roster.Store) {
	p := seedPeople(t, s)
	runFilterCases(t, s, p, []filterCase{
		{"default hides inactive", roster.UserFilter{}, []string{"ada", "grace", "elodie", "linus"}},
		{"include inactive", roster.UserFilter{IncludeInactive: true}, []string{"ada", "grace", "elodie", "alan", "linus"}},
		{"inactive by id hidden", roster.UserFilter{IDs: p.ids("alan")}, nil},
		{"inactive by id included", roster.UserFilter{IDs: p.ids("alan"), IncludeInactive: true}, []string{"alan"}},
		{"locked by id", roster.UserFilter{IDs: p.ids("linus")}, []string{"linus"}},
	})
}

func filterIDsAndSignIn(t *testing.T, s roster.Store) {
	p := seedPeople(t, s)
	runFilterCases(t, s, p, []filterCase{
		{"ids in ascending order whatever the order asked", roster.UserFilter{IDs: append(p.ids("linus", "ada"), unknownID), IncludeInactive: true}, []string{"ada", "linus"}},
		{"unknown id", roster.UserFilter{IDs: []int64{unknownID}}, nil},
		{"force change", roster.UserFilter{SignIn: roster.SignInForceChange}, []string{"grace"}},
		{"reset required", roster.UserFilter{SignIn: roster.SignInResetRequired}, []string{"linus"}},
		{"confirmed", roster.UserFilter{SignIn: roster.SignInConfirmed}, []string{"ada", "elodie"}},
		{"confirmed including inactive", roster.UserFilter{SignIn: roster.SignInConfirmed, IncludeInactive: true}, []string{"ada", "elodie", "alan"}},
	})
}

func filterAfterIDAndLimit(t *testing.T, s roster.Store) {
	p := seedPeople(t, s)
	all := roster.UserFilter{IncludeInactive: true}
	page := func(after string, limit int) roster.UserFilter {
		f := all
		if after != "" {
			f.AfterID = p[after].ID
		}
		f.Limit = limit
		return f
	}
	runFilterCases(t, s, p, []filterCase{
		{"limit", page("", 2), []string{"ada", "grace"}},
		{"limit larger than the result", page("", 50), []string{"ada", "grace", "elodie", "alan", "linus"}},
		{"after id", page("grace", 0), []string{"elodie", "alan", "linus"}},
		{"after id and limit", page("grace", 1), []string{"elodie"}},
		{"after the last id", page("linus", 0), nil},
	})
}

func filterCombinations(t *testing.T, s roster.Store) {
	p := seedPeople(t, s)
	runFilterCases(t, s, p, []filterCase{
		{"contains hides inactive", roster.UserFilter{Contains: "EXAMPLE"}, []string{"ada", "grace", "elodie", "linus"}},
		{"contains and sign-in", roster.UserFilter{Contains: "example", SignIn: roster.SignInConfirmed, IncludeInactive: true}, []string{"ada", "elodie", "alan"}},
		{"contains, sign-in and limit", roster.UserFilter{Contains: "example", SignIn: roster.SignInConfirmed, IncludeInactive: true, Limit: 2}, []string{"ada", "elodie"}},
		{"contains, sign-in, after id and limit", roster.UserFilter{Contains: "example", SignIn: roster.SignInConfirmed, IncludeInactive: true, AfterID: p["elodie"].ID, Limit: 2}, []string{"alan"}},
		{"ids and contains", roster.UserFilter{IDs: p.ids("ada", "grace"), Contains: "hopper"}, []string{"grace"}},
		{"ids and sign-in", roster.UserFilter{IDs: p.ids("alan", "linus"), SignIn: roster.SignInResetRequired, IncludeInactive: true}, []string{"linus"}},
		{"ids and contains disjoint", roster.UserFilter{IDs: p.ids("ada"), Contains: "hopper"}, nil},
	})
}

func filterKeysetPaging(t *testing.T, s roster.Store) {
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	var all, active []int64
	for i := range 11 {
		u := newUser(roster.DefaultPartnerID, role.ID, fmt.Sprintf("user%02d", i))
		if i%4 == 1 {
			u.State = roster.StateInactive
		}
		mustCreateUser(t, s, u)
		all = append(all, u.ID)
		if u.State != roster.StateInactive {
			active = append(active, u.ID)
		}
	}
	for _, tt := range []struct {
		name   string
		filter roster.UserFilter
		want   []int64
	}{
		{"everyone", roster.UserFilter{IncludeInactive: true}, all},
		{"active only", roster.UserFilter{}, active},
		{"contains", roster.UserFilter{Contains: "USER0", IncludeInactive: true}, all[:10]},
	} {
		for _, limit := range []int{1, 3, 4, 11} {
			var got []int64
			f := tt.filter
			f.Limit = limit
			for pages := 0; ; pages++ {
				if pages > len(all)+1 {
					t.Fatalf("%s, limit %d: paging does not end", tt.name, limit)
				}
				us, err := s.Users(t.Context(), roster.DefaultPartnerID, f)
				must(t, "Users", err)
				if len(us) > limit {
					t.Fatalf("%s, limit %d: page of %d users", tt.name, limit, len(us))
				}
				if len(us) == 0 {
					break
				}
				got = append(got, userIDs(us)...)
				f.AfterID = us[len(us)-1].ID
			}
			for _, d := range diffStrings("ids", got, tt.want) {
				t.Errorf("%s, limit %d: %s", tt.name, limit, d)
			}
		}
	}
}

func filterSeesUpdates(t *testing.T, s roster.Store) {
	p := seedPeople(t, s)
	ada := p["ada"]
	ada.GivenName, ada.FamilyName, ada.Email = "Augusta", "King", "AUGUSTA@Example.net"
	ada.State, ada.SignIn = roster.StateInactive, roster.SignInResetRequired
	must(t, "UpdateUser", s.UpdateUser(t.Context(), &ada))
	p["ada"] = ada
	runFilterCases(t, s, p, []filterCase{
		{"old name", roster.UserFilter{Contains: "lovelace", IncludeInactive: true}, nil},
		{"old e-mail", roster.UserFilter{Contains: "countess", IncludeInactive: true}, nil},
		{"new full name", roster.UserFilter{Contains: "augusta k", IncludeInactive: true}, []string{"ada"}},
		{"new e-mail", roster.UserFilter{Contains: "example.NET", IncludeInactive: true}, []string{"ada"}},
		{"new e-mail exactly", roster.UserFilter{Email: "augusta@example.net"}, []string{"ada"}},
		{"old e-mail exactly", roster.UserFilter{Email: "countess@example.com"}, nil},
		{"new state", roster.UserFilter{Contains: "augusta"}, nil},
		{"new sign-in state", roster.UserFilter{SignIn: roster.SignInResetRequired, IncludeInactive: true}, []string{"ada", "linus"}},
	})
}

// person is one user of a test population.
type person struct {
	handle, username, given, family, email string
	state                                  roster.AccountState
}

// seedPersons creates the users of partner 1, in the order given.
func seedPersons(t *testing.T, s roster.Store, persons []person) people {
	t.Helper()
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	p := people{}
	for _, ps := range persons {
		u := newUser(roster.DefaultPartnerID, role.ID, ps.username)
		u.GivenName, u.FamilyName, u.Email, u.State = ps.given, ps.family, ps.email, ps.state
		p[ps.handle] = mustCreateUser(t, s, u)
	}
	return p
}

// reload reads every person back, after a write elsewhere (such as a
// group's) changed them.
func (p people) reload(t *testing.T, s roster.Store) {
	t.Helper()
	for h, u := range p {
		p[h] = mustUser(t, s, u.PartnerID, u.ID)
	}
}

// seedGroupedPeople adds groups to seedPeople's users: Engineers (ada,
// grace, alan), Navy (grace, linus) and Empty.
func seedGroupedPeople(t *testing.T, s roster.Store) (people, map[string]int64) {
	t.Helper()
	p := seedPeople(t, s)
	gs := map[string]int64{
		"Engineers": mustCreateGroup(t, s, roster.DefaultPartnerID, "Engineers", p.ids("alan", "ada", "grace")...).ID,
		"Navy":      mustCreateGroup(t, s, roster.DefaultPartnerID, "Navy", p.ids("grace", "linus")...).ID,
		"Empty":     mustCreateGroup(t, s, roster.DefaultPartnerID, "Empty").ID,
	}
	p.reload(t, s)
	return p, gs
}

func filterGroupIDs(t *testing.T, s roster.Store) {
	p, gs := seedGroupedPeople(t, s)
	both := []int64{gs["Navy"], gs["Engineers"]}
	runFilterCases(t, s, p, []filterCase{
		{"one group", roster.UserFilter{GroupIDs: []int64{gs["Engineers"]}, IncludeInactive: true}, []string{"ada", "grace", "alan"}},
		{"one group hides inactive", roster.UserFilter{GroupIDs: []int64{gs["Engineers"]}}, []string{"ada", "grace"}},
		{"two groups, a member of both once", roster.UserFilter{GroupIDs: both, IncludeInactive: true}, []string{"ada", "grace", "alan", "linus"}},
		{"the same group twice", roster.UserFilter{GroupIDs: []int64{gs["Navy"], gs["Navy"]}}, []string{"grace", "linus"}},
		{"empty group", roster.UserFilter{GroupIDs: []int64{gs["Empty"]}, IncludeInactive: true}, nil},
		{"unknown group", roster.UserFilter{GroupIDs: []int64{unknownID}, IncludeInactive: true}, nil},
		{"groups and search", roster.UserFilter{GroupIDs: both, Search: "HOPPER"}, []string{"grace"}},
		{"groups and ids", roster.UserFilter{GroupIDs: both, IDs: p.ids("linus", "elodie")}, []string{"linus"}},
		{"groups, sort and descending", roster.UserFilter{GroupIDs: both, IncludeInactive: true, SortBy: roster.SortByFamilyName, Descending: true}, []string{"alan", "linus", "ada", "grace"}},
		{"groups, offset and limit", roster.UserFilter{GroupIDs: both, IncludeInactive: true, Offset: 1, Limit: 2}, []string{"grace", "alan"}},
		{"groups and keyset", roster.UserFilter{GroupIDs: both, IncludeInactive: true, AfterID: p["grace"].ID}, []string{"alan", "linus"}},
	})
}

func filterSearch(t *testing.T, s roster.Store) {
	// Each searchable field is distinct, so that a match shows which
	// field matched.
	p := seedPersons(t, s, []person{
		{"grace", "cobol-grandma", "Grace", "Hopper", "admiral@navy.example", roster.StateActive},
		{"ada", "enchantress", "Ada", "Lovelace", "countess@example.com", roster.StateActive},
		{"elodie", "pingouin", "Élodie", "Dupont", "elodie@example.fr", roster.StateActive},
		{"alan", "enigma", "Alan", "Turing", "alan_turing@example.com", roster.StateInactive},
		{"linus", "penguin", "Linus", "Torvalds", "linus@kernel.example", roster.StateLocked},
	})
	all := roster.UserFilter{IncludeInactive: true}
	search := func(text string) roster.UserFilter { f := all; f.Search = text; return f }
	runFilterCases(t, s, p, []filterCase{
		{"username in other case", search("GRANDMA"), []string{"grace"}},
		{"usernames", search("en"), []string{"ada", "alan", "linus"}},
		{"usernames hide inactive", roster.UserFilter{Search: "en"}, []string{"ada", "linus"}},
		{"given name", search("gRACE"), []string{"grace"}},
		{"family name", search("LOVELACE"), []string{"ada"}},
		{"full name across the space", search("a l"), []string{"ada"}},
		{"full name across the space in other case", search("CE HOP"), []string{"grace"}},
		{"e-mail", search("NAVY.EXAMPLE"), []string{"grace"}},
		{"e-mail from the at sign", search("@kernel"), []string{"linus"}},
		{"every e-mail", search("example"), []string{"grace", "ada", "elodie", "alan", "linus"}},
		{"unicode in other case", search("ÉLODIE"), []string{"elodie"}},
		{"unicode full name", search("élodie DUP"), []string{"elodie"}},
		{"underscore is literal", search("_"), []string{"alan"}},
		{"percent is literal", search("%"), nil},
		{"nothing matches", search("nobody-matches-this"), nil},
		{"search and sort", roster.UserFilter{Search: "en", IncludeInactive: true, SortBy: roster.SortByUsername, Descending: true}, []string{"linus", "alan", "ada"}},
		// Contains, the older search, does not look at usernames.
		{"contains ignores the username", roster.UserFilter{Contains: "grandma", IncludeInactive: true}, nil},
	})
}

// seedSortPeople creates users whose fields tie on purpose: two share a
// given name, two a family name, three a state. Their e-mails sort in
// another order than their usernames, and neither in id order.
func seedSortPeople(t *testing.T, s roster.Store) people {
	t.Helper()
	return seedPersons(t, s, []person{
		{"dan", "dan", "Carol", "Smith", "a.dan@example.com", roster.StateActive},
		{"bea", "bea", "Alice", "Jones", "z.bea@example.com", roster.StateLocked},
		{"abe", "abe", "Carol", "Jones", "m.abe@example.com", roster.StateInactive},
		{"cid", "cid", "Bob", "Smith", "b.cid@example.com", roster.StateActive},
		{"eve", "eve", "Alice", "Brown", "k.eve@example.com", roster.StateActive},
	})
}

func filterSortBy(t *testing.T, s roster.Store) {
	p := seedSortPeople(t, s)
	for _, tt := range []struct {
		sort      roster.UserSort
		asc, desc []string
	}{
		{roster.SortByID, []string{"dan", "bea", "abe", "cid", "eve"}, []string{"eve", "cid", "abe", "bea", "dan"}},
		{roster.SortByUsername, []string{"abe", "bea", "cid", "dan", "eve"}, []string{"eve", "dan", "cid", "bea", "abe"}},
		{roster.SortByEmail, []string{"dan", "cid", "eve", "abe", "bea"}, []string{"bea", "abe", "eve", "cid", "dan"}},
		{roster.SortByGivenName, []string{"bea", "eve", "cid", "dan", "abe"}, []string{"abe", "dan", "cid", "eve", "bea"}},
		{roster.SortByFamilyName, []string{"eve", "bea", "abe", "dan", "cid"}, []string{"cid", "dan", "abe", "bea", "eve"}},
		{roster.SortByState, []string{"dan", "cid", "eve", "abe", "bea"}, []string{"bea", "abe", "eve", "cid", "dan"}},
		{roster.SortByCreatedAt, []string{"dan", "bea", "abe", "cid", "eve"}, []string{"eve", "cid", "abe", "bea", "dan"}},
	} {
		name := fmt.Sprintf("sort by %q", tt.sort)
		runFilterCases(t, s, p, []filterCase{
			{name, roster.UserFilter{SortBy: tt.sort, IncludeInactive: true}, tt.asc},
			{name + " descending", roster.UserFilter{SortBy: tt.sort, Descending: true, IncludeInactive: true}, tt.desc},
		})
	}
	runFilterCases(t, s, p, []filterCase{
		{"sort hides inactive", roster.UserFilter{SortBy: roster.SortByFamilyName, Descending: true}, []string{"cid", "dan", "bea", "eve"}},
		{"sort with offset and limit", roster.UserFilter{SortBy: roster.SortByFamilyName, IncludeInactive: true, Offset: 1, Limit: 2}, []string{"bea", "abe"}},
		{"sort descending with offset", roster.UserFilter{SortBy: roster.SortByGivenName, Descending: true, IncludeInactive: true, Offset: 3}, []string{"eve", "bea"}},
		{"sort with ids", roster.UserFilter{SortBy: roster.SortByEmail, IDs: p.ids("bea", "eve", "dan"), IncludeInactive: true}, []string{"dan", "eve", "bea"}},
	})
}

func filterOffset(t *testing.T, s roster.Store) {
	p := seedPeople(t, s)
	everyone := []string{"ada", "grace", "elodie", "alan", "linus"}
	page := func(offset, limit int) roster.UserFilter {
		return roster.UserFilter{IncludeInactive: true, Offset: offset, Limit: limit}
	}
	runFilterCases(t, s, p, []filterCase{
		{"first page", page(0, 2), everyone[0:2]},
		{"second page", page(2, 2), everyone[2:4]},
		{"last page", page(4, 2), everyone[4:]},
		{"past the end", page(5, 2), nil},
		{"offset without limit", page(3, 0), everyone[3:]},
		{"offset far past the end", page(100, 0), nil},
		{"offset hides inactive", roster.UserFilter{Offset: 2, Limit: 2}, []string{"elodie", "linus"}},
		{"offset descending", roster.UserFilter{IncludeInactive: true, Descending: true, Offset: 1, Limit: 2}, []string{"alan", "elodie"}},
		{"offset and search", roster.UserFilter{Search: "example", Offset: 1}, []string{"grace", "elodie", "linus"}},
	})
	// Paging by offset visits everyone once, whatever the page size.
	for _, limit := range []int{1, 2, 3, 5} {
		var got []int64
		for offset := 0; offset <= len(everyone); offset += limit {
			us, err := s.Users(t.Context(), roster.DefaultPartnerID, page(offset, limit))
			must(t, "Users", err)
			got = append(got, userIDs(us)...)
		}
		for _, d := range diffStrings("ids", got, p.ids(everyone...)) {
			t.Errorf("offset paging, limit %d: %s", limit, d)
		}
	}
}

func filterEmailOverridesNewFields(t *testing.T, s roster.Store) {
	p, gs := seedGroupedPeople(t, s)
	runFilterCases(t, s, p, []filterCase{
		{"every new field ignored", roster.UserFilter{
			Email:      "Alan_Turing@Example.com",
			GroupIDs:   []int64{gs["Empty"]},
			Search:     "no such text",
			SortBy:     roster.SortByFamilyName,
			Descending: true,
			Offset:     1,
			Limit:      1,
		}, []string{"alan"}},
	})
}

// countCases are filters over seedGroupedPeople and how many users each
// matches.
func countCases(p people, gs map[string]int64) []struct {
	name   string
	filter roster.UserFilter
	want   int
} {
	return []struct {
		name   string
		filter roster.UserFilter
		want   int
	}{
		{"default", roster.UserFilter{}, 4},
		{"include inactive", roster.UserFilter{IncludeInactive: true}, 5},
		{"ids", roster.UserFilter{IDs: p.ids("ada", "alan"), IncludeInactive: true}, 2},
		{"contains", roster.UserFilter{Contains: "EXAMPLE.COM", IncludeInactive: true}, 2},
		{"search", roster.UserFilter{Search: "u-"}, 4},
		{"sign-in", roster.UserFilter{SignIn: roster.SignInConfirmed, IncludeInactive: true}, 3},
		{"groups with a shared member", roster.UserFilter{GroupIDs: []int64{gs["Engineers"], gs["Navy"]}, IncludeInactive: true}, 4},
		{"sorted", roster.UserFilter{SortBy: roster.SortByEmail, Descending: true}, 4},
		{"e-mail", roster.UserFilter{Email: "ADMIRAL@navy.example", Limit: 5}, 1},
		{"unknown e-mail", roster.UserFilter{Email: "nobody@example.com"}, 0},
		{"nothing", roster.UserFilter{Search: "nobody-matches-this"}, 0},
	}
}

func filterCountUsers(t *testing.T, s roster.Store) {
	p, gs := seedGroupedPeople(t, s)
	for _, tt := range countCases(p, gs) {
		us, err := s.Users(t.Context(), roster.DefaultPartnerID, tt.filter)
		must(t, "Users "+tt.name, err)
		if len(us) != tt.want {
			t.Errorf("%s: Users returned %d, want %d", tt.name, len(us), tt.want)
		}
		for _, paging := range []roster.UserFilter{{}, {Offset: 1}, {Limit: 1}, {Offset: 2, Limit: 1}, {AfterID: p["grace"].ID}, {AfterID: roster.MaxID, Limit: 1}} {
			f := tt.filter
			f.Offset, f.Limit, f.AfterID = paging.Offset, paging.Limit, paging.AfterID
			n, err := s.CountUsers(t.Context(), roster.DefaultPartnerID, f)
			must(t, "CountUsers "+tt.name, err)
			if n != tt.want {
				t.Errorf("%s: CountUsers(offset %d, limit %d, after %d) = %d, want %d", tt.name, f.Offset, f.Limit, f.AfterID, n, tt.want)
			}
		}
	}
}

// eachUser collects what EachUser visits.
func eachUser(t *testing.T, s roster.Store, f roster.UserFilter) []roster.User {
	t.Helper()
	var got []roster.User
	err := s.EachUser(t.Context(), roster.DefaultPartnerID, f, func(u roster.User) error {
		got = append(got, u)
		return nil
	})
	must(t, "EachUser", err)
	return got
}

func filterEachUser(t *testing.T, s roster.Store) {
	p, gs := seedGroupedPeople(t, s)
	filters := []roster.UserFilter{
		{SortBy: roster.SortByGivenName, Descending: true, IncludeInactive: true},
		{Offset: 1, Limit: 3, IncludeInactive: true},
		{AfterID: p["ada"].ID, Limit: 2},
	}
	for _, c := range countCases(p, gs) {
		filters = append(filters, c.filter)
	}
	for i, f := range filters {
		want, err := s.Users(t.Context(), roster.DefaultPartnerID, f)
		must(t, "Users", err)
		got := eachUser(t, s, f)
		what := fmt.Sprintf("filter %d (%+v)", i, f)
		wantUserIDs(t, what, got, userIDs(want)...)
		for j := range min(len(got), len(want)) {
			checkUser(t, what, got[j], want[j])
		}
	}
	if got := eachUser(t, s, roster.UserFilter{Search: "nobody-matches-this"}); len(got) != 0 {
		t.Errorf("EachUser with no match visited %d users", len(got))
	}
}

func filterEachUserStops(t *testing.T, s roster.Store) {
	seedPeople(t, s)
	errStop := errors.New("storetest: stop")
	calls := 0
	err := s.EachUser(t.Context(), roster.DefaultPartnerID, roster.UserFilter{IncludeInactive: true}, func(roster.User) error {
		calls++
		if calls == 2 {
			return fmt.Errorf("second user: %w", errStop)
		}
		return nil
	})
	if !errors.Is(err, errStop) {
		t.Errorf("EachUser = %v, want fn's error %v", err, errStop)
	}
	if calls != 2 {
		t.Errorf("fn called %d times, want 2: the error stops the walk", calls)
	}
}
