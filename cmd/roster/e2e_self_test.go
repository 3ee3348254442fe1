package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// End-to-end tests of what a bearer token may do, when it dies, and the
// signed-in user's own endpoints (/users/self…). Helpers shared with the
// sign-in tests are in e2e_signin_test.go.

// getSelf reads /api/v1/users/self with a bearer token, wanting a 200.
func getSelf(t *testing.T, s *testServer, accessToken string) aamUser {
	t.Helper()
	r := s.asUser("GET", "/api/v1/users/self", accessToken, nil)
	wantStatus(t, r, http.StatusOK)
	var u aamUser
	r.json(t, &u)
	return u
}

// changePassword posts to update-password with a bearer token.
func (s *testServer) changePassword(accessToken, oldPw, newPw string) response {
	s.t.Helper()
	return s.asUser("POST", "/api/v1/users/self/update-password", accessToken,
		map[string]string{"oldPassword": oldPw, "newPassword": newPw})
}

// signInState is the user's Panther status: FORCE_CHANGE_PASSWORD,
// CONFIRMED or RESET_REQUIRED.
func signInState(t *testing.T, s *testServer, id int64) string {
	t.Helper()
	st, _ := pantherUser(t, s, id)["status"].(string)
	return st
}

// mailedPassword waits for the n-th mail (from 1), checks it went to email,
// and returns the temporary password in it.
func mailedPassword(t *testing.T, s *testServer, n int, email string) string {
	t.Helper()
	m := s.smtp.WaitFor(t, n, 5*time.Second)[n-1]
	if !slices.Equal(m.To, []string{email}) {
		t.Errorf("mail %d went to %v, want %s", n, m.To, email)
	}
	return temporaryPassword(t, m.Text)
}

func TestToken_DiesWhenItsUserIsDeactivatedLockedOrDeleted(t *testing.T) {
	s := startServer(t)
	for _, tc := range []struct{ name, status string }{
		{"ada", "INACTIVE"},
		{"bob", "LOCKED"},
		{"cleo", ""}, // deleted
	} {
		u := addUser(t, s, tc.name, false)
		tk := signIn(t, s, tc.name, goodPassword)
		getSelf(t, s, tk.AccessToken)

		if tc.status == "" {
			wantStatus(t, s.do("DELETE", fmt.Sprintf("/api/v1/users/%d", u.UserID), s.adminKey, nil), http.StatusNoContent)
		} else {
			setStatus(t, s, u.UserID, tc.status)
		}
		what := "deleted"
		if tc.status != "" {
			what = tc.status
		}
		if r := s.asUser("GET", "/api/v1/users/self", tk.AccessToken, nil); r.status != http.StatusUnauthorized {
			t.Errorf("%s: access token answered %d on /users/self, want 401: %s", what, r.status, r.body)
		} else {
			r.message(t)
		}
		if r := s.refresh(tk.RefreshToken); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"invalid_grant"`) {
			t.Errorf("%s: refresh token answered %d %s, want 400 invalid_grant", what, r.status, r.body)
		}
		if tc.status == "" {
			continue
		}
		// Made active again, the user signs in afresh; the old tokens
		// stay dead.
		setStatus(t, s, u.UserID, "ACTIVE")
		fresh := signIn(t, s, tc.name, goodPassword)
		getSelf(t, s, fresh.AccessToken)
		if r := s.asUser("GET", "/api/v1/users/self", tk.AccessToken, nil); r.status != http.StatusUnauthorized {
			t.Errorf("%s then ACTIVE: the old access token came back to life: %d %s", what, r.status, r.body)
		}
		if r := s.refresh(tk.RefreshToken); r.status != http.StatusBadRequest {
			t.Errorf("%s then ACTIVE: the old refresh token came back to life: %d %s", what, r.status, r.body)
		}
	}
}

func TestToken_DiesWhenItsUserChangesOrResetsThePassword(t *testing.T) {
	s := startServer(t)
	for _, tc := range []struct{ name, path string }{
		{"ada", "/api/v1/users/self/update-password"},
		{"bob", "/api/v1/users/self/reset-password"},
	} {
		addUser(t, s, tc.name, false)
		caller := signIn(t, s, tc.name, goodPassword)
		other := signIn(t, s, tc.name, goodPassword) // another device
		var body any
		if strings.HasSuffix(tc.path, "update-password") {
			body = map[string]string{"oldPassword": goodPassword, "newPassword": otherPassword}
		}
		wantStatus(t, s.asUser("POST", tc.path, caller.AccessToken, body), http.StatusOK)
		for _, tk := range []tokens{caller, other} {
			if r := s.asUser("GET", "/api/v1/users/self", tk.AccessToken, nil); r.status != http.StatusUnauthorized {
				t.Errorf("after %s: an access token answered %d, want 401: %s", tc.path, r.status, r.body)
			}
			if r := s.refresh(tk.RefreshToken); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"invalid_grant"`) {
				t.Errorf("after %s: a refresh token answered %d %s, want 400 invalid_grant", tc.path, r.status, r.body)
			}
		}
	}
}

