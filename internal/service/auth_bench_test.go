package service

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/roster-dev/roster/internal/mail"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/roster/rostertest"
	"github.com/roster-dev/roster/internal/store/sqlite"
)

// The credential benchmarks share one SQLite database of benchUsers users
// of the default partner, each holding an access and a refresh token, and
// benchKeys API keys: the tables a credential check reads, at a realistic
// size. It is built by the first benchmark that asks for it and removed by
// TestMain, so a plain `go test` never builds it.
const (
	benchUsers = 10_000
	benchKeys  = 100
)

// benchFixture is the shared service and the credentials it accepts.
type benchFixture struct {
	svc    *Service
	st     *sqlite.Store
	keys   []string // API keys, in clear
	tokens []string // access tokens, in clear, one per usable user, shuffled
}

// bench is the package's shared benchmark database.
var bench rostertest.Shared[*benchFixture]

func TestMain(m *testing.M) {
	code := m.Run()
	bench.Close()
	os.Exit(code)
}

// benchService returns the shared fixture, building it on first use.
func benchService(b *testing.B) *benchFixture {
	b.Helper()
	return bench.Get(b, newBenchFixture)
}

func newBenchFixture(ctx context.Context, dir string) (*benchFixture, io.Closer, error) {
	st, err := sqlite.Open(ctx, filepath.Join(dir, "roster.db"))
	if err != nil {
		return nil, nil, err
	}
	fx := &benchFixture{st: st, svc: New(Config{Store: st, Mail: mail.LogSender{Log: slog.New(slog.DiscardHandler)}})}
	users, err := rostertest.SeedUsers(ctx, st, roster.DefaultPartnerID, benchUsers, 1000)
	if err != nil {
		return nil, st, err
	}
	err = st.Tx(ctx, func(tx roster.Store) error {
		for _, u := range users {
			if !usable(u, fx.svc.now()) {
				continue // inactive, or an invitation's password expired
			}
			t, err := fx.svc.issueTokens(ctx, tx, u)
			if err != nil {
				return err
			}
			fx.tokens = append(fx.tokens, t.Access)
		}
		return nil
	})
	if err != nil {
		return nil, st, fmt.Errorf("issue tokens: %w", err)
	}
	// Real requests come in no order: spread the lookups over the table.
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(fx.tokens), func(i, j int) { fx.tokens[i], fx.tokens[j] = fx.tokens[j], fx.tokens[i] })
	for i := range benchKeys {
		key, _, err := fx.svc.CreateAPIKey(ctx, roster.DefaultPartnerID, fmt.Sprintf("key %d", i),
			roster.NewPermissions(roster.PermUserRead))
		if err != nil {
			return nil, st, err
		}
		fx.keys = append(fx.keys, key)
	}
	return fx, st, nil
}

// BenchmarkAuthenticateAPIKey is the check every Panther request (and an
// Audience Manager request with a key) makes before its handler runs.
func BenchmarkAuthenticateAPIKey(b *testing.B) {
	fx := benchService(b)
	ctx := b.Context()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := fx.svc.AuthenticateAPIKey(ctx, fx.keys[i%len(fx.keys)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkAuthenticateToken is the check of an Audience Manager request
// with a bearer token: the token, then its user with their role.
func BenchmarkAuthenticateToken(b *testing.B) {
	fx := benchService(b)
	ctx := b.Context()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := fx.svc.AuthenticateToken(ctx, fx.tokens[i%len(fx.tokens)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
