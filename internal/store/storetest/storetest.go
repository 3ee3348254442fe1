// Package storetest is the conformance suite that every roster.Store engine
// runs, so that SQLite and PostgreSQL behave the same to the layers above.
//
// It tests only what the doc comments of roster.Store promise. It knows
// nothing of SQL, schemas or drivers: an engine detail that no caller can
// observe through the interface is none of its business.
package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// subtest is one named case of a group; it gets a store of its own.
type subtest struct {
	name string
	run  func(t *testing.T, s roster.Store)
}

// Run runs the conformance suite. open must return a fresh, migrated, empty
// store — partner 1 "Default" with the roles of roster.BuiltInRoles, no
// users and no API keys — and register its own cleanup with t. Run calls it
// once per subtest, from parallel subtests.
func Run(t *testing.T, open func(t *testing.T) roster.Store) {
	groups := []struct {
		name  string
		tests []subtest
	}{
		{"Partners", partnerTests},
		{"Roles", roleTests},
		{"Users", userTests},
		{"UserFilter", filterTests},
		{"Groups", groupTests},
		{"Tokens", tokenTests},
		{"PasswordHistory", historyTests},
		{"APIKeys", apiKeyTests},
		{"Tx", txTests},
		{"Secret", secretTests},
		{"Audit", auditTests},
		{"Bulk", bulkTests},
		{"Isolation", isolationTests},
		{"Health", healthTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, st := range g.tests {
				t.Run(st.name, func(t *testing.T) {
					t.Parallel()
					st.run(t, open(t))
				})
			}
		})
	}
}

// unknownID is an id that no fresh store has handed out.
const unknownID int64 = 987654321

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, what string, err error, code roster.Code) {
	t.Helper()
	if got := roster.ErrorCode(err); got != code {
		t.Fatalf("%s: error code %q (err %v), want %q", what, got, err, code)
	}
}

// must fails the test on any error.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// mustCreatePartner creates a partner without roles.
func mustCreatePartner(t *testing.T, s roster.Store, name string) roster.Partner {
	t.Helper()
	p := roster.Partner{Name: name}
	must(t, "CreatePartner "+name, s.CreatePartner(t.Context(), &p))
	return p
}

// mustCreatePartnerWithRoles creates a partner and gives it the built-in
// roles, as the service does.
func mustCreatePartnerWithRoles(t *testing.T, s roster.Store, name string) roster.Partner {
	t.Helper()
	p := mustCreatePartner(t, s, name)
	for _, r := range roster.BuiltInRoles {
		r.PartnerID = p.ID
		must(t, "CreateRole "+r.Name, s.CreateRole(t.Context(), &r))
	}
	return p
}

// mustCreateRole creates a role with the given permissions.
func mustCreateRole(t *testing.T, s roster.Store, partnerID int64, name string, perms ...roster.Permission) roster.Role {
	t.Helper()
	r := roster.Role{
		PartnerID:         partnerID,
		Name:              name,
		Permissions:       roster.NewPermissions(perms...),
		LogTypeAccessKind: roster.LogTypeAccessAllowAll,
	}
	must(t, "CreateRole "+name, s.CreateRole(t.Context(), &r))
	return r
}

// mustRole returns the partner's role of that name.
func mustRole(t *testing.T, s roster.Store, partnerID int64, name string) roster.Role {
	t.Helper()
	r, err := s.RoleByName(t.Context(), partnerID, name)
	must(t, "RoleByName "+name, err)
	return r
}

// newUser returns an ACTIVE, CONFIRMED user whose username is handle and
// whose e-mail is handle@example.com.
func newUser(partnerID, roleID int64, handle string) *roster.User {
	return &roster.User{
		PartnerID:  partnerID,
		Username:   handle,
		Email:      handle + "@example.com",
		GivenName:  "Given " + handle,
		FamilyName: "Family " + handle,
		Role:       roster.Role{ID: roleID},
		State:      roster.StateActive,
		SignIn:     roster.SignInConfirmed,
	}
}

// mustCreateUser creates u and returns the stored copy.
func mustCreateUser(t *testing.T, s roster.Store, u *roster.User) roster.User {
	t.Helper()
	must(t, "CreateUser "+u.Username, s.CreateUser(t.Context(), u))
	return *u
}

// mustUser reads one user back.
func mustUser(t *testing.T, s roster.Store, partnerID, id int64) roster.User {
	t.Helper()
	u, err := s.User(t.Context(), partnerID, id)
	must(t, fmt.Sprintf("User %d/%d", partnerID, id), err)
	return u
}

// userIDs returns the ids of us in their order.
func userIDs(us []roster.User) []int64 {
	ids := make([]int64, len(us))
	for i, u := range us {
		ids[i] = u.ID
	}
	return ids
}

// wantUserIDs fails unless us holds exactly the users with ids, in order.
func wantUserIDs(t *testing.T, what string, us []roster.User, ids ...int64) {
	t.Helper()
	if got := userIDs(us); !slices.Equal(got, ids) {
		t.Errorf("%s: user ids %v, want %v", what, got, ids)
	}
}

// sameInstant reports whether a and b agree to the microsecond, allowing
// for an engine that rounds rather than truncates.
func sameInstant(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Microsecond && d < time.Microsecond
}

