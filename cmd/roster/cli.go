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
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/roster-dev/roster/internal/httpapi"
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

// newRootCmd builds the command tree. Every command but serve works on the
// database directly (--db), through the service layer, as the operator:
// it needs no running server and no key, and the service applies the same
// rules as for any API client (docs/DECISIONS.md).
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "roster",
		Short: "Roster keeps users and serves them through Panther's and Audience Manager's REST APIs",
		Long: "Roster keeps users and serves them through Panther's and Audience Manager's REST APIs.\n\n" +
			"Every command but serve works on the database directly (--db, or $ROSTER_DB), with or\n" +
			"without a server running on it. Lists print tables; --json or --output json|jsonl|csv\n" +
			"print what scripts read. Errors go to stderr, one line that says what to do.\n\n" +
			exitCodesHelp,
		Example: "  roster serve\n" +
			"  roster users list --search ada\n" +
			"  roster users create --email ada@example.com --given-name Ada --family-name Lovelace --role Analyst\n" +
			"  roster keys create --name ci --permissions UserRead,UserModify",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return &usageError{msg: err.Error()} })
	root.AddCommand(newServeCmd(stderr), newUsersCmd(stdout, stderr), newGroupsCmd(), newRolesCmd(),
		newKeysCmd(), newPartnersCmd(), newAuditCmd(stdout, stderr), newMigrateCmd(), newVersionCmd())
	markRunErrors(root)
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

// newLogger returns the process's logger, writing to w in format ("text"
// or "json") from level up ("debug", "info", "warn", "error"). Records
// logged with a request's context carry its request_id.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil || !slices.Contains(logLevels, strings.ToLower(level)) {
		return nil, fmt.Errorf("--log-level (or $ROSTER_LOG_LEVEL) must be one of %s, not %q", strings.Join(logLevels, ", "), level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler
	switch format {
	case "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("--log-format (or $ROSTER_LOG_FORMAT) must be text or json, not %q", format)
	}
	return slog.New(httpapi.LogHandler(h)), nil
}

// logLevels are the values --log-level takes. slog also parses offsets
// such as "info+2", which nobody should have to read in a config.
var logLevels = []string{"debug", "info", "warn", "error"}

// envFlags lets $ROSTER_<NAME> (the flag's name upper-cased, dashes as
// underscores) stand in for each flag of fs that is not a string: string
// flags read theirs through env in their default. A value that does not
// parse is returned as an error naming the variable, for the command to
// refuse to start with; flags given on the command line still win, since
// they are parsed afterwards.
func envFlags(fs *pflag.FlagSet) error {
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Value.Type() == "string" {
			return
		}
		name := "ROSTER_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			return
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("$%s: %w", name, err))
			return
		}
		f.DefValue = v
	})
	return errors.Join(errs...)
}