func TestToken_InvalidOrExpiredBearerIsRefusedWithAJSONMessage(t *testing.T) {
	s := startServer(t)
	u := addUser(t, s, "ada", false)
	tk := signIn(t, s, "ada", goodPassword)

	// A well-formed access token the server issued, but expired: written
	// straight into the store, since an hour is too long to wait.
	secret := make([]byte, 32)
	rand.Read(secret)
	expired := "rat_" + base64.RawURLEncoding.EncodeToString(secret)
	sum := sha256.Sum256([]byte(expired))
	if err := s.store().CreateToken(context.Background(), &roster.Token{
		PartnerID: u.PID, UserID: u.UserID, Kind: roster.TokenAccess, Hash: sum[:],
		ExpiresAt: time.Now().Add(-time.Minute),
	}); err != nil {
		t.Fatal(err)
	}
	madeUp := "rat_" + base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	// A token with the access prefix that the store holds as a refresh
	// token, and the other way round: the kind decides, not the prefix.
	wrongKind := func(prefix string, kind roster.TokenKind) string {
		rand.Read(secret)
		tok := prefix + base64.RawURLEncoding.EncodeToString(secret)
		sum := sha256.Sum256([]byte(tok))
		if err := s.store().CreateToken(context.Background(), &roster.Token{
			PartnerID: u.PID, UserID: u.UserID, Kind: kind, Hash: sum[:], ExpiresAt: time.Now().Add(time.Hour),
		}); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	accessAsRefresh := wrongKind("rat_", roster.TokenRefresh)
	wantOAuthError(t, s.refresh(wrongKind("rrt_", roster.TokenAccess)), "invalid_grant")

	for _, auth := range []string{
		"Bearer " + expired,
		"Bearer " + madeUp,
		"Bearer " + accessAsRefresh,
		"Bearer not-a-token",
		"Bearer " + tk.AccessToken + "x",
		"Bearer " + strings.ToUpper(tk.AccessToken),
		"Bearer " + strings.Repeat("a", 5000),
		"Bearer ",
		"Bearer",
		"Basic " + base64.StdEncoding.EncodeToString([]byte("ada:"+goodPassword)),
		tk.AccessToken,
	} {
		r := s.do("GET", "/api/v1/users/self", "", nil, "Authorization", auth)
		if r.status != http.StatusUnauthorized {
			t.Errorf("Authorization %.40q: status %d, want 401; body %s", auth, r.status, r.body)
			continue
		}
		r.message(t)
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("Authorization %.40q: WWW-Authenticate %q, want a Bearer challenge", auth, r.header.Get("WWW-Authenticate"))
		}
	}
	// No credentials at all is a 401 too.
	wantUnauthorized(t, s.do("GET", "/api/v1/users/self", "", nil))
	// The scheme is case-insensitive (RFC 7235), and the real token works.
	wantStatus(t, s.do("GET", "/api/v1/users/self", "", nil, "Authorization", "bearer "+tk.AccessToken), http.StatusOK)
}

