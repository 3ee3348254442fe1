package httpapi

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestKeyedLimiter_AllowsTheBurstThenSaysHowLongToWait(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewKeyedLimiter(6, 3, 0) // one token every 10 s
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.Allow("ada"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("ada")
	if ok || wait <= 9*time.Second || wait > 10*time.Second {
		t.Errorf("4th request: ok %v, wait %s; want refused, about 10s", ok, wait)
	}
	if ok, _ := l.Allow("bob"); !ok {
		t.Error("another key shares ada's bucket")
	}
	// A refused request takes no token: the wait does not grow.
	if _, again := l.Allow("ada"); again != wait {
		t.Errorf("wait after a refusal %s, want still %s", again, wait)
	}
	now = now.Add(wait)
	if ok, _ := l.Allow("ada"); !ok {
		t.Error("refused after waiting as told")
	}
}

func TestKeyedLimiter_RemembersABoundedNumberOfKeys(t *testing.T) {
	l := NewKeyedLimiter(1, 1, 64)
	for i := range 10_000 {
		l.Allow(fmt.Sprint("user", i))
		if n := l.Len(); n > 64 {
			t.Fatalf("%d keys remembered after %d, want at most 64", n, i+1)
		}
	}
}

func TestKeyedLimiter_ARateOfZeroIsNoLimit(t *testing.T) {
	l := NewKeyedLimiter(0, 1, 0)
	for range 100 {
		if ok, _ := l.Allow("ada"); !ok {
			t.Fatal("a limit of 0 refused a request")
		}
	}
}

func TestRetryAfter_IsWholeSecondsRoundedUp(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Millisecond: "1", time.Second: "1", 1001 * time.Millisecond: "2", 59500 * time.Millisecond: "60",
	} {
		if got := RetryAfter(d); got != want {
			t.Errorf("RetryAfter(%s) = %s, want %s", d, got, want)
		}
	}
}

func TestClientKey(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.7:51000":            "192.0.2.7",
		"[::ffff:192.0.2.7]:51000":   "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::9]:443": "2001:db8:1:2::/64",
		"not an address":             "not an address",
	} {
		r := &http.Request{RemoteAddr: remote}
		if got := ClientKey(r); got != want {
			t.Errorf("ClientKey(%q) = %q, want %q", remote, got, want)
		}
	}
}
