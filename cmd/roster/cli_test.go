package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
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
