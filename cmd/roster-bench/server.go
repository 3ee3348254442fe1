package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// startTimeout bounds how long a child process may take to serve.
const startTimeout = 30 * time.Second

// stopTimeout bounds how long a child may take to exit after SIGTERM
// before it is killed.
const stopTimeout = 30 * time.Second

// buildRoster builds ./cmd/roster into dir, so that the server runs as
// people run it, a binary of its own.
func buildRoster(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "roster")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/roster-dev/roster/cmd/roster")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/roster (run the bench inside the module, or pass -roster): %w\n%s", err, out)
	}
	return bin, nil
}

// createKey runs `roster keys create`, which also migrates the fresh
// database, and returns the key it prints alone on its last line.
func createKey(ctx context.Context, bin, dsn string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, "keys", "create", "--name", "roster-bench",
		"--permissions", "UserRead,UserModify", "--db", dsn)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("roster keys create: %w: %s", err, stderr.Bytes())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}

// child is a process the bench started and must stop.
type child struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // Wait's error, once done is closed
	base string        // http://host:port it serves
}

// start starts cmd and watches for its exit.
func start(name string, cmd *exec.Cmd) (*child, error) {
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// pid is the child's process id.
func (c *child) pid() int { return c.cmd.Process.Pid }

// stop sends SIGTERM and waits for the exit, killing the process if it
// takes longer than stopTimeout. It returns the exit's error: Roster
// drains and exits 0 on SIGTERM, so anything else is a failure.
func (c *child) stop() error {
	select {
	case <-c.done:
		return fmt.Errorf("%s exited early: %v", c.name, c.err)
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM) // if it fails, the process is gone and done says so
	select {
	case <-c.done:
	case <-time.After(stopTimeout):
		_ = c.cmd.Process.Kill()
		<-c.done
		return fmt.Errorf("%s did not exit within %s of SIGTERM; killed", c.name, stopTimeout)
	}
	if c.err != nil {
		return fmt.Errorf("%s: %w", c.name, c.err)
	}
	return nil
}

// addrPattern finds the address in Roster's "roster serving" log line.
var addrPattern = regexp.MustCompile(`addr=(http://\S+)`)

// startRoster runs `roster serve` on a free port with its log in logPath,
// and returns once /healthz answers.
func startRoster(ctx context.Context, bin, dsn, logPath string) (*child, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child holds its own descriptor
	// The sign-in scenario signs one user in from one address as fast as
	// the KDF allows: it measures sign-in, so the limits that would refuse
	// it after a few attempts (correctly, for real traffic) are off.
	// Everything else is as `roster serve` is by default, access log
	// included.
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", dsn,
		"--signin-addr-rate", "0", "--signin-user-rate", "0")
	cmd.Stdout, cmd.Stderr = logf, logf
	c, err := start("roster", cmd)
	if err != nil {
		return nil, err
	}
	if c.base, err = waitForAddr(ctx, c, logPath); err == nil {
		err = waitHealthy(ctx, c)
	}
	if err != nil {
		_ = c.stop()
		return nil, fmt.Errorf("%w; its log:\n%s", err, tail(logPath, 2000))
	}
	return c, nil
}

// waitForAddr polls Roster's log for the address it bound.
func waitForAddr(ctx context.Context, c *child, logPath string) (string, error) {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(logPath)
		if err != nil {
			return "", err
		}
		if m := addrPattern.FindSubmatch(b); m != nil {
			return string(m[1]), nil
		}
		if err := pause(ctx, c, 20*time.Millisecond); err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("roster logged no address within %s", startTimeout)
}

// waitHealthy waits for GET /healthz to answer 200.
func waitHealthy(ctx context.Context, c *child) error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(c.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := pause(ctx, c, 20*time.Millisecond); err != nil {
			return err
		}
	}
	return fmt.Errorf("roster /healthz did not answer 200 within %s", startTimeout)
}

// pause waits d, failing if ctx ends or the child exits meanwhile.
func pause(ctx context.Context, c *child, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return fmt.Errorf("%s exited: %v", c.name, c.err)
	case <-time.After(d):
		return nil
	}
}

// tail returns up to the last n bytes of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return string(b[max(0, len(b)-n):])
}

// Credentials of the one user who signs in: the AAM bearer scenario uses
// their token, the sign-in scenario their password. The password passes
// Audience Manager's policy and names neither the user nor the e-mail.
const (
	signInEmail    = "signin@bench.example"
	signInPassword = "Tr0ub4dor&3-Horse!"
)

// createSignInUser creates the sign-in user, an admin with an argon2id
// password, through the Audience Manager API, signs in and returns the
// user's id and access token.
func createSignInUser(ctx context.Context, base, key string) (int64, string, error) {
	body := fmt.Sprintf(`{"email":%q,"firstName":"Ada","lastName":"Quill","isAdmin":true,"password":%q}`,
		signInEmail, signInPassword)
	var created struct {
		UserID int64 `json:"userId"`
	}
	err := call(ctx, http.MethodPost, base+"/api/v1/users/", "application/json", body,
		http.Header{"X-API-Key": {key}}, &created)
	if err != nil {
		return 0, "", fmt.Errorf("creating the sign-in user: %w", err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = call(ctx, http.MethodPost, base+"/oauth/token", "application/x-www-form-urlencoded",
		signInForm(signInEmail, signInPassword), nil, &tok)
	if err != nil {
		return 0, "", fmt.Errorf("signing in: %w", err)
	}
	return created.UserID, tok.AccessToken, nil
}

// call makes one request and decodes a 2xx JSON answer into out.
func call(ctx context.Context, method, url, contentType, body string, h http.Header, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, b)
	}
	return json.Unmarshal(b, out)
}

// peakRSS returns a process's peak resident set (VmHWM) in bytes, from
// Linux's /proc.
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmHWM in /proc/<pid>/status")
}

// clockTick is Linux's USER_HZ, the unit of /proc/<pid>/stat's times; it
// is 100 on every architecture Go runs Linux on.
const clockTick = 10 * time.Millisecond

// cpuTime returns the user and system CPU a process has used, from
// /proc/<pid>/stat (to the clock tick), or 0 where there is no /proc.
func cpuTime(pid int) time.Duration {
	_, d := procStat(strconv.Itoa(pid))
	return d
}

// procStat returns the command name and CPU time of process pid.
func procStat(pid string) (string, time.Duration) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return "", 0
	}
	// The command name, in parentheses, may hold spaces: count fields from
	// after it. utime and stime are fields 14 and 15, the 12th and 13th
	// after the name.
	i, j := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if i < 0 || j < i {
		return "", 0
	}
	f := strings.Fields(string(b[j+1:]))
	if len(f) < 13 {
		return "", 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return string(b[i+1 : j]), time.Duration(u+s) * clockTick
}

// backendCPU returns the CPU time used by the running PostgreSQL backends
// connected to database db: their command lines name it. A backend that
// exits in between takes its time with it.
func backendCPU(db string) time.Duration {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var sum time.Duration
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		comm, d := procStat(e.Name())
		if comm != "postgres" {
			continue
		}
		if args, err := os.ReadFile("/proc/" + e.Name() + "/cmdline"); err == nil && strings.Contains(string(args), " "+db+" ") {
			sum += d
		}
	}
	return sum
}

// machineBusy returns the CPU time the whole machine has spent busy
// (all but idle and I/O wait), from /proc/stat, or 0 where there is none.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		busy += n
	}
	return time.Duration(busy) * clockTick
}

// cpuModel is the machine's CPU, from /proc/cpuinfo, or "unknown".
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
