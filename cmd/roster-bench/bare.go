package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The bare handler is the yardstick of every read: a net/http server that
// checks the same credential header and writes a fixed copy of a real
// Roster response to that scenario, with the same size and headers. It
// runs in a child process of its own, like Roster, so that it does not
// share the bench's CPU accounting or garbage collector with the load
// generator. Its ratio says how much of the plain cost of serving HTTP
// Roster keeps.

// bareServerArg, as the first argument, runs the bench binary as the bare
// server instead: roster-bench -bare-server DIR. It is not a documented flag.
const bareServerArg = "-bare-server"

// barePath is where the bare server answers a scenario's copy.
func barePath(name string) string { return "/bare/" + name }

// bareOf returns the scenario that drives sc's bare copy: the same
// credential, one fixed path.
func bareOf(sc *scenario) *scenario {
	path := barePath(sc.name)
	return &scenario{
		name: sc.name + " (bare)", method: http.MethodGet, auth: sc.auth,
		next: func(*plan, *worker) (string, string) { return path, "" },
	}
}

// captured is one real response, as the bare server replays it.
type captured struct {
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
}

// capture asks Roster for sc's first two requests, as one Go worker makes
// them (so paging captures a page reached by its cursor), and saves the
// second answer in dir for the bare server. It fails unless both are 200.
func capture(ctx context.Context, base string, p *plan, sc *scenario, dir string) error {
	w := newWorker(0, 1)
	var last captured
	for range 2 {
		req, err := p.request(ctx, base, sc, w)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s %s: %s: %s", sc.name, req.Method, req.URL.RequestURI(), resp.Status, body)
		}
		if sc.respond != nil {
			sc.respond(w, body)
		}
		last = captured{Header: replayHeader(resp.Header), Body: body}
	}
	b, err := json.Marshal(last)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, sc.name+".json"), b, 0o600)
}

// replayHeader is the part of a response's header the bare server repeats;
// net/http writes the rest (Date, the length or chunking) itself, the
// same way for both.
func replayHeader(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range []string{"Date", "Content-Length", "Transfer-Encoding"} {
		out.Del(k)
	}
	return out
}

// writeBareCredentials saves what the bare server accepts, beside the
// captured bodies, so that no credential goes on a command line.
func writeBareCredentials(dir string, p *plan) error {
	b, err := json.Marshal(map[string]string{"key": p.Key, "token": p.Token})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "credentials"), b, 0o600)
}

// startBare runs this binary as the bare server on dir and returns once it
// has printed its address.
func startBare(ctx context.Context, dir string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, bareServerArg, dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c, err := start("bare server", cmd)
	if err != nil {
		return nil, err
	}
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, out) // nothing more is written; keep the pipe drained
	}()
	select {
	case line := <-lines:
		if base, ok := strings.CutPrefix(strings.TrimSpace(line), "addr="); ok {
			c.base = base
			return c, nil
		}
		err = fmt.Errorf("bare server said %q, not its address", line)
	case <-time.After(startTimeout):
		err = errors.New("bare server printed no address")
	case <-ctx.Done():
		err = ctx.Err()
	}
	return nil, errors.Join(err, c.stop())
}

// bareMain is the bare server: it serves the responses captured in the
// directory args names until ctx ends.
func bareMain(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(bareServerArg, flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: roster-bench -bare-server DIR")
	}
	h, err := loadBare(fs.Arg(0))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(stdout, "addr=http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// loadBare reads the captured responses and credentials in dir and
// returns the handler that replays them.
func loadBare(dir string) (http.Handler, error) {
	var cred struct{ Key, Token string }
	b, err := os.ReadFile(filepath.Join(dir, "credentials"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &cred); err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	replies := map[string]captured{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var c captured
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		replies[strings.TrimSuffix(filepath.Base(f), ".json")] = c
	}
	return bareHandler(replies, cred.Key, "Bearer "+cred.Token), nil
}

// bareHandler answers GET /bare/{name} with the captured reply, to a
// caller that sends the key or the bearer token, as Roster would.
func bareHandler(replies map[string]captured, key, bearer string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+barePath("{name}"), func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Key") != key && r.Header.Get("Authorization") != bearer {
			http.Error(w, `{"message":"no valid credentials"}`, http.StatusUnauthorized)
			return
		}
		c, ok := replies[r.PathValue("name")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		for k, v := range c.Header {
			h[k] = v
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(c.Body)
	})
	return mux
}
