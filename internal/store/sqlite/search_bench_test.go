package sqlite

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

// BenchmarkContains lists the first page of Panther's contains over
// 100,000 users of one partner, and counts the matches as Audience
// Manager's pages do.
func BenchmarkContains(b *testing.B) {
	ctx := b.Context()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "roster.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 100_000
	seedUsers(b, s, n)
	for _, c := range []struct{ name, needle string }{
		{"match", "hopper"},     // 1 user in 25
		{"rare", "42420@"},      // 1 user
		{"every", "example"},    // every user
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

// seedUsers inserts n users into the default partner in one transaction,
// bypassing the store's checks but not the triggers: the index is built as
// CreateUser would build it.
func seedUsers(b *testing.B, s *Store, n int) {
	b.Helper()
	givens := []string{"Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "John",
		"Edsger", "Donald", "Niklaus", "Tony", "Leslie", "Radia", "Katherine", "Sophie", "Guido", "Élodie"}
	families := []string{"Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie",
		"Allen", "McCarthy", "Dijkstra", "Knuth", "Wirth", "Hoare", "Lamport", "Perlman", "Johnson", "Wilson",
		"Rossum", "Kay", "Backus", "Kernighan", "Pike", "Cerf", "Durand"}
	role, err := s.RoleByName(b.Context(), roster.DefaultPartnerID, roster.RoleAnalyst)
	if err != nil {
		b.Fatal(err)
	}
	err = s.transact(b.Context(), func(tx *Store) error {
		st, err := tx.tx.PrepareContext(b.Context(), `
			INSERT INTO users (partner_id, username, username_norm, email, email_norm, given_name,
			                   given_norm, family_name, family_norm, role_id, state, sign_in,
			                   password_hash, created_at, updated_at, search)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, 0, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i := range n {
			u := &roster.User{Username: fmt.Sprintf("u%06d", i), GivenName: givens[i%len(givens)],
				FamilyName: families[i%len(families)]}
			u.Email = fmt.Sprintf("%s.%s.%d@mail%d.example.com", u.GivenName, u.FamilyName, i, i%50)
			_, err := st.ExecContext(b.Context(), roster.DefaultPartnerID,
				u.Username, strings.ToLower(u.Username), u.Email, strings.ToLower(u.Email),
				u.GivenName, strings.ToLower(u.GivenName), u.FamilyName, strings.ToLower(u.FamilyName),
				role.ID, roster.StateActive, roster.SignInConfirmed, search(u))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
