package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/store/postgres"
	"github.com/roster-dev/roster/internal/store/sqlite"
)

// Defaults of the flags; each has an environment variable that stands in
// for it, as PRODUCT.md's command-line contract says.
const (
	defaultAddr = "127.0.0.1:8080"
	defaultDB   = "roster.db"
)

// env returns the environment variable's value, or def.
func env(name, def string) string { return cmp.Or(os.Getenv(name), def) }

// envFlags sets each flag of cmd that names an environment variable in
// its usage ("[$ROSTER_X]") and was not given on the command line from
// that variable, through the flag's own parser, so that a bad value is
// refused with the variable's name. String flags read theirs at definition
// (env); this serves flags of other types.
func envFlags(cmd *cobra.Command) error {
	var errs []error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		m := envInUsage.FindStringSubmatch(f.Usage)
		if m == nil || f.Changed || f.Value.Type() == "string" {
			return
		}
		if v, ok := os.LookupEnv(m[1]); ok {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("$%s: %w", m[1], err))
			}
		}
	})
	return errors.Join(errs...)
}

// envInUsage finds the variable a flag's usage names.
var envInUsage = regexp.MustCompile(`\[\$(ROSTER_[A-Z0-9_]+)\]`)

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "roster",
		Short:         "Roster keeps users and serves them through Panther's and Audience Manager's REST APIs",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newServeCmd(stderr), newKeysCmd(stdout), newPartnersCmd(stdout))
	return root
}

// addDBFlag adds --db, defaulting to $ROSTER_DB or ./roster.db.
func addDBFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVar(dst, "db", env("ROSTER_DB", defaultDB),
		"SQLite file path (created on first start) or postgres:// URL [$ROSTER_DB]")
}

// openStore opens the database a --db value names: a postgres:// URL, or
// else a SQLite file path. This is the one place that knows both engines.
func openStore(ctx context.Context, dsn string) (roster.Store, error) {
	if isPostgres(dsn) {
		st, err := postgres.Open(ctx, dsn)
		if err != nil {
			// The URL may hold a password: name the engine, not the URL.
			return nil, fmt.Errorf("--db (PostgreSQL): %w", err)
		}
		return st, nil
	}
	return sqlite.Open(ctx, dsn)
}

// isPostgres reports whether a --db value is a PostgreSQL URL.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// dbLabel is a --db value fit for a log line: a PostgreSQL URL without its
// password.
func dbLabel(dsn string) string {
	if !isPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// newLogger returns the process's logger: text lines on stderr.
func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
