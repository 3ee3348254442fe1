package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// End-to-end tests of POST /oauth/token: the password and refresh-token
// grants, their RFC 6749 errors, lockout and timing. The self endpoints
// and the life of a token are in e2e_self_test.go.

// A password that meets the policy for every user these tests create: no
// test user's name, username or e-mail is in it.
const (
	goodPassword  = "Quartz-Meadow-71!"
	otherPassword = "Copper-Lantern-38?"
	formType      = "application/x-www-form-urlencoded"
)

// tokens is RFC 6749's access token response, as a client reads it.
type tokens struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// oauthError is RFC 6749's error response.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// aamUser is an Audience Manager user as a client reads it.
type aamUser struct {
	PID         int64   `json:"pid"`
	UserID      int64   `json:"userId"`
	Username    string  `json:"username"`
	Status      string  `json:"status"`
	FirstName   string  `json:"firstName"`
	LastName    string  `json:"lastName"`
	Email       string  `json:"email"`
	Title       *string `json:"title"`
	PhoneNumber *string `json:"phoneNumber"`
	Groups      []int64 `json:"groups"`
	IsAdmin     bool    `json:"isAdmin"`
}

// token posts a form to /oauth/token.
func (s *testServer) token(form url.Values) response {
	s.t.Helper()
	return s.do("POST", "/oauth/token", "", form.Encode(), "Content-Type", formType)
}

// trySignIn asks for tokens with the password grant.
func (s *testServer) trySignIn(login, password string) response {
	s.t.Helper()
	return s.token(url.Values{"grant_type": {"password"}, "username": {login}, "password": {password}})
}

// refresh asks for tokens with the refresh-token grant.
func (s *testServer) refresh(refreshToken string) response {
	s.t.Helper()
	return s.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
}

// signIn signs in with the password grant, failing the test unless it
// succeeds.
func signIn(t *testing.T, s *testServer, login, password string) tokens {
	t.Helper()
	r := s.trySignIn(login, password)
	wantStatus(t, r, http.StatusOK)
	var tk tokens
	r.json(t, &tk)
	if tk.AccessToken == "" || tk.RefreshToken == "" {
		t.Fatalf("sign-in answer lacks a token: %s", r.body)
	}
	return tk
}

// asUser sends a request with a bearer token.
func (s *testServer) asUser(method, path, accessToken string, body any) response {
	s.t.Helper()
	return s.do(method, path, "", body, "Authorization", "Bearer "+accessToken)
}

// wantOAuthError fails the test unless r is a 400 with the RFC 6749 error
// code, and not cacheable.
func wantOAuthError(t *testing.T, r response, code string) {
	t.Helper()
	if r.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400 %s; body %s", r.status, code, r.body)
	}
	var e oauthError
	r.json(t, &e)
	if e.Error != code {
		t.Errorf("error %q, want %q; body %s", e.Error, code, r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on an error, want no-store", cc)
	}
}

// wantUnauthorized fails the test unless r is a 401 with a JSON message.
func wantUnauthorized(t *testing.T, r response) {
	t.Helper()
	wantStatus(t, r, http.StatusUnauthorized)
	r.message(t)
}

// addUser creates, with the admin key and through the Audience Manager
// dialect, a user whose username is name, with goodPassword.
func addUser(t *testing.T, s *testServer, name string, admin bool) aamUser {
	t.Helper()
	return s.aamCreateUser(map[string]any{
		"username": name, "email": name + "@example.com",
		"firstName": strings.ToUpper(name[:1]) + name[1:], "lastName": "Userson",
		"isAdmin": admin, "password": goodPassword,
	})
}

// aamGet reads a user with the admin key through the Audience Manager
// dialect.
func aamGet(t *testing.T, s *testServer, id int64) (aamUser, response) {
	t.Helper()
	r := s.do("GET", fmt.Sprintf("/api/v1/users/%d", id), s.adminKey, nil)
	wantStatus(t, r, http.StatusOK)
	var u aamUser
	r.json(t, &u)
	return u, r
}

