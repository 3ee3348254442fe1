package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/apidoc/apidoctest"
	"github.com/roster-dev/roster/internal/mail/mailtest"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/store/postgres/pgtest"
)

// testServer is a Roster server started through the same serve() that
// `roster serve` runs, on a real SQLite file in a temp dir, answering real
// HTTP on a loopback port, with mail going to an in-process SMTP server.
type testServer struct {
	t      *testing.T
	url    string
	db     string
	smtp   *mailtest.Server
	logs   *syncBuffer
	client *http.Client

	adminKey string // partner 1, UserRead+UserModify
	readKey  string // partner 1, UserRead only

	// seen, if set, is shown every answer do receives.
	seen func(method, path string, r response)
}

// syncBuffer is a bytes.Buffer safe for the server's log writes and the
// test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// setup is what serverOptions change before the server starts.
type setup struct {
	cfg      serveConfig
	noSMTP   bool
	smtpOpts []mailtest.Option
	smtpUser string // user:pass to put in the --smtp URL
}

type serverOption func(*setup)

// withoutSMTP leaves --smtp unset, so mail goes to the log.
func withoutSMTP() serverOption { return func(s *setup) { s.noSMTP = true } }

// withSMTPOptions configures the in-process SMTP server.
func withSMTPOptions(opts ...mailtest.Option) serverOption {
	return func(s *setup) { s.smtpOpts = append(s.smtpOpts, opts...) }
}

// withSMTPAuth makes the SMTP server demand AUTH and gives Roster the
// credentials in its --smtp URL, as an operator would.
func withSMTPAuth(user, pass string) serverOption {
	return func(s *setup) {
		s.smtpOpts = append(s.smtpOpts, mailtest.WithAuth(user, pass))
		s.smtpUser = user + ":" + pass
	}
}

// withSigninLimits sets the sign-in rate limits (per minute; 0 is off)
// and bursts, per client address and per username.
func withSigninLimits(addrRate float64, addrBurst int, userRate float64, userBurst int) serverOption {
	return func(s *setup) {
		s.cfg.signinAddrRate, s.cfg.signinAddrBurst = addrRate, addrBurst
		s.cfg.signinUserRate, s.cfg.signinUserBurst = userRate, userBurst
	}
}

// withConfig changes the server's configuration as the flags would.
func withConfig(change func(*serveConfig)) serverOption {
	return func(s *setup) { change(&s.cfg) }
}

func startServer(t *testing.T, opts ...serverOption) *testServer {
	t.Helper()
	su := setup{cfg: defaultServeConfig()}
	su.cfg.addr, su.cfg.db, su.cfg.mailFrom = "127.0.0.1:0", testDB(t), "roster@test.example"
	for _, o := range opts {
		o(&su)
	}
	cfg := su.cfg
	s := &testServer{t: t, db: cfg.db, logs: &syncBuffer{}, client: &http.Client{Timeout: 10 * time.Second}}
	if !su.noSMTP {
		s.smtp = mailtest.NewServer(t, su.smtpOpts...)
		cfg.smtp = s.smtp.URL()
		if su.smtpUser != "" {
			cfg.smtp = "smtp://" + su.smtpUser + "@" + s.smtp.Addr()
		}
		cfg.smtpTLS = s.smtp.ClientTLS()
	}
	ready := make(chan string, 1)
	cfg.ready = func(addr string) { ready <- addr }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, s.logs) }()
	select {
	case addr := <-ready:
		s.url = "http://" + addr
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v\n%s", err, s.logs)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("server did not start within 10s\n%s", s.logs)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v", err)
		}
	})
	s.adminKey = s.createKey("admin", "UserRead,UserModify", 1)
	s.readKey = s.createKey("reader", "UserRead", 1)
	return s
}

// cli runs one roster command line on the server's database and returns
// its standard output.
func (s *testServer) cli(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), append(args, "--db", s.db), &out, &errOut)
	return out.String(), err
}

// lastLine is what the CLI contract promises: the value alone on the last line.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func (s *testServer) createKey(name, perms string, partner int64) string {
	s.t.Helper()
	out, err := s.cli("keys", "create", "--name", name, "--permissions", perms, "--partner", fmt.Sprint(partner))
	if err != nil {
		s.t.Fatalf("keys create: %v", err)
	}
	return lastLine(out)
}

