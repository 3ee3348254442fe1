package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) roster.Store {
		s := openTemp(t)
		// Before the store closes (cleanups run last first): every commit
		// must have indexed the users it wrote, or searches would miss them.
		t.Cleanup(func() { assertSearchIndexFlushed(t, s) })
		return s
	})
}

// assertSearchIndexFlushed fails t if a user written by a committed
// transaction is still waiting to be indexed for search.
func assertSearchIndexFlushed(t *testing.T, s *Store) {
	t.Helper()
	var n int
	if err := s.read.QueryRowContext(context.Background(),
		`SELECT count(*) FROM users_fts_pending`).Scan(&n); err != nil {
		t.Fatalf("users_fts_pending: %v", err)
	}
	if n != 0 {
		t.Errorf("users_fts_pending holds %d rows after the last commit, want 0", n)
	}
}

// openTemp opens a store on a new file in t's temp dir and closes it when t
// ends.
func openTemp(t *testing.T) *Store {
	t.Helper()
	return openPath(t, filepath.Join(t.TempDir(), "roster.db"))
}

func openPath(t *testing.T, p string) *Store {
	t.Helper()
	s, err := Open(t.Context(), p)
	if err != nil {
		t.Fatalf("Open(%q): %v", p, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// latestVersion is the number of the newest embedded migration file.
func latestVersion(t *testing.T) int64 {
	t.Helper()
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("embedded migrations: %v %v", names, err)
	}
	last := path.Base(names[len(names)-1]) // Glob sorts
	v, err := strconv.ParseInt(last[:strings.IndexByte(last, '_')], 10, 64)
	if err != nil {
		t.Fatalf("migration %s: %v", last, err)
	}
	return v
}

func schemaVersion(t *testing.T, s *Store) int64 {
	t.Helper()
	var v int64
	err := s.read.QueryRowContext(t.Context(),
		`SELECT max(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v)
	if err != nil {
		t.Fatalf("schema version: %v", err)
	}
	return v
}

func TestOpen_ConcurrentOpensOfOneFileAllMigrate(t *testing.T) {
	p := filepath.Join(t.TempDir(), "roster.db")
	const n = 4
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = Open(t.Context(), p)
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
	want := latestVersion(t)
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
}

func TestOpen_SeedsDefaultPartnerWithBuiltInRoles(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	p, err := s.Partner(ctx, roster.DefaultPartnerID)
	if err != nil {
		t.Fatalf("Partner(1): %v", err)
	}
	if p.Name != "Default" || p.CreatedAt.IsZero() {
		t.Errorf("partner 1 = %+v, want Default with a creation time", p)
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
	}
	rs, err := s.Roles(ctx, roster.DefaultPartnerID, roster.RoleFilter{})
	if err != nil || len(rs) != len(roster.BuiltInRoles) {
		t.Errorf("partner 1 has %d roles (%v), want exactly the %d built-in ones",
			len(rs), err, len(roster.BuiltInRoles))
	}
	// is_admin, which ActiveAdminCount reads, must agree with the domain.
	for _, r := range rs {
		var isAdmin bool
		if err := s.read.QueryRowContext(ctx, `SELECT is_admin FROM roles WHERE id = ?`, r.ID).Scan(&isAdmin); err != nil {
			t.Fatal(err)
		}
		if isAdmin != r.IsAdmin() {
			t.Errorf("role %s: is_admin %v, want %v", r.Name, isAdmin, r.IsAdmin())
		}
	}
}

func TestOpen_SetsPragmasOnEveryConnectionOfBothPools(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	want := map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"synchronous":  "1", // NORMAL
		"busy_timeout": "10000",
	}
	for name, db := range map[string]*sql.DB{"write": s.write, "read": s.read} {
		// Hold several connections at once so that each is a different one.
		var conns []*sql.Conn
		for range min(3, db.Stats().MaxOpenConnections) {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatalf("%s pool: %v", name, err)
			}
			conns = append(conns, c)
		}
		for i, c := range conns {
			for pragma, v := range want {
				var got string
				if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
					t.Fatalf("%s pool conn %d: PRAGMA %s: %v", name, i, pragma, err)
				}
				if got != v {
					t.Errorf("%s pool conn %d: %s = %s, want %s", name, i, pragma, got, v)
				}
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := s.write.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("write pool allows %d connections, want 1", n)
	}
}

func TestOpen_ReadPoolRefusesWrites(t *testing.T) {
	s := openTemp(t)
	_, err := s.read.ExecContext(t.Context(), `INSERT INTO partners (name, created_at) VALUES ('x', 0)`)
	if err == nil {
		t.Fatal("insert on the read pool succeeded, want query_only to refuse it")
	}
}

func TestOpen_ReopeningAFileKeepsItsData(t *testing.T) {
	p := filepath.Join(t.TempDir(), "roster.db")
	ctx := t.Context()
	s, err := Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	partner := roster.Partner{Name: "Acme"}
	if err := s.CreatePartner(ctx, &partner); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openPath(t, p)
	got, err := s.Partner(ctx, partner.ID)
	if err != nil {
		t.Fatalf("Partner after reopen: %v", err)
	}
	if got != partner {
		t.Errorf("after reopen got %+v, want %+v", got, partner)
	}
	if v := schemaVersion(t, s); v != latestVersion(t) {
		t.Errorf("schema version %d after reopen", v)
	}
}

func TestOpen_PathNeedsNoEscaping(t *testing.T) {
	// Characters that mean something in a URI must stay part of the name.
	p := filepath.Join(t.TempDir(), "a dir?x=1#frag%41", "roster.db")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	s := openPath(t, p)
	if _, err := s.Partner(t.Context(), roster.DefaultPartnerID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Errorf("database not created at %q: %v", p, err)
	}
}

func TestOpen_RejectsNonFilePaths(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		if s, err := Open(t.Context(), p); err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) succeeded, want an error", p)
		}
	}
}

func TestStore_Tx(t *testing.T) {
	t.Run("RollbackOnErrorLeavesNothing", func(t *testing.T) {
		s := openTemp(t)
		ctx := t.Context()
		boom := errors.New("boom")
		var id int64
		err := s.Tx(ctx, func(tx roster.Store) error {
			p := roster.Partner{Name: "Doomed"}
			if err := tx.CreatePartner(ctx, &p); err != nil {
				return err
			}
			id = p.ID
			// Nested Tx joins the same transaction.
			return tx.Tx(ctx, func(tx roster.Store) error {
				r := roster.Role{PartnerID: p.ID, Name: "R", LogTypeAccessKind: roster.LogTypeAccessAllowAll}
				if err := tx.CreateRole(ctx, &r); err != nil {
					return err
				}
				if _, err := tx.Role(ctx, p.ID, r.ID); err != nil {
					t.Errorf("role not visible inside its own transaction: %v", err)
				}
				return boom
			})
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx = %v, want boom", err)
		}
		if _, err := s.Partner(ctx, id); roster.ErrorCode(err) != roster.ENotFound {
			t.Errorf("partner after rollback: %v, want not found", err)
		}
		var roles int
		if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM roles WHERE partner_id = ?`, id).Scan(&roles); err != nil {
			t.Fatal(err)
		}
		if roles != 0 {
			t.Errorf("%d roles left after rollback", roles)
		}
	})
	t.Run("CloseInsideTxKeepsThePools", func(t *testing.T) {
		s := openTemp(t)
		ctx := t.Context()
		err := s.Tx(ctx, func(tx roster.Store) error { return tx.Close() })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Partner(ctx, roster.DefaultPartnerID); err != nil {
			t.Errorf("store unusable after Close inside Tx: %v", err)
		}
	})
}