// setStatus is an admin's PUT of a user's status.
func setStatus(t *testing.T, s *testServer, id int64, status string) {
	t.Helper()
	r := s.do("PUT", fmt.Sprintf("/api/v1/users/%d", id), s.adminKey, map[string]any{"status": status})
	wantStatus(t, r, http.StatusOK)
	var u aamUser
	r.json(t, &u)
	if u.Status != status {
		t.Fatalf("PUT status %s answered status %q", status, u.Status)
	}
}

// pantherUser reads a user with the admin key through the Panther dialect, as
// a generic map so that absent fields can be told from empty ones.
func pantherUser(t *testing.T, s *testServer, id int64) map[string]any {
	t.Helper()
	r := s.do("GET", fmt.Sprintf("/users/%d", id), s.adminKey, nil)
	wantStatus(t, r, http.StatusOK)
	var m map[string]any
	r.json(t, &m)
	return m
}

func TestSignIn_PasswordGrantByUsernameOrEmailIssuesBearerTokens(t *testing.T) {
	s := startServer(t)
	u := addUser(t, s, "ada", false)

	if p := pantherUser(t, s, u.UserID); p["lastLoggedInAt"] != nil {
		t.Errorf("lastLoggedInAt = %v before the first sign-in, want it absent", p["lastLoggedInAt"])
	}

	before := time.Now().Add(-time.Second)
	for _, login := range []string{"ada", "ADA", "ada@example.com", "Ada@Example.COM"} {
		r := s.trySignIn(login, goodPassword)
		wantStatus(t, r, http.StatusOK)
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("sign-in as %q: Cache-Control %q, want no-store", login, cc)
		}
		var tk tokens
		r.json(t, &tk)
		if tk.AccessToken == "" || tk.RefreshToken == "" || tk.AccessToken == tk.RefreshToken {
			t.Errorf("sign-in as %q: want two distinct tokens, got %s", login, r.body)
		}
		if tk.TokenType != "bearer" || tk.ExpiresIn != 3600 {
			t.Errorf("sign-in as %q: token_type %q expires_in %d, want bearer and 3600", login, tk.TokenType, tk.ExpiresIn)
		}
		if !strings.Contains(tk.Scope, "UserRead") || strings.Contains(tk.Scope, "UserModify") {
			t.Errorf("sign-in as %q: an Analyst's scope is %q, want UserRead alone", login, tk.Scope)
		}
		var raw map[string]any
		r.json(t, &raw)
		if _, ok := raw["scope"]; !ok {
			t.Errorf("sign-in as %q: no scope in %s", login, r.body)
		}

		me := s.asUser("GET", "/api/v1/users/self", tk.AccessToken, nil)
		wantStatus(t, me, http.StatusOK)
		var self aamUser
		me.json(t, &self)
		if self.UserID != u.UserID || self.Username != "ada" {
			t.Errorf("signed in as %q, /users/self is %s, want user %d", login, me.body, u.UserID)
		}
	}
	after := time.Now().Add(time.Second)

	p := pantherUser(t, s, u.UserID)
	last, _ := p["lastLoggedInAt"].(string)
	at, err := time.Parse(time.RFC3339, last)
	if err != nil {
		t.Fatalf("lastLoggedInAt = %v after sign-in, want RFC 3339: %v", p["lastLoggedInAt"], err)
	}
	if at.Before(before.Truncate(time.Second)) || at.After(after) {
		t.Errorf("lastLoggedInAt = %v, want between %v and %v", at, before, after)
	}
}

func TestSignIn_AdminScopeNamesBothPermissions(t *testing.T) {
	s := startServer(t)
	addUser(t, s, "ada", true)
	tk := signIn(t, s, "ada", goodPassword)
	scope := strings.Fields(tk.Scope)
	slices.Sort(scope)
	if !slices.Equal(scope, []string{"UserModify", "UserRead"}) {
		t.Errorf("an Admin's scope is %q, want the space-separated UserModify and UserRead", tk.Scope)
	}
}

