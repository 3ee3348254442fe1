// Package rostertest makes a deterministic, realistic population of users
// for benchmarks: the same names, e-mails, roles, memberships and states
// wherever one is needed, whether a benchmark encodes users or stores them,
// so that the figures of one layer can be set beside another's.
//
// It knows only the domain and roster.Store. An engine that seeds faster
// than the Store can (a benchmark of 100,000 users) takes the values from
// User and inserts them its own way.
package rostertest

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// Groups is how many groups a seeded partner has; User names its
// memberships by their position among them, 1 to Groups.
const Groups = 20

// PasswordHash has the shape and about the length of the service's
// argon2id hashes, so that a row costs what a real one does to read; no
// password matches it.
const PasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2VlZGVkLXNhbHQtMDEyMw$" +
	"bm90LWEtcmVhbC1oYXNoLW9mLWFueS1wYXNzd29yZC0wMTIz"

var (
	givens = []string{"Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "John",
		"Edsger", "Donald", "Niklaus", "Tony", "Leslie", "Radia", "Katherine", "Sophie", "Guido", "Élodie"}
	families = []string{"Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie",
		"Allen", "McCarthy", "Dijkstra", "Knuth", "Wirth", "Hoare", "Lamport", "Perlman", "Johnson", "Wilson",
		"Rossum", "Kay", "Backus", "Kernighan", "Pike", "Cerf", "Durand"}
	titles = []string{"Analyst", "Marketing Manager", "Data Engineer", "Account Director"}
	epoch  = time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
)

// MailDomains is how many e-mail domains the population spreads over:
// "@mail7.example.com" is in the address of one user in MailDomains.
const MailDomains = 50

// User returns the i-th user (from 0) of partner 1's population, as the
// store reads it back: ID i+1, a built-in role (one in 20 is an Admin),
// zero to three groups, a title for one in three, a phone number for one
// in four, one in 100 INACTIVE, one in ten still holding an invitation's
// temporary password and the others signed in at least once.
//
// Its family name is one of 25 (so "hopper" is in one user's name in 25),
// its e-mail "Given.Family.i@mailN.example.com" with N = i % MailDomains.
// Role.ID is the role's position in roster.BuiltInRoles plus one, and
// Groups are positions 1..Groups: SeedUsers maps both to the stored ids.
func User(i int) roster.User {
	given, family := givens[i%len(givens)], families[i%len(families)]
	created := epoch.Add(time.Duration(i) * time.Minute)
	u := roster.User{
		ID:           int64(i) + 1,
		PartnerID:    roster.DefaultPartnerID,
		Username:     fmt.Sprintf("u%06d", i),
		Email:        fmt.Sprintf("%s.%s.%d@mail%d.example.com", given, family, i, i%MailDomains),
		GivenName:    given,
		FamilyName:   family,
		State:        roster.StateActive,
		SignIn:       roster.SignInConfirmed,
		PasswordHash: PasswordHash,
		CreatedAt:    created,
		UpdatedAt:    created,
	}
	role := 1 // Analyst
	switch {
	case i%20 == 0:
		role = 0 // Admin
	case i%7 == 0:
		role = 2 // AnalystReadOnly
	}
	u.Role = roster.BuiltInRoles[role]
	u.Role.ID, u.Role.PartnerID = int64(role)+1, roster.DefaultPartnerID
	if i%3 == 0 {
		u.Title = &titles[i%len(titles)]
	}
	if i%4 == 0 {
		phone := fmt.Sprintf("+1 415 555 %04d", i%10000)
		u.Phone = &phone
	}
	if i%100 == 99 {
		u.State = roster.StateInactive
	}
	if i%10 == 3 {
		expires := created.Add(24 * time.Hour)
		u.SignIn, u.PasswordExpiresAt = roster.SignInForceChange, &expires
	} else {
		login := created.Add(time.Duration(i%997) * time.Hour)
		u.LastLoginAt = &login
	}
	for g := range i % 4 {
		u.Groups = append(u.Groups, int64((i+g*7)%Groups)+1)
	}
	return u
}

// Users returns the first n users of the population.
func Users(n int) []roster.User {
	us := make([]roster.User, n)
	for i := range us {
		us[i] = User(i)
	}
	return us
}

// SeedUsers creates Groups groups and the first n users of the population
// in the partner through st, batch users to a CreateUsers call (one
// transaction), and returns the users as stored. Writing through the Store
// runs every check a real write does.
func SeedUsers(ctx context.Context, st roster.Store, partnerID int64, n, batch int) ([]roster.User, error) {
	roles := make([]int64, len(roster.BuiltInRoles))
	for i, r := range roster.BuiltInRoles {
		stored, err := st.RoleByName(ctx, partnerID, r.Name)
		if err != nil {
			return nil, fmt.Errorf("rostertest: role %s: %w", r.Name, err)
		}
		roles[i] = stored.ID
	}
	groups := make([]int64, Groups)
	for i := range groups {
		g := roster.Group{PartnerID: partnerID, Name: fmt.Sprintf("Team %02d", i+1), Description: "Seeded for benchmarks"}
		if err := st.CreateGroup(ctx, &g); err != nil {
			return nil, fmt.Errorf("rostertest: group: %w", err)
		}
		groups[i] = g.ID
	}
	us := make([]roster.User, 0, n)
	for len(us) < n {
		from, to := len(us), min(n, len(us)+batch)
		batch := make([]*roster.User, to-from)
		for i := from; i < to; i++ {
			u := User(i)
			u.ID, u.PartnerID, u.Role.ID = 0, partnerID, roles[u.Role.ID-1]
			for j, g := range u.Groups {
				u.Groups[j] = groups[g-1]
			}
			batch[i-from] = &u
		}
		if err := st.CreateUsers(ctx, batch); err != nil {
			return nil, fmt.Errorf("rostertest: users %d to %d: %w", from, to-1, err)
		}
		for _, u := range batch {
			us = append(us, *u)
		}
	}
	return us, nil
}

// Shared is a fixture built once per test binary, on first use, in a
// temporary directory of its own — such as a database seeded with 100,000
// users that every benchmark of a package reads. TestMain calls Close.
type Shared[T any] struct {
	once   sync.Once
	dir    string
	v      T
	closer io.Closer
	err    error
}

// Get returns the fixture, building it with build on first use; a build
// that failed fails every caller.
func (s *Shared[T]) Get(tb testing.TB, build func(ctx context.Context, dir string) (T, io.Closer, error)) T {
	tb.Helper()
	s.once.Do(func() {
		if s.dir, s.err = os.MkdirTemp("", "roster-fixture-"); s.err == nil {
			s.v, s.closer, s.err = build(context.Background(), s.dir)
		}
	})
	if s.err != nil {
		tb.Fatal(s.err)
	}
	return s.v
}

// Close releases the fixture, if it was built, and removes its directory.
func (s *Shared[T]) Close() {
	if s.closer != nil {
		_ = s.closer.Close() // the process is ending; nothing to report to
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}
