package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/store/postgres/pgtest"
)

// A login that two nodes bulk-insert at once passes both nodes' checks
// (neither sees the other's uncommitted row); the second COPY then waits on
// the unique index and, once the first commits, fails as EConflict — not
// as an internal error — and writes nothing.
func TestCreateUsers_ConflictOnlyTheCopyFindsIsEConflict(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	node1, node2 := openURL(t, dbURL), openURL(t, dbURL)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	role, err := node1.RoleByName(ctx, roster.DefaultPartnerID, roster.RoleAnalyst)
	if err != nil {
		t.Fatal(err)
	}
	user := func(handle string) *roster.User {
		return &roster.User{PartnerID: roster.DefaultPartnerID, Username: handle, Email: handle + "@example.com",
			GivenName: "G", FamilyName: "F", Role: roster.Role{ID: role.ID},
			State: roster.StateActive, SignIn: roster.SignInConfirmed}
	}

	inserted, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- node1.Tx(ctx, func(tx roster.Store) error {
			if err := tx.CreateUsers(ctx, []*roster.User{user("race")}); err != nil {
				return err
			}
			close(inserted)
			<-release
			return nil
		})
	}()
	select {
	case <-inserted:
	case err := <-first:
		t.Fatalf("first node: %v", err)
	}
	second := make(chan error, 1)
	go func() { second <- node2.CreateUsers(ctx, []*roster.User{user("bystander"), user("RACE")}) }()
	select {
	case err := <-second:
		t.Fatalf("second node finished (%v) while the first held the login uncommitted", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first node: %v", err)
	}
	if err := <-second; roster.ErrorCode(err) != roster.EConflict {
		t.Fatalf("second node: %v, want EConflict", err)
	}
	n, err := node2.CountUsers(ctx, roster.DefaultPartnerID, roster.UserFilter{})
	if err != nil || n != 1 {
		t.Errorf("%d users (err %v), want only the first node's", n, err)
	}
}