func TestToken_RefreshGrantIssuesANewPairAndSpendsTheOldRefreshToken(t *testing.T) {
	s := startServer(t)
	u := addUser(t, s, "ada", false)
	first := signIn(t, s, "ada", goodPassword)

	r := s.refresh(first.RefreshToken)
	wantStatus(t, r, http.StatusOK)
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("refresh: Cache-Control %q, want no-store", cc)
	}
	var second tokens
	r.json(t, &second)
	if second.TokenType != "bearer" || second.ExpiresIn != 3600 || second.AccessToken == "" || second.RefreshToken == "" {
		t.Errorf("refresh answered %s, want a full bearer token response", r.body)
	}
	if second.AccessToken == first.AccessToken || second.RefreshToken == first.RefreshToken {
		t.Errorf("refresh handed out a token it had handed out before: %s", r.body)
	}
	me := s.asUser("GET", "/api/v1/users/self", second.AccessToken, nil)
	wantStatus(t, me, http.StatusOK)
	var self aamUser
	me.json(t, &self)
	if self.UserID != u.UserID {
		t.Errorf("refreshed access token acts as user %d, want %d", self.UserID, u.UserID)
	}

	// A refresh token works once.
	wantOAuthError(t, s.refresh(first.RefreshToken), "invalid_grant")
	// The new one works, once.
	wantStatus(t, s.refresh(second.RefreshToken), http.StatusOK)
	wantOAuthError(t, s.refresh(second.RefreshToken), "invalid_grant")
}

func TestToken_OfConcurrentRefreshesWithOneTokenExactlyOneSucceeds(t *testing.T) {
	s := startServer(t)
	addUser(t, s, "ada", false)
	rt := signIn(t, s, "ada", goodPassword).RefreshToken

	const rounds, racers = 3, 6
	for round := range rounds {
		answers := make([]response, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				answers[i] = s.refresh(rt)
			}()
		}
		close(start)
		wg.Wait()

		var winners []tokens
		for _, a := range answers {
			switch a.status {
			case http.StatusOK:
				var tk tokens
				a.json(t, &tk)
				winners = append(winners, tk)
			case http.StatusBadRequest:
				var e oauthError
				a.json(t, &e)
				if e.Error != "invalid_grant" {
					t.Errorf("round %d: a losing refresh answered %s, want invalid_grant", round, a.body)
				}
			default:
				t.Errorf("round %d: a refresh answered %d: %s", round, a.status, a.body)
			}
		}
		if len(winners) != 1 {
			t.Fatalf("round %d: %d of %d concurrent refreshes with one token succeeded, want exactly 1", round, len(winners), racers)
		}
		rt = winners[0].RefreshToken
	}
}

func TestToken_AccessAndRefreshTokensAreNotInterchangeable(t *testing.T) {
	s := startServer(t)
	addUser(t, s, "ada", false)
	tk := signIn(t, s, "ada", goodPassword)

	wantOAuthError(t, s.refresh(tk.AccessToken), "invalid_grant")
	wantUnauthorized(t, s.asUser("GET", "/api/v1/users/self", tk.RefreshToken, nil))

	// Neither mistake spent or broke the real ones.
	wantStatus(t, s.asUser("GET", "/api/v1/users/self", tk.AccessToken, nil), http.StatusOK)
	wantStatus(t, s.refresh(tk.RefreshToken), http.StatusOK)
}

