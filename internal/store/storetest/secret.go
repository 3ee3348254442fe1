package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

var secretTests = []subtest{
	{"FirstCallStoresTheGeneratedBytes", secretFirstCall},
	{"LaterCallsReturnTheFirstBytes", secretLaterCalls},
	{"NamesAreIndependent", secretNamesIndependent},
	{"ConcurrentCallsAgree", secretConcurrent},
}

// generator returns a newSecret that yields a copy of b.
func generator(b []byte) func() ([]byte, error) {
	return func() ([]byte, error) { return bytes.Clone(b), nil }
}

// secretBytes returns 32 bytes that differ for every seed.
func secretBytes(seed int) []byte {
	return keyHash(fmt.Sprintf("secret-%d", seed))
}

func secretFirstCall(t *testing.T, s roster.Store) {
	got, err := s.Secret(t.Context(), "token-signing", generator(secretBytes(1)))
	must(t, "Secret", err)
	if !bytes.Equal(got, secretBytes(1)) {
		t.Errorf("Secret = %x, want the generated %x", got, secretBytes(1))
	}
}

func secretLaterCalls(t *testing.T, s roster.Store) {
	first, err := s.Secret(t.Context(), "token-signing", generator(secretBytes(1)))
	must(t, "Secret", err)
	for i := 2; i < 4; i++ {
		got, err := s.Secret(t.Context(), "token-signing", generator(secretBytes(i)))
		must(t, "Secret", err)
		if !bytes.Equal(got, first) {
			t.Errorf("call %d: Secret = %x, want the first %x", i, got, first)
		}
	}
}

func secretNamesIndependent(t *testing.T, s roster.Store) {
	a, err := s.Secret(t.Context(), "a", generator(secretBytes(1)))
	must(t, "Secret a", err)
	b, err := s.Secret(t.Context(), "b", generator(secretBytes(2)))
	must(t, "Secret b", err)
	if !bytes.Equal(a, secretBytes(1)) || !bytes.Equal(b, secretBytes(2)) {
		t.Errorf("Secret a, b = %x, %x; want %x, %x", a, b, secretBytes(1), secretBytes(2))
	}
	again, err := s.Secret(t.Context(), "a", generator(secretBytes(3)))
	must(t, "Secret a again", err)
	if !bytes.Equal(again, a) {
		t.Errorf("Secret a again = %x, want %x", again, a)
	}
}

func secretConcurrent(t *testing.T, s roster.Store) {
	const callers = 8
	got := make([][]byte, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			got[i], errs[i] = s.Secret(t.Context(), "shared", generator(secretBytes(i)))
		})
	}
	wg.Wait()
	for i, err := range errs {
		must(t, fmt.Sprintf("caller %d", i), err)
	}
	winner := -1
	for i := range callers {
		if bytes.Equal(got[0], secretBytes(i)) {
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("caller 0 got %x, which no generator made", got[0])
	}
	for i, b := range got {
		if !bytes.Equal(b, got[0]) {
			t.Errorf("caller %d got %x, caller 0 got %x", i, b, got[0])
		}
	}
	later, err := s.Secret(t.Context(), "shared", generator(secretBytes(99)))
	must(t, "Secret after the race", err)
	if !bytes.Equal(later, got[0]) {
		t.Errorf("Secret after the race = %x, want %x", later, got[0])
	}
}
