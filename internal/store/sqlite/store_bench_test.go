package sqlite

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/roster/rostertest"
)

// The store's benchmarks share one database of benchUsers users of the
// default partner (rostertest's population, with their memberships) and
// benchKeys API keys. It is built by the first benchmark that asks for it
// and removed by TestMain, so a plain `go test` never builds it.
const (
	benchUsers = 100_000
	benchKeys  = 1_000
	seedBatch  = 10_000 // users per transaction while seeding
	seedRows   = 1_000  // users per INSERT while seeding
)

// benchFixture is the shared database and what the benchmarks look up in it.
type benchFixture struct {
	s      *Store
	ids    []int64  // the users' ids, in insertion order
	emails []string // the users' e-mails, as written
	keys   [][]byte // hashes of the API keys
}

// bench is the package's shared benchmark database.
var bench rostertest.Shared[*benchFixture]

func TestMain(m *testing.M) {
	code := m.Run()
	bench.Close()
	os.Exit(code)
}

// benchStore returns the shared fixture, building it on first use.
func benchStore(b *testing.B) *benchFixture {
	b.Helper()
	return bench.Get(b, newBenchFixture)
}

func newBenchFixture(ctx context.Context, dir string) (*benchFixture, io.Closer, error) {
	s, err := Open(ctx, filepath.Join(dir, "roster.db"))
	if err != nil {
		return nil, nil, err
	}
	fx := &benchFixture{s: s}
	if err := fx.seed(ctx); err != nil {
		return nil, s, err
	}
	return fx, s, nil
}

