package main

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"time"
)

// job is one timed run of a scenario against one server.
type job struct {
	base        string // http://host:port
	sc          *scenario
	plan        *plan
	concurrency int
	duration    time.Duration
}

// measure is what a load generator saw in one job.
type measure struct {
	Requests  int64
	Errors    int64 // answers other than 2xx and 3xx, and failed requests
	Elapsed   time.Duration
	ReqPerSec float64
	P50, P99  time.Duration
	// LoadCPU is the CPU the load generator spent, to tell its cost per
	// request; 0 if unknown.
	LoadCPU time.Duration
}

// loader drives jobs: wrk, or the Go fallback.
type loader interface {
	name() string
	run(ctx context.Context, j job) (measure, error)
}

// newLoader returns the -load generator: "wrk", "go", or "" for wrk when it
// is on PATH and Go otherwise.
func newLoader(kind, dir string) (loader, error) {
	if kind == "" {
		kind = "go"
		if _, err := exec.LookPath("wrk"); err == nil {
			kind = "wrk"
		}
	}
	switch kind {
	case "wrk":
		bin, err := exec.LookPath("wrk")
		if err != nil {
			return nil, err
		}
		return &wrkLoader{bin: bin, dir: dir}, nil
	case "go":
		return goLoader{}, nil
	}
	return nil, &flagError{"-load", kind, "want wrk or go"}
}

// request builds w's next request of sc against base, with its headers.
func (p *plan) request(ctx context.Context, base string, sc *scenario, w *worker) (*http.Request, error) {
	w.n++
	path, body := sc.next(p, w)
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, sc.method, base+path, r)
	if err != nil {
		return nil, err
	}
	if k, v := p.authHeader(sc.auth); k != "" {
		req.Header.Set(k, v)
	}
	if sc.contentType != "" {
		req.Header.Set("Content-Type", sc.contentType)
	}
	return req, nil
}

// authHeader is the header that carries a credential, or "" for none.
func (p *plan) authHeader(a auth) (key, value string) {
	switch a {
	case authKey:
		return "X-API-Key", p.Key
	case authBearer:
		return "Authorization", "Bearer " + p.Token
	}
	return "", ""
}
