package storetest

import (
	"context"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

// healthTests hold every engine to roster.Monitored.
var healthTests = []subtest{
	{"FreshStoreIsReady", func(t *testing.T, s roster.Store) {
		if err := monitored(t, s).Ready(context.Background()); err != nil {
			t.Fatalf("Ready on a fresh, migrated store: %v", err)
		}
	}},
	{"ReadyHonoursItsContext", func(t *testing.T, s roster.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := monitored(t, s).Ready(ctx); err == nil {
			t.Fatal("Ready with a cancelled context returned nil")
		}
	}},
	{"PoolStatsNameEveryPool", func(t *testing.T, s roster.Store) {
		// A read first, so that at least one connection is open.
		if _, err := s.Partner(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		stats := monitored(t, s).PoolStats()
		if len(stats) == 0 {
			t.Fatal("PoolStats returned no pool")
		}
		open := 0
		for _, p := range stats {
			if p.Pool == "" || p.MaxOpen <= 0 || p.InUse < 0 || p.Idle < 0 || p.InUse+p.Idle > p.MaxOpen {
				t.Errorf("implausible pool stats %+v", p)
			}
			open += p.InUse + p.Idle
		}
		if open == 0 {
			t.Errorf("no open connection after a read: %+v", stats)
		}
	}},
}

// monitored returns s as a roster.Monitored, failing if it is not one.
func monitored(t *testing.T, s roster.Store) roster.Monitored {
	t.Helper()
	m, ok := s.(roster.Monitored)
	if !ok {
		t.Fatalf("%T does not implement roster.Monitored", s)
	}
	return m
}
