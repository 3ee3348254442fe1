package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// seedBatch is how many users one transaction inserts.
const seedBatch = 5000

// seedAdmins is how many seeded users, the first ones, are admins; the
// rest are analysts.
const seedAdmins = 5

// The substring searches: containsFragment is in one family name of fifty,
// so about 2% of the seeded users match it; noneFragment is in no name,
// e-mail or domain. seed_test.go checks both.
const (
	containsFragment = "konk"
	noneFragment     = "zqxj"
)

var givenNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
	"David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
	"Thomas", "Sarah", "Charles", "Karen", "Wei", "Aiko", "Olu", "Priya",
	"Mateo", "Sofia", "Lars", "Ingrid", "Kwame", "Amara", "Yusuf", "Leila",
	"Dmitri", "Anya", "Tomas", "Chiara", "Ravi", "Mei", "Emeka", "Freya",
}

var familyNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
	"Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas",
	"Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
	"Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
	"Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
	"Carter", "Okonkwo",
}

// domains are the seeded e-mails' domains: user i has domains[i%len].
var domains = []string{
	"acme.example", "globex.example", "initech.example", "umbrella.example", "hooli.example",
	"stark.example", "wayne.example", "wonka.example", "tyrell.example", "cyberdyne.example",
	"soylent.example", "aperture.example", "vandelay.example", "dunder.example", "oscorp.example",
	"gringotts.example", "monarch.example", "nakatomi.example", "prestige.example", "sterling.example",
	"duff.example", "krusty.example", "planet.example", "oceanic.example", "massive.example",
	"bluth.example", "pied.example", "wernham.example", "virtucon.example", "gekko.example",
	"rekall.example", "zorg.example", "weyland.example", "yoyodyne.example", "omni.example",
	"tessier.example", "ingen.example", "kaiba.example", "spacely.example", "cogswell.example",
	"benthic.example", "buynlarge.example", "contoso.example", "fabrikam.example", "northwind.example",
	"adventure.example", "litware.example", "proseware.example", "fourth.example", "lucerne.example",
}

// seedEmail is seeded user i's e-mail, which the email, update and Lua
// scenarios compute the same way.
func seedEmail(i int) string {
	return fmt.Sprintf("user%d@%s", i, domains[i%len(domains)])
}

// seedStats says what seeding did.
type seedStats struct {
	FirstID  int64
	Elapsed  time.Duration
	Contains int // how many seeded users the contains fragment matches
}

// seedUsers inserts users 1..n into partner 1 through the store's bulk
// insert, seedBatch users (one transaction) at a time, optimizes the store
// as an import does, and checks that their ids are consecutive, which the
// scenarios rely on. Seeded users have no password: only the
// one sign-in user, made through the API, can sign in.
func seedUsers(ctx context.Context, st roster.Store, n int, progress io.Writer) (seedStats, error) {
	admin, err := st.RoleByName(ctx, roster.DefaultPartnerID, roster.RoleAdmin)
	if err != nil {
		return seedStats{}, err
	}
	analyst, err := st.RoleByName(ctx, roster.DefaultPartnerID, roster.RoleAnalyst)
	if err != nil {
		return seedStats{}, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var stats seedStats
	var lastID int64
	start := time.Now()
	for lo := 1; lo <= n; lo += seedBatch {
		hi := min(lo+seedBatch-1, n)
		batch := make([]*roster.User, 0, hi-lo+1)
		for i := lo; i <= hi; i++ {
			role := analyst
			if i <= seedAdmins {
				role = admin
			}
			u := seedUser(i, rng, role.ID)
			if matchesContains(u, containsFragment) {
				stats.Contains++
			}
			batch = append(batch, &u)
		}
		if err := st.CreateUsers(ctx, batch); err != nil {
			return seedStats{}, fmt.Errorf("seeding users %d to %d: %w", lo, hi, err)
		}
		if lo == 1 {
			stats.FirstID = batch[0].ID
		}
		lastID = batch[len(batch)-1].ID
		reportSeedProgress(progress, hi, n, time.Since(start))
	}
	// As `roster users import` does after a bulk load: the scenarios then
	// search the index an import leaves (docs/BENCHMARKS.md has contains
	// on the index as the batches wrote it, too).
	if err := st.Optimize(ctx); err != nil {
		return seedStats{}, fmt.Errorf("seeding: %w", err)
	}
	stats.Elapsed = time.Since(start)
	if n > 0 && lastID-stats.FirstID != int64(n-1) {
		return seedStats{}, fmt.Errorf("seeded ids run from %d to %d, not %d consecutive ids", stats.FirstID, lastID, n)
	}
	return stats, nil
}

// reportSeedProgress prints a line every tenth of a large seeding.
func reportSeedProgress(w io.Writer, done, n int, elapsed time.Duration) {
	step := max(seedBatch, n/10/seedBatch*seedBatch)
	if n >= 100_000 && (done%step == 0 || done == n) {
		fmt.Fprintf(w, "roster-bench: seeded %d/%d users (%.0f/s)\n", done, n, float64(done)/elapsed.Seconds())
	}
}

// seedUser returns seeded user i: an active analyst or admin who has not
// chosen a password yet, with names drawn from rng.
func seedUser(i int, rng *rand.Rand, roleID int64) roster.User {
	email := seedEmail(i)
	return roster.User{
		PartnerID:  roster.DefaultPartnerID,
		Username:   email,
		Email:      email,
		GivenName:  givenNames[rng.IntN(len(givenNames))],
		FamilyName: familyNames[rng.IntN(len(familyNames))],
		Role:       roster.Role{ID: roleID},
		State:      roster.StateActive,
		SignIn:     roster.SignInConfirmed,
	}
}

// matchesContains is Panther's contains filter as UserFilter.Contains
// documents it, to count the fragment's matches while seeding.
func matchesContains(u roster.User, needle string) bool {
	needle = strings.ToLower(needle)
	for _, s := range []string{u.GivenName, u.FamilyName, u.GivenName + " " + u.FamilyName, u.Email} {
		if strings.Contains(strings.ToLower(s), needle) {
			return true
		}
	}
	return false
}