func TestToken_AdminUsersMayCallAdminEndpointsAndOthersOnlyTheirOwn(t *testing.T) {
	s := startServer(t)
	ada := addUser(t, s, "ada", true)
	bob := addUser(t, s, "bob", false)
	admin := signIn(t, s, "ada", goodPassword).AccessToken
	analyst := signIn(t, s, "bob", goodPassword).AccessToken

	if me := getSelf(t, s, admin); !me.IsAdmin || me.UserID != ada.UserID {
		t.Errorf("admin's /users/self: %+v, want user %d with isAdmin true", me, ada.UserID)
	}
	r := s.asUser("GET", "/api/v1/users", admin, nil)
	wantStatus(t, r, http.StatusOK)
	var all []aamUser
	r.json(t, &all)
	if len(all) != 2 {
		t.Errorf("an admin's token lists %d users, want 2: %s", len(all), r.body)
	}
	r = s.asUser("POST", "/api/v1/users", admin, map[string]any{
		"username": "cleo", "email": "cleo@example.com", "firstName": "Cleo", "lastName": "Userson", "password": goodPassword,
	})
	wantStatus(t, r, http.StatusCreated)
	var cleo aamUser
	r.json(t, &cleo)
	if cleo.PID != ada.PID {
		t.Errorf("a user created by an admin token is in partner %d, want the admin's %d", cleo.PID, ada.PID)
	}
	wantStatus(t, s.asUser("GET", fmt.Sprintf("/api/v1/users/%d", bob.UserID), admin, nil), http.StatusOK)

	if me := getSelf(t, s, analyst); me.IsAdmin || me.UserID != bob.UserID {
		t.Errorf("analyst's /users/self: %+v, want user %d with isAdmin false", me, bob.UserID)
	}
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/users", nil},
		{"GET", "/v1/users/", nil},
		{"GET", fmt.Sprintf("/api/v1/users/%d", ada.UserID), nil},
		{"GET", fmt.Sprintf("/api/v1/users/%d", bob.UserID), nil},
		{"POST", "/api/v1/users", map[string]any{"username": "dora", "email": "dora@example.com", "firstName": "Dora", "lastName": "Userson", "password": goodPassword}},
		{"PUT", fmt.Sprintf("/api/v1/users/%d", bob.UserID), map[string]any{"isAdmin": true}},
		{"PUT", fmt.Sprintf("/api/v1/users/%d", ada.UserID), map[string]any{"status": "INACTIVE"}},
		{"DELETE", fmt.Sprintf("/api/v1/users/%d", cleo.UserID), nil},
		{"POST", "/api/v1/users/bulk-delete", []int64{cleo.UserID}},
		{"GET", "/api/v1/groups", nil},
		{"POST", "/api/v1/groups", map[string]any{"name": "Analysts", "description": "mine"}},
	} {
		r := s.asUser(tc.method, tc.path, analyst, tc.body)
		if r.status != http.StatusForbidden {
			t.Errorf("analyst %s %s: status %d, want 403; body %s", tc.method, tc.path, r.status, r.body)
			continue
		}
		r.message(t)
	}
	// Nothing the analyst tried happened.
	r = s.do("GET", "/api/v1/users", s.adminKey, nil)
	wantStatus(t, r, http.StatusOK)
	all = nil
	r.json(t, &all)
	if len(all) != 3 {
		t.Errorf("after the analyst's refused calls there are %d users, want 3: %s", len(all), r.body)
	}
	for _, u := range all {
		if u.Status != "ACTIVE" || u.IsAdmin != (u.UserID == ada.UserID) {
			t.Errorf("after the analyst's refused calls: %+v", u)
		}
	}

	// An API key is not a user: it has no self.
	for _, key := range []string{s.adminKey, s.readKey} {
		for _, tc := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/users/self", nil},
			{"PUT", "/api/v1/users/self/update", map[string]any{"firstName": "Key"}},
			{"POST", "/api/v1/users/self/update-password", map[string]any{"oldPassword": goodPassword, "newPassword": otherPassword}},
			{"POST", "/api/v1/users/self/reset-password", nil},
		} {
			r := s.do(tc.method, tc.path, key, tc.body)
			if r.status != http.StatusForbidden {
				t.Errorf("API key %s %s: status %d, want 403; body %s", tc.method, tc.path, r.status, r.body)
				continue
			}
			r.message(t)
		}
	}
}

