package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

var tokenTests = []subtest{
	{"CreateAndLookUpByHash", tokenRoundTrip},
	{"UnknownHashIsNotFound", tokenUnknownHash},
	{"DeleteIsNotFoundOnceGone", tokenDelete},
	{"OnlyOneOfRacingDeletesWins", tokenDeleteRace},
	{"DeleteUserTokensRemovesOnlyThatUsers", tokenDeleteUserTokens},
	{"DeleteExpiredRemovesOnlyExpiredAndCounts", tokenDeleteExpired},
}

// mustCreateToken creates a token of u, hashed from name, that expires ttl
// from now.
func mustCreateToken(t *testing.T, s roster.Store, u roster.User, kind roster.TokenKind, name string, ttl time.Duration) roster.Token {
	t.Helper()
	tok := roster.Token{PartnerID: u.PartnerID, UserID: u.ID, Kind: kind, Hash: keyHash(name), ExpiresAt: time.Now().Add(ttl)}
	must(t, "CreateToken "+name, s.CreateToken(t.Context(), &tok))
	return tok
}

// mustToken looks a token up by its hash.
func mustToken(t *testing.T, s roster.Store, hash []byte) roster.Token {
	t.Helper()
	tok, err := s.TokenByHash(t.Context(), hash)
	must(t, "TokenByHash", err)
	return tok
}

// checkToken fails the test if got differs from want.
func checkToken(t *testing.T, what string, got, want roster.Token) {
	t.Helper()
	var d []string
	d = append(d, diffField("ID", got.ID, want.ID)...)
	d = append(d, diffField("PartnerID", got.PartnerID, want.PartnerID)...)
	d = append(d, diffField("UserID", got.UserID, want.UserID)...)
	d = append(d, diffField("Kind", got.Kind, want.Kind)...)
	d = append(d, diffStrings("Hash", got.Hash, want.Hash)...)
	d = append(d, diffTime("ExpiresAt", got.ExpiresAt, want.ExpiresAt)...)
	d = append(d, diffTime("CreatedAt", got.CreatedAt, want.CreatedAt)...)
	for _, s := range d {
		t.Errorf("%s: %s", what, s)
	}
}

// checkTokenGone fails unless no token has the hash.
func checkTokenGone(t *testing.T, what string, s roster.Store, hash []byte) {
	t.Helper()
	_, err := s.TokenByHash(t.Context(), hash)
	wantCode(t, what, err, roster.ENotFound)
}

func tokenRoundTrip(t *testing.T, s roster.Store) {
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	ada := analysts(t, s, "ada", 1)[0]
	bob := mustCreateUser(t, s, newUser(p2.ID, mustRole(t, s, p2.ID, roster.RoleAnalyst).ID, "bob"))
	tokens := []roster.Token{
		{PartnerID: ada.PartnerID, UserID: ada.ID, Kind: roster.TokenAccess, Hash: keyHash("access"), ExpiresAt: *at("2031-02-03T04:05:06.123456789Z")},
		{PartnerID: ada.PartnerID, UserID: ada.ID, Kind: roster.TokenRefresh, Hash: keyHash("expired"), ExpiresAt: *at("2001-01-01T00:00:00.000001Z")},
		{PartnerID: p2.ID, UserID: bob.ID, Kind: roster.TokenRefresh, Hash: keyHash("bob"), ExpiresAt: *at("2030-12-31T23:59:59.999999Z")},
	}
	ids := map[int64]bool{}
	for i := range tokens {
		tok := &tokens[i]
		must(t, "CreateToken", s.CreateToken(t.Context(), tok))
		if tok.ID <= 0 || ids[tok.ID] {
			t.Errorf("token %d: ID = %d, want a new one > 0", i, tok.ID)
		}
		ids[tok.ID] = true
		checkRecent(t, "CreatedAt", tok.CreatedAt)
	}
	// Every token comes back, an expired one too.
	for i, want := range tokens {
		checkToken(t, fmt.Sprintf("TokenByHash of token %d", i), mustToken(t, s, want.Hash), want)
	}
}

func tokenUnknownHash(t *testing.T, s roster.Store) {
	tok := mustCreateToken(t, s, analysts(t, s, "ada", 1)[0], roster.TokenAccess, "access", time.Hour)
	for _, tt := range []struct {
		name string
		hash []byte
	}{
		{"another token", keyHash("not-a-token")},
		{"prefix", tok.Hash[:16]},
		{"longer", append(keyHash("access"), 0)},
		{"empty", []byte{}},
		{"nil", nil},
	} {
		checkTokenGone(t, "TokenByHash("+tt.name+")", s, tt.hash)
	}
}