func (s *testServer) createPartner(name string) int64 {
	s.t.Helper()
	out, err := s.cli("partners", "create", "--name", name)
	if err != nil {
		s.t.Fatalf("partners create: %v", err)
	}
	var pid int64
	if _, err := fmt.Sscan(lastLine(out), &pid); err != nil {
		s.t.Fatalf("partners create printed %q: %v", out, err)
	}
	return pid
}

// response is one answer, its body read and checked against our OpenAPI
// document.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into v, failing the test if it is not JSON.
func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body is not the JSON expected: %v\n%s", err, r.body)
	}
}

// message returns the {"message"} of an error answer, failing if absent.
func (r response) message(t *testing.T) string {
	t.Helper()
	var e struct {
		Message *string `json:"message"`
	}
	r.json(t, &e)
	if e.Message == nil || *e.Message == "" {
		t.Fatalf("error body has no message: %s", r.body)
	}
	return *e.Message
}

// do sends a request with an API key (none if key is "") and a body: a
// string or []byte is sent as it is, anything else as JSON.
func (s *testServer) do(method, path, key string, body any, headers ...string) response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	apidoctest.Check(s.t, req, resp, b)
	if resp.StatusCode >= 500 {
		s.t.Errorf("%s %s answered %d: %s", method, path, resp.StatusCode, b)
	}
	out := response{status: resp.StatusCode, header: resp.Header, body: b}
	if s.seen != nil {
		s.seen(method, path, out)
	}
	return out
}

// wantStatus fails the test unless r has the status.
func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

// apiUser is a Panther user as a client reads it.
type apiUser struct {
	ID             string `json:"id"`
	Email          string `json:"email"`
	GivenName      string `json:"givenName"`
	FamilyName     string `json:"familyName"`
	Enabled        bool   `json:"enabled"`
	Status         string `json:"status"`
	CreatedAt      string `json:"createdAt"`
	LastLoggedInAt string `json:"lastLoggedInAt"`
	Role           struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"role"`
}

type apiList struct {
	Results []apiUser `json:"results"`
	Next    *string   `json:"next"`
}

// newUser is a ModifyUser body.
func newUser(email, given, family, role string) map[string]any {
	return map[string]any{"email": email, "givenName": given, "familyName": family, "role": map[string]string{"name": role}}
}

func (s *testServer) createUser(email, given, family, role string) apiUser {
	s.t.Helper()
	r := s.do("POST", "/users", s.adminKey, newUser(email, given, family, role))
	wantStatus(s.t, r, http.StatusOK)
	var u apiUser
	r.json(s.t, &u)
	return u
}

// testDB is the database an end-to-end server runs on: a SQLite file in a
// temp dir, or, when ROSTER_TEST_E2E_ENGINE=postgres (CI's second run), a
// fresh PostgreSQL database cloned from a migrated template.
func testDB(t *testing.T) string {
	t.Helper()
	if os.Getenv("ROSTER_TEST_E2E_ENGINE") == "postgres" {
		return pgtest.NewDatabase(t)
	}
	return filepath.Join(t.TempDir(), "roster.db")
}

// store opens the server's database directly, beside the running server,
// for assertions and for states no endpoint can produce (such as an
// expired token).
func (s *testServer) store() roster.Store {
	s.t.Helper()
	st, err := openStore(context.Background(), s.db)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { st.Close() })
	return st
}

// snapshot is every user, role and group of the first three partners, to
// prove a failed request changed nothing.
func (s *testServer) snapshot(st roster.Store) string {
	s.t.Helper()
	var b strings.Builder
	for pid := int64(1); pid <= 3; pid++ {
		fmt.Fprintf(&b, "partner %d: %s\n", pid, s.partnerSnapshot(st, pid))
	}
	return b.String()
}

// partnerSnapshot is every user, role and group of one partner, as JSON so
// that pointer fields compare by value.
func (s *testServer) partnerSnapshot(st roster.Store, pid int64) string {
	s.t.Helper()
	ctx := context.Background()
	users, err1 := st.Users(ctx, pid, roster.UserFilter{IncludeInactive: true})
	roles, err2 := st.Roles(ctx, pid, roster.RoleFilter{})
	groups, err3 := st.Groups(ctx, pid, roster.GroupFilter{})
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			s.t.Fatal(err)
		}
	}
	j, err := json.Marshal(map[string]any{"users": users, "roles": roles, "groups": groups})
	if err != nil {
		s.t.Fatal(err)
	}
	return string(j)
}
