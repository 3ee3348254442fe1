package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

var txTests = []subtest{
	{"CommitMakesWritesVisible", txCommit},
	{"ErrorRollsEverythingBack", txErrorRollsBack},
	{"StoreErrorRollsBackEarlierWrites", txStoreErrorRollsBack},
	{"NestedTxRunsInTheSameTransaction", txNested},
	{"LockPartner", txLockPartner},
	{"LockPartnerSerialisesWriters", txLockPartnerSerialises},
	{"PanicRollsBackAndPropagates", txPanic},
}

// txPanic: a panic in fn rolls the transaction back, reaches the caller,
// and leaves the store usable for the next write.
func txPanic(t *testing.T, s roster.Store) {
	ctx := t.Context()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic did not propagate out of Tx")
			}
		}()
		_ = s.Tx(ctx, func(tx roster.Store) error {
			p := roster.Partner{Name: "Doomed"}
			if err := tx.CreatePartner(ctx, &p); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	ps, err := s.Partners(ctx)
	if err != nil || len(ps) != 1 {
		t.Errorf("Partners after panic = %v, %v; want just the default", ps, err)
	}
	if err := s.CreatePartner(ctx, &roster.Partner{Name: "After"}); err != nil {
		t.Errorf("write after panic: %v", err)
	}
}

var errAbort = errors.New("storetest: abort")

func txCommit(t *testing.T, s roster.Store) {
	ctx := t.Context()
	var u roster.User
	var r roster.Role
	err := s.Tx(ctx, func(tx roster.Store) error {
		r = roster.Role{PartnerID: roster.DefaultPartnerID, Name: "Auditor", Permissions: roster.NewPermissions(roster.PermUserRead), LogTypeAccessKind: roster.LogTypeAccessAllowAll}
		if err := tx.CreateRole(ctx, &r); err != nil {
			return err
		}
		u = *newUser(roster.DefaultPartnerID, r.ID, "ada")
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		// The transaction sees its own writes.
		got, err := tx.User(ctx, roster.DefaultPartnerID, u.ID)
		if err != nil {
			return fmt.Errorf("reading the user inside Tx: %w", err)
		}
		checkUser(t, "User inside Tx", got, u)
		return nil
	})
	must(t, "Tx", err)
	checkUser(t, "User after commit", mustUser(t, s, roster.DefaultPartnerID, u.ID), u)
	got, err := s.Role(ctx, roster.DefaultPartnerID, r.ID)
	must(t, "Role after commit", err)
	checkRole(t, "Role after commit", got, r)
}

// checkNothingWritten fails unless the store still holds only what a fresh
// one does: partner 1, its built-in roles, no users and no key.
func checkNothingWritten(t *testing.T, s roster.Store) {
	t.Helper()
	ctx := t.Context()
	ps, err := s.Partners(ctx)
	must(t, "Partners", err)
	if len(ps) != 1 {
		t.Errorf("%d partners after rollback, want 1", len(ps))
	}
	roles, err := s.Roles(ctx, roster.DefaultPartnerID, roster.RoleFilter{})
	must(t, "Roles", err)
	if len(roles) != len(roster.BuiltInRoles) {
		t.Errorf("%d roles after rollback, want %d", len(roles), len(roster.BuiltInRoles))
	}
	us, err := s.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{IncludeInactive: true})
	must(t, "Users", err)
	wantUserIDs(t, "users after rollback", us)
	_, err = s.APIKeyByHash(ctx, keyHash("ada"))
	wantCode(t, "APIKeyByHash after rollback", err, roster.ENotFound)
}

// writeEverything creates one of each kind of row inside tx.
func writeEverything(ctx context.Context, tx roster.Store) error {
	p := roster.Partner{Name: "Rolled back"}
	if err := tx.CreatePartner(ctx, &p); err != nil {
		return err
	}
	r := roster.Role{PartnerID: roster.DefaultPartnerID, Name: "Auditor", LogTypeAccessKind: roster.LogTypeAccessAllowAll}
	if err := tx.CreateRole(ctx, &r); err != nil {
		return err
	}
	if err := tx.CreateUser(ctx, newUser(roster.DefaultPartnerID, r.ID, "ada")); err != nil {
		return err
	}
	k := roster.APIKey{PartnerID: roster.DefaultPartnerID, Name: "ada", Hash: keyHash("ada")}
	return tx.CreateAPIKey(ctx, &k)
}

func txErrorRollsBack(t *testing.T, s roster.Store) {
	ctx := t.Context()
	wrapped := fmt.Errorf("step failed: %w", errAbort)
	err := s.Tx(ctx, func(tx roster.Store) error {
		if err := writeEverything(ctx, tx); err != nil {
			t.Errorf("writes inside Tx: %v", err)
		}
		return wrapped
	})
	if !errors.Is(err, wrapped) {
		t.Errorf("Tx returned %v, want fn's error %v", err, wrapped)
	}
	// A roster error keeps its code on the way out.
	err = s.Tx(ctx, func(tx roster.Store) error { return roster.Errorf(roster.EForbidden, "no") })
	wantCode(t, "Tx returning an EForbidden", err, roster.EForbidden)
	checkNothingWritten(t, s)
}

