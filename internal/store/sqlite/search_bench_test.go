package sqlite

import (
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

// BenchmarkContains lists the first page of Panther's contains over the
// shared database's 100,000 users of one partner, and counts the matches
// as Audience Manager's pages do.
func BenchmarkContains(b *testing.B) {
	s := benchStore(b).s
	ctx := b.Context()
	for _, c := range []struct{ name, needle string }{
		{"match", "hopper"},     // 1 user in 25
		{"rare", "42420@"},      // 1 user
		{"every", "example"},    // every user (99% are active)
		{"none", "nobody-here"}, // no user
	} {
		f := roster.UserFilter{Contains: c.needle, Limit: 61}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Users(ctx, roster.DefaultPartnerID, f); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("count-"+c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.CountUsers(ctx, roster.DefaultPartnerID, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
