package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium returns the path of a Chromium to drive, skipping the test if
// there is none. CI installs Debian's chromium package (.ci/run), so there
// the test always runs.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (apt-get install -y chromium); .ci/run installs it, so CI runs this test")
	return ""
}

// cspViolation is how Chromium logs a resource its Content-Security-Policy
// blocked; blockedURL finds the resource's URL in such a line.
var (
	cspViolation = regexp.MustCompile(`violates the following Content Security Policy directive`)
	blockedURL   = regexp.MustCompile(`'(https?://[^']+)'`)
)

// TestDocs_ChromiumRendersEveryOperationFromTheBinaryAlone loads /docs in
// headless Chromium, lets Redoc render it, and reads the resulting DOM:
// the page must list the operations of both dialects and /oauth/token,
// with Redoc and the document served by Roster itself. Chromium's console
// log shows every resource the page's Content-Security-Policy blocked: none
// may be Roster's own (the policy would break the page), and any from
// another origin (Redoc's bundle asks for its logo from cdn.redoc.ly) was
// blocked before a request left the browser.
func TestDocs_ChromiumRendersEveryOperationFromTheBinaryAlone(t *testing.T) {
	bin := chromium(t)
	s := startServer(t, withoutSMTP())
	for _, path := range []string{"/docs", "/docs/redoc.standalone.js"} {
		wantStatus(t, s.do("GET", path, "", nil), http.StatusOK)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(),
		"--enable-logging=stderr", "--v=0",
		// Virtual time runs as fast as the page allows and stops once
		// nothing is left to do, or after this much page time.
		"--virtual-time-budget=15000",
		"--dump-dom", s.url+"/docs")
	var dom, logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &dom, &logs
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, logs.String())
	}
	t.Logf("chromium rendered /docs in %s (%d bytes of DOM)", time.Since(start).Round(time.Millisecond), dom.Len())

	html := dom.String()
	for _, want := range []string{
		"List users",               // Panther: GET /users
		"/users/{id}",              // Panther
		"/roles",                   // Panther
		"/api/v1/users",            // Audience Manager
		"/api/v1/groups/{groupId}", // Audience Manager
		"/oauth/token",             // bearer tokens
		"/readyz", "/metrics",      // the operator's routes
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the rendered /docs does not show %q", want)
		}
	}
	// Redoc writes an anchor per operation: one for each in the document.
	if n := strings.Count(html, `id="operation/`); n < 30 {
		t.Errorf("the rendered page has %d operations, want every one of the document's (over 30)", n)
	}

	own, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if !cspViolation.MatchString(line) {
			continue
		}
		m := blockedURL.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("the page's policy blocked something of its own (an inline script, eval or worker): %s", line)
			continue
		}
		u, err := url.Parse(m[1])
		if err != nil || u.Host == own.Host {
			t.Errorf("the page's policy blocked one of Roster's own resources: %s", line)
			continue
		}
		t.Logf("blocked, as it should be, a request to another origin: %s", m[1])
	}
}
