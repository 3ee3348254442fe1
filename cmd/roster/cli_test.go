package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/roster-dev/roster/internal/store/sqlite"
)

func TestCLI_KeysCreate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string // "" means success
	}{
		{"both permissions", []string{"--name", "ci", "--permissions", "UserRead,UserModify"}, ""},
		{"read only, spaced", []string{"--name", "ro", "--permissions", " UserRead "}, ""},
		{"unknown permission", []string{"--name", "x", "--permissions", "UserRead,AlertModify"}, "unknown permission"},
		{"no permissions", []string{"--name", "x", "--permissions", ","}, "at least one permission"},
		{"missing name", []string{"--permissions", "UserRead"}, "name"},
		{"missing permissions flag", []string{"--name", "x"}, "permissions"},
		{"unknown partner", []string{"--name", "x", "--permissions", "UserRead", "--partner", "99"}, "partner 99 not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), append([]string{"keys", "create", "--db", db}, tc.args...), &out, &errOut)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if key := lastLine(out.String()); !strings.HasPrefix(key, "rst_") || len(key) < 40 {
				t.Errorf("last line %q is not a key", key)
			}
		})
	}
}

func TestCLI_EnvironmentStandsInForFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "env.db")
	t.Setenv("ROSTER_DB", db)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"partners", "create", "--name", "Env Corp"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if got := lastLine(out.String()); got != "2" {
		t.Errorf("pid = %q, want 2", got)
	}
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := st.Partner(context.Background(), 2)
	if err != nil || p.Name != "Env Corp" {
		t.Errorf("partner in $ROSTER_DB = %+v, %v", p, err)
	}
}

func TestCLI_PartnersCreateRefusesAnEmptyName(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	var out bytes.Buffer
	err := run(context.Background(), []string{"partners", "create", "--db", db, "--name", "  "}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("err = %v, want one about the name", err)
	}
}

func TestCLI_AnUnreachablePostgresURLFailsWithoutShowingThePassword(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"keys", "create", "--db", "postgres://u:s3cret@127.0.0.1:1/roster?connect_timeout=2", "--name", "x", "--permissions", "UserRead"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("err = %v, want a PostgreSQL error without the password", err)
	}
	if got := dbLabel("postgres://u:s3cret@db:5432/roster"); strings.Contains(got, "s3cret") {
		t.Errorf("dbLabel shows the password: %s", got)
	}
}

func TestServer_HealthzAndOpenAPI(t *testing.T) {
	s := startServer(t)
	if os.Getenv("ROSTER_TEST_E2E_ENGINE") == "postgres" && !isPostgres(s.db) {
		t.Fatalf("the PostgreSQL run serves from %s", s.db)
	}
	r := s.do("GET", "/healthz", "", nil)
	wantStatus(t, r, http.StatusOK)
	r = s.do("GET", "/openapi.json", "", nil)
	wantStatus(t, r, http.StatusOK)
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	r.json(t, &doc)
	for _, p := range []string{"/users", "/users/{id}", "/roles", "/roles/{id}"} {
		if doc.Paths[p] == nil {
			t.Errorf("served document lacks %s", p)
		}
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
}

func TestCLI_EveryServeFlagNamesItsEnvironmentVariableInHelp(t *testing.T) {
	cmd := newServeCmd(&bytes.Buffer{})
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		want := "[$ROSTER_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")) + "]"
		if !strings.Contains(f.Usage, want) {
			t.Errorf("--%s: usage %q does not name %s", f.Name, f.Usage, want)
		}
	})
}

func TestCLI_ServeRefusesBadLoggingAndLimitSettingsNamingThem(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	for _, tc := range []struct {
		name    string
		env     [2]string
		args    []string
		wantErr string
	}{
		{"log format", [2]string{}, []string{"--log-format", "xml"}, "--log-format"},
		{"log level", [2]string{}, []string{"--log-level", "verbose"}, "--log-level"},
		{"log level from the environment", [2]string{"ROSTER_LOG_LEVEL", "loud"}, nil, "ROSTER_LOG_LEVEL"},
		{"a number from the environment", [2]string{"ROSTER_MAX_IN_FLIGHT", "many"}, nil, "$ROSTER_MAX_IN_FLIGHT"},
		{"a duration from the environment", [2]string{"ROSTER_READ_TIMEOUT", "30"}, nil, "$ROSTER_READ_TIMEOUT"},
		{"a negative timeout", [2]string{}, []string{"--write-timeout", "-1s"}, "--write-timeout"},
		{"a burst of zero", [2]string{}, []string{"--signin-user-burst", "0"}, "--signin-user-burst"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env[0] != "" {
				t.Setenv(tc.env[0], tc.env[1])
			}
			var out bytes.Buffer
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, tc.args...)
			err := run(context.Background(), args, &out, &out)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want a refusal naming %s", err, tc.wantErr)
			}
		})
	}
}

