package postgres_test

import (
	"context"
	"errors"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/store/postgres"
	"github.com/roster-dev/roster/internal/store/postgres/pgtest"
	"github.com/roster-dev/roster/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) roster.Store {
		return openTemp(t)
	})
}

// openTemp opens a store on a fresh migrated database of t's own, closed
// (and then dropped) when t ends.
func openTemp(t testing.TB) *postgres.Store {
	t.Helper()
	return openURL(t, pgtest.NewDatabase(t))
}

// openURL opens a store on url and closes it when t ends.
func openURL(t testing.TB, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// withQuery returns url with the query parameter key set to value.
func withQuery(t testing.TB, rawURL, key, value string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func schemaVersion(t *testing.T, s *postgres.Store) int64 {
	t.Helper()
	var v int64
	err := postgres.PoolOf(s).QueryRow(t.Context(),
		`SELECT max(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v)
	if err != nil {
		t.Fatalf("schema version: %v", err)
	}
	return v
}

func TestOpen_ConcurrentOpensOfOneFreshDatabaseAllMigrate(t *testing.T) {
	dbURL := pgtest.NewEmptyDatabase(t)
	const n = 4
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = postgres.Open(t.Context(), dbURL)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		t.Cleanup(func() { _ = stores[i].Close() })
	}
	want, err := postgres.LatestVersion()
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range stores {
		if got := schemaVersion(t, s); got != want {
			t.Errorf("store #%d: schema version %d, want %d", i, got, want)
		}
	}
	// The seed ran once: exactly one default partner, one set of roles.
	ps, err := stores[0].Partners(t.Context())
	if err != nil || len(ps) != 1 {
		t.Fatalf("Partners = %v, %v; want just the default", ps, err)
	}
	rs, err := stores[n-1].Roles(t.Context(), roster.DefaultPartnerID, roster.RoleFilter{})
	if err != nil || len(rs) != len(roster.BuiltInRoles) {
		t.Fatalf("Roles = %d roles, %v; want %d", len(rs), err, len(roster.BuiltInRoles))
	}
	// The seeded partner moved the identity on: the next partner is not 1.
	p := roster.Partner{Name: "Second"}
	if err := stores[1].CreatePartner(t.Context(), &p); err != nil || p.ID <= roster.DefaultPartnerID {
		t.Errorf("CreatePartner after the seed = id %d, %v; want an id after 1", p.ID, err)
	}
}

func TestOpen_SeedsDefaultPartnerWithBuiltInRoles(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	p, err := s.Partner(ctx, roster.DefaultPartnerID)
	if err != nil {
		t.Fatalf("Partner(1): %v", err)
	}
	if p.Name != "Default" || p.CreatedAt.IsZero() || p.CreatedAt.Location() != time.UTC {
		t.Errorf("partner 1 = %+v, want Default with a UTC creation time", p)
	}
	for _, want := range roster.BuiltInRoles {
		got, err := s.RoleByName(ctx, roster.DefaultPartnerID, want.Name)
		if err != nil {
			t.Errorf("RoleByName(%q): %v", want.Name, err)
			continue
		}
		if got.Name != want.Name || got.Permissions.String() != want.Permissions.String() ||
			got.BuiltIn != want.BuiltIn || got.LogTypeAccessKind != want.LogTypeAccessKind ||
			len(got.LogTypeAccess) != len(want.LogTypeAccess) || got.IsAdmin() != want.IsAdmin() {
			t.Errorf("seeded role %+v, want %+v", got, want)
		}
		// is_admin, which ActiveAdminCount reads, must agree with the domain.
		var isAdmin bool
		if err := postgres.PoolOf(s).QueryRow(ctx, `SELECT is_admin FROM roles WHERE id = $1`, got.ID).Scan(&isAdmin); err != nil {
			t.Fatal(err)
		}
		if isAdmin != want.IsAdmin() {
			t.Errorf("role %s: is_admin %v, want %v", want.Name, isAdmin, want.IsAdmin())
		}
	}
	rs, err := s.Roles(ctx, roster.DefaultPartnerID, roster.RoleFilter{})
	if err != nil || len(rs) != len(roster.BuiltInRoles) {
		t.Errorf("partner 1 has %d roles (%v), want exactly the %d built-in ones",
			len(rs), err, len(roster.BuiltInRoles))
	}
}

func TestOpen_ConfiguresThePool(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	s := openURL(t, dbURL)
	if got, want := postgres.PoolOf(s).Config().MaxConns, int32(max(4, 2*runtime.GOMAXPROCS(0))); got != want {
		t.Errorf("MaxConns = %d, want %d", got, want)
	}
	one := openURL(t, withQuery(t, dbURL, "pool_max_conns", "1"))
	if got := postgres.PoolOf(one).Config().MaxConns; got != 1 {
		t.Errorf("MaxConns with pool_max_conns=1 = %d, want 1", got)
	}
}

func TestOpen_AcceptsBothSchemesAndRejectsOthers(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	for _, scheme := range []string{"postgres", "postgresql"} {
		u := scheme + strings.TrimPrefix(dbURL, strings.SplitN(dbURL, ":", 2)[0])
		openURL(t, u)
	}
	for _, u := range []string{"", "mysql://root@localhost/test", "host=localhost dbname=test", "/tmp/roster.db"} {
		if s, err := postgres.Open(t.Context(), u); err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) succeeded, want an error", u)
		}
	}
}

func TestStore_Tx(t *testing.T) {
	t.Run("RollbackWhenTheContextEnds", func(t *testing.T) {
		s := openTemp(t)
		ctx, cancel := context.WithCancel(t.Context())
		err := s.Tx(ctx, func(tx roster.Store) error {
			if err := tx.CreatePartner(ctx, &roster.Partner{Name: "Doomed"}); err != nil {
				return err
			}
			cancel()
			return ctx.Err()
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Tx = %v, want context.Canceled", err)
		}
		ps, err := s.Partners(t.Context())
		if err != nil || len(ps) != 1 {
			t.Errorf("Partners after cancel = %v, %v; want just the default", ps, err)
		}
	})
	t.Run("CloseInsideTxKeepsThePool", func(t *testing.T) {
		s := openTemp(t)
		ctx := t.Context()
		if err := s.Tx(ctx, func(tx roster.Store) error { return tx.Close() }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Partner(ctx, roster.DefaultPartnerID); err != nil {
			t.Errorf("store unusable after Close inside Tx: %v", err)
		}
	})
	t.Run("IgnoredConflictFailsTheCommit", func(t *testing.T) {
		// PostgreSQL aborts a transaction at its first failed statement; a
		// caller that ignores the error must not commit half of it.
		s := openTemp(t)
		ctx := t.Context()
		role, err := s.RoleByName(ctx, roster.DefaultPartnerID, roster.RoleAnalyst)
		if err != nil {
			t.Fatal(err)
		}
		var dupErr error
		err = s.Tx(ctx, func(tx roster.Store) error {
			if err := tx.CreateUser(ctx, newUser(role.ID, "ada")); err != nil {
				return err
			}
			dupErr = tx.CreateUser(ctx, newUser(role.ID, "ADA"))
			return nil // ignored
		})
		if roster.ErrorCode(dupErr) != roster.EConflict {
			t.Errorf("CreateUser of a duplicate = %v, want a conflict", dupErr)
		}
		if err == nil {
			t.Error("Tx committed after an ignored conflict, want an error")
		}
		if _, err := s.UserByEmail(ctx, roster.DefaultPartnerID, "ada@example.com"); roster.ErrorCode(err) != roster.ENotFound {
			t.Errorf("first user after the failed commit: %v, want not found", err)
		}
	})
}

// newUser returns an ACTIVE, CONFIRMED user of partner 1.
func newUser(roleID int64, handle string) *roster.User {
	return &roster.User{
		PartnerID: roster.DefaultPartnerID, Username: handle, Email: handle + "@example.com",
		GivenName: "Given " + handle, FamilyName: "Family " + handle,
		Role: roster.Role{ID: roleID}, State: roster.StateActive, SignIn: roster.SignInConfirmed,
	}
}

func TestStore_ErrorCodes(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	t.Run("ForeignKeyIsInvalid", func(t *testing.T) {
		r := roster.Role{PartnerID: 4242, Name: "x", LogTypeAccessKind: roster.LogTypeAccessAllowAll}
		if err := s.CreateRole(ctx, &r); roster.ErrorCode(err) != roster.EInvalid {
			t.Errorf("CreateRole for a missing partner: %v, want invalid", err)
		}
		k := roster.APIKey{PartnerID: 4242, Name: "k", Hash: []byte("h")}
		if err := s.CreateAPIKey(ctx, &k); roster.ErrorCode(err) != roster.EInvalid {
			t.Errorf("CreateAPIKey for a missing partner: %v, want invalid", err)
		}
	})
	t.Run("CheckIsInvalid", func(t *testing.T) {
		// The next user id would be past roster.MaxID.
		if _, err := postgres.PoolOf(s).Exec(ctx,
			`ALTER TABLE users ALTER COLUMN id RESTART WITH 9007199254740992`); err != nil {
			t.Fatal(err)
		}
		role, err := s.RoleByName(ctx, roster.DefaultPartnerID, roster.RoleAnalyst)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateUser(ctx, newUser(role.ID, "late")); roster.ErrorCode(err) != roster.EInvalid {
			t.Errorf("CreateUser past MaxID: %v, want invalid", err)
		}
	})
}

// lockPartnerIn starts a transaction on s that locks the partner, reports
// on locked once it holds the lock, and commits when release closes.
func lockPartnerIn(ctx context.Context, s *postgres.Store, partnerID int64, locked chan<- time.Time, release <-chan struct{}) <-chan error {
	done := make(chan error, 1)
	go func() {
		done <- s.Tx(ctx, func(tx roster.Store) error {
			if err := tx.LockPartner(ctx, partnerID); err != nil {
				return err
			}
			locked <- time.Now()
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	return done
}

func TestStore_LockPartnerBlocksAnotherNodeUntilCommit(t *testing.T) {
	// Two stores, two pools: two nodes on one database.
	dbURL := pgtest.NewDatabase(t)
	node1, node2 := openURL(t, dbURL), openURL(t, dbURL)
	// Ending ctx also ends every transaction below, so that a failed check
	// leaves no connection held for the cleanups to wait for.
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	p2 := roster.Partner{Name: "Other"}
	if err := node1.CreatePartner(ctx, &p2); err != nil {
		t.Fatal(err)
	}

	firstLocked, release1 := make(chan time.Time, 1), make(chan struct{})
	first := lockPartnerIn(ctx, node1, roster.DefaultPartnerID, firstLocked, release1)
	select {
	case <-firstLocked:
	case err := <-first:
		t.Fatalf("first transaction: %v", err)
	case <-ctx.Done():
		t.Fatal("first transaction never took the lock")
	}

	secondLocked, release2 := make(chan time.Time, 1), make(chan struct{})
	close(release2)
	second := lockPartnerIn(ctx, node2, roster.DefaultPartnerID, secondLocked, release2)

	// Another partner's lock is not held up.
	otherLocked, releaseOther := make(chan time.Time, 1), make(chan struct{})
	close(releaseOther)
	other := lockPartnerIn(ctx, node2, p2.ID, otherLocked, releaseOther)
	select {
	case <-otherLocked:
	case <-time.After(5 * time.Second):
		t.Fatal("locking another partner waited for the first transaction")
	}
	if err := <-other; err != nil {
		t.Fatalf("other partner's transaction: %v", err)
	}

	select {
	case <-secondLocked:
		t.Fatal("second transaction took the lock while the first held it")
	case <-time.After(300 * time.Millisecond):
	}
	committing := time.Now()
	close(release1)
	if err := <-first; err != nil {
		t.Fatalf("first transaction: %v", err)
	}
	select {
	case at := <-secondLocked:
		if at.Before(committing) {
			t.Errorf("second transaction took the lock at %v, before the first committed at %v", at, committing)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("second transaction still waits after the first committed")
	}
	if err := <-second; err != nil {
		t.Fatalf("second transaction: %v", err)
	}
}