func TestSignIn_MalformedTokenRequestsGetRFC6749ErrorCodes(t *testing.T) {
	s := startServer(t)
	addUser(t, s, "ada", false)

	for _, tc := range []struct {
		name, body, contentType, want string
	}{
		{"no grant_type", "username=ada&password=" + url.QueryEscape(goodPassword), formType, "invalid_request"},
		{"empty grant_type", "grant_type=&username=ada&password=" + url.QueryEscape(goodPassword), formType, "invalid_request"},
		{"unknown grant_type", "grant_type=client_credentials&client_id=x&client_secret=y", formType, "unsupported_grant_type"},
		{"implicit grant_type", "grant_type=implicit", formType, "unsupported_grant_type"},
		{"no username", "grant_type=password&password=" + url.QueryEscape(goodPassword), formType, "invalid_request"},
		{"no password", "grant_type=password&username=ada", formType, "invalid_request"},
		{"no refresh_token", "grant_type=refresh_token", formType, "invalid_request"},
		{"username twice", "grant_type=password&username=ada&username=bob&password=" + url.QueryEscape(goodPassword), formType, "invalid_request"},
		{"JSON body", `{"grant_type":"password","username":"ada","password":"` + goodPassword + `"}`, "application/json", "invalid_request"},
		{"no Content-Type", "grant_type=password&username=ada&password=" + url.QueryEscape(goodPassword), "", "invalid_request"},
	} {
		r := s.do("POST", "/oauth/token", "", tc.body, "Content-Type", tc.contentType)
		if r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400; body %s", tc.name, r.status, r.body)
			continue
		}
		var e oauthError
		r.json(t, &e)
		if e.Error != tc.want {
			t.Errorf("%s: error %q, want %q; body %s", tc.name, e.Error, tc.want, r.body)
		}
		if strings.Contains(string(r.body), goodPassword) {
			t.Errorf("%s: the answer echoes the password: %s", tc.name, r.body)
		}
	}

	// The credentials in the query string are not read: only the body is.
	r := s.do("POST", "/oauth/token?grant_type=password&username=ada&password="+url.QueryEscape(goodPassword), "", "", "Content-Type", formType)
	wantOAuthError(t, r, "invalid_request")
}

func TestSignIn_WrongPasswordUnknownUserAndUnusableAccountGetTheSameAnswer(t *testing.T) {
	s := startServer(t)
	addUser(t, s, "ada", false)
	locked := addUser(t, s, "bob", false)
	inactive := addUser(t, s, "cleo", false)
	setStatus(t, s, locked.UserID, "LOCKED")
	setStatus(t, s, inactive.UserID, "INACTIVE")

	wrong := s.trySignIn("ada", otherPassword)
	wantOAuthError(t, wrong, "invalid_grant")
	for _, tc := range []struct{ name, login, password string }{
		{"unknown user", "nobody", goodPassword},
		{"unknown e-mail", "nobody@example.com", goodPassword},
		{"locked user, right password", "bob", goodPassword},
		{"locked user, wrong password", "bob", otherPassword},
		{"inactive user, right password", "cleo", goodPassword},
	} {
		r := s.trySignIn(tc.login, tc.password)
		if r.status != wrong.status || !bytes.Equal(r.body, wrong.body) {
			t.Errorf("%s: %d %s, want what a wrong password gets: %d %s", tc.name, r.status, r.body, wrong.status, wrong.body)
		}
	}
}

func TestLockout_FiveWrongPasswordsLockTheAccountUntilAnAdminUnlocksIt(t *testing.T) {
	s := startServer(t)
	u := addUser(t, s, "ada", false)
	live := signIn(t, s, "ada", goodPassword)

	var wrong []byte
	for i := range 5 {
		if got, _ := aamGet(t, s, u.UserID); got.Status != "ACTIVE" {
			t.Fatalf("status %s after %d failed sign-ins, want ACTIVE until the fifth", got.Status, i)
		}
		r := s.trySignIn("ada", otherPassword)
		wantOAuthError(t, r, "invalid_grant")
		wrong = r.body
	}
	if got, _ := aamGet(t, s, u.UserID); got.Status != "LOCKED" {
		t.Fatalf("status %s after 5 failed sign-ins, want LOCKED", got.Status)
	}
	right := s.trySignIn("ada", goodPassword)
	if right.status != http.StatusBadRequest || !bytes.Equal(right.body, wrong) {
		t.Errorf("the right password on a locked account: %d %s, want what a wrong one gets: 400 %s", right.status, right.body, wrong)
	}
	// A token issued before the lock died with it.
	wantUnauthorized(t, s.asUser("GET", "/api/v1/users/self", live.AccessToken, nil))
	wantOAuthError(t, s.refresh(live.RefreshToken), "invalid_grant")

	setStatus(t, s, u.UserID, "ACTIVE")
	// The unlock cleared the count: one more failure does not lock again.
	wantOAuthError(t, s.trySignIn("ada", otherPassword), "invalid_grant")
	if got, _ := aamGet(t, s, u.UserID); got.Status != "ACTIVE" {
		t.Errorf("status %s after an unlock and one failure, want ACTIVE", got.Status)
	}
	signIn(t, s, "ada", goodPassword)
	// The tokens from before the lock stay dead after the unlock.
	wantUnauthorized(t, s.asUser("GET", "/api/v1/users/self", live.AccessToken, nil))
	wantOAuthError(t, s.refresh(live.RefreshToken), "invalid_grant")
}

