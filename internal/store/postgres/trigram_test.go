package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/store/postgres"
	"github.com/roster-dev/roster/internal/store/postgres/pgtest"
)

// planNode is a node of EXPLAIN (FORMAT JSON)'s output, as far as these
// tests read it.
type planNode struct {
	NodeType  string     `json:"Node Type"`
	IndexName string     `json:"Index Name"`
	Plans     []planNode `json:"Plans"`
}

// indexScans returns the "node type on index" of every node of the plan
// that reads an index.
func indexScans(raw string) ([]string, error) {
	var out []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil || len(out) != 1 {
		return nil, fmt.Errorf("EXPLAIN output %q: %v", raw, err)
	}
	var scans []string
	var walk func(n planNode)
	walk = func(n planNode) {
		if n.IndexName != "" {
			scans = append(scans, n.NodeType+" on "+n.IndexName)
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(out[0].Plan)
	return scans, nil
}

// seedManyUsers creates n users of partner 1 through the store, whose
// e-mails are hex strings unlike each other, and refreshes the planner's
// statistics. It returns a needle that only user #i's e-mail contains.
func seedManyUsers(t *testing.T, s *postgres.Store, n, i int) string {
	t.Helper()
	ctx := t.Context()
	role, err := s.RoleByName(ctx, roster.DefaultPartnerID, roster.RoleAnalyst)
	if err != nil {
		t.Fatal(err)
	}
	mail := func(k int) string {
		h := sha256.Sum256(fmt.Appendf(nil, "user-%d", k))
		return hex.EncodeToString(h[:12])
	}
	err = s.Tx(ctx, func(tx roster.Store) error {
		for k := range n {
			u := newUser(role.ID, fmt.Sprintf("user%05d", k))
			u.Email = mail(k) + "@example.com"
			if err := tx.CreateUser(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seeding %d users: %v", n, err)
	}
	if _, err := postgres.PoolOf(s).Exec(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	return strings.ToUpper(mail(i)[4:14]) // case-insensitive, mid-string
}

// explain returns the index scans of the plan PostgreSQL chooses for query
// with args, on the store's own pool and so its settings.
func explain(ctx context.Context, t *testing.T, s *postgres.Store, query string, args []any) []string {
	t.Helper()
	var raw string
	if err := postgres.PoolOf(s).QueryRow(ctx, `EXPLAIN (FORMAT JSON) `+query, args...).Scan(&raw); err != nil {
		t.Fatalf("EXPLAIN: %v", err)
	}
	scans, err := indexScans(raw)
	if err != nil {
		t.Fatal(err)
	}
	return scans
}

func TestUsers_SubstringSearchesUseTheTrigramIndexes(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	s := openURL(t, dbURL)
	ctx := t.Context()
	const n, target = 5000, 4242
	needle := seedManyUsers(t, s, n, target)

	for _, tt := range []struct {
		name   string
		filter roster.UserFilter
		want   []string
	}{
		{"Contains", roster.UserFilter{Contains: needle, Limit: 50},
			[]string{"Bitmap Index Scan on users_search_trgm"}},
		{"Search", roster.UserFilter{Search: needle, Limit: 50},
			[]string{"Bitmap Index Scan on users_search_trgm", "Bitmap Index Scan on users_username_norm_trgm"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			query, args, err := postgres.UsersQuery(roster.DefaultPartnerID, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			scans := explain(ctx, t, s, query, args)
			for _, w := range tt.want {
				if !slices.Contains(scans, w) {
					t.Errorf("plan reads %q, want a %s", scans, w)
				}
			}
			us, err := s.Users(ctx, roster.DefaultPartnerID, tt.filter)
			if err != nil || len(us) != 1 || us[0].Username != fmt.Sprintf("user%05d", target) {
				t.Errorf("Users(%s %q) = %d users, %v; want user%05d", tt.name, needle, len(us), err, target)
			}
		})
	}

	// A prepared statement may switch to a generic plan after its fifth
	// execution, which cannot see that the needle is selective. Run the
	// store's own query ten times on a one-connection pool, then check that
	// it was never prepared, so that PostgreSQL planned each run with its
	// values, and that the point lookups, by id and by e-mail, were.
	t.Run("AfterTenExecutions", func(t *testing.T) {
		one := openURL(t, withQuery(t, dbURL, "pool_max_conns", "1"))
		f := roster.UserFilter{Contains: needle, Limit: 50}
		var id int64
		for range 10 {
			us, err := one.Users(ctx, roster.DefaultPartnerID, f)
			if err != nil || len(us) != 1 {
				t.Fatalf("Users = %d users, %v; want 1", len(us), err)
			}
			id = us[0].ID
			if _, err := one.User(ctx, roster.DefaultPartnerID, id); err != nil {
				t.Fatal(err)
			}
			if us, err := one.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{Email: us[0].Email}); err != nil || len(us) != 1 {
				t.Fatalf("Users by e-mail = %d users, %v; want 1", len(us), err)
			}
		}
		query, _, err := postgres.UsersQuery(roster.DefaultPartnerID, f)
		if err != nil {
			t.Fatal(err)
		}
		var lists, lookups int
		err = postgres.PoolOf(one).QueryRow(ctx, `
			SELECT count(*) FILTER (WHERE statement = $1),
				count(*) FILTER (WHERE (statement LIKE '%u.id = $2%' OR statement LIKE '%u.email_norm = $2%')
					AND generic_plans + custom_plans >= 10)
			FROM pg_prepared_statements`, query).Scan(&lists, &lookups)
		if err != nil {
			t.Fatal(err)
		}
		if lists != 0 {
			t.Errorf("the contains query is a prepared statement %d times, want 0: it could fall to a generic plan", lists)
		}
		if lookups != 2 {
			t.Errorf("%d prepared point lookups run 10 times, want 2 (by id, by e-mail): a lookup should not be planned every time", lookups)
		}
	})
}
