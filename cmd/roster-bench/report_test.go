package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testReport has a read, a write with too many errors, and sign-in.
func testReport() *report {
	get := newResult(findScenario("get-panther"), 50,
		measure{Requests: 60000, ReqPerSec: 20000, P50: 2 * time.Millisecond, P99: 9500 * time.Microsecond, LoadCPU: 600 * time.Millisecond},
		6*time.Second)
	get.setBare(measure{Requests: 40000, ReqPerSec: 40000, P50: time.Millisecond, P99: 4 * time.Millisecond})
	get.PeakRSSBytes = 60 << 20
	create := newResult(findScenario("create"), 10, measure{Requests: 6000, Errors: 61, ReqPerSec: 2000, P50: 4 * time.Millisecond, P99: 30 * time.Millisecond}, 0)
	signin := newResult(findScenario("signin"), 10, measure{Requests: 240, ReqPerSec: 80, P50: 120 * time.Millisecond, P99: 250 * time.Millisecond}, 0)
	signin.setArgon2(96.6)
	signin.PeakRSSBytes = 120 << 20
	return &report{
		Engine: "sqlite", Users: 1_000_000, SeedSeconds: 200, SeedPerSec: 5000,
		ContainsFragment: containsFragment, ContainsShare: 0.0201,
		GoVersion: "go1.26.8", GOMAXPROCS: 2, CPU: "AMD EPYC",
		Load: "wrk (2 threads)", Concurrency: 50, WriteConcurrency: 10, Seconds: 3, BareSeconds: 1,
		Argon2PerSec: 96.6, PeakRSSBytes: 120 << 20, DBSizeBytes: 700 << 20,
		Results: []result{get, create, signin},
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	if err := writeTable(&b, testReport()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"sqlite, 1,000,000 users seeded in 200.0s (5,000 users/s); contains=konk matches 2.0%",
		"GOMAXPROCS 2, AMD EPYC",
		"* sign-in's yardstick is argon2id: GOMAXPROCS hashes at a time, 20.7 ms each",
		"errors !: more than 1% of the scenario's requests failed",
		"Roster's peak RSS 120.0 MiB; database 700.0 MiB",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	rows := map[string]string{
		"get-panther": "get-panther 20,000 2.00ms 9.50ms 0 40,000 0.50 100 — 10 0% 60.0 MiB",
		"create":      "create 2,000 4.00ms 30.0ms 61 ! — — 0 — 0 0% 0.0 MiB",
		"signin":      "signin 80.0 120.0ms 250.0ms 0 96.6 * 0.83 0 — 0 0% 120.0 MiB",
	}
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if want, ok := rows[f[0]]; ok {
			if got := strings.Join(f, " "); got != want {
				t.Errorf("row %s:\n got %s\nwant %s", f[0], got, want)
			}
			delete(rows, f[0])
		}
	}
	for name := range rows {
		t.Errorf("no row for %s:\n%s", name, out)
	}
}

func TestWriteJSON_SameFigures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.json")
	if err := writeJSON(path, testReport()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Users   int `json:"users"`
		Results []struct {
			Scenario  string  `json:"scenario"`
			ReqPerSec float64 `json:"req_per_sec"`
			P99Ms     float64 `json:"p99_ms"`
			Reference string  `json:"reference"`
			Ratio     float64 `json:"ratio"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Users != 1_000_000 || len(got.Results) != 3 {
		t.Fatalf("got %d users and %d results, want 1000000 and 3", got.Users, len(got.Results))
	}
	if r := got.Results[0]; r.Scenario != "get-panther" || r.ReqPerSec != 20000 || r.P99Ms != 9.5 || r.Reference != "bare" || r.Ratio != 0.5 {
		t.Errorf("get-panther: %+v", r)
	}
	if r := got.Results[1]; r.Reference != "" || r.Ratio != 0 {
		t.Errorf("create has a yardstick: %+v", r)
	}
}

func TestThousands(t *testing.T) {
	for v, want := range map[float64]string{0: "0.0", 96.64: "96.6", 100: "100", 1234.4: "1,234", 999999.6: "1,000,000"} {
		if got := thousands(v); got != want {
			t.Errorf("thousands(%v) = %q, want %q", v, got, want)
		}
	}
}
