package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
