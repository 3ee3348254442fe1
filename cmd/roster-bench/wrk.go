package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// wrkThreads is how many threads wrk runs; it needs at least as many
// connections.
const wrkThreads = 2

// wrkLoader drives jobs with wrk (https://github.com/wg/wrk), which costs
// the least CPU per request of the generators at hand, through a Lua
// script per scenario written to dir.
type wrkLoader struct {
	bin, dir string
}

func (*wrkLoader) name() string { return fmt.Sprintf("wrk (%d threads)", wrkThreads) }

// luaPrelude starts every script. Each wrk thread runs the script in a Lua
// state of its own: setup, in the main state, hands each thread its number
// tid, and init seeds the thread's random numbers from it, so that
// threads do not draw the same ids.
const luaPrelude = `-- roster-bench: {{.Sc.Name}}
wrk.method = "{{.Sc.Method}}"
{{with .AuthKey}}wrk.headers["{{.}}"] = "{{$.AuthValue}}"
{{end}}{{with .Sc.ContentType}}wrk.headers["Content-Type"] = "{{.}}"
{{end}}{{if .Static}}wrk.path = "{{lua .Path}}"
{{with .Body}}wrk.body = "{{lua .}}"
{{end}}{{end}}FIRST, USERS, THREADS = {{.FirstID}}, {{.Users}}, {{.Threads}}
DOMAINS = { {{range .Domains}}"{{.}}", {{end}}}
n = 0
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  math.randomseed(7919 * (tid + 1))
end
`

// luaData is what a script's template sees.
type luaData struct {
	*plan
	Sc                 struct{ Name, Method, ContentType string }
	AuthKey, AuthValue string
	Threads            int
	// Static is set when every request is the same: Path and Body.
	Static     bool
	Path, Body string
}

// luaQuote escapes s for a double-quoted Lua string.
var luaQuote = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace

// script renders sc's Lua script for threads wrk threads.
func script(p *plan, sc *scenario, threads int) (string, error) {
	t, err := template.New(sc.name).Funcs(template.FuncMap{"lua": luaQuote}).Parse(luaPrelude + sc.lua + "\n")
	if err != nil {
		return "", err
	}
	d := luaData{plan: p, Threads: threads, Static: sc.lua == ""}
	if d.Static {
		d.Path, d.Body = sc.next(p, newWorker(0, 1))
	}
	d.Sc.Name, d.Sc.Method, d.Sc.ContentType = sc.name, sc.method, sc.contentType
	d.AuthKey, d.AuthValue = p.authHeader(sc.auth)
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (l *wrkLoader) run(ctx context.Context, j job) (measure, error) {
	threads := min(wrkThreads, j.concurrency)
	src, err := script(j.plan, j.sc, threads)
	if err != nil {
		return measure{}, err
	}
	path := filepath.Join(l.dir, strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(j.sc.name)+".lua")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		return measure{}, err
	}
	secs := int(math.Ceil(j.duration.Seconds())) // wrk takes whole seconds
	cmd := exec.CommandContext(ctx, l.bin, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(j.concurrency),
		"-d", fmt.Sprintf("%ds", secs), "--latency", "-s", path, j.base)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return measure{}, fmt.Errorf("wrk %s: %w: %s", j.sc.name, err, stderr.Bytes())
	}
	m, err := parseWrk(out)
	if err != nil {
		return measure{}, fmt.Errorf("wrk %s: %w\n%s%s", j.sc.name, err, out, stderr.Bytes())
	}
	m.LoadCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return m, nil
}

// parseWrk reads wrk --latency's report: the request count and elapsed
// time, Requests/sec, the 50% and 99% latencies, and the errors, which are
// "Non-2xx or 3xx responses" plus every socket error.
func parseWrk(out []byte) (measure, error) {
	var m measure
	var seen struct{ total, rate, p50, p99 bool }
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		var err error
		switch {
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			seen.total = true
			if m.Requests, err = strconv.ParseInt(f[0], 10, 64); err == nil {
				m.Elapsed, err = time.ParseDuration(strings.TrimSuffix(f[3], ","))
			}
		case len(f) == 2 && f[0] == "Requests/sec:":
			seen.rate = true
			m.ReqPerSec, err = strconv.ParseFloat(f[1], 64)
		case len(f) == 2 && f[0] == "50%":
			seen.p50 = true
			m.P50, err = time.ParseDuration(f[1])
		case len(f) == 2 && f[0] == "99%":
			seen.p99 = true
			m.P99, err = time.ParseDuration(f[1])
		case len(f) == 5 && strings.Join(f[:4], " ") == "Non-2xx or 3xx responses:":
			var n int64
			n, err = strconv.ParseInt(f[4], 10, 64)
			m.Errors += n
		case len(f) > 2 && f[0] == "Socket" && f[1] == "errors:":
			var n int64
			n, err = socketErrors(f[2:])
			m.Errors += n
		}
		if err != nil {
			return measure{}, fmt.Errorf("reading %q: %w", sc.Text(), err)
		}
	}
	if !seen.total || !seen.rate || !seen.p50 || !seen.p99 {
		return measure{}, fmt.Errorf("not a wrk --latency report")
	}
	return m, nil
}

// socketErrors sums "connect 0, read 0, write 0, timeout 0".
func socketErrors(f []string) (int64, error) {
	var sum int64
	for i := 1; i < len(f); i += 2 {
		n, err := strconv.ParseInt(strings.TrimSuffix(f[i], ","), 10, 64)
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}
