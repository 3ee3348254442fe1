package main

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/roster-dev/roster/internal/store/sqlite"
)

func TestSeedUser_FragmentsMatchTheirShare(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 100_000
	var some, none int
	for i := 1; i <= n; i++ {
		u := seedUser(i, rng, 2)
		if matchesContains(u, containsFragment) {
			some++
		}
		if matchesContains(u, noneFragment) {
			none++
		}
	}
	if share := float64(some) / n; share < 0.018 || share > 0.022 {
		t.Errorf("%q matches %.2f%% of users, want about 2%%", containsFragment, 100*share)
	}
	if none != 0 {
		t.Errorf("%q matches %d users, want none", noneFragment, none)
	}
}

func TestSeedUsers_ConsecutiveIDs(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "seed.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const n = seedBatch + 10
	stats, err := seedUsers(ctx, st, n, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.User(ctx, 1, stats.FirstID+n-1)
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != seedEmail(n) {
		t.Errorf("user %d has e-mail %q, want %q", n, u.Email, seedEmail(n))
	}
}

func BenchmarkSeedUsers(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "seed.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.ResetTimer()
	if _, err := seedUsers(ctx, st, b.N, b.Output()); err != nil {
		b.Fatal(err)
	}
}