func TestCLI_TheEnvironmentSetsAServeLimit(t *testing.T) {
	t.Setenv("ROSTER_SIGNIN_USER_RATE", "0")
	t.Setenv("ROSTER_MAX_IN_FLIGHT", "7")
	t.Setenv("ROSTER_WRITE_TIMEOUT", "90s")
	cmd := newServeCmd(&bytes.Buffer{})
	for name, want := range map[string]string{"signin-user-rate": "0", "max-in-flight": "7", "write-timeout": "1m30s"} {
		if got := cmd.Flags().Lookup(name).Value.String(); got != want {
			t.Errorf("--%s = %s from the environment, want %s", name, got, want)
		}
	}
	if err := cmd.Flags().Parse([]string{"--max-in-flight", "9"}); err != nil || cmd.Flags().Lookup("max-in-flight").Value.String() != "9" {
		t.Errorf("a flag given did not win over the environment: %v", err)
	}
}

// cliRun is the outcome of one command line: what it printed and the exit
// code the process would have.
type cliRun struct {
	out, errOut string
	code        int
	err         error
}

// rosterCLI runs one command line in-process, as main would.
func rosterCLI(t *testing.T, args ...string) cliRun {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return cliRun{out: out.String(), errOut: errOut.String(), code: exitCode(err), err: err}
}

// ok fails the test unless the command succeeded, and returns its output.
func (r cliRun) ok(t *testing.T) string {
	t.Helper()
	if r.code != exitOK {
		t.Fatalf("exit %d: %v", r.code, r.err)
	}
	return r.out
}

// decode parses the command's JSON output into v.
func (r cliRun) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.ok(t)), v); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r.out)
	}
}

// cliFixture is a database with an admin (grace, id 1), an analyst (ada,
// id 2) and a group (Analysts, id 1, with ada).
func cliFixture(t *testing.T) string {
	t.Helper()
	db := testDB(t)
	rosterCLI(t, "users", "create", "--db", db, "--email", "grace@example.com", "--given-name", "Grace", "--family-name", "Hopper", "--admin").ok(t)
	rosterCLI(t, "users", "create", "--db", db, "--email", "ada@example.com", "--given-name", "Ada", "--family-name", "Lovelace", "--role", "Analyst").ok(t)
	rosterCLI(t, "groups", "create", "--db", db, "--name", "Analysts", "--users", "2").ok(t)
	return db
}

