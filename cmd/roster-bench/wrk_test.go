package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseWrk(t *testing.T) {
	// Each file is wrk 4.1.0's own output, captured against the bare server.
	tests := []struct {
		file string
		want measure
	}{
		{"wrk-ok.txt", measure{Requests: 44250, Elapsed: 1100 * time.Millisecond, ReqPerSec: 40247.03,
			P50: 160 * time.Microsecond, P99: 5290 * time.Microsecond}},
		{"wrk-non2xx.txt", measure{Requests: 44129, Errors: 44129, Elapsed: 1100 * time.Millisecond, ReqPerSec: 40124.79,
			P50: 181 * time.Microsecond, P99: 3210 * time.Microsecond}},
		{"wrk-socket.txt", measure{Requests: 35080, Errors: 10 + 46462, Elapsed: 2 * time.Second, ReqPerSec: 17519.95,
			P50: 208 * time.Microsecond, P99: 4680 * time.Microsecond}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseWrk(out)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("parseWrk:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseWrk_RefusesOtherOutput(t *testing.T) {
	// Without --latency wrk prints no percentiles; an error prints usage.
	for _, out := range []string{
		"Running 1s test @ http://127.0.0.1:1\n  44250 requests in 1.10s, 5.02MB read\nRequests/sec:  40247.03\n",
		"Usage: wrk <options> <url>\n",
	} {
		if _, err := parseWrk([]byte(out)); err == nil {
			t.Errorf("parseWrk(%q) succeeded, want an error", out)
		}
	}
}

func TestScripts_Render(t *testing.T) {
	p := testPlan()
	for _, sc := range append(slices.Clone(scenarios), bareOf(scenarios[0])) {
		src, err := script(p, sc, 2)
		if err != nil {
			t.Fatalf("%s: %v", sc.name, err)
		}
		if sc.lua == "" && !strings.Contains(src, "wrk.path = ") {
			t.Errorf("%s: a static script sets no path:\n%s", sc.name, src)
		}
	}
}

// TestScripts_AskWhatTheGoGeneratorAsks runs every scenario's Lua script
// in wrk against a server that records the requests, and checks that they
// have the shapes (digits aside) of the Go generator's requests.
func TestScripts_AskWhatTheGoGeneratorAsks(t *testing.T) {
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed")
	}
	p := testPlan()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			ld := &wrkLoader{bin: "wrk", dir: t.TempDir()}
			if _, err := ld.run(context.Background(), job{base: srv.URL, sc: sc, plan: p, concurrency: 2, duration: time.Second}); err != nil {
				t.Fatal(err)
			}
			fromWrk := rec.shapes()

			rec = &recorder{}
			srv2 := httptest.NewServer(rec)
			defer srv2.Close()
			for id := range 2 {
				w := newWorker(id, 2)
				for range 30 {
					req, err := p.request(context.Background(), srv2.URL, sc, w)
					if err != nil {
						t.Fatal(err)
					}
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if sc.respond != nil {
						sc.respond(w, body)
					}
				}
			}
			fromGo := rec.shapes()
			if !slices.Equal(fromWrk, fromGo) {
				t.Errorf("wrk asked for\n  %s\nthe Go generator for\n  %s", strings.Join(fromWrk, "\n  "), strings.Join(fromGo, "\n  "))
			}
		})
	}
}

// testPlan is a plan with every field set, as after seeding 1,000 users.
func testPlan() *plan {
	p := newPlan("rst_key", 3, 1000)
	p.Token = "rat_token"
	p.SignInBody = signInForm(signInEmail, signInPassword)
	p.Delete = deletePool{Lo1: 1004, N1: 5, Hi2: 1002, Lo2: 503}
	return p
}

// recorder answers every request with a page that has a next cursor, and
// records each request's shape: its method, path, body and credential,
// with digits and seeded e-mail domains made alike.
type recorder struct {
	mu  sync.Mutex
	set map[string]bool
}

var (
	digits  = regexp.MustCompile(`[0-9]+`)
	domainR = regexp.MustCompile(`@[a-z]+\.example`)
)

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	shape := strings.Join([]string{r.Method, r.URL.RequestURI(), string(body),
		r.Header.Get("X-API-Key"), r.Header.Get("Authorization"), r.Header.Get("Content-Type")}, " | ")
	shape = domainR.ReplaceAllString(digits.ReplaceAllString(shape, "#"), "@D")
	rec.mu.Lock()
	if rec.set == nil {
		rec.set = map[string]bool{}
	}
	rec.set[shape] = true
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"results":[],"next":"cursorAB"}`)
}

// shapes returns the shapes seen, sorted.
func (rec *recorder) shapes() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for s := range rec.set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}
