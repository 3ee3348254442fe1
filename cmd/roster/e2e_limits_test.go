package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// End-to-end tests of the abuse limits: the server's timeouts, the
// sign-in rate limits, and the headers every answer carries. The in-flight
// cap is tested in internal/httpapi, where a handler can be held.

// withTimeouts makes the server's header and body timeouts short, so that
// the tests of a slow client take a second or two.
func withTimeouts(header, read time.Duration) serverOption {
	return withConfig(func(c *serveConfig) { c.timeouts.ReadHeader, c.timeouts.Read = header, read })
}

// rawConn dials the server without an HTTP client.
func (s *testServer) rawConn(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestServe_AClientSendingItsHeadersSlowlyIsCutOffAfterTheHeaderTimeout(t *testing.T) {
	s := startServer(t, withTimeouts(time.Second, 2*time.Second))
	c := s.rawConn(t)
	req := "GET /healthz HTTP/1.1\r\nHost: roster\r\nX-Padding: " + strings.Repeat("x", 40) + "\r\n\r\n"
	sent := make(chan int, 1)
	go func() { // one byte every 250 ms, until the server hangs up
		n := 0
		for ; n < len(req); n++ {
			if _, err := c.Write([]byte{req[n]}); err != nil {
				break
			}
			time.Sleep(250 * time.Millisecond)
		}
		sent <- n
	}()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(10 * time.Second))
	got, err := io.ReadAll(c)
	took := time.Since(start)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the connection was still open after %s", took)
	}
	// net/http itself answers a timed-out request line or header with a
	// plain 400 and hangs up; no handler of ours has run.
	if (len(got) != 0 && !strings.HasPrefix(string(got), "HTTP/1.1 400 ")) || took < 900*time.Millisecond || took > 3*time.Second {
		t.Errorf("closed after %s with %q; want closed after about the 1s header timeout", took, got)
	}
	c.Close()
	if n := <-sent; n >= len(req) {
		t.Errorf("the whole request (%d bytes) went out before the server hung up", n)
	}
}