func TestLockout_ASuccessfulSignInResetsTheCountOfFailures(t *testing.T) {
	s := startServer(t)
	u := addUser(t, s, "ada", false)
	fail := func(n int) {
		t.Helper()
		for range n {
			wantOAuthError(t, s.trySignIn("ada", otherPassword), "invalid_grant")
		}
	}
	fail(4)
	signIn(t, s, "ada", goodPassword)
	fail(4)
	if got, _ := aamGet(t, s, u.UserID); got.Status != "ACTIVE" {
		t.Fatalf("status %s after 4 failures, a success and 4 failures, want ACTIVE", got.Status)
	}
	signIn(t, s, "ada", goodPassword)
}

func TestSignIn_UnknownUserAndWrongPasswordTakeTheSameTime(t *testing.T) {
	// Many timed attempts from one address: more than its default limit.
	s := startServer(t, withSigninLimits(0, 1, 0, 1))
	// Four accounts share the wrong attempts, so that none reaches the
	// lockout and every attempt takes the path that counts a failure.
	names := []string{"ada", "bob", "cleo", "dora"}
	for _, n := range names {
		addUser(t, s, n, false)
	}
	attempt := func(login string) time.Duration {
		start := time.Now()
		r := s.trySignIn(login, otherPassword)
		d := time.Since(start)
		wantOAuthError(t, r, "invalid_grant")
		return d
	}
	attempt("nobody") // warm up whatever is computed once
	attempt("ada")

	const n = 15
	var unknown, wrong []time.Duration
	for i := range n {
		if i%2 == 0 {
			unknown = append(unknown, attempt(fmt.Sprintf("nobody%d", i)))
			wrong = append(wrong, attempt(names[i%len(names)]))
		} else {
			wrong = append(wrong, attempt(names[i%len(names)]))
			unknown = append(unknown, attempt(fmt.Sprintf("nobody%d@example.com", i)))
		}
	}
	mu, mw := median(unknown), median(wrong)
	t.Logf("median sign-in time: unknown user %v, known user with a wrong password %v", mu, mw)
	if hi, lo := max(mu, mw), min(mu, mw); hi > lo*3/2 {
		t.Errorf("median sign-in times differ by more than 50%%: unknown user %v, wrong password %v", mu, mw)
	}
}

