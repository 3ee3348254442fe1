// Command roster-bench measures Roster: it seeds a fresh database on either
// engine, starts a Roster server as a child process, drives each scenario
// for a fixed time at a fixed concurrency, and prints requests per second,
// median and 99th percentile latency, errors, and each read's ratio to a
// bare net/http handler that returns a copy of the same response.
//
//	go run ./cmd/roster-bench                                  # SQLite, 100,000 users, 10s per scenario
//	go run ./cmd/roster-bench -users 20000 -duration 3s        # a short run, under a minute
//	go run ./cmd/roster-bench -engine postgres -json bench.json
//	go run ./cmd/roster-bench -users 1000000 -scenarios get-panther,list,contains,email,create
//
// Load comes from wrk when it is on PATH (apt-get install wrk), else from a
// Go fallback that costs more CPU per request; the report shows both
// processes' CPU per request. The bench runs on Linux: it reads peak RSS
// and CPU time from /proc.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if len(os.Args) > 1 && os.Args[1] == bareServerArg {
		err = bareMain(ctx, os.Args[2:], os.Stdout)
	} else {
		err = run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	}
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "roster-bench:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	engine, db          string
	users               int
	duration, bare      time.Duration
	readConc, writeConc int
	scenarios           []*scenario
	jsonPath            string
	keep                bool
	rosterBin, loader   string
}

// flagError is a flag value the bench cannot use.
type flagError struct{ flag, value, want string }

func (e *flagError) Error() string { return fmt.Sprintf("%s %q: %s", e.flag, e.value, e.want) }

// parseFlags reads the command line.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("roster-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.engine, "engine", "sqlite", "database engine: sqlite or postgres")
	fs.StringVar(&cfg.db, "db", "", "sqlite: a file path that does not exist yet (default: in a temp dir);\npostgres: a server URL, used only to create and drop a database roster_bench_<pid> (default "+defaultPostgresURL+")")
	fs.IntVar(&cfg.users, "users", 100_000, "how many users to seed")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long to drive each scenario (whole seconds)")
	fs.DurationVar(&cfg.bare, "bare-duration", 0, "how long to drive each bare handler (default: a third of -duration, at least 1s)")
	fs.IntVar(&cfg.readConc, "concurrency", 50, "connections for the read scenarios")
	fs.IntVar(&cfg.writeConc, "write-concurrency", 10, "connections for the write scenarios and sign-in")
	list := fs.String("scenarios", "all", "comma-separated scenarios to run: "+scenarioNames())
	fs.StringVar(&cfg.jsonPath, "json", "", "also write the figures to this file as JSON")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the database afterwards")
	fs.StringVar(&cfg.rosterBin, "roster", "", "a roster binary to run (default: go build ./cmd/roster into a temp dir)")
	fs.StringVar(&cfg.loader, "load", "", "load generator: wrk or go (default: wrk if on PATH, else go)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if cfg.scenarios, err = selectScenarios(*list); err != nil {
		return cfg, err
	}
	if cfg.bare == 0 {
		cfg.bare = max(time.Second, (cfg.duration / 3).Round(time.Second))
	}
	switch {
	case cfg.engine != "sqlite" && cfg.engine != "postgres":
		return cfg, &flagError{"-engine", cfg.engine, "want sqlite or postgres"}
	case cfg.loader != "" && cfg.loader != "wrk" && cfg.loader != "go":
		return cfg, &flagError{"-load", cfg.loader, "want wrk or go"}
	case cfg.users < 1:
		return cfg, &flagError{"-users", fmt.Sprint(cfg.users), "want at least 1"}
	case cfg.duration < time.Second:
		return cfg, &flagError{"-duration", cfg.duration.String(), "want at least 1s"}
	case cfg.readConc < 1 || cfg.writeConc < 1:
		return cfg, errors.New("-concurrency and -write-concurrency must be at least 1")
	}
	return cfg, nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// run is main without the process: it runs the bench the arguments
// describe and prints the report on stdout, progress on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	b := &bench{cfg: cfg, log: stderr}
	rep, err := b.run(ctx)
	if cerr := b.cleanup(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if err != nil {
		return err
	}
	if err := writeTable(stdout, rep); err != nil {
		return err
	}
	if cfg.jsonPath != "" {
		return writeJSON(cfg.jsonPath, rep)
	}
	return nil
}