// seed fills the database with the users and the API keys.
func (fx *benchFixture) seed(ctx context.Context) error {
	s := fx.s
	var err error
	if fx.ids, err = seedUsers(ctx, s, benchUsers); err != nil {
		return fmt.Errorf("seed users: %w", err)
	}
	fx.emails = make([]string, len(fx.ids))
	for i := range fx.ids {
		fx.emails[i] = rostertest.User(i).Email
	}
	err = s.transact(ctx, func(tx *Store) error {
		for i := range benchKeys {
			sum := sha256.Sum256(fmt.Appendf(nil, "rst_bench_%d", i))
			k := roster.APIKey{PartnerID: roster.DefaultPartnerID, Name: fmt.Sprintf("key %d", i), Hash: sum[:],
				Permissions: roster.NewPermissions(roster.PermUserRead)}
			if err := tx.CreateAPIKey(ctx, &k); err != nil {
				return err
			}
			fx.keys = append(fx.keys, k.Hash)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("seed API keys: %w", err)
	}
	return nil
}

// seedUsers inserts the first n users of rostertest's population into the
// default partner, with their groups, and returns their ids in order. It
// bypasses the store's checks but not the triggers: the search index is
// built as CreateUser would build it. It writes seedBatch users to a
// transaction and seedRows to a statement, since FTS5 flushes its pending
// terms at the end of every statement: a statement per user costs several
// times as much.
func seedUsers(ctx context.Context, s *Store, n int) ([]int64, error) {
	roles := make([]int64, len(roster.BuiltInRoles))
	for i, r := range roster.BuiltInRoles {
		stored, err := s.RoleByName(ctx, roster.DefaultPartnerID, r.Name)
		if err != nil {
			return nil, err
		}
		roles[i] = stored.ID
	}
	groups := make([]int64, rostertest.Groups)
	for i := range groups {
		g := roster.Group{PartnerID: roster.DefaultPartnerID, Name: fmt.Sprintf("Team %02d", i+1)}
		if err := s.CreateGroup(ctx, &g); err != nil {
			return nil, err
		}
		groups[i] = g.ID
	}
	// SQLite's default page cache of 2 MiB would spill a batch's pages to
	// the WAL as it goes. The write pool has one connection; this enlarges
	// its cache for the seed only.
	var cache int
	if err := s.write.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
		return nil, err
	}
	if _, err := s.write.ExecContext(ctx, `PRAGMA cache_size = -262144`); err != nil {
		return nil, err
	}
	defer func() { _, _ = s.write.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, cache)) }()

	ids := make([]int64, 0, n)
	for from := 0; from < n; from += seedBatch {
		err := s.transact(ctx, func(tx *Store) error {
			for first := from; first < min(n, from+seedBatch); first += seedRows {
				batch, err := tx.insertUsers(ctx, first, min(n, from+seedBatch, first+seedRows), roles, groups)
				if err != nil {
					return err
				}
				ids = append(ids, batch...)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// insertUsers inserts users from to to (excluded) of the population and
// their memberships, in one statement each, and returns their ids. roles
// and groups map the population's roles and groups to stored ids.
func (s *Store) insertUsers(ctx context.Context, from, to int, roles, groups []int64) ([]int64, error) {
	users := make([]any, 0, 20*(to-from))
	for i := from; i < to; i++ {
		u := rostertest.User(i)
		users = append(users, roster.DefaultPartnerID,
			u.Username, strings.ToLower(u.Username), u.Email, strings.ToLower(u.Email),
			u.GivenName, strings.ToLower(u.GivenName), u.FamilyName, strings.ToLower(u.FamilyName),
			u.Title, u.Phone, roles[u.Role.ID-1], u.State, u.SignIn, u.PasswordHash,
			toDBPtr(u.PasswordExpiresAt), toDB(u.CreatedAt), toDB(u.UpdatedAt),
			toDBPtr(u.LastLoginAt), u.SearchText())
	}
	res, err := s.tx.ExecContext(ctx, `
		INSERT INTO users (partner_id, username, username_norm, email, email_norm, given_name,
		                   given_norm, family_name, family_norm, title, phone, role_id, state, sign_in,
		                   password_hash, password_expires_at, created_at, updated_at, last_login_at,
		                   search)
		VALUES `+valuesOf(20, to-from), users...)
	if err != nil {
		return nil, err
	}
	// One INSERT by the only writer numbers its rows one after another,
	// ending at the last insert id.
	last, err := res.LastInsertId()
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, to-from)
	var members []any
	for i := from; i < to; i++ {
		id := last - int64(to-1-i)
		ids = append(ids, id)
		for _, g := range rostertest.User(i).Groups {
			members = append(members, id, groups[g-1], roster.DefaultPartnerID)
		}
	}
	if len(members) > 0 {
		_, err = s.tx.ExecContext(ctx, `INSERT INTO user_groups (user_id, group_id, partner_id) VALUES `+
			valuesOf(3, len(members)/3), members...)
	}
	return ids, err
}

// shuffled returns 0..n-1 in a fixed random order, so that lookups spread
// over the table as real traffic does rather than walking it in order.
func shuffled(n int) []int {
	return rand.New(rand.NewPCG(1, 2)).Perm(n)
}

func BenchmarkStore_User(b *testing.B) {
	fx := benchStore(b)
	ctx := b.Context()
	order := shuffled(len(fx.ids))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := fx.s.User(ctx, roster.DefaultPartnerID, fx.ids[order[i%len(order)]]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkStore_UserByEmail(b *testing.B) {
	fx := benchStore(b)
	ctx := b.Context()
	order := shuffled(len(fx.emails))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := fx.s.UserByEmail(ctx, roster.DefaultPartnerID, fx.emails[order[i%len(order)]]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkStore_Users60 reads the first page of GET /users as the service
// asks for it: 61 users (one more, to know whether there is a next page),
// INACTIVE ones left out.
func BenchmarkStore_Users60(b *testing.B) {
	fx := benchStore(b)
	ctx := b.Context()
	f := roster.UserFilter{Limit: 61}
	b.ReportAllocs()
	for b.Loop() {
		us, err := fx.s.Users(ctx, roster.DefaultPartnerID, f)
		if err != nil || len(us) != 61 {
			b.Fatalf("%d users, %v", len(us), err)
		}
	}
}

// BenchmarkStore_Users60Contains is the first page of GET /users?contains=
// for a needle in one user's e-mail in 50 (2%), and for one in none.
func BenchmarkStore_Users60Contains(b *testing.B) {
	fx := benchStore(b)
	for _, c := range []struct {
		name, needle string
		want         int
	}{
		{"2pct", "@mail7.example", 61},
		{"none", "nobody-here", 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := b.Context()
			f := roster.UserFilter{Contains: c.needle, Limit: 61}
			b.ReportAllocs()
			for b.Loop() {
				us, err := fx.s.Users(ctx, roster.DefaultPartnerID, f)
				if err != nil || len(us) != c.want {
					b.Fatalf("%d users, %v", len(us), err)
				}
			}
		})
	}
}

func BenchmarkStore_APIKeyByHash(b *testing.B) {
	fx := benchStore(b)
	ctx := b.Context()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := fx.s.APIKeyByHash(ctx, fx.keys[i%len(fx.keys)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