func TestSignIn_AnEmailInTwoPartnersSignsInOnlyWithPid(t *testing.T) {
	s := startServer(t)
	one := addUser(t, s, "ada", false)
	two := addUserInPartner2(t, s)

	// Without pid the login names two accounts: refused like a wrong
	// password, even with a right one, and no account counts a failure.
	for _, pw := range []string{goodPassword, otherPassword} {
		wantOAuthError(t, s.trySignIn("ada@example.com", pw), "invalid_grant")
	}
	for _, tc := range []struct {
		password string
		want     aamUser
	}{{goodPassword, one}, {otherPassword, two}} {
		tk := signInTo(t, s, "ada@example.com", tc.password, tc.want.PID)
		if me := getSelf(t, s, tk.AccessToken); me.UserID != tc.want.UserID || me.PID != tc.want.PID {
			t.Errorf("signed in to partner %d as user %d, got user %d (partner %d)",
				tc.want.PID, tc.want.UserID, me.UserID, me.PID)
		}
	}
	// One partner's password does not open the other's account.
	r := s.token(url.Values{"grant_type": {"password"}, "username": {"ada@example.com"}, "password": {otherPassword}, "pid": {fmt.Sprint(one.PID)}})
	wantOAuthError(t, r, "invalid_grant")
	r = s.token(url.Values{"grant_type": {"password"}, "username": {"ada@example.com"}, "password": {otherPassword}, "pid": {"x"}})
	wantOAuthError(t, r, "invalid_request")

	// Partner 2's admin acts in partner 2 alone.
	admin := signInTo(t, s, "ada@example.com", otherPassword, two.PID).AccessToken
	r = s.asUser("GET", "/api/v1/users", admin, nil)
	wantStatus(t, r, http.StatusOK)
	var list []aamUser
	r.json(t, &list)
	if len(list) != 1 || list[0].UserID != two.UserID {
		t.Errorf("partner 2's admin lists %s, want only user %d", r.body, two.UserID)
	}
	wantStatus(t, s.asUser("GET", fmt.Sprintf("/api/v1/users/%d", one.UserID), admin, nil), http.StatusNotFound)
	wantStatus(t, s.asUser("DELETE", fmt.Sprintf("/api/v1/users/%d", one.UserID), admin, nil), http.StatusNotFound)
	aamGet(t, s, one.UserID)
}

// signInTo signs in to one partner with Roster's pid extension.
func signInTo(t *testing.T, s *testServer, login, password string, pid int64) tokens {
	t.Helper()
	r := s.token(url.Values{"grant_type": {"password"}, "username": {login}, "password": {password}, "pid": {fmt.Sprint(pid)}})
	wantStatus(t, r, http.StatusOK)
	var tk tokens
	r.json(t, &tk)
	return tk
}

// addUserInPartner2 creates partner 2 and, in it, an admin with ada's
// e-mail and otherPassword.
func addUserInPartner2(t *testing.T, s *testServer) aamUser {
	t.Helper()
	pid := s.createPartner("Second")
	key := s.createKey("second-admin", "UserRead,UserModify", pid)
	r := s.do("POST", "/api/v1/users", key, map[string]any{
		"username": "ada", "email": "ada@example.com", "firstName": "Ada", "lastName": "Userson",
		"isAdmin": true, "password": otherPassword,
	})
	wantStatus(t, r, http.StatusCreated)
	var u aamUser
	r.json(t, &u)
	if u.PID != pid {
		t.Fatalf("user created with partner %d's key is in partner %d", pid, u.PID)
	}
	return u
}

func TestSignIn_AnEmailUsedInTwoPartnersTakesNoLongerThanAnUnknownLogin(t *testing.T) {
	s := startServer(t)
	addUser(t, s, "ada", false)
	addUserInPartner2(t, s)
	attempt := func(login string) time.Duration {
		start := time.Now()
		r := s.trySignIn(login, "Wrong-Guess-00!")
		d := time.Since(start)
		wantOAuthError(t, r, "invalid_grant")
		return d
	}
	attempt("nobody")

	// Without pid the login names two accounts and is refused at the cost
	// of one argon2id, like an unknown login: that is what this measures.
	const n = 9
	var unknown, shared []time.Duration
	for i := range n {
		if i%2 == 0 {
			unknown = append(unknown, attempt(fmt.Sprintf("nobody%d@example.com", i)))
			shared = append(shared, attempt("ada@example.com"))
		} else {
			shared = append(shared, attempt("ada@example.com"))
			unknown = append(unknown, attempt(fmt.Sprintf("nobody%d@example.com", i)))
		}
	}
	mu, ms := median(unknown), median(shared)
	t.Logf("median sign-in time: unknown login %v, an e-mail known in two partners %v", mu, ms)
	if ms > mu*3/2 {
		t.Errorf("a wrong password for an e-mail known in two partners takes %v, an unknown login %v: the time tells the e-mail exists", ms, mu)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
