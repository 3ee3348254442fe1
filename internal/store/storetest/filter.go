package storetest

import (
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

func filterContains(t *testing.T, s roster.Store) {
	p := seedPeople(t, s)
	all := roster.UserFilter{IncludeInactive: true}
	contains := func(text string) roster.UserFilter { f := all; f.Contains = text; return f }
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