// checkRecent fails unless tm is a UTC timestamp taken around now.
func checkRecent(t *testing.T, what string, tm time.Time) {
	t.Helper()
	if tm.IsZero() {
		t.Errorf("%s is zero", what)
		return
	}
	if tm.Location() != time.UTC {
		t.Errorf("%s = %v, want UTC", what, tm)
	}
	if d := time.Since(tm); d < -time.Minute || d > time.Minute {
		t.Errorf("%s = %v, want about now (%v)", what, tm, time.Now().UTC())
	}
}

// diffTime describes how got differs from want: another instant, or not UTC.
func diffTime(field string, got, want time.Time) []string {
	var d []string
	if !sameInstant(got, want) {
		d = append(d, fmt.Sprintf("%s = %v, want %v", field, got, want))
	}
	if !got.IsZero() && got.Location() != time.UTC {
		d = append(d, fmt.Sprintf("%s = %v, want UTC", field, got))
	}
	return d
}

func diffTimePtr(field string, got, want *time.Time) []string {
	switch {
	case got == nil && want == nil:
		return nil
	case got == nil || want == nil:
		return []string{fmt.Sprintf("%s = %v, want %v", field, fmtPtr(got), fmtPtr(want))}
	}
	return diffTime(field, *got, *want)
}

func diffStringPtr(field string, got, want *string) []string {
	if got == nil && want == nil || got != nil && want != nil && *got == *want {
		return nil
	}
	return []string{fmt.Sprintf("%s = %s, want %s", field, fmtPtr(got), fmtPtr(want))}
}

func fmtPtr[T any](p *T) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprintf("%q", fmt.Sprint(*p))
}

func diffField[T comparable](field string, got, want T) []string {
	if got == want {
		return nil
	}
	return []string{fmt.Sprintf("%s = %v, want %v", field, got, want)}
}

// diffStrings compares two lists, a nil list being equal to an empty one.
func diffStrings[S ~[]E, E comparable](field string, got, want S) []string {
	if slices.Equal(got, want) {
		return nil
	}
	return []string{fmt.Sprintf("%s = %v, want %v", field, got, want)}
}

// diffRole lists every difference between two roles.
func diffRole(got, want roster.Role) []string {
	var d []string
	d = append(d, diffField("ID", got.ID, want.ID)...)
	d = append(d, diffField("PartnerID", got.PartnerID, want.PartnerID)...)
	d = append(d, diffField("Name", got.Name, want.Name)...)
	d = append(d, diffStrings("Permissions", got.Permissions, want.Permissions)...)
	d = append(d, diffStrings("LogTypeAccess", got.LogTypeAccess, want.LogTypeAccess)...)
	d = append(d, diffField("LogTypeAccessKind", got.LogTypeAccessKind, want.LogTypeAccessKind)...)
	d = append(d, diffField("BuiltIn", got.BuiltIn, want.BuiltIn)...)
	d = append(d, diffTime("CreatedAt", got.CreatedAt, want.CreatedAt)...)
	d = append(d, diffTime("UpdatedAt", got.UpdatedAt, want.UpdatedAt)...)
	return d
}

// diffUser lists every difference between two users, their roles included.
func diffUser(got, want roster.User) []string {
	var d []string
	d = append(d, diffField("ID", got.ID, want.ID)...)
	d = append(d, diffField("PartnerID", got.PartnerID, want.PartnerID)...)
	d = append(d, diffField("Username", got.Username, want.Username)...)
	d = append(d, diffField("Email", got.Email, want.Email)...)
	d = append(d, diffField("GivenName", got.GivenName, want.GivenName)...)
	d = append(d, diffField("FamilyName", got.FamilyName, want.FamilyName)...)
	d = append(d, diffStringPtr("Title", got.Title, want.Title)...)
	d = append(d, diffStringPtr("Phone", got.Phone, want.Phone)...)
	for _, r := range diffRole(got.Role, want.Role) {
		d = append(d, "Role."+r)
	}
	d = append(d, diffField("State", got.State, want.State)...)
	d = append(d, diffField("SignIn", got.SignIn, want.SignIn)...)
	d = append(d, diffField("PasswordHash", got.PasswordHash, want.PasswordHash)...)
	d = append(d, diffTimePtr("PasswordExpiresAt", got.PasswordExpiresAt, want.PasswordExpiresAt)...)
	d = append(d, diffTime("CreatedAt", got.CreatedAt, want.CreatedAt)...)
	d = append(d, diffTime("UpdatedAt", got.UpdatedAt, want.UpdatedAt)...)
	d = append(d, diffTimePtr("LastLoginAt", got.LastLoginAt, want.LastLoginAt)...)
	d = append(d, diffStrings("Groups", got.Groups, want.Groups)...)
	d = append(d, diffField("FailedSignIns", got.FailedSignIns, want.FailedSignIns)...)
	d = append(d, diffTimePtr("FailedSince", got.FailedSince, want.FailedSince)...)
	return d
}

// checkRole fails the test if got differs from want.
func checkRole(t *testing.T, what string, got, want roster.Role) {
	t.Helper()
	for _, d := range diffRole(got, want) {
		t.Errorf("%s: %s", what, d)
	}
}

// checkUser fails the test if got differs from want.
func checkUser(t *testing.T, what string, got, want roster.User) {
	t.Helper()
	for _, d := range diffUser(got, want) {
		t.Errorf("%s: %s", what, d)
	}
}

// pause lets the clock move on, so that a later timestamp is a greater one.
func pause() { time.Sleep(5 * time.Millisecond) }