func TestSelf_UserReadsAndUpdatesTheirOwnProfileUnderEverySpelling(t *testing.T) {
	s := startServer(t)
	u := addUser(t, s, "cleo", false)
	tk := signIn(t, s, "cleo", goodPassword).AccessToken

	for _, path := range []string{"/api/v1/users/self", "/api/v1/users/self/", "/v1/users/self", "/v1/users/self/"} {
		r := s.asUser("GET", path, tk, nil)
		wantStatus(t, r, http.StatusOK)
		var me aamUser
		r.json(t, &me)
		if me.UserID != u.UserID || me.Username != "cleo" || me.Email != "cleo@example.com" || me.PID != u.PID {
			t.Errorf("GET %s: %s, want user %d", path, r.body, u.UserID)
		}
	}

	r := s.asUser("PUT", "/api/v1/users/self/update", tk, map[string]any{
		"firstName": "Cleopatra", "lastName": "Seventh", "email": "Queen@Example.com",
		"title": "Queen", "phoneNumber": "+20 555 0100",
	})
	wantStatus(t, r, http.StatusOK)
	var me aamUser
	r.json(t, &me)
	if me.FirstName != "Cleopatra" || me.LastName != "Seventh" || me.Email != "Queen@Example.com" ||
		me.Title == nil || *me.Title != "Queen" || me.PhoneNumber == nil || *me.PhoneNumber != "+20 555 0100" {
		t.Errorf("self update answered %s", r.body)
	}
	if me.Username != "cleo" || me.Status != "ACTIVE" || me.IsAdmin {
		t.Errorf("self update changed what it was not given: %s", r.body)
	}
	if got, _ := aamGet(t, s, u.UserID); got.FirstName != "Cleopatra" || got.Email != "Queen@Example.com" || got.Title == nil || *got.Title != "Queen" {
		t.Errorf("after the self update an admin reads %+v", got)
	}

	// The other spellings, with and without the trailing slash.
	for i, path := range []string{"/api/v1/self/update", "/v1/self/update/", "/v1/users/self/update", "/api/v1/users/self/update/"} {
		title := fmt.Sprintf("Queen %d", i)
		r := s.asUser("PUT", path, tk, map[string]any{"title": title})
		wantStatus(t, r, http.StatusOK)
		if got := getSelf(t, s, tk); got.Title == nil || *got.Title != title || got.FirstName != "Cleopatra" {
			t.Errorf("PUT %s {title: %q}: /users/self then has title %v, firstName %q", path, title, got.Title, got.FirstName)
		}
	}
	r = s.asUser("PUT", "/api/v1/self/update", tk, map[string]any{"title": nil, "phoneNumber": nil})
	wantStatus(t, r, http.StatusOK)
	if got := getSelf(t, s, tk); got.Title != nil || got.PhoneNumber != nil {
		t.Errorf("title and phoneNumber null: /users/self has %v, %v", got.Title, got.PhoneNumber)
	}

	// The new e-mail signs in; the old one no longer names anyone.
	signIn(t, s, "queen@example.com", goodPassword)
	wantOAuthError(t, s.trySignIn("cleo@example.com", goodPassword), "invalid_grant")
}

