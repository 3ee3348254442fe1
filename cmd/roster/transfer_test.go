package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLI_UsersImportThenExport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "roster.db")
	in := filepath.Join(dir, "people.csv")
	csv := "email,firstName,lastName,role,groups,passwordHash\n" +
		"ada@example.com,Ada,Lovelace,Admin,Engines,$2a$04$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy\n" +
		"alan@example.com,Alan,Turing,Analyst,,\n"
	if err := os.WriteFile(in, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"users", "import", "--db", db, in}, &out, &errOut); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "2 rows: 2 created") || strings.Contains(errOut.String(), "\r") {
		t.Fatalf("stdout %q, stderr %q (no progress bar outside a terminal)", out.String(), errOut.String())
	}

	exported := filepath.Join(dir, "users.jsonl")
	errOut.Reset()
	if err := run(context.Background(), []string{"users", "export", "--db", db, "-o", exported}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "password hashes") {
		t.Errorf("no warning that the file holds hashes: %q", errOut.String())
	}
	fi, err := os.Stat(exported)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("export file: %v, %v", fi, err)
	}
	body, _ := os.ReadFile(exported)
	if got := strings.Count(string(body), "\n"); got != 2 || !strings.Contains(string(body), `"passwordHash":"$2a$04$`) {
		t.Fatalf("exported %d lines:\n%s", got, body)
	}

	out.Reset()
	if err := run(context.Background(), []string{"users", "export", "--db", db, "--format", "csv", "--no-hashes"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "$2a$") || !strings.HasPrefix(out.String(), "email,username,firstName") {
		t.Fatalf("--no-hashes export:\n%s", out.String())
	}
}

func TestCLI_UsersImportCompactsTheSearchIndex(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "roster.db")
	in := filepath.Join(dir, "people.csv")
	csv := "email,firstName,lastName,role\n" +
		"ada@example.com,Ada,Lovelace,Analyst\ngrace@example.com,Grace,Hopper,Analyst\nalan@example.com,Alan,Turing,Analyst\n"
	if err := os.WriteFile(in, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	// A batch a row: three commits, each writing a segment of the index,
	// too few for FTS5 to merge them by itself.
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"users", "import", "--db", db, "--batch", "1", in}, &out, &errOut); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut.String())
	}
	conn, err := sql.Open("sqlite", "file:"+db+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var segments int
	if err := conn.QueryRow(`SELECT count(DISTINCT segid) FROM users_fts_idx`).Scan(&segments); err != nil {
		t.Fatal(err)
	}
	if segments != 1 {
		t.Errorf("the search index is in %d segments after the import, want 1", segments)
	}
	out.Reset()
	if err := run(context.Background(), []string{"users", "list", "--db", db, "--search", "hopper", "--output", "csv"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "grace@example.com") || strings.Contains(out.String(), "ada@example.com") {
		t.Errorf("search after the import:\n%s", out.String())
	}
}

func TestCLI_UsersImportRefusesABadFileAndSaysWhere(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "people.jsonl")
	body := `{"email":"ok@example.com","firstName":"O","lastName":"K","isAdmin":false}` + "\n" +
		`{"email":"nope","firstName":"N","lastName":"O","isAdmin":false}` + "\n"
	if err := os.WriteFile(in, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"users", "import", "--db", filepath.Join(dir, "r.db"), in}, &out, &errOut)
	if err == nil || !strings.Contains(errOut.String(), "line 2: ") || !strings.Contains(errOut.String(), "nothing was imported") {
		t.Fatalf("err %v, stderr %q", err, errOut.String())
	}
	for _, args := range [][]string{
		{"users", "import", "--db", filepath.Join(dir, "r.db"), filepath.Join(dir, "people.txt")},
		{"users", "import", "--db", filepath.Join(dir, "r.db"), "--format", "xml", in},
	} {
		if err := run(context.Background(), args, &out, &errOut); err == nil || !strings.Contains(err.Error(), "format") {
			t.Errorf("%v: err %v, want one about the format", args, err)
		}
	}
}
