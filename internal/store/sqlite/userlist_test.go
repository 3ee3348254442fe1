package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/roster-dev/roster/internal/roster"

	"modernc.org/sqlite"
)

// countingConnector opens the driver's connections and counts the queries
// (statements that return rows) run on them.
type countingConnector struct {
	driver.Connector
	queries *atomic.Int64
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	full, ok := conn.(fullConn)
	if !ok {
		return nil, fmt.Errorf("driver connection %T lacks a context method", conn)
	}
	return countingConn{full, c.queries}, nil
}

// fullConn is the part of the driver's connection that database/sql uses.
type fullConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
}

type countingConn struct {
	fullConn
	queries *atomic.Int64
}

func (c countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.queries.Add(1)
	return c.fullConn.QueryContext(ctx, q, args)
}

// PrepareContext counts the queries run through prepared statements too,
// which is how the store's statement cache runs them.
func (c countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	st, err := c.fullConn.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	qs, ok := st.(fullStmt)
	if !ok {
		return nil, fmt.Errorf("driver statement %T lacks a context method", st)
	}
	return countingStmt{qs, c.queries}, nil
}

// fullStmt is the part of the driver's statement that database/sql uses.
type fullStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

type countingStmt struct {
	fullStmt
	queries *atomic.Int64
}

func (s countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.queries.Add(1)
	return s.fullStmt.QueryContext(ctx, args)
}

// countReads points s's read pool at a counting one on the same file.
func countReads(t *testing.T, s *Store, p string) *atomic.Int64 {
	t.Helper()
	base, err := sqlite.NewConnector(dsn(p, "_pragma=query_only(1)"))
	if err != nil {
		t.Fatal(err)
	}
	n := new(atomic.Int64)
	read := sql.OpenDB(countingConnector{base, n})
	t.Cleanup(func() { _ = read.Close() })
	s.read, s.readQ = read, newStmtCache(read)
	return n
}

func TestStore_UserListsCostOneQuery(t *testing.T) {
	p := filepath.Join(t.TempDir(), "roster.db")
	s := openPath(t, p)
	ctx := t.Context()
	role, err := s.RoleByName(ctx, roster.DefaultPartnerID, roster.RoleAnalyst)
	if err != nil {
		t.Fatal(err)
	}
	var groups []int64
	for i := range 3 {
		g := roster.Group{PartnerID: roster.DefaultPartnerID, Name: fmt.Sprint("g", i)}
		if err := s.CreateGroup(ctx, &g); err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g.ID)
	}
	const n = 60
	for i := range n {
		u := &roster.User{PartnerID: roster.DefaultPartnerID, Username: fmt.Sprint("u", i),
			Email: fmt.Sprint("u", i, "@example.com"), Role: roster.Role{ID: role.ID},
			State: roster.StateActive, SignIn: roster.SignInConfirmed, Groups: groups[:i%4]}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	queries := countReads(t, s, p)

	us, err := s.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{SortBy: roster.SortByUsername})
	if err != nil || len(us) != n {
		t.Fatalf("Users = %d users, %v; want %d", len(us), err, n)
	}
	for _, u := range us {
		var i int
		if _, err := fmt.Sscanf(u.Username, "u%d", &i); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(u.Groups) != fmt.Sprint(groups[:i%4]) {
			t.Errorf("%s: groups %v, want %v", u.Username, u.Groups, groups[:i%4])
		}
	}
	// The first list also loads the partner's roles (rolecache.go).
	if got := queries.Swap(0); got != 2 {
		t.Errorf("the first Users of %d users ran %d queries, want 2", n, got)
	}
	if _, err := s.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{}); err != nil {
		t.Fatal(err)
	}
	if got := queries.Swap(0); got != 1 {
		t.Errorf("Users of %d users ran %d queries, want 1", n, got)
	}
	if err := s.EachUser(ctx, roster.DefaultPartnerID, roster.UserFilter{}, func(roster.User) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := queries.Swap(0); got != 1 {
		t.Errorf("EachUser over %d users ran %d queries, want 1", n, got)
	}
	gs, err := s.Groups(ctx, roster.DefaultPartnerID, roster.GroupFilter{})
	if err != nil || len(gs) != len(groups) {
		t.Fatalf("Groups = %v, %v", gs, err)
	}
	if got := queries.Swap(0); got != 1 {
		t.Errorf("Groups ran %d queries, want 1", got)
	}
}