func TestSelf_UserCannotChangeTheirOwnStatusGroupsOrAdminFlag(t *testing.T) {
	s := startServer(t)
	var groups []int64
	for _, name := range []string{"Readers", "Writers"} {
		r := s.do("POST", "/api/v1/groups", s.adminKey, map[string]any{"name": name, "description": name})
		wantStatus(t, r, http.StatusCreated)
		var g struct {
			GroupID int64 `json:"groupId"`
		}
		r.json(t, &g)
		groups = append(groups, g.GroupID)
	}
	ada := addUser(t, s, "ada", true)
	dora := addUser(t, s, "dora", false)
	path := fmt.Sprintf("/api/v1/users/%d", dora.UserID)
	wantStatus(t, s.do("PUT", path, s.adminKey, map[string]any{"groups": []int64{groups[1], groups[0]}}), http.StatusOK)
	tk := signIn(t, s, "dora", goodPassword).AccessToken
	_, before := aamGet(t, s, dora.UserID)

	for _, body := range []map[string]any{
		{"status": "INACTIVE"},
		{"status": "LOCKED", "firstName": "Changed"},
		{"firstName": "Changed", "groups": []int64{groups[0]}},
		{"groups": []int64{}},
		{"groups": []int64{groups[0], groups[1], 999}},
		{"isAdmin": true},
		{"isAdmin": true, "status": "ACTIVE", "title": "Boss"},
	} {
		r := s.asUser("PUT", "/api/v1/users/self/update", tk, body)
		if r.status != http.StatusForbidden {
			t.Errorf("self update %v: status %d, want 403; body %s", body, r.status, r.body)
			continue
		}
		r.message(t)
		if _, after := aamGet(t, s, dora.UserID); string(after.body) != string(before.body) {
			t.Errorf("refused self update %v changed the user:\nbefore %s\nafter  %s", body, before.body, after.body)
		}
	}

	// Repeating the current values, in any order, is no change.
	r := s.asUser("PUT", "/api/v1/users/self/update", tk, map[string]any{
		"status": "ACTIVE", "groups": []int64{groups[1], groups[0]}, "isAdmin": false, "firstName": "Dorothea",
	})
	wantStatus(t, r, http.StatusOK)
	got, _ := aamGet(t, s, dora.UserID)
	slices.Sort(got.Groups)
	if got.FirstName != "Dorothea" || got.Status != "ACTIVE" || got.IsAdmin || !slices.Equal(got.Groups, groups) {
		t.Errorf("after repeating the current values: %+v, want firstName Dorothea and the rest unchanged", got)
	}

	// An admin cannot demote themselves either.
	admin := signIn(t, s, "ada", goodPassword).AccessToken
	r = s.asUser("PUT", "/api/v1/self/update", admin, map[string]any{"isAdmin": false})
	wantStatus(t, r, http.StatusForbidden)
	if got, _ := aamGet(t, s, ada.UserID); !got.IsAdmin {
		t.Errorf("an admin's refused self-demotion demoted them: %+v", got)
	}
	// And the token outlived all of it: nothing locked the user out.
	getSelf(t, s, tk)
}

func TestSelf_UpdatePasswordReplacesTheOldOne(t *testing.T) {
	s := startServer(t)
	u := addUser(t, s, "ada", false)
	tk := signIn(t, s, "ada", goodPassword)

	r := s.asUser("POST", "/v1/users/self/update-password/", tk.AccessToken,
		map[string]string{"oldPassword": goodPassword, "newPassword": otherPassword})
	wantStatus(t, r, http.StatusOK)
	wantOAuthError(t, s.trySignIn("ada", goodPassword), "invalid_grant")
	signIn(t, s, "ada", otherPassword)
	if st := signInState(t, s, u.UserID); st != "CONFIRMED" {
		t.Errorf("Panther status %q after update-password, want CONFIRMED", st)
	}
}

