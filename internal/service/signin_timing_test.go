package service

import (
	"context"
	"slices"
	"testing"
	"time"
)

// timingRounds is how many sign-ins of each kind the timing test measures.
// Each costs one argon2id (about 21 ms here, several times that under the
// race detector), so three kinds of 30 take a few seconds.
const timingRounds = 30

// timingTolerance is how far apart the medians may be, as a share of the
// smaller one (which is nearly all KDF). A leak worth the name, such as
// skipping the KDF for unknown users, differs by about 100 %; the failure's
// database write is about 1 %. 20 % leaves room for the noise of a shared
// 2-core machine: with other builds running, single sign-ins ranged from
// 30 to 550 ms and medians of 30 moved by up to 13 % between kinds.
const timingTolerance = 0.20

func TestSignIn_UnknownUserWrongPasswordAndInvitedUserTakeTheSameTime(t *testing.T) {
	s := newTestService(t)
	now := withClock(s)
	ctx := context.Background()
	userWithPassword(t, s, "known@example.com")
	mustCreate(t, s, "invited@example.com", "Analyst") // a generated password, hashed with SHA-256

	kinds := []struct {
		name, login string
		times       []time.Duration
	}{
		{name: "unknown user", login: "nobody@example.com"},
		{name: "wrong password", login: "known@example.com"},
		{name: "invited user, wrong password", login: "invited@example.com"},
	}
	signIn := func(login string) time.Duration {
		// Each failure starts a new run past the window, so the account
		// never locks and every failure pays for its write, as the first
		// failures of a real guessing attack do.
		*now = now.Add(FailureWindow + time.Second)
		start := time.Now()
		_, err := s.SignIn(ctx, login, "Wrong&Passw0rd!", 0)
		d := time.Since(start)
		if err != errBadCredentials {
			t.Fatalf("sign-in as %s: %v, want the one bad-credentials error", login, err)
		}
		return d
	}
	for _, k := range kinds { // warm up: the dummy hash, prepared statements
		signIn(k.login)
	}
	for i := range timingRounds {
		// Interleaved, in a rotating order, so that a burst of load from
		// elsewhere on the machine falls on every kind alike.
		for j := range kinds {
			k := &kinds[(i+j)%len(kinds)]
			k.times = append(k.times, signIn(k.login))
		}
	}

	base := median(kinds[0].times)
	for _, k := range kinds {
		t.Logf("%-30s median %v (min %v, max %v)", k.name, median(k.times), slices.Min(k.times), slices.Max(k.times))
	}
	for _, k := range kinds[1:] {
		m := median(k.times)
		if diff, tol := (m - base).Abs(), time.Duration(float64(min(m, base))*timingTolerance); diff > tol {
			t.Errorf("%s: median %v, unknown user %v: %v apart, more than %.0f %% (%v)",
				k.name, m, base, diff, timingTolerance*100, tol)
		}
	}
}

// median returns the middle of ds (the upper middle for an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
