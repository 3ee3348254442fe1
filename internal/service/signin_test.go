package service

import (
	"context"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

const goodPw = "Str0ng&Secret!"

// withClock gives the service a clock the test moves.
func withClock(s *Service) *time.Time {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	return &now
}

func userWithPassword(t *testing.T, s *Service, email string) roster.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), admin, NewUser{Email: email, GivenName: "Sig", FamilyName: "Nin", Role: RoleRef{Name: "Analyst"}, Password: goodPw})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func state(t *testing.T, s *Service, u roster.User) roster.User {
	t.Helper()
	got, err := s.store.User(context.Background(), u.PartnerID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestSignIn_LocksAfterFiveFailuresInTheWindow(t *testing.T) {
	s := newTestService(t)
	now := withClock(s)
	ctx := context.Background()
	u := userWithPassword(t, s, "lock@example.com")
	for i := range MaxFailedSignIns {
		if _, err := s.SignIn(ctx, "lock@example.com", "wrong", 0); roster.ErrorCode(err) != roster.EUnauthorized {
			t.Fatalf("attempt %d: %v", i, err)
		}
		*now = now.Add(time.Minute)
	}
	if got := state(t, s, u); got.State != roster.StateLocked {
		t.Fatalf("after %d failures the account is %s", MaxFailedSignIns, got.State)
	}
	if _, err := s.SignIn(ctx, "lock@example.com", goodPw, 0); err != errBadCredentials {
		t.Errorf("locked account with the right password: %v, want the same error as a wrong one", err)
	}
}

func TestSignIn_FailuresOutsideTheWindowDoNotLock(t *testing.T) {
	s := newTestService(t)
	now := withClock(s)
	ctx := context.Background()
	u := userWithPassword(t, s, "slow@example.com")
	for range 2 * MaxFailedSignIns {
		s.SignIn(ctx, "slow@example.com", "wrong", 0)
		*now = now.Add(FailureWindow/(MaxFailedSignIns-1) + time.Second)
	}
	if got := state(t, s, u); got.State != roster.StateActive {
		t.Errorf("failures spread over more than the window locked the account (%d)", got.FailedSignIns)
	}
}

func TestSignIn_SuccessClearsFailuresAndExpiredTempPasswordsFail(t *testing.T) {
	s := newTestService(t)
	now := withClock(s)
	ctx := context.Background()
	u := userWithPassword(t, s, "ok@example.com")
	for range MaxFailedSignIns - 1 {
		s.SignIn(ctx, "ok@example.com", "wrong", 0)
	}
	tok, err := s.SignIn(ctx, "OK@example.com", goodPw, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := state(t, s, u)
	if got.FailedSignIns != 0 || got.LastLoginAt == nil || !got.LastLoginAt.Equal(*now) {
		t.Errorf("after success: failures %d, last login %v", got.FailedSignIns, got.LastLoginAt)
	}
	if a, err := s.AuthenticateToken(ctx, tok.Access); err != nil || a.UserID != u.ID {
		t.Errorf("access token: %+v %v", a, err)
	}
	*now = now.Add(AccessTokenTTL + time.Second)
	if _, err := s.AuthenticateToken(ctx, tok.Access); err != errBadToken {
		t.Errorf("expired access token: %v", err)
	}
	if _, err := s.Refresh(ctx, tok.Refresh); err != nil {
		t.Errorf("refresh within its life: %v", err)
	}

	// A temporary password stops working after TempPasswordTTL.
	pw := newPassword()
	expires := now.Add(TempPasswordTTL)
	got.PasswordHash, got.PasswordExpiresAt = hashGenerated(pw), &expires
	if err := s.store.UpdateUser(ctx, &got); err != nil {
		t.Fatal(err)
	}
	*now = expires.Add(time.Second)
	if _, err := s.SignIn(ctx, "ok@example.com", pw, 0); err != errBadCredentials {
		t.Errorf("expired temporary password: %v", err)
	}
}

// countingMetrics is Metrics that counts in memory.
type countingMetrics struct{ ok, failed, locked int }

func (c *countingMetrics) SignInSucceeded() { c.ok++ }
func (c *countingMetrics) SignInFailed()    { c.failed++ }
func (c *countingMetrics) AccountLocked()   { c.locked++ }

func TestSignIn_CountsOutcomesAndTheLockoutOnce(t *testing.T) {
	s := newTestService(t)
	withClock(s)
	m := &countingMetrics{}
	s.stats = m
	ctx := context.Background()
	userWithPassword(t, s, "count@example.com")
	if _, err := s.SignIn(ctx, "count@example.com", goodPw, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignIn(ctx, "nobody@example.com", goodPw, 0); err == nil {
		t.Fatal("an unknown login signed in")
	}
	// Five wrong passwords lock the account; the sixth finds it locked.
	for range MaxFailedSignIns + 1 {
		if _, err := s.SignIn(ctx, "count@example.com", "wrong", 0); err == nil {
			t.Fatal("a wrong password signed in")
		}
	}
	want := countingMetrics{ok: 1, failed: 1 + MaxFailedSignIns + 1, locked: 1}
	if *m != want {
		t.Errorf("counted %+v, want %+v", *m, want)
	}
}