func TestSelf_UpdatePasswordRefusesAWrongOldOneAndAWeakOrReusedNewOne(t *testing.T) {
	s := startServer(t)
	// The given name differs from the username and e-mail, so that only
	// the given-name rule can refuse a password containing it.
	s.aamCreateUser(map[string]any{
		"username": "u4821", "email": "u4821@example.com", "firstName": "Evangeline", "lastName": "Marsh",
		"password": goodPassword,
	})
	tk := signIn(t, s, "u4821", goodPassword).AccessToken

	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"wrong old password", map[string]any{"oldPassword": otherPassword, "newPassword": "Velvet-Harbor-52#"}},
		{"too short", map[string]any{"oldPassword": goodPassword, "newPassword": "Ab1!efgh"}},
		{"too long", map[string]any{"oldPassword": goodPassword, "newPassword": "Ab1!" + strings.Repeat("x", 37)}},
		{"no special character", map[string]any{"oldPassword": goodPassword, "newPassword": "VelvetHarbor52"}},
		{"no digit", map[string]any{"oldPassword": goodPassword, "newPassword": "Velvet-Harbor-#"}},
		{"no upper case", map[string]any{"oldPassword": goodPassword, "newPassword": "velvet-harbor-52#"}},
		{"contains the given name", map[string]any{"oldPassword": goodPassword, "newPassword": "Evangeline-52#x"}},
		{"contains the family name", map[string]any{"oldPassword": goodPassword, "newPassword": "Salt-MARSH-52#x"}},
		{"contains the username", map[string]any{"oldPassword": goodPassword, "newPassword": "Velvet-u4821-Ab#"}},
		{"the current password", map[string]any{"oldPassword": goodPassword, "newPassword": goodPassword}},
		{"no newPassword", map[string]any{"oldPassword": goodPassword}},
		{"no oldPassword", map[string]any{"newPassword": "Velvet-Harbor-52#"}},
	} {
		r := s.asUser("POST", "/api/v1/users/self/update-password", tk, tc.body)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400; body %s", tc.name, r.status, r.body)
			continue
		}
		if msg := r.message(t); strings.Contains(msg, goodPassword) || strings.Contains(msg, "Velvet") {
			t.Errorf("%s: the message echoes a password: %q", tc.name, msg)
		}
	}

	// None of that changed the password or killed the token.
	getSelf(t, s, tk)
	wantStatus(t, s.changePassword(tk, goodPassword, otherPassword), http.StatusOK)

	// A recent password cannot come back, not even two changes later.
	tk = signIn(t, s, "u4821", otherPassword).AccessToken
	if r := s.changePassword(tk, otherPassword, goodPassword); r.status != http.StatusBadRequest {
		t.Errorf("back to the previous password: status %d, want 400; body %s", r.status, r.body)
	}
	wantStatus(t, s.changePassword(tk, otherPassword, "Velvet-Harbor-52#"), http.StatusOK)
	tk = signIn(t, s, "u4821", "Velvet-Harbor-52#").AccessToken
	for _, old := range []string{goodPassword, otherPassword} {
		if r := s.changePassword(tk, "Velvet-Harbor-52#", old); r.status != http.StatusBadRequest {
			t.Errorf("back to a recent password: status %d, want 400; body %s", r.status, r.body)
		}
	}
	signIn(t, s, "u4821", "Velvet-Harbor-52#")
}

