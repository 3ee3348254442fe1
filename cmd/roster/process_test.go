package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/store/sqlite"
)

// These tests run the real binary as its own process, because what they
// check — signals, a killed process, two processes on one file — cannot be
// seen from inside one.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// rosterBinary builds ./cmd/roster once per test run.
func rosterBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "roster-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "roster")
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// process is a `roster serve` running as a child process.
type process struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
}

var servingRE = regexp.MustCompile(`addr=http://(\S+)`)

func startProcess(t *testing.T, db string) *process {
	t.Helper()
	cmd := exec.Command(rosterBinary(t), "serve", "--addr", "127.0.0.1:0", "--db", db)
	cmd.Env = append(os.Environ(), "ROSTER_SMTP=")
	p := &process{cmd: cmd, stderr: &syncBuffer{}}
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if strings.Contains(p.stderr.String(), "WARNING: DATA RACE") {
			t.Errorf("the race detector found a race in the server:\n%s", p.stderr)
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.stderr, line)
			if m := servingRE.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case addr := <-found:
		p.url = "http://" + addr
	case <-time.After(20 * time.Second):
		t.Fatalf("server did not start:\n%s", p.stderr)
	}
	return p
}

// kill9 kills the process with SIGKILL, as a crash or the OOM killer
// would, and waits for it to be gone: no deferred function, no shutdown
// hook and no buffered write of Roster's runs after it.
func (p *process) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait() // "signal: killed" is the expected outcome
}

// cliKey runs `roster keys create` as a process beside the server.
func cliKey(t *testing.T, db string) string {
	t.Helper()
	out, err := exec.Command(rosterBinary(t), "keys", "create", "--db", db, "--name", "proc", "--permissions", "UserRead,UserModify").Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	return lastLine(string(out))
}

func TestProcess_SIGTERMDrainsRequestsInFlightAndExitsZero(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	p := startProcess(t, db)
	key := cliKey(t, db) // works while the server runs on the same file

	// Start a request and stop half-way through its body, so the handler
	// is running when the signal arrives.
	body := `{"email":"inflight@example.com","givenName":"In","familyName":"Flight","role":{"name":"Analyst"}}`
	conn, err := net.Dial("tcp", strings.TrimPrefix(p.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /users HTTP/1.1\r\nHost: roster\r\nX-API-Key: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		key, len(body), body[:20])
	time.Sleep(300 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := io.WriteString(conn, body[20:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("request in flight got no answer: %v\n%s", err, p.stderr)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("request in flight: %d %s", resp.StatusCode, b)
	}

	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("did not exit after SIGTERM\n%s", p.stderr)
	}
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.UserByEmail(context.Background(), 1, "inflight@example.com"); err != nil {
		t.Errorf("the drained request's user is not stored: %v", err)
	}
}

func TestProcess_TwoServersStartAtOnceOnOneFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roster.db")
	var wg sync.WaitGroup
	procs := make([]*process, 2)
	for i := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); procs[i] = startProcess(t, db) }()
	}
	wg.Wait()
	for _, p := range procs {
		resp, err := http.Get(p.url + "/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("healthz: %v %v\n%s", resp, err, p.stderr)
		}
		resp.Body.Close()
	}
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	roles, err := st.Roles(context.Background(), roster.DefaultPartnerID, roster.RoleFilter{})
	if err != nil || len(roles) != len(roster.BuiltInRoles) {
		t.Errorf("after two concurrent starts partner 1 has roles %v (%v)", roles, err)
	}
}
