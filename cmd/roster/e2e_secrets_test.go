package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// secret is one value the scenario saw that must never be logged or echoed.
type secret struct{ kind, value string }

// secretWatch collects the secrets a scenario sees and the error bodies
// it receives.
type secretWatch struct {
	mu      sync.Mutex
	secrets []secret
	errors  []string // "METHOD path → status: body"
	// requests counts the requests sent to each server's URL.
	requests map[string]int
}

func (w *secretWatch) add(kind string, values ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, v := range values {
		if v == "" {
			panic("an empty " + kind + " would match everything")
		}
		w.secrets = append(w.secrets, secret{kind, v})
		// As a form or query would carry it, too.
		if esc := url.QueryEscape(v); esc != v {
			w.secrets = append(w.secrets, secret{kind + " (URL-encoded)", esc})
		}
	}
}

// watch makes s report every error answer to w.
func (w *secretWatch) watch(s *testServer) {
	s.seen = func(method, path string, r response) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.requests == nil {
			w.requests = map[string]int{}
		}
		w.requests[s.url]++
		if r.status >= 400 {
			w.errors = append(w.errors, fmt.Sprintf("%s %s → %d: %s", method, path, r.status, r.body))
		}
	}
}

// addTokens records a token answer's tokens.
func (w *secretWatch) addTokens(tk tokens) {
	w.add("access token", tk.AccessToken)
	w.add("refresh token", tk.RefreshToken)
}

// tokenShaped finds anything that looks like a Roster key or token, seen
// by the scenario or not (a temporary password sent only to the log
// sender is never seen, but keys and tokens have a shape).
var tokenShaped = regexp.MustCompile(`\b(rst|rat|rrt)_[A-Za-z0-9_-]{16,}`)

// debugJSON is the logging the scenario runs with: everything, as JSON.
func debugJSON() serverOption {
	return withConfig(func(c *serveConfig) { c.logFormat, c.logLevel = "json", "debug" })
}

// TestSecrets_NoPasswordKeyOrTokenReachesALogLineOrAnErrorBody runs
// invitations (by SMTP and to the log), sign-ins right and wrong,
// refreshes, a password change, a reset, a lockout and an unlock, with
// debug logging on, and then looks for every secret it saw in every log
// line and every error body.
func TestSecrets_NoPasswordKeyOrTokenReachesALogLineOrAnErrorBody(t *testing.T) {
	const smtpPassword = "Smtp-Relay-Pa55!"
	w := &secretWatch{}
	s := startServer(t, debugJSON(), withSMTPAuth("roster", smtpPassword))
	w.watch(s)
	w.add("SMTP password", smtpPassword)
	w.add("API key", s.adminKey, s.readKey, s.createKey("ops", "UserRead", 1))
	mailedScenario(t, s, w)

	quiet := startServer(t, debugJSON(), withoutSMTP())
	w.watch(quiet)
	w.add("API key", quiet.adminKey, quiet.readKey)
	logSenderScenario(t, quiet, w)

	for _, srv := range []*testServer{s, quiet} {
		lines := strings.Split(strings.TrimSpace(srv.logs.String()), "\n")
		requests := 0
		for i, line := range lines {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Errorf("log line %d is not JSON: %s", i+1, line)
			}
			if rec["msg"] == "request" {
				requests++
			}
			for _, sec := range w.secrets {
				if strings.Contains(line, sec.value) {
					t.Errorf("a %s is in log line %d: %s", sec.kind, i+1, line)
				}
			}
			if m := tokenShaped.FindString(line); m != "" {
				t.Errorf("something shaped like a key or token (%.8s…) is in log line %d: %s", m, i+1, line)
			}
		}
		if requests != w.requests[srv.url] {
			t.Errorf("%d access lines in the log for %d requests, want one per request", requests, w.requests[srv.url])
		}
	}
	if len(w.errors) < 8 {
		t.Errorf("only %d error answers seen; the scenario should provoke more", len(w.errors))
	}
	for _, body := range w.errors {
		for _, sec := range w.secrets {
			if strings.Contains(body, sec.value) {
				t.Errorf("a %s is in the error answer %s", sec.kind, body)
			}
		}
	}
	t.Logf("%d secrets checked against %d log lines and %d error bodies", len(w.secrets),
		strings.Count(s.logs.String(), "\n")+strings.Count(quiet.logs.String(), "\n"), len(w.errors))
}