func TestSelf_ResetPasswordMailsANewTemporaryPassword(t *testing.T) {
	s := startServer(t)
	u := addUser(t, s, "finn", false)
	tk := signIn(t, s, "finn", goodPassword)

	r := s.asUser("POST", "/api/v1/users/self/reset-password", tk.AccessToken, nil)
	wantStatus(t, r, http.StatusOK)
	temp := mailedPassword(t, s, 1, "finn@example.com")
	if temp == "" || temp == goodPassword {
		t.Fatalf("reset mailed password %q", temp)
	}
	wantOAuthError(t, s.trySignIn("finn", goodPassword), "invalid_grant")
	if st := signInState(t, s, u.UserID); st != "RESET_REQUIRED" {
		t.Errorf("Panther status %q after a reset, want RESET_REQUIRED", st)
	}

	tk = signIn(t, s, "finn@example.com", temp)
	if got := getSelf(t, s, tk.AccessToken); got.UserID != u.UserID || got.Status != "ACTIVE" {
		t.Errorf("signed in with the temporary password: %+v", got)
	}
	if st := signInState(t, s, u.UserID); st != "RESET_REQUIRED" {
		t.Errorf("Panther status %q after signing in with the temporary password, want RESET_REQUIRED until a password is set", st)
	}
	// The password before the reset is a recent one: not allowed back.
	if r := s.changePassword(tk.AccessToken, temp, goodPassword); r.status != http.StatusBadRequest {
		t.Errorf("setting the pre-reset password again: status %d, want 400; body %s", r.status, r.body)
	}
	wantStatus(t, s.changePassword(tk.AccessToken, temp, otherPassword), http.StatusOK)
	if st := signInState(t, s, u.UserID); st != "CONFIRMED" {
		t.Errorf("Panther status %q after setting a password, want CONFIRMED", st)
	}
	wantOAuthError(t, s.trySignIn("finn", temp), "invalid_grant")
	tk = signIn(t, s, "finn", otherPassword)

	// The seed's other spellings reset too, each with a fresh password.
	seen := []string{temp}
	for i, path := range []string{"/api/v1/self/reset-password", "/v1/self/reset-password/", "/v1/users/self/reset-password"} {
		wantStatus(t, s.asUser("POST", path, tk.AccessToken, nil), http.StatusOK)
		temp := mailedPassword(t, s, i+2, "finn@example.com")
		if slices.Contains(seen, temp) {
			t.Errorf("POST %s mailed a temporary password mailed before", path)
		}
		seen = append(seen, temp)
		tk = signIn(t, s, "finn", temp)
	}
	if n := len(s.smtp.Messages()); n != 4 {
		t.Errorf("%d mails for 4 resets, want 4", n)
	}
}

func TestSelf_InvitedUserSignsInWithTheTemporaryPasswordAndSetsTheirOwn(t *testing.T) {
	s := startServer(t)
	u := s.aamCreateUser(map[string]any{"email": "gil@example.com", "firstName": "Gil", "lastName": "Userson"})
	temp := mailedPassword(t, s, 1, "gil@example.com")
	if st := signInState(t, s, u.UserID); st != "FORCE_CHANGE_PASSWORD" {
		t.Errorf("Panther status %q for an invited user, want FORCE_CHANGE_PASSWORD", st)
	}

	tk := signIn(t, s, "GIL@example.com", temp)
	if got := getSelf(t, s, tk.AccessToken); got.UserID != u.UserID || got.Username != "gil@example.com" {
		t.Errorf("invited user signed in as %+v, want user %d", got, u.UserID)
	}
	if r := s.changePassword(tk.AccessToken, temp, "gil-Quartz-71!"); r.status != http.StatusBadRequest {
		t.Errorf("a password containing the user's name: status %d, want 400", r.status)
	}
	// The mailed password cannot become the user's own.
	if r := s.changePassword(tk.AccessToken, temp, temp); r.status != http.StatusBadRequest {
		t.Errorf("keeping the temporary password: status %d, want 400; body %s", r.status, r.body)
	}
	wantStatus(t, s.changePassword(tk.AccessToken, temp, goodPassword), http.StatusOK)
	if st := signInState(t, s, u.UserID); st != "CONFIRMED" {
		t.Errorf("Panther status %q after the invited user set a password, want CONFIRMED", st)
	}
	wantOAuthError(t, s.trySignIn("gil@example.com", temp), "invalid_grant")
	signIn(t, s, "gil@example.com", goodPassword)
}