func txStoreErrorRollsBack(t *testing.T, s roster.Store) {
	ctx := t.Context()
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAdmin)
	err := s.Tx(ctx, func(tx roster.Store) error {
		if err := tx.CreateUser(ctx, newUser(roster.DefaultPartnerID, role.ID, "first")); err != nil {
			t.Errorf("first CreateUser: %v", err)
		}
		dup := newUser(roster.DefaultPartnerID, role.ID, "FIRST")
		return tx.CreateUser(ctx, dup)
	})
	wantCode(t, "Tx ending in a conflict", err, roster.EConflict)
	_, err = s.UserByEmail(ctx, roster.DefaultPartnerID, "first@example.com")
	wantCode(t, "UserByEmail after rollback", err, roster.ENotFound)
}

func txNested(t *testing.T, s roster.Store) {
	ctx := t.Context()
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAdmin)
	var outer, inner roster.User
	err := s.Tx(ctx, func(tx roster.Store) error {
		outer = *newUser(roster.DefaultPartnerID, role.ID, "outer")
		if err := tx.CreateUser(ctx, &outer); err != nil {
			return err
		}
		err := tx.Tx(ctx, func(tx2 roster.Store) error {
			if _, err := tx2.User(ctx, roster.DefaultPartnerID, outer.ID); err != nil {
				return fmt.Errorf("inner Tx does not see the outer write: %w", err)
			}
			inner = *newUser(roster.DefaultPartnerID, role.ID, "inner")
			return tx2.CreateUser(ctx, &inner)
		})
		if err != nil {
			return err
		}
		if _, err := tx.User(ctx, roster.DefaultPartnerID, inner.ID); err != nil {
			return fmt.Errorf("outer Tx does not see the inner write: %w", err)
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("Tx = %v, want %v", err, errAbort)
	}
	// The inner Tx committed nothing of its own: the outer rollback undid it.
	for _, u := range []roster.User{outer, inner} {
		_, err := s.User(ctx, roster.DefaultPartnerID, u.ID)
		wantCode(t, "User "+u.Username+" after outer rollback", err, roster.ENotFound)
	}

	// And an outer commit keeps both.
	err = s.Tx(ctx, func(tx roster.Store) error {
		return tx.Tx(ctx, func(tx2 roster.Store) error {
			inner = *newUser(roster.DefaultPartnerID, role.ID, "inner")
			return tx2.CreateUser(ctx, &inner)
		})
	})
	must(t, "nested Tx", err)
	checkUser(t, "User after nested commit", mustUser(t, s, roster.DefaultPartnerID, inner.ID), inner)
}

func txLockPartner(t *testing.T, s roster.Store) {
	ctx := t.Context()
	p2 := mustCreatePartner(t, s, "Other")
	must(t, "LockPartner outside Tx", s.LockPartner(ctx, roster.DefaultPartnerID))
	err := s.Tx(ctx, func(tx roster.Store) error {
		if err := tx.LockPartner(ctx, roster.DefaultPartnerID); err != nil {
			return fmt.Errorf("LockPartner(1): %w", err)
		}
		if err := tx.LockPartner(ctx, p2.ID); err != nil {
			return fmt.Errorf("LockPartner(%d): %w", p2.ID, err)
		}
		// Locking twice in one transaction is harmless.
		return tx.LockPartner(ctx, roster.DefaultPartnerID)
	})
	must(t, "Tx locking partners", err)

	err = s.Tx(ctx, func(tx roster.Store) error { return tx.LockPartner(ctx, unknownID) })
	wantCode(t, "LockPartner(unknown) inside Tx", err, roster.ENotFound)
}

// txLockPartnerSerialises runs writers that each count the users and then
// create one named after the count. Unless LockPartner serialises them, two
// see the same count and the second create conflicts on the username.
func txLockPartnerSerialises(t *testing.T, s roster.Store) {
	ctx := t.Context()
	role := mustRole(t, s, roster.DefaultPartnerID, roster.RoleAnalyst)
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			errs[i] = s.Tx(ctx, func(tx roster.Store) error {
				if err := tx.LockPartner(ctx, roster.DefaultPartnerID); err != nil {
					return err
				}
				us, err := tx.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{IncludeInactive: true})
				if err != nil {
					return err
				}
				return tx.CreateUser(ctx, newUser(roster.DefaultPartnerID, role.ID, fmt.Sprintf("writer%d", len(us))))
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	us, err := s.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{IncludeInactive: true})
	must(t, "Users", err)
	for i, u := range us {
		if want := fmt.Sprintf("writer%d", i); u.Username != want {
			t.Errorf("user %d is %q, want %q", i, u.Username, want)
		}
	}
	if len(us) != writers {
		t.Errorf("%d users, want %d", len(us), writers)
	}
}