// mailedScenario is the life of three users on a server that mails.
func mailedScenario(t *testing.T, s *testServer, w *secretWatch) {
	const wrong, linOwn = "Wrong-Guess-4412!", "Sapphire-Harbor-52#"
	w.add("password", goodPassword, otherPassword, wrong, linOwn)

	// Invited through Panther's dialect, signs in and sets a password.
	s.createUser("lin@example.com", "Lin", "Park", "Analyst")
	linTemp := mailedPassword(t, s, 1, "lin@example.com")
	w.add("temporary password", linTemp)
	tk := signIn(t, s, "lin@example.com", linTemp)
	w.addTokens(tk)
	wantStatus(t, s.changePassword(tk.AccessToken, linTemp, linOwn), http.StatusOK)
	wantUnauthorized(t, s.asUser("GET", "/api/v1/users/self", tk.AccessToken, nil)) // the change ended it
	w.addTokens(signIn(t, s, "lin@example.com", linOwn))

	// Created with a password through Audience Manager's; right and wrong
	// sign-ins, refreshes, a spent refresh token.
	addUser(t, s, "ada", true)
	wantOAuthError(t, s.trySignIn("ada", wrong), "invalid_grant")
	tk = signIn(t, s, "ada", goodPassword)
	w.addTokens(tk)
	r := s.refresh(tk.RefreshToken)
	wantStatus(t, r, http.StatusOK)
	var tk2 tokens
	r.json(t, &tk2)
	w.addTokens(tk2)
	wantOAuthError(t, s.refresh(tk.RefreshToken), "invalid_grant")
	wantOAuthError(t, s.refresh(tk2.AccessToken), "invalid_grant") // an access token is no refresh token
	wantUnauthorized(t, s.asUser("GET", "/api/v1/users/self", tk.AccessToken+"x", nil))
	wantUnauthorized(t, s.do("GET", "/users", s.adminKey+"x", nil))
	wantStatus(t, s.changePassword(tk2.AccessToken, wrong, otherPassword), http.StatusBadRequest)

	// Invited through Audience Manager's, resets, signs in with the reset.
	s.aamCreateUser(map[string]any{"email": "gil@example.com", "firstName": "Gil", "lastName": "Userson"})
	gilTemp := mailedPassword(t, s, 2, "gil@example.com")
	w.add("temporary password", gilTemp)
	tk = signIn(t, s, "gil@example.com", gilTemp)
	w.addTokens(tk)
	wantStatus(t, s.asUser("POST", "/api/v1/users/self/reset-password", tk.AccessToken, nil), http.StatusOK)
	gilReset := mailedPassword(t, s, 3, "gil@example.com")
	w.add("temporary password", gilReset)
	w.addTokens(signIn(t, s, "gil@example.com", gilReset))
	// A password in the wrong field: the login must not be logged either.
	wantOAuthError(t, s.trySignIn(gilReset, gilReset), "invalid_grant")

	// Locked by five wrong passwords, unlocked by an admin.
	bob := addUser(t, s, "bob", false)
	for i := range 5 {
		pw := fmt.Sprintf("Bad-Bob-Guess-%d!", i)
		w.add("password", pw)
		wantOAuthError(t, s.trySignIn("bob", pw), "invalid_grant")
	}
	wantOAuthError(t, s.trySignIn("bob", goodPassword), "invalid_grant")
	setStatus(t, s, bob.UserID, "ACTIVE")
	w.addTokens(signIn(t, s, "bob", goodPassword))
}

// logSenderScenario invites users on a server without SMTP, whose mail
// goes to the log, and signs one in.
func logSenderScenario(t *testing.T, s *testServer, w *secretWatch) {
	s.createUser("max@example.com", "Max", "Weber", "Analyst")
	s.aamCreateUser(map[string]any{"email": "nia@example.com", "firstName": "Nia", "lastName": "Userson"})
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(s.logs.String(), "mail not sent") < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := strings.Count(s.logs.String(), "mail not sent"); n != 2 {
		t.Errorf("%d invitations logged, want 2", n)
	}
	addUser(t, s, "cy", false)
	wantOAuthError(t, s.trySignIn("cy", "Cy-Wrong-Guess-1!"), "invalid_grant")
	w.add("password", "Cy-Wrong-Guess-1!")
	tk := signIn(t, s, "cy", goodPassword)
	w.addTokens(tk)
	wantStatus(t, s.asUser("POST", "/api/v1/users/self/reset-password", tk.AccessToken, nil), http.StatusOK)
}
