package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// maxErrorShare is the share of failed requests above which a scenario is
// flagged: its figures measure errors as much as work.
const maxErrorShare = 0.01

// report is everything one run measured; the table and -json show the
// same figures.
type report struct {
	Engine           string   `json:"engine"`
	Users            int      `json:"users"`
	SeedSeconds      float64  `json:"seed_seconds"`
	SeedPerSec       float64  `json:"seed_users_per_sec"`
	ContainsFragment string   `json:"contains_fragment"`
	ContainsShare    float64  `json:"contains_share"`
	GoVersion        string   `json:"go_version"`
	GOMAXPROCS       int      `json:"gomaxprocs"`
	CPU              string   `json:"cpu"`
	Load             string   `json:"load"`
	Concurrency      int      `json:"concurrency"`
	WriteConcurrency int      `json:"write_concurrency"`
	Seconds          float64  `json:"seconds_per_scenario"`
	BareSeconds      float64  `json:"bare_seconds_per_scenario"`
	Argon2PerSec     float64  `json:"argon2id_per_sec,omitempty"`
	PeakRSSBytes     int64    `json:"peak_rss_bytes"`
	DBSizeBytes      int64    `json:"db_size_bytes"`
	Results          []result `json:"results"`
}

// result is one scenario's figures.
type result struct {
	Scenario    string  `json:"scenario"`
	Write       bool    `json:"write"`
	Concurrency int     `json:"concurrency"`
	Requests    int64   `json:"requests"`
	Errors      int64   `json:"errors"`
	ReqPerSec   float64 `json:"req_per_sec"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	// Reference is the yardstick of Ratio: "bare" for a read, "argon2id"
	// for sign-in, "" for the other writes.
	Reference       string  `json:"reference,omitempty"`
	RefPerSec       float64 `json:"reference_req_per_sec,omitempty"`
	RefP50Ms        float64 `json:"reference_p50_ms,omitempty"`
	RefP99Ms        float64 `json:"reference_p99_ms,omitempty"`
	Ratio           float64 `json:"ratio,omitempty"`
	ServerCPUPerReq float64 `json:"server_cpu_us_per_req"`
	// DBCPUPerReq is PostgreSQL's CPU per request (all its processes on
	// this machine); SQLite's is part of the server's.
	DBCPUPerReq   float64 `json:"db_cpu_us_per_req,omitempty"`
	LoadCPUPerReq float64 `json:"load_cpu_us_per_req"`
	// PeakRSSBytes is Roster's peak resident set once the scenario ended.
	PeakRSSBytes int64 `json:"peak_rss_bytes_after"`
	// OtherCPUShare is the share of the machine's CPU that neither Roster
	// nor the load generator used while the scenario ran: other
	// processes, which disturb the figures.
	OtherCPUShare float64 `json:"other_cpu_share"`
}

// newResult turns a scenario's measure into a result.
func newResult(sc *scenario, conc int, m measure, serverCPU time.Duration) result {
	return result{
		Scenario: sc.name, Write: sc.write, Concurrency: conc,
		Requests: m.Requests, Errors: m.Errors, ReqPerSec: m.ReqPerSec,
		P50Ms: ms(m.P50), P99Ms: ms(m.P99),
		ServerCPUPerReq: perRequestMicros(serverCPU, m.Requests),
		LoadCPUPerReq:   perRequestMicros(m.LoadCPU, m.Requests),
	}
}

// setBare records the bare handler's run of the same read.
func (r *result) setBare(m measure) {
	r.Reference, r.RefPerSec, r.RefP50Ms, r.RefP99Ms = "bare", m.ReqPerSec, ms(m.P50), ms(m.P99)
	if m.ReqPerSec > 0 {
		r.Ratio = r.ReqPerSec / m.ReqPerSec
	}
}

// setArgon2 records the machine's argon2id rate as sign-in's yardstick.
func (r *result) setArgon2(rate float64) {
	r.Reference, r.RefPerSec = "argon2id", rate
	if rate > 0 {
		r.Ratio = r.ReqPerSec / rate
	}
}

// flagged reports whether more than maxErrorShare of requests failed.
func (r result) flagged() bool {
	return r.Requests > 0 && float64(r.Errors)/float64(r.Requests) > maxErrorShare
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func perRequestMicros(d time.Duration, n int64) float64 {
	if n == 0 {
		return 0
	}
	return float64(d) / float64(time.Microsecond) / float64(n)
}

// writeTable prints the report as text: the setting, one row per scenario,
// then the footnotes that apply and the totals.
func writeTable(w io.Writer, r *report) error {
	fmt.Fprintf(w, "roster-bench: %s, %s users seeded in %.1fs (%s users/s); contains=%s matches %.1f%%\n",
		r.Engine, thousands(float64(r.Users)), r.SeedSeconds, thousands(r.SeedPerSec), r.ContainsFragment, 100*r.ContainsShare)
	fmt.Fprintf(w, "%s, GOMAXPROCS %d, %s\n", r.GoVersion, r.GOMAXPROCS, r.CPU)
	fmt.Fprintf(w, "load: %s, %gs per scenario (bare %gs), %d connections for reads, %d for writes\n\n",
		r.Load, r.Seconds, r.BareSeconds, r.Concurrency, r.WriteConcurrency)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\treq/s\tp50\tp99\terrors\tbare req/s\tratio\troster µs/req\tpg µs/req\tload µs/req\tother CPU\tpeak RSS\t")
	var signin, failed, disturbed bool
	for _, res := range r.Results {
		errs := strconv.FormatInt(res.Errors, 10)
		if res.flagged() {
			errs, failed = errs+" !", true
		}
		ref, ratio := "—", "—"
		if res.Reference != "" {
			ref, ratio = thousands(res.RefPerSec), fmt.Sprintf("%.2f", res.Ratio)
		}
		if res.Reference == "argon2id" {
			ref, signin = ref+" *", true
		}
		pg := "—"
		if r.Engine == "postgres" {
			pg = fmt.Sprintf("%.0f", res.DBCPUPerReq)
		}
		other := fmt.Sprintf("%.0f%%", 100*res.OtherCPUShare)
		if res.OtherCPUShare > maxOtherCPU {
			other, disturbed = other+" !", true
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f\t%s\t%.0f\t%s\t%s\t\n", res.Scenario, thousands(res.ReqPerSec),
			fmtMs(res.P50Ms), fmtMs(res.P99Ms), errs, ref, ratio, res.ServerCPUPerReq, pg, res.LoadCPUPerReq, other, mib(res.PeakRSSBytes))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if signin {
		fmt.Fprintf(w, "* sign-in's yardstick is argon2id: GOMAXPROCS hashes at a time, %.1f ms each\n",
			float64(r.GOMAXPROCS)*1000/r.Argon2PerSec)
	}
	if failed {
		fmt.Fprintf(w, "errors !: more than %g%% of the scenario's requests failed\n", 100*maxErrorShare)
	}
	if disturbed {
		fmt.Fprintf(w, "other CPU !: other processes took more than %g%% of the machine's CPU during the scenario; its figures are disturbed\n", 100*maxOtherCPU)
	}
	_, err := fmt.Fprintf(w, "\nRoster's peak RSS %s; database %s\n", mib(r.PeakRSSBytes), mib(r.DBSizeBytes))
	return err
}

// maxOtherCPU is the share of the machine's CPU other processes may take
// during a scenario before the report warns.
const maxOtherCPU = 0.05

// writeJSON writes the report to path.
func writeJSON(path string, r *report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// fmtMs shows a latency in milliseconds, with more digits when short.
func fmtMs(v float64) string {
	if v < 10 {
		return fmt.Sprintf("%.2fms", v)
	}
	return fmt.Sprintf("%.1fms", v)
}

// mib shows a byte count in MiB.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// thousands shows a rate rounded to a whole number, in groups of three
// digits; below 100 it keeps one decimal.
func thousands(v float64) string {
	if v < 100 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	s := strconv.FormatFloat(v, 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
