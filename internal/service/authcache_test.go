package service

import (
	"context"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// cachedService is a test service whose credential cache trusts a check
// for ttl, on a clock the test moves.
func cachedService(t *testing.T, ttl time.Duration) (*Service, *time.Time) {
	t.Helper()
	s := newTestService(t)
	s.auth = newAuthCache(ttl)
	return s, withClock(s)
}

// TestAuthCache_OutsideRevocationTakesEffectWithinTheTTL removes a token
// behind the service's back, as another node or the command line would:
// the cached check holds until the TTL runs out, and not a moment longer.
func TestAuthCache_OutsideRevocationTakesEffectWithinTheTTL(t *testing.T) {
	ctx := context.Background()
	s, now := cachedService(t, time.Second)
	u := userWithPassword(t, s, "cache@example.com")
	tok, err := s.SignIn(ctx, u.Email, goodPw, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateToken(ctx, tok.Access); err != nil {
		t.Fatal(err)
	}
	if err := s.store.DeleteUserTokens(ctx, u.PartnerID, u.ID); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(999 * time.Millisecond)
	if a, err := s.AuthenticateToken(ctx, tok.Access); err != nil || a.UserID != u.ID {
		t.Fatalf("within the TTL: %+v, %v; want the cached user %d", a, err, u.ID)
	}
	*now = now.Add(time.Millisecond)
	if _, err := s.AuthenticateToken(ctx, tok.Access); roster.ErrorCode(err) != roster.EUnauthorized {
		t.Fatalf("at the TTL: %v, want unauthorized", err)
	}
}

// TestAuthCache_OwnWritesRevokeAtOnce: a deactivation, a lock or a role
// change (here a promotion) made through this service ends what the cache remembered at
// once, however long the TTL.
func TestAuthCache_OwnWritesRevokeAtOnce(t *testing.T) {
	ctx := context.Background()
	inactive, locked := roster.StateInactive, roster.StateLocked
	for name, patch := range map[string]UserPatch{
		"deactivated": {State: &inactive},
		"locked":      {State: &locked},
		"promoted":    {Role: &RoleRef{Name: "Admin"}},
	} {
		t.Run(name, func(t *testing.T) {
			s, _ := cachedService(t, time.Hour)
			u := userWithPassword(t, s, "own@example.com")
			tok, err := s.SignIn(ctx, u.Email, goodPw, 0)
			if err != nil {
				t.Fatal(err)
			}
			before, err := s.AuthenticateToken(ctx, tok.Access)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.UpdateUser(ctx, admin, u.ID, patch); err != nil {
				t.Fatal(err)
			}
			after, err := s.AuthenticateToken(ctx, tok.Access)
			if name == "promoted" {
				if err != nil || before.Can(roster.PermUserModify) || !after.Can(roster.PermUserModify) {
					t.Fatalf("after the role change: %+v, %v; want the new role's permissions, not %v", after, err, before.Permissions)
				}
				return
			}
			if roster.ErrorCode(err) != roster.EUnauthorized {
				t.Fatalf("after the change: %+v, %v; want unauthorized", after, err)
			}
		})
	}
}

// TestAuthCache_WritesThatOnlyAddKeepIt: creating a user and signing in
// take no right away, so a cached credential stays cached through them;
// a change of a user's state, which may, empties the cache.
func TestAuthCache_WritesThatOnlyAddKeepIt(t *testing.T) {
	ctx := context.Background()
	s, _ := cachedService(t, time.Hour)
	key, _, err := s.CreateAPIKey(ctx, roster.DefaultPartnerID, "k", roster.NewPermissions(roster.PermUserRead))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateAPIKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	cached := func() int {
		s.auth.mu.RLock()
		defer s.auth.mu.RUnlock()
		return len(s.auth.entries)
	}
	u := userWithPassword(t, s, "keep@example.com")
	if _, err := s.SignIn(ctx, u.Email, goodPw, 0); err != nil {
		t.Fatal(err)
	}
	if n := cached(); n != 1 {
		t.Fatalf("%d cached credentials after a create and a sign-in, want the key's 1", n)
	}
	inactive := roster.StateInactive
	if _, err := s.UpdateUser(ctx, admin, u.ID, UserPatch{State: &inactive}); err != nil {
		t.Fatal(err)
	}
	if n := cached(); n != 0 {
		t.Fatalf("%d cached credentials after a state change, want 0", n)
	}
}

// TestAuthCache_NeverOutlivesTheToken: an entry expires with its token
// even when the TTL is longer.
func TestAuthCache_NeverOutlivesTheToken(t *testing.T) {
	ctx := context.Background()
	s, now := cachedService(t, 24*time.Hour)
	u := userWithPassword(t, s, "expiry@example.com")
	tok, err := s.SignIn(ctx, u.Email, goodPw, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateToken(ctx, tok.Access); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(AccessTokenTTL)
	if _, err := s.AuthenticateToken(ctx, tok.Access); roster.ErrorCode(err) != roster.EUnauthorized {
		t.Fatalf("at the token's expiry: %v, want unauthorized", err)
	}
}

// TestAuthCache_KeysAreCachedAndFailuresAreNot checks an API key: a
// success is remembered, a failure never is.
func TestAuthCache_KeysAreCachedAndFailuresAreNot(t *testing.T) {
	ctx := context.Background()
	s, _ := cachedService(t, time.Hour)
	key, k, err := s.CreateAPIKey(ctx, roster.DefaultPartnerID, "k", roster.NewPermissions(roster.PermUserRead))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		a, err := s.AuthenticateAPIKey(ctx, key)
		if err != nil || a.KeyID != k.ID {
			t.Fatalf("%+v, %v; want key %d", a, err, k.ID)
		}
	}
	if n := len(s.auth.entries); n != 1 {
		t.Fatalf("%d cached credentials, want 1", n)
	}
	if _, err := s.AuthenticateAPIKey(ctx, key+"x"); roster.ErrorCode(err) != roster.EUnauthorized {
		t.Fatalf("a wrong key: %v", err)
	}
	if n := len(s.auth.entries); n != 1 {
		t.Fatalf("%d cached credentials after a failure, want 1", n)
	}
}

// TestAuthCache_RacingLookupIsNotStored: a lookup that read the database
// before a revoking write committed must not store what it read.
func TestAuthCache_RacingLookupIsNotStored(t *testing.T) {
	c := newAuthCache(time.Hour)
	now := time.Now()
	var sum [32]byte
	_, ok, gen := c.get(sum, now)
	if ok {
		t.Fatal("hit in an empty cache")
	}
	c.drop() // the write commits while the lookup reads
	c.put(sum, Actor{UserID: 7}, gen, now, time.Time{})
	if _, ok, _ := c.get(sum, now); ok {
		t.Fatal("a lookup older than the drop was cached")
	}
	_, _, gen = c.get(sum, now)
	c.put(sum, Actor{UserID: 7}, gen, now, time.Time{})
	if a, ok, _ := c.get(sum, now); !ok || a.UserID != 7 {
		t.Fatalf("a current lookup was not cached: %+v, %v", a, ok)
	}
}

// TestAuthCache_IsBounded: a flood of credentials cannot grow the cache
// past its bound.
func TestAuthCache_IsBounded(t *testing.T) {
	c := newAuthCache(time.Hour)
	now := time.Now()
	for i := range maxCachedCredentials + 10 {
		var sum [32]byte
		sum[0], sum[1] = byte(i), byte(i>>8)
		_, _, gen := c.get(sum, now)
		c.put(sum, Actor{}, gen, now, time.Time{})
	}
	if n := len(c.entries); n > maxCachedCredentials {
		t.Fatalf("%d entries, bound %d", n, maxCachedCredentials)
	}
}
