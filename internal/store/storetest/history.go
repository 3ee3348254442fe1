package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

var historyTests = []subtest{
	{"NewestFirstCappedByN", historyNewestFirst},
	{"UserWithoutHistoryHasNone", historyEmpty},
	{"UnknownUserGetsNone", historyUnknownUser},
}

// checkHistory fails unless the user's last n hashes are want.
func checkHistory(t *testing.T, s roster.Store, what string, partnerID, userID int64, n int, want ...string) {
	t.Helper()
	got, err := s.PasswordHistory(t.Context(), partnerID, userID, n)
	must(t, "PasswordHistory "+what, err)
	if !slices.Equal(got, want) {
		t.Errorf("%s: PasswordHistory(n=%d) = %q, want %q", what, n, got, want)
	}
}

// checkNoHistory fails if PasswordHistory shows hashes for the user. The
// method names no error code, so ENotFound is as good as an empty list.
func checkNoHistory(t *testing.T, s roster.Store, what string, partnerID, userID int64) {
	t.Helper()
	got, err := s.PasswordHistory(t.Context(), partnerID, userID, 100)
	if roster.ErrorCode(err) != roster.ENotFound && (err != nil || len(got) != 0) {
		t.Errorf("%s: PasswordHistory = %q, %v; want none or ENotFound", what, got, err)
	}
}

func historyNewestFirst(t *testing.T, s roster.Store) {
	ctx := t.Context()
	us := analysts(t, s, "member", 2)
	ada, grace := us[0], us[1]
	for i := 1; i <= 4; i++ {
		must(t, "AddPasswordHistory", s.AddPasswordHistory(ctx, roster.DefaultPartnerID, ada.ID, fmt.Sprintf("ada-%d", i)))
		if i%2 == 0 {
			must(t, "AddPasswordHistory", s.AddPasswordHistory(ctx, roster.DefaultPartnerID, grace.ID, fmt.Sprintf("grace-%d", i)))
		}
	}
	checkHistory(t, s, "more than there is", roster.DefaultPartnerID, ada.ID, 10, "ada-4", "ada-3", "ada-2", "ada-1")
	checkHistory(t, s, "exactly as many", roster.DefaultPartnerID, ada.ID, 4, "ada-4", "ada-3", "ada-2", "ada-1")
	checkHistory(t, s, "capped", roster.DefaultPartnerID, ada.ID, 2, "ada-4", "ada-3")
	checkHistory(t, s, "only the newest", roster.DefaultPartnerID, ada.ID, 1, "ada-4")
	checkHistory(t, s, "another user's", roster.DefaultPartnerID, grace.ID, 10, "grace-4", "grace-2")
}

func historyEmpty(t *testing.T, s roster.Store) {
	ada := analysts(t, s, "ada", 1)[0]
	checkHistory(t, s, "new user", roster.DefaultPartnerID, ada.ID, 5)
}

func historyUnknownUser(t *testing.T, s roster.Store) {
	ada := analysts(t, s, "ada", 1)[0]
	err := s.AddPasswordHistory(t.Context(), roster.DefaultPartnerID, unknownID, "ghost")
	wantCode(t, "AddPasswordHistory(unknown user)", err, roster.ENotFound)
	checkNoHistory(t, s, "unknown user", roster.DefaultPartnerID, unknownID)
	checkHistory(t, s, "existing user", roster.DefaultPartnerID, ada.ID, 5)
}