func tokenDelete(t *testing.T, s roster.Store) {
	ctx := t.Context()
	ada := analysts(t, s, "ada", 1)[0]
	tok := mustCreateToken(t, s, ada, roster.TokenRefresh, "refresh", time.Hour)
	keep := mustCreateToken(t, s, ada, roster.TokenAccess, "access", time.Hour)
	must(t, "DeleteToken", s.DeleteToken(ctx, roster.DefaultPartnerID, tok.ID))
	checkTokenGone(t, "TokenByHash after DeleteToken", s, tok.Hash)
	wantCode(t, "DeleteToken twice", s.DeleteToken(ctx, roster.DefaultPartnerID, tok.ID), roster.ENotFound)
	wantCode(t, "DeleteToken(unknown)", s.DeleteToken(ctx, roster.DefaultPartnerID, unknownID), roster.ENotFound)
	checkToken(t, "other token", mustToken(t, s, keep.Hash), keep)
}

func tokenDeleteRace(t *testing.T, s roster.Store) {
	tok := mustCreateToken(t, s, analysts(t, s, "ada", 1)[0], roster.TokenRefresh, "refresh", time.Hour)
	const racers = 8
	errs := make([]error, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Go(func() {
			<-start
			errs[i] = s.DeleteToken(t.Context(), roster.DefaultPartnerID, tok.ID)
		})
	}
	close(start)
	wg.Wait()
	winners := 0
	for i, err := range errs {
		if err == nil {
			winners++
			continue
		}
		wantCode(t, fmt.Sprintf("racer %d", i), err, roster.ENotFound)
	}
	if winners != 1 {
		t.Errorf("%d of %d racing DeleteToken calls succeeded, want exactly 1", winners, racers)
	}
	checkTokenGone(t, "TokenByHash after the race", s, tok.Hash)
}

func tokenDeleteUserTokens(t *testing.T, s roster.Store) {
	ctx := t.Context()
	us := analysts(t, s, "member", 3)
	gone := []roster.Token{
		mustCreateToken(t, s, us[0], roster.TokenAccess, "0-access", time.Hour),
		mustCreateToken(t, s, us[0], roster.TokenRefresh, "0-refresh", time.Hour),
		mustCreateToken(t, s, us[0], roster.TokenRefresh, "0-expired", -time.Hour),
	}
	keep := mustCreateToken(t, s, us[1], roster.TokenRefresh, "1-refresh", time.Hour)
	must(t, "DeleteUserTokens", s.DeleteUserTokens(ctx, roster.DefaultPartnerID, us[0].ID))
	for _, tok := range gone {
		checkTokenGone(t, "TokenByHash("+string(tok.Kind)+" token of the user)", s, tok.Hash)
	}
	checkToken(t, "other user's token", mustToken(t, s, keep.Hash), keep)
	// A user without tokens is no error: there is nothing left to remove.
	must(t, "DeleteUserTokens again", s.DeleteUserTokens(ctx, roster.DefaultPartnerID, us[0].ID))
	must(t, "DeleteUserTokens of a user without tokens", s.DeleteUserTokens(ctx, roster.DefaultPartnerID, us[2].ID))
	checkToken(t, "other user's token", mustToken(t, s, keep.Hash), keep)
}

func tokenDeleteExpired(t *testing.T, s roster.Store) {
	ctx := t.Context()
	p2 := mustCreatePartnerWithRoles(t, s, "Other")
	ada := analysts(t, s, "ada", 1)[0]
	bob := mustCreateUser(t, s, newUser(p2.ID, mustRole(t, s, p2.ID, roster.RoleAnalyst).ID, "bob"))
	expired := []roster.Token{
		mustCreateToken(t, s, ada, roster.TokenAccess, "ada-long-ago", -24*time.Hour),
		mustCreateToken(t, s, ada, roster.TokenRefresh, "ada-just-now", -time.Minute),
		mustCreateToken(t, s, bob, roster.TokenRefresh, "bob-expired", -time.Hour),
	}
	live := []roster.Token{
		mustCreateToken(t, s, ada, roster.TokenAccess, "ada-live", time.Minute),
		mustCreateToken(t, s, bob, roster.TokenRefresh, "bob-live", 24*time.Hour),
	}
	// The instant is in another zone than the expiries: it is an instant.
	n, err := s.DeleteExpiredTokens(ctx, time.Now().In(time.FixedZone("CEST", 2*60*60)))
	must(t, "DeleteExpiredTokens", err)
	if n != len(expired) {
		t.Errorf("DeleteExpiredTokens = %d, want %d", n, len(expired))
	}
	for _, tok := range expired {
		checkTokenGone(t, "TokenByHash(expired token)", s, tok.Hash)
	}
	for _, tok := range live {
		checkToken(t, "live token", mustToken(t, s, tok.Hash), tok)
	}
	n, err = s.DeleteExpiredTokens(ctx, time.Now())
	must(t, "DeleteExpiredTokens again", err)
	if n != 0 {
		t.Errorf("DeleteExpiredTokens again = %d, want 0", n)
	}
	// A later instant finds the ones that were live.
	n, err = s.DeleteExpiredTokens(ctx, time.Now().Add(48*time.Hour))
	must(t, "DeleteExpiredTokens in two days", err)
	if n != len(live) {
		t.Errorf("DeleteExpiredTokens in two days = %d, want %d", n, len(live))
	}
	for _, tok := range live {
		checkTokenGone(t, "TokenByHash(token expired in two days)", s, tok.Hash)
	}
}