func TestCLI_ExitCodesSayWhatWentWrong(t *testing.T) {
	db := cliFixture(t)
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantMsg  string // in the error, which main prints on stderr
	}{
		{"unknown command", []string{"userz"}, exitUsage, "Did you mean this? users (see: roster --help)"},
		{"unknown subcommand", []string{"users", "promote"}, exitUsage, "roster users --help"},
		{"unknown flag", []string{"users", "list", "--db", db, "--colour"}, exitUsage, "roster users list --help"},
		{"missing argument", []string{"users", "get", "--db", db}, exitUsage, "give one user id or e-mail"},
		{"malformed id", []string{"groups", "get", "--db", db, "two"}, exitUsage, "positive number"},
		{"neither id nor e-mail", []string{"users", "get", "--db", db, "ada"}, exitUsage, "neither a user id nor an e-mail"},
		{"missing required flag", []string{"users", "create", "--db", db, "--email", "x@example.com"}, exitUsage, "given-name"},
		{"bad output format", []string{"users", "list", "--db", db, "-o", "yaml"}, exitUsage, "table, json, jsonl or csv"},
		{"json against csv", []string{"users", "list", "--db", db, "--json", "-o", "csv"}, exitUsage, "disagree"},
		{"bad filter", []string{"users", "list", "--db", db, "--state", "ASLEEP"}, exitUsage, "ACTIVE, INACTIVE or LOCKED"},
		{"nothing to update", []string{"users", "update", "--db", db, "1"}, exitUsage, "nothing to change"},
		{"role and admin", []string{"users", "create", "--db", db, "--email", "x@example.com", "--given-name", "X", "--family-name", "Y", "--admin", "--role", "Analyst"}, exitUsage, "not both"},
		{"no role", []string{"users", "create", "--db", db, "--email", "x@example.com", "--given-name", "X", "--family-name", "Y"}, exitUsage, "--role NAME"},

		{"user id not found", []string{"users", "get", "--db", db, "42"}, exitNotFound, "user 42 not found in partner 1 (list users with: roster users list --partner 1)"},
		{"user e-mail not found", []string{"users", "delete", "--db", db, "nobody@example.com"}, exitNotFound, "roster users list"},
		{"group not found", []string{"groups", "update", "--db", db, "9", "--name", "X"}, exitNotFound, "roster groups list"},
		{"key not found", []string{"keys", "revoke", "--db", db, "99"}, exitNotFound, "roster keys list"},
		{"partner not found", []string{"users", "list", "--db", db, "--partner", "7"}, exitNotFound, "roster partners list"},
		{"partner of keys not found", []string{"keys", "list", "--db", db, "--partner", "7"}, exitNotFound, "roster partners list"},

		{"taken e-mail", []string{"users", "create", "--db", db, "--email", "ADA@example.com", "--given-name", "A", "--family-name", "L", "--role", "Analyst"}, exitConflict, "already exists"},
		{"last admin", []string{"users", "update", "--db", db, "grace@example.com", "--state", "INACTIVE"}, exitConflict, "manage users"},
		{"last admin deleted", []string{"users", "delete", "--db", db, "1"}, exitConflict, "manage users"},
		{"taken group name", []string{"groups", "create", "--db", db, "--name", "analysts"}, exitConflict, "already exists"},

		{"malformed e-mail", []string{"users", "create", "--db", db, "--email", "not-an-address", "--given-name", "A", "--family-name", "B", "--role", "Analyst"}, exitInvalid, "e-mail"},
		{"unknown role", []string{"users", "update", "--db", db, "2", "--role", "Boss"}, exitInvalid, "roster roles list --partner 1"},
		{"unknown state", []string{"users", "create", "--db", db, "--email", "x@example.com", "--given-name", "X", "--family-name", "Y", "--role", "Analyst", "--state", "ASLEEP"}, exitInvalid, "ACTIVE"},
		{"unknown member", []string{"groups", "create", "--db", db, "--name", "Ghosts", "--users", "77"}, exitInvalid, ""},
		{"unknown permission", []string{"keys", "create", "--db", db, "--name", "k", "--permissions", "Root"}, exitInvalid, "unknown permission"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rosterCLI(t, tc.args...)
			if r.code != tc.wantCode {
				t.Fatalf("exit %d (%v), want %d", r.code, r.err, tc.wantCode)
			}
			if msg := r.err.Error(); !strings.Contains(msg, tc.wantMsg) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line containing %q", msg, tc.wantMsg)
			}
		})
	}
	// None of the failures above changed anything.
	var users []map[string]any
	rosterCLI(t, "users", "list", "--db", db, "--json").decode(t, &users)
	if len(users) != 2 || users[0]["state"] != "ACTIVE" || users[1]["role"].(map[string]any)["name"] != "Analyst" {
		t.Errorf("users after the failed commands = %v", users)
	}
}

func TestCLI_HelpDocumentsExitCodesAndExamples(t *testing.T) {
	out := rosterCLI(t, "--help").ok(t)
	for _, want := range []string{"Exit codes:", "3  not found", "5  invalid input", "users", "groups", "keys", "migrate", "version"} {
		if !strings.Contains(out, want) {
			t.Errorf("roster --help lacks %q", want)
		}
	}
	for _, args := range [][]string{
		{"users", "list"}, {"users", "get"}, {"users", "create"}, {"users", "update"}, {"users", "delete"},
		{"groups", "list"}, {"groups", "get"}, {"groups", "create"}, {"groups", "update"}, {"groups", "delete"},
		{"roles", "list"}, {"keys", "list"}, {"keys", "create"}, {"keys", "revoke"},
		{"partners", "list"}, {"partners", "create"}, {"migrate"}, {"version"},
	} {
		out := rosterCLI(t, append(args, "--help")...).ok(t)
		if !strings.Contains(out, "Examples:") || !strings.Contains(out, "roster "+strings.Join(args, " ")) {
			t.Errorf("roster %s --help has no example of itself:\n%s", strings.Join(args, " "), out)
		}
	}
}

func TestProcess_ExitCodeAndOneLineOnStderr(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"users", "get", "7", "--db", db}, exitNotFound},
		{[]string{"users", "lst"}, exitUsage},
		{[]string{"version"}, exitOK},
	} {
		cmd := exec.Command(rosterBinary(t), tc.args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code {
			t.Errorf("roster %v: exit %d, want %d (stderr %q)", tc.args, code, tc.code, stderr.String())
		}
		if lines := strings.Count(stderr.String(), "\n"); tc.code != 0 && (lines != 1 || !strings.HasPrefix(stderr.String(), "roster: ")) {
			t.Errorf("roster %v: stderr %q, want one line starting with \"roster: \"", tc.args, stderr.String())
		}
	}
}
