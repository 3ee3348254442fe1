package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

func TestLockout_WrongOldPasswordsCountAsFailedSignIns(t *testing.T) {
	s := startServer(t)
	u := addUser(t, s, "ada", false)
	tk := signIn(t, s, "ada", goodPassword)
	// A stolen access token must not allow unlimited password guessing.
	for i := range 5 {
		r := s.changePassword(tk.AccessToken, fmt.Sprintf("Wrong-Guess-%02d!", i), "Brand-New-Pass-42!")
		if i < 4 {
			wantStatus(t, r, http.StatusBadRequest)
		}
	}
	if got, _ := aamGet(t, s, u.UserID); got.Status != "LOCKED" {
		t.Errorf("after 5 wrong old passwords the account is %s, want LOCKED", got.Status)
	}
	wantUnauthorized(t, s.asUser("GET", "/api/v1/users/self", tk.AccessToken, nil))
}

func TestToken_DiesWithAnExpiredTemporaryPassword(t *testing.T) {
	s := startServer(t)
	r := s.do("POST", "/api/v1/users/", s.adminKey, map[string]any{"email": "new@example.com", "firstName": "New", "lastName": "Comer"})
	wantStatus(t, r, http.StatusCreated)
	var u aamUser
	r.json(t, &u)
	pw := mailedPassword(t, s, 1, "new@example.com")
	tk := signIn(t, s, "new@example.com", pw)
	wantStatus(t, s.asUser("GET", "/api/v1/users/self", tk.AccessToken, nil), http.StatusOK)

	// Let the temporary password expire (a day is too long to wait).
	st := s.store()
	stored, err := st.User(context.Background(), u.PID, u.UserID)
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Minute)
	stored.PasswordExpiresAt = &past
	if err := st.UpdateUser(context.Background(), &stored); err != nil {
		t.Fatal(err)
	}
	// That write went around the server, as another process's would: the
	// server learns of it when its credential cache lets go of the token.
	time.Sleep(defaultAuthCache)
	wantUnauthorized(t, s.asUser("GET", "/api/v1/users/self", tk.AccessToken, nil))
	wantOAuthError(t, s.refresh(tk.RefreshToken), "invalid_grant")
	wantOAuthError(t, s.trySignIn("new@example.com", pw), "invalid_grant")
}

func TestSelf_UsernameIsTheAdminsToChange(t *testing.T) {
	s := startServer(t)
	addUser(t, s, "ada", false)
	tk := signIn(t, s, "ada", goodPassword)
	r := s.asUser("PUT", "/api/v1/users/self/update", tk.AccessToken, map[string]any{"username": "root"})
	wantStatus(t, r, http.StatusForbidden)
	r = s.asUser("PUT", "/api/v1/users/self/update", tk.AccessToken, map[string]any{"username": "ada", "firstName": "Adele"})
	wantStatus(t, r, http.StatusOK)
	if me := getSelf(t, s, tk.AccessToken); me.Username != "ada" || me.FirstName != "Adele" {
		t.Errorf("self = %+v", me)
	}
	r = s.asUser("PUT", "/api/v1/users/self/update", tk.AccessToken, map[string]any{"status": "active"})
	wantStatus(t, r, http.StatusBadRequest)
}

func TestUsers_ALoginNameNamesOneAccountInAPartner(t *testing.T) {
	s := startServer(t)
	addUser(t, s, "ada", false) // username ada, e-mail ada@example.com
	st := s.store()
	before := s.partnerSnapshot(st, roster.DefaultPartnerID)
	for _, body := range []map[string]any{
		{"username": "ada@example.com", "email": "other@example.com", "firstName": "O", "lastName": "T"},
		{"username": "other", "email": "ADA@example.com", "firstName": "O", "lastName": "T"},
		{"username": "other", "email": "ada", "firstName": "O", "lastName": "T"},
	} {
		r := s.do("POST", "/api/v1/users/", s.adminKey, body)
		if r.status != http.StatusConflict && r.status != http.StatusBadRequest {
			t.Errorf("%v: status %d, want 409 (or 400 for an invalid e-mail): %s", body, r.status, r.body)
		}
	}
	if after := s.partnerSnapshot(st, roster.DefaultPartnerID); after != before {
		t.Error("a refused create changed partner 1")
	}
	// Panther answers the same clash with its 400.
	r := s.do("POST", "/users", s.adminKey, newUser("ada@example.com", "A", "B", "Analyst"))
	wantStatus(t, r, http.StatusBadRequest)
}
