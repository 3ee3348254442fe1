package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// auditDB is a database with two keys of partner 1 and a partner 2, all
// made through the command line, so that their events are the CLI's.
func auditDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "roster.db")
	for _, args := range [][]string{
		{"keys", "create", "--name", "ci", "--permissions", "UserRead"},
		{"keys", "create", "--name", "ops", "--permissions", "UserModify"},
		{"partners", "create", "--name", "Acme"},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), append(args, "--db", db), &out, &out); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	return db
}

func runAudit(db string, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"audit", "--db", db}, args...), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestCLI_AuditPrintsATableByDefault(t *testing.T) {
	db := auditDB(t)
	out, _, err := runAudit(db)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "ID TIME ACTOR ACTION TARGET CHANGES" {
		t.Fatalf("table:\n%s\nwant a header and two rows", out)
	}
	for i, want := range []string{"system apikey.create apikey:1 name,permissions", "system apikey.create apikey:2 name,permissions"} {
		fields := strings.Fields(lines[i+1])
		if got := strings.Join(fields[2:], " "); got != want {
			t.Errorf("row %d: %q, want %q after the id and time", i+1, got, want)
		}
	}

	out, _, err = runAudit(db, "--partner", "2", "--actor", "system")
	if err != nil || !strings.Contains(out, "partner.create") || !strings.Contains(out, "partner:2") || strings.Contains(out, "apikey") {
		t.Errorf("partner 2's log: %v\n%s", err, out)
	}
	out, _, err = runAudit(db, "--target", "apikey:2")
	if err != nil || strings.Count(out, "\n") != 2 || !strings.Contains(out, "apikey:2") {
		t.Errorf("--target apikey:2: %v\n%s", err, out)
	}
	out, _, err = runAudit(db, "--until", "2000-01-01T00:00:00Z")
	if err != nil || strings.Count(out, "\n") != 1 {
		t.Errorf("--until 2000: %v\n%s, want the header alone", err, out)
	}
}

func TestCLI_AuditJSONLinesAndLimit(t *testing.T) {
	db := auditDB(t)
	out, _, err := runAudit(db, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var events []auditEvent
	for line := range strings.Lines(out) {
		var e auditEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		events = append(events, e)
	}
	if len(events) != 2 || events[1].Action != "apikey.create" || events[1].TargetID != 2 ||
		events[1].ActorType != "system" || events[1].ActorID != nil || events[1].PID != 1 || events[1].Time == "" {
		t.Errorf("events %+v", events)
	}

	out, errOut, err := runAudit(db, "--json", "--limit", "1")
	if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(errOut, "more events") {
		t.Errorf("--limit 1: %v, stdout %q, stderr %q; want one line and a note on stderr", err, out, errOut)
	}
	if _, errOut, _ = runAudit(db, "--limit", "2"); errOut != "" {
		t.Errorf("--limit 2 of 2 events: stderr %q, want nothing", errOut)
	}
}

func TestCLI_AuditRefusesBadFlags(t *testing.T) {
	db := auditDB(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--target", "user:abc"}, "--target"},
		{[]string{"--target", "users"}, "target type"},
		{[]string{"--actor", "admin:1"}, "actor type"},
		{[]string{"--since", "yesterday"}, "--since"},
		{[]string{"--since", "2026-02-01T00:00:00Z", "--until", "2026-01-01T00:00:00Z"}, "until"},
		{[]string{"--limit", "-1"}, "--limit"},
		{[]string{"--partner", "99"}, "partner 99 not found"},
		{[]string{"extra"}, "unknown command"},
	} {
		out, _, err := runAudit(db, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want one mentioning %q", tc.args, err, tc.want)
		}
		if out != "" {
			t.Errorf("%v: printed %q before failing", tc.args, out)
		}
	}
}

// TestCLI_AuditExitCodes runs the real binary: 0 with the log on stdout,
// 5 (invalid input) with the reason on stderr.
func TestCLI_AuditExitCodes(t *testing.T) {
	db := auditDB(t)
	out, err := exec.Command(rosterBinary(t), "audit", "--db", db, "--json").Output()
	if err != nil || strings.Count(string(out), "\n") != 2 {
		t.Errorf("roster audit: %v, %q; want exit 0 and two lines", err, out)
	}
	cmd := exec.Command(rosterBinary(t), "audit", "--db", db, "--actor", "nobody")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitInvalid || !strings.HasPrefix(stderr.String(), "roster: actor type") {
		t.Errorf("roster audit --actor nobody: %v, stderr %q; want exit %d and the reason", err, stderr.String(), exitInvalid)
	}
}
