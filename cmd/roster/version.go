package main

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is Roster's version. A release sets it with
// -ldflags "-X main.version=v1.2.3"; otherwise it is the module version
// `go install` recorded, or "dev".
var version = ""

// buildInfo is what `roster version` prints.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"goVersion"`
}

// readBuildInfo gathers the version and the commit the Go toolchain
// stamped into the binary.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return buildInfo{Version: cmp.Or(b.Version, "dev"), GoVersion: b.GoVersion}
	}
	if info.Main.Version != "(devel)" {
		b.Version = cmp.Or(b.Version, info.Main.Version)
	}
	b.Version = cmp.Or(b.Version, "dev")
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

func newVersionCmd() *cobra.Command {
	var out outputFlags
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print Roster's version, commit and Go version",
		Example: "  roster version\n  roster version --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			b := readBuildInfo()
			if format != formatTable {
				return printOne(cmd.OutOrStdout(), format, view[buildInfo]{json: func(b buildInfo) any { return b }}, b)
			}
			commit := cmp.Or(b.Commit, "unknown")
			if b.Modified {
				commit += " (modified)"
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "roster %s\ncommit %s\n%s\n", b.Version, commit, b.GoVersion)
			return err
		},
	}
	addOutputFlags(cmd, &out, false)
	return cmd
}

// schemaVersioner is a store that reports its schema version; both
// engines are.
type schemaVersioner interface {
	SchemaVersion(ctx context.Context) (int64, error)
}

func newMigrateCmd() *cobra.Command {
	var (
		dsn string
		out outputFlags
	)
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database's schema up to date and print its version",
		Long: "Bring the database's schema up to date and print its version. Every command\n" +
			"(and serve) migrates on start; this one does only that, for a deploy step that\n" +
			"should fail before the new servers start.",
		Example: "  roster migrate\n" +
			"  roster migrate --db 'postgres://roster@db:5432/roster?sslmode=require' --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			st, err := openStore(cmd.Context(), dsn)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			sv, ok := st.(schemaVersioner)
			if !ok {
				return fmt.Errorf("this engine does not report its schema version")
			}
			v, err := sv.SchemaVersion(cmd.Context())
			if err != nil {
				return err
			}
			engine := "sqlite"
			if isPostgres(dsn) {
				engine = "postgres"
			}
			if format != formatTable {
				return printOne(cmd.OutOrStdout(), format, view[int64]{json: func(v int64) any {
					return struct {
						Engine        string `json:"engine"`
						SchemaVersion int64  `json:"schemaVersion"`
					}{engine, v}
				}}, v)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Database %s (%s) is at schema version %d.\n", dbLabel(dsn), engine, v)
			return err
		},
	}
	addDBFlag(cmd, &dsn)
	addOutputFlags(cmd, &out, false)
	return cmd
}