func TestStore_CaseFoldingIsUnicode(t *testing.T) {
	// SQLite's lower() folds ASCII only; the store folds in Go.
	s := openTemp(t)
	ctx := t.Context()
	admin, err := s.RoleByName(ctx, roster.DefaultPartnerID, "ADMIN")
	if err != nil {
		t.Fatal(err)
	}
	u := &roster.User{
		PartnerID: roster.DefaultPartnerID, Username: "ÉLODIE", Email: "ÉLODIE@EXAMPLE.COM",
		GivenName: "Élodie", FamilyName: "Ÿvain", Role: roster.Role{ID: admin.ID},
		State: roster.StateActive, SignIn: roster.SignInConfirmed,
	}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByEmail(ctx, roster.DefaultPartnerID, "élodie@example.com"); err != nil {
		t.Errorf("UserByEmail in lower case: %v", err)
	}
	for _, q := range []string{"élodie ÿv", "ÉLODIE", "ÿVAIN", "dIe@ex"} {
		us, err := s.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{Contains: q})
		if err != nil || len(us) != 1 {
			t.Errorf("Users(Contains %q) = %d users, %v; want 1", q, len(us), err)
		}
	}
	dup := *u
	dup.Username, dup.Email = "other", "élodie@example.com"
	if err := s.CreateUser(ctx, &dup); roster.ErrorCode(err) != roster.EConflict {
		t.Errorf("CreateUser with the e-mail in other case: %v, want conflict", err)
	}
	dup.Username, dup.Email = "élodie", "other@example.com"
	if err := s.CreateUser(ctx, &dup); roster.ErrorCode(err) != roster.EConflict {
		t.Errorf("CreateUser with the username in other case: %v, want conflict", err)
	}
	r := roster.Role{PartnerID: roster.DefaultPartnerID, Name: "ÅDMIN", LogTypeAccessKind: roster.LogTypeAccessAllowAll}
	if err := s.CreateRole(ctx, &r); err != nil {
		t.Fatal(err)
	}
	r2 := roster.Role{PartnerID: roster.DefaultPartnerID, Name: "ådmin", LogTypeAccessKind: roster.LogTypeAccessAllowAll}
	if err := s.CreateRole(ctx, &r2); roster.ErrorCode(err) != roster.EConflict {
		t.Errorf("CreateRole with a name in other case: %v, want conflict", err)
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
	t.Run("RoleInUseIsConflict", func(t *testing.T) {
		r := roster.Role{PartnerID: roster.DefaultPartnerID, Name: "Used", LogTypeAccessKind: roster.LogTypeAccessAllowAll}
		if err := s.CreateRole(ctx, &r); err != nil {
			t.Fatal(err)
		}
		u := &roster.User{PartnerID: roster.DefaultPartnerID, Username: "u", Email: "u@example.com",
			Role: roster.Role{ID: r.ID}, State: roster.StateActive, SignIn: roster.SignInConfirmed}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteRole(ctx, roster.DefaultPartnerID, r.ID); roster.ErrorCode(err) != roster.EConflict {
			t.Errorf("DeleteRole in use: %v, want conflict", err)
		}
	})
	t.Run("OtherPartnersRoleIsInvalid", func(t *testing.T) {
		p := roster.Partner{Name: "Other"}
		if err := s.CreatePartner(ctx, &p); err != nil {
			t.Fatal(err)
		}
		r := roster.Role{PartnerID: p.ID, Name: "Theirs", LogTypeAccessKind: roster.LogTypeAccessAllowAll}
		if err := s.CreateRole(ctx, &r); err != nil {
			t.Fatal(err)
		}
		u := &roster.User{PartnerID: roster.DefaultPartnerID, Username: "v", Email: "v@example.com",
			Role: roster.Role{ID: r.ID}, State: roster.StateActive, SignIn: roster.SignInConfirmed}
		if err := s.CreateUser(ctx, u); roster.ErrorCode(err) != roster.EInvalid {
			t.Errorf("CreateUser with another partner's role: %v, want invalid", err)
		}
	})
}

func TestStore_SecretIsSharedBetweenProcesses(t *testing.T) {
	// Two Stores on one file stand in for two processes.
	p := filepath.Join(t.TempDir(), "roster.db")
	stores := []*Store{openPath(t, p), openPath(t, p)}
	const n = 16
	got := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = stores[i%2].Secret(context.Background(), "signing", func() ([]byte, error) {
				return []byte("secret-" + strconv.Itoa(i)), nil
			})
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Secret #%d: %v", i, errs[i])
		}
		if string(got[i]) != string(got[0]) {
			t.Errorf("Secret #%d = %q, #0 = %q", i, got[i], got[0])
		}
	}
}