func TestStore_EachUserReturnsTheCallbacksErrorAndFreesItsConnection(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	role, err := s.RoleByName(ctx, roster.DefaultPartnerID, roster.RoleAnalyst)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"a", "b", "c"} {
		u := &roster.User{PartnerID: roster.DefaultPartnerID, Username: h, Email: h + "@example.com",
			Role: roster.Role{ID: role.ID}, State: roster.StateActive, SignIn: roster.SignInConfirmed}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	stop := errors.New("stop")
	calls := 0
	err = s.EachUser(ctx, roster.DefaultPartnerID, roster.UserFilter{}, func(roster.User) error {
		calls++
		return stop
	})
	if err != stop { // the very value, not one wrapping it
		t.Errorf("EachUser = %v, want the callback's error as is", err)
	}
	if calls != 1 {
		t.Errorf("callback ran %d times after failing, want 1", calls)
	}
	if inUse := s.read.Stats().InUse; inUse != 0 {
		t.Errorf("%d read connections still in use after EachUser stopped", inUse)
	}
}

func TestStore_UsersRefusesAfterIDInAnotherOrder(t *testing.T) {
	s := openTemp(t)
	for _, f := range []roster.UserFilter{
		{AfterID: 1, SortBy: roster.SortByEmail},
		{AfterID: 1, Descending: true},
		{SortBy: "shoeSize"},
	} {
		_, err := s.Users(t.Context(), roster.DefaultPartnerID, f)
		if err == nil || roster.ErrorCode(err) != roster.EInternal {
			t.Errorf("Users(%+v) = %v, want an internal error", f, err)
		}
	}
}

func TestStore_RefusedWritesInsideTxLeaveNothing(t *testing.T) {
	// The store checks before it writes, so a caller that goes on after a
	// refused call and commits commits nothing of it.
	s := openTemp(t)
	ctx := t.Context()
	role, err := s.RoleByName(ctx, roster.DefaultPartnerID, roster.RoleAnalyst)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Tx(ctx, func(tx roster.Store) error {
		u := &roster.User{PartnerID: roster.DefaultPartnerID, Username: "x", Email: "x@example.com",
			Role: roster.Role{ID: role.ID}, State: roster.StateActive, SignIn: roster.SignInConfirmed,
			Groups: []int64{4242}}
		if err := tx.CreateUser(ctx, u); roster.ErrorCode(err) != roster.EInvalid {
			t.Errorf("CreateUser with an unknown group: %v, want invalid", err)
		}
		g := roster.Group{PartnerID: roster.DefaultPartnerID, Name: "g", Users: []int64{4242}}
		if err := tx.CreateGroup(ctx, &g); roster.ErrorCode(err) != roster.EInvalid {
			t.Errorf("CreateGroup with an unknown user: %v, want invalid", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountUsers(ctx, roster.DefaultPartnerID, roster.UserFilter{IncludeInactive: true}); err != nil || n != 0 {
		t.Errorf("CountUsers = %d, %v; want 0", n, err)
	}
	if n, err := s.CountGroups(ctx, roster.DefaultPartnerID, roster.GroupFilter{}); err != nil || n != 0 {
		t.Errorf("CountGroups = %d, %v; want 0", n, err)
	}
}

func TestStore_SchemaRefusesMembershipsAcrossPartners(t *testing.T) {
	// Defence in depth: even SQL that skipped the store's checks could not
	// put one partner's user in another partner's group.
	s := openTemp(t)
	ctx := t.Context()
	other := roster.Partner{Name: "Other"}
	if err := s.CreatePartner(ctx, &other); err != nil {
		t.Fatal(err)
	}
	role, err := s.RoleByName(ctx, roster.DefaultPartnerID, roster.RoleAnalyst)
	if err != nil {
		t.Fatal(err)
	}
	u := &roster.User{PartnerID: roster.DefaultPartnerID, Username: "x", Email: "x@example.com",
		Role: roster.Role{ID: role.ID}, State: roster.StateActive, SignIn: roster.SignInConfirmed}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	g := roster.Group{PartnerID: other.ID, Name: "theirs"}
	if err := s.CreateGroup(ctx, &g); err != nil {
		t.Fatal(err)
	}
	for _, pid := range []int64{roster.DefaultPartnerID, other.ID} {
		_, err := s.write.ExecContext(ctx,
			`INSERT INTO user_groups (user_id, group_id, partner_id) VALUES (?, ?, ?)`, u.ID, g.ID, pid)
		if err == nil {
			t.Errorf("membership across partners accepted with partner_id %d", pid)
		}
	}
	tok := roster.Token{PartnerID: other.ID, UserID: u.ID, Kind: roster.TokenAccess, Hash: []byte("h")}
	if err := s.CreateToken(ctx, &tok); roster.ErrorCode(err) != roster.EInvalid {
		t.Errorf("CreateToken for another partner's user: %v, want invalid", err)
	}
}
