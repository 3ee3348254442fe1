package main

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// tableRows splits a table into rows of cells, header first.
func tableRows(out string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		rows = append(rows, strings.Fields(line))
	}
	return rows
}

// jsonLines parses JSON Lines output.
func jsonLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var o map[string]any
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		objs = append(objs, o)
	}
	return objs
}

func TestCLI_UsersCreatePrintsTheTemporaryPasswordOnce(t *testing.T) {
	s := startServer(t)
	out := rosterCLI(t, "users", "create", "--db", s.db, "--email", "ada@example.com", "--given-name", "Ada",
		"--family-name", "Lovelace", "--role", "Analyst", "--title", "Countess").ok(t)
	password := lastLine(out)
	if len(password) != 24 || !strings.Contains(out, "not shown again") {
		t.Fatalf("output %q: want the 24-character password alone on the last line", out)
	}
	// The password signs in (and must be changed): it is the user's.
	wantStatus(t, s.trySignIn("ada@example.com", password), http.StatusOK)
	var u struct {
		ID                int64   `json:"id"`
		Title             *string `json:"title"`
		Status            string  `json:"status"`
		TemporaryPassword string  `json:"temporaryPassword"`
		Role              struct{ Name string }
	}
	rosterCLI(t, "users", "create", "--db", s.db, "--email", "grace@example.com", "--given-name", "Grace",
		"--family-name", "Hopper", "--admin", "--json").decode(t, &u)
	if u.ID == 0 || u.Role.Name != "Admin" || u.Status != "FORCE_CHANGE_PASSWORD" || len(u.TemporaryPassword) != 24 || u.Title != nil {
		t.Errorf("created user = %+v", u)
	}
	if strings.Contains(s.logs.String(), password) || strings.Contains(s.logs.String(), u.TemporaryPassword) {
		t.Error("a temporary password reached the server's log")
	}
}