func TestServe_AClientThatStallsItsBodyIsCutOffAfterTheReadTimeout(t *testing.T) {
	s := startServer(t, withTimeouts(time.Second, time.Second))
	before := s.snapshot(s.store())
	c := s.rawConn(t)
	body := `{"email":"slow@example.com","firstName":"Slow","lastName":"Loris"}`
	head := "POST /api/v1/users/ HTTP/1.1\r\nHost: roster\r\nX-API-Key: " + s.adminKey +
		"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	start := time.Now()
	if _, err := io.WriteString(c, head+body[:10]); err != nil { // then nothing more
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(start.Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("after %s: %v; want a 408 answer", took, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout || took < 900*time.Millisecond || took > 3*time.Second {
		t.Errorf("%d %s after %s; want 408 after about the 1s read timeout", resp.StatusCode, b, took)
	}
	if after := s.snapshot(s.store()); after != before {
		t.Errorf("a request cut off changed the data:\nbefore %s\nafter  %s", before, after)
	}
}

// from returns a copy of s whose client connects from another loopback
// address, which the server sees as another client.
func (s *testServer) from(t *testing.T, ip string) *testServer {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	c := *s
	c.client = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	return &c
}

// wantSlowDown fails the test unless r is a 429 with RFC 8628's slow_down
// error and a Retry-After of whole seconds.
func wantSlowDown(t *testing.T, r response) {
	t.Helper()
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429; body %s", r.status, r.body)
	}
	var e oauthError
	r.json(t, &e)
	if e.Error != "slow_down" || e.Description == "" {
		t.Errorf("body %s, want error slow_down with a description", r.body)
	}
	if n, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || n < 1 {
		t.Errorf("Retry-After %q, want a number of seconds", r.header.Get("Retry-After"))
	}
}

func TestSignIn_TooManyTokenRequestsFromOneAddressGet429(t *testing.T) {
	s := startServer(t, withSigninLimits(1, 3, 0, 1))
	addUser(t, s, "ada", false)
	for i := range 3 {
		if r := s.trySignIn(fmt.Sprint("nobody", i), otherPassword); r.status != http.StatusBadRequest {
			t.Fatalf("attempt %d of the burst: %d %s", i+1, r.status, r.body)
		}
	}
	wantSlowDown(t, s.trySignIn("ada", goodPassword))
	wantSlowDown(t, s.refresh("rrt_whatever")) // every grant counts against the address

	// Another address has a bucket of its own.
	signIn(t, s.from(t, "127.0.0.2"), "ada", goodPassword)
}

func TestSignIn_TooManyAttemptsForOneUsernameGet429FromAnyAddress(t *testing.T) {
	s := startServer(t, withSigninLimits(0, 1, 1, 3))
	ada := addUser(t, s, "ada", false)
	addUser(t, s, "bob", false)
	for i := range 3 {
		wantOAuthError(t, s.trySignIn("ada", fmt.Sprint("Wrong-Password-", i)), "invalid_grant")
	}
	wantSlowDown(t, s.trySignIn("ada", goodPassword))
	wantSlowDown(t, s.trySignIn("  ADA ", goodPassword)) // the same login, spelled otherwise
	wantSlowDown(t, s.from(t, "127.0.0.2").trySignIn("ada", goodPassword))

	signIn(t, s.from(t, "127.0.0.3"), "bob", goodPassword)
	signIn(t, s, "bob@example.com", goodPassword)

	// A refused attempt is not a failed sign-in: only the three count.
	u, err := s.store().User(context.Background(), ada.PID, ada.UserID)
	if err != nil || u.FailedSignIns != 3 || u.State == roster.StateLocked {
		t.Errorf("ada after 3 failures and 3 refusals: %d failures, state %v, %v; want 3, not locked", u.FailedSignIns, u.State, err)
	}
}

func TestServe_EveryAnswerCarriesTheSecurityHeadersAndARequestID(t *testing.T) {
	s := startServer(t, withSigninLimits(1, 1, 0, 1))
	big := `{"email":"` + strings.Repeat("a", 70<<10) + `"}`
	calls := []struct {
		status       int
		method, path string
		key          string
		body         any
		headers      []string
	}{
		{http.StatusOK, "GET", "/healthz", "", nil, nil},
		{http.StatusOK, "GET", "/openapi.json", "", nil, nil},
		{http.StatusOK, "GET", "/users", s.adminKey, nil, nil},
		{http.StatusCreated, "POST", "/api/v1/users/", s.adminKey, aamNewUser("hal@example.com", "Hal", "Lowe"), nil},
		{http.StatusBadRequest, "POST", "/users", s.adminKey, "{", nil},
		{http.StatusUnauthorized, "GET", "/users", "", nil, nil},
		{http.StatusNotFound, "GET", "/nowhere", s.adminKey, nil, nil},
		{http.StatusMethodNotAllowed, "PATCH", "/users", s.adminKey, nil, nil},
		{http.StatusRequestEntityTooLarge, "POST", "/users", s.adminKey, big, nil},
		{http.StatusUnsupportedMediaType, "POST", "/users", s.adminKey, "{}", []string{"Content-Type", "text/plain"}},
		{http.StatusBadRequest, "POST", "/oauth/token", "", "grant_type=password&username=a&password=b", []string{"Content-Type", formType}},
		{http.StatusTooManyRequests, "POST", "/oauth/token", "", "grant_type=password&username=a&password=b", []string{"Content-Type", formType}},
	}
	want := map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"Referrer-Policy":         "no-referrer",
	}
	for _, c := range calls {
		r := s.do(c.method, c.path, c.key, c.body, c.headers...)
		if r.status != c.status {
			t.Errorf("%s %s: status %d, want %d; body %s", c.method, c.path, r.status, c.status, r.body)
			continue
		}
		for h, v := range want {
			if got := r.header.Values(h); len(got) != 1 || got[0] != v {
				t.Errorf("%d from %s %s: %s %q, want %q", c.status, c.method, c.path, h, got, v)
			}
		}
		if r.header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%d from %s %s: Strict-Transport-Security over plain HTTP", c.status, c.method, c.path)
		}
		if !generatedRequestID(r.header.Get("X-Request-Id")) {
			t.Errorf("%d from %s %s: X-Request-Id %q, want a generated id", c.status, c.method, c.path, r.header.Get("X-Request-Id"))
		}
	}
	// A client's own id comes back.
	if r := s.do("GET", "/healthz", "", nil, "X-Request-Id", "lb-7f3a"); r.header.Get("X-Request-Id") != "lb-7f3a" {
		t.Errorf("X-Request-Id %q, want the client's lb-7f3a", r.header.Get("X-Request-Id"))
	}
}

// generatedRequestID reports whether id looks like one Roster made: 32
// lower-case hex digits.
func generatedRequestID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}