func TestCLI_UsersListGetUpdateDelete(t *testing.T) {
	db := cliFixture(t)

	rows := tableRows(rosterCLI(t, "users", "list", "--db", db).ok(t))
	if len(rows) != 3 || rows[0][0] != "ID" || rows[1][1] != "grace@example.com" || rows[2][1] != "ada@example.com" {
		t.Errorf("table = %v", rows)
	}

	var users []struct {
		ID         int64   `json:"id"`
		Email      string  `json:"email"`
		GivenName  string  `json:"givenName"`
		FamilyName string  `json:"familyName"`
		Enabled    bool    `json:"enabled"`
		State      string  `json:"state"`
		Groups     []int64 `json:"groups"`
		Role       struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"role"`
	}
	rosterCLI(t, "users", "list", "--db", db, "--json").decode(t, &users)
	if len(users) != 2 || users[1].Email != "ada@example.com" || users[1].Role.Name != "Analyst" || !users[1].Enabled || len(users[1].Groups) != 1 {
		t.Errorf("--json = %+v", users)
	}

	lines := jsonLines(t, rosterCLI(t, "users", "list", "--db", db, "-o", "jsonl").ok(t))
	if len(lines) != 2 || lines[0]["email"] != "grace@example.com" {
		t.Errorf("jsonl = %v", lines)
	}
	recs, err := csv.NewReader(strings.NewReader(rosterCLI(t, "users", "list", "--db", db, "-o", "csv").ok(t))).ReadAll()
	if err != nil || len(recs) != 3 || recs[0][1] != "EMAIL" || recs[2][2] != "Ada Lovelace" {
		t.Errorf("csv = %v, %v", recs, err)
	}

	for _, tc := range []struct {
		filters []string
		want    []string // e-mails
	}{
		{[]string{"--search", "LOVE"}, []string{"ada@example.com"}},
		{[]string{"--role", "admin"}, []string{"grace@example.com"}},
		{[]string{"--state", "inactive"}, nil},
		{[]string{"--status", "FORCE_CHANGE_PASSWORD"}, []string{"grace@example.com", "ada@example.com"}},
		{[]string{"--group", "1"}, []string{"ada@example.com"}},
		{[]string{"--sort", "email"}, []string{"ada@example.com", "grace@example.com"}},
		{[]string{"--sort", "email", "--desc", "--limit", "1"}, []string{"grace@example.com"}},
	} {
		var got []struct{ Email string }
		rosterCLI(t, append([]string{"users", "list", "--db", db, "--json"}, tc.filters...)...).decode(t, &got)
		var emails []string
		for _, u := range got {
			emails = append(emails, u.Email)
		}
		if strings.Join(emails, ",") != strings.Join(tc.want, ",") {
			t.Errorf("users list %v = %v, want %v", tc.filters, emails, tc.want)
		}
	}

	out := rosterCLI(t, "users", "get", "--db", db, "ADA@example.com").ok(t)
	for _, want := range []string{"ID:", "ada@example.com", "Ada Lovelace", "Analyst", "GROUPS:"} {
		if !strings.Contains(out, want) {
			t.Errorf("users get table lacks %q:\n%s", want, out)
		}
	}

	var got struct {
		FamilyName string  `json:"familyName"`
		Phone      *string `json:"phoneNumber"`
		State      string  `json:"state"`
		Enabled    bool    `json:"enabled"`
		Groups     []int64 `json:"groups"`
		Role       struct{ Name string }
	}
	rosterCLI(t, "users", "update", "--db", db, "2", "--family-name", "King", "--phone", "+44 20", "--state", "inactive", "--groups", "", "--json").decode(t, &got)
	if got.FamilyName != "King" || got.Phone == nil || *got.Phone != "+44 20" || got.State != "INACTIVE" || got.Enabled || len(got.Groups) != 0 || got.Role.Name != "Analyst" {
		t.Errorf("updated user = %+v", got)
	}
	rosterCLI(t, "users", "update", "--db", db, "ada@example.com", "--admin", "--state", "ACTIVE", "--json").decode(t, &got)
	if got.Role.Name != "Admin" || got.State != "ACTIVE" || got.FamilyName != "King" {
		t.Errorf("user after --admin = %+v", got)
	}

	// With another admin, grace may go; the output names whom it deleted.
	out = rosterCLI(t, "users", "delete", "--db", db, "grace@example.com").ok(t)
	if out != "Deleted user 1 grace@example.com.\n" {
		t.Errorf("delete printed %q", out)
	}
	var deleted struct{ Deleted []int64 }
	rosterCLI(t, "users", "create", "--db", db, "--email", "tmp@example.com", "--given-name", "T", "--family-name", "Mp", "--role", "2").ok(t)
	rosterCLI(t, "users", "delete", "--db", db, "tmp@example.com", "--json").decode(t, &deleted)
	if len(deleted.Deleted) != 1 || deleted.Deleted[0] != 3 {
		t.Errorf("delete --json = %+v", deleted)
	}
	if r := rosterCLI(t, "users", "get", "--db", db, "1"); r.code != exitNotFound {
		t.Errorf("a deleted user: exit %d", r.code)
	}
}

func TestCLI_Groups(t *testing.T) {
	db := cliFixture(t)
	var g struct {
		ID              int64   `json:"id"`
		Name            string  `json:"name"`
		Description     string  `json:"description"`
		MembershipCount int     `json:"membershipCount"`
		Users           []int64 `json:"users"`
	}
	rosterCLI(t, "groups", "create", "--db", db, "--name", "Auditors", "--description", "read\nonly", "--users", "1,2", "--json").decode(t, &g)
	if g.ID != 2 || g.Name != "Auditors" || g.MembershipCount != 2 || len(g.Users) != 2 {
		t.Fatalf("created group = %+v", g)
	}

	rows := tableRows(rosterCLI(t, "groups", "list", "--db", db).ok(t))
	if len(rows) != 3 || strings.Join(rows[0], " ") != "ID NAME MEMBERS DESCRIPTION" || rows[1][1] != "Analysts" || strings.Join(rows[2], " ") != "2 Auditors 2 read only" {
		t.Errorf("groups table = %v", rows)
	}
	var list []struct{ Name string }
	rosterCLI(t, "groups", "list", "--db", db, "--search", "READ", "--json").decode(t, &list)
	if len(list) != 1 || list[0].Name != "Auditors" {
		t.Errorf("groups --search = %+v", list)
	}
	if lines := jsonLines(t, rosterCLI(t, "groups", "list", "--db", db, "-o", "jsonl", "--limit", "1").ok(t)); len(lines) != 1 {
		t.Errorf("groups --limit 1 printed %d", len(lines))
	}

	if out := rosterCLI(t, "groups", "get", "--db", db, "2").ok(t); !strings.Contains(out, "USERS:") || !strings.Contains(out, "1,2") {
		t.Errorf("groups get table:\n%s", out)
	}
	rosterCLI(t, "groups", "update", "--db", db, "2", "--name", "Reviewers", "--users", "2", "--json").decode(t, &g)
	if g.Name != "Reviewers" || g.Description != "read\nonly" || len(g.Users) != 1 {
		t.Errorf("updated group = %+v", g)
	}
	if out := rosterCLI(t, "groups", "delete", "--db", db, "2").ok(t); out != "Deleted group 2.\n" {
		t.Errorf("groups delete printed %q", out)
	}
	if r := rosterCLI(t, "groups", "get", "--db", db, "2"); r.code != exitNotFound {
		t.Errorf("a deleted group: exit %d", r.code)
	}
	// The members stay.
	if r := rosterCLI(t, "users", "get", "--db", db, "1"); r.code != exitOK {
		t.Errorf("a member of a deleted group: exit %d", r.code)
	}
}

func TestCLI_RolesPartnersMigrateVersion(t *testing.T) {
	db := testDB(t)
	var roles []struct {
		ID          int64
		Name        string
		Permissions []string
		BuiltIn     bool
	}
	rosterCLI(t, "roles", "list", "--db", db, "--json").decode(t, &roles)
	if len(roles) != 3 || roles[0].Name != "Admin" || len(roles[0].Permissions) != 2 || !roles[2].BuiltIn {
		t.Errorf("roles = %+v", roles)
	}
	if rows := tableRows(rosterCLI(t, "roles", "list", "--db", db).ok(t)); len(rows) != 4 || rows[1][1] != "Admin" {
		t.Errorf("roles table = %v", rows)
	}

	var p struct {
		ID   int64
		Name string
	}
	rosterCLI(t, "partners", "create", "--db", db, "--name", "Acme Corp", "--json").decode(t, &p)
	if p.ID != 2 || p.Name != "Acme Corp" {
		t.Errorf("created partner = %+v", p)
	}
	recs, err := csv.NewReader(strings.NewReader(rosterCLI(t, "partners", "list", "--db", db, "-o", "csv").ok(t))).ReadAll()
	if err != nil || len(recs) != 3 || recs[2][1] != "Acme Corp" {
		t.Errorf("partners csv = %v, %v", recs, err)
	}
	rosterCLI(t, "roles", "list", "--db", db, "--partner", "2", "--json").decode(t, &roles)
	if len(roles) != 3 {
		t.Errorf("the new partner's roles = %+v", roles)
	}

	var m struct {
		Engine        string
		SchemaVersion int64
	}
	rosterCLI(t, "migrate", "--db", db, "--json").decode(t, &m)
	if m.SchemaVersion < 1 || (m.Engine != "sqlite" && m.Engine != "postgres") {
		t.Errorf("migrate = %+v", m)
	}
	if out := rosterCLI(t, "migrate", "--db", db).ok(t); !strings.Contains(out, "schema version") {
		t.Errorf("migrate printed %q", out)
	}

	var v struct{ Version, Commit, GoVersion string }
	rosterCLI(t, "version", "--json").decode(t, &v)
	if v.Version == "" || v.GoVersion != runtime.Version() {
		t.Errorf("version = %+v", v)
	}
	if out := rosterCLI(t, "version").ok(t); !strings.HasPrefix(out, "roster "+v.Version+"\n") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("version printed %q", out)
	}
}

func TestCLI_KeysRevokeStopsTheKeyOnARunningServer(t *testing.T) {
	s := startServer(t)
	var k struct {
		ID          int64    `json:"id"`
		Partner     int64    `json:"partner"`
		Permissions []string `json:"permissions"`
		Key         string   `json:"key"`
	}
	rosterCLI(t, "keys", "create", "--db", s.db, "--name", "doomed", "--permissions", "UserRead", "--json").decode(t, &k)
	wantStatus(t, s.do("GET", "/users", k.Key, nil), http.StatusOK)

	out := rosterCLI(t, "keys", "list", "--db", s.db, "--json").ok(t)
	if strings.Contains(out, k.Key) || strings.Contains(out, "hash") || strings.Contains(out, "rst_") {
		t.Fatalf("keys list shows a key or its hash:\n%s", out)
	}
	var keys []struct {
		ID          int64
		Name        string
		Permissions []string
	}
	rosterCLI(t, "keys", "list", "--db", s.db, "--json").decode(t, &keys)
	if len(keys) != 3 || keys[2].ID != k.ID || keys[2].Name != "doomed" || strings.Join(keys[2].Permissions, ",") != "UserRead" {
		t.Errorf("keys = %+v", keys)
	}
	if rows := tableRows(rosterCLI(t, "keys", "list", "--db", s.db).ok(t)); len(rows) != 4 || rows[3][1] != "doomed" {
		t.Errorf("keys table = %v", rows)
	}

	out = rosterCLI(t, "keys", "revoke", "--db", s.db, strconv.FormatInt(k.ID, 10)).ok(t)
	if !strings.Contains(out, "Revoked API key") {
		t.Errorf("revoke printed %q", out)
	}
	// The server checked the key a moment ago; the command line is another
	// process, so the server lets go of the key within its credential cache's
	// lifetime (--auth-cache), not before.
	time.Sleep(defaultAuthCache)
	wantStatus(t, s.do("GET", "/users", k.Key, nil), http.StatusUnauthorized)
	wantStatus(t, s.do("GET", "/api/v1/users/", k.Key, nil), http.StatusUnauthorized)
	wantStatus(t, s.do("GET", "/users", s.adminKey, nil), http.StatusOK) // the others still work
	if r := rosterCLI(t, "keys", "revoke", "--db", s.db, strconv.FormatInt(k.ID, 10)); r.code != exitNotFound {
		t.Errorf("revoking again: exit %d", r.code)
	}
}
