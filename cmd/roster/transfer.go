package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/roster-dev/roster/internal/service"
	"github.com/roster-dev/roster/internal/transfer"
)

func newUsersImportCmd(stdout, stderr io.Writer) *cobra.Command {
	var df dataFlags
	var format string
	var batch int
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import users from a CSV or JSON Lines file",
		Long: "Import users from a CSV file (a header row names the fields) or JSON Lines (one object a line),\n" +
			"with either dialect's field names: email, username, givenName|firstName, familyName|lastName,\n" +
			"title, phoneNumber, role (a name; role.id, role.name, or Panther's {\"id\"|\"name\"}), isAdmin,\n" +
			"status (ACTIVE, INACTIVE, LOCKED), enabled, groups (ids or names; missing names are created),\n" +
			"passwordHash (bcrypt $2a$/$2b$/$2y$ or $argon2id$v=19$…).\n\n" +
			"Every row is checked first; if any is bad, each is reported as \"line N: reason\" and nothing is\n" +
			"written. Rows are then written in batches, one transaction each. A row whose e-mail exists is left\n" +
			"alone, so re-running a file changes nothing. Users without passwordHash get no password and no\n" +
			"invitation. Users with one sign in with their old password; the first sign-in upgrades the hash.\n" +
			"Once users were created, the search index is compacted (seconds per million users).",
		Example: "  roster users import people.csv\n  roster users import --partner 2 export.jsonl",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			f, err := transfer.ParseFormat(format, path)
			if err != nil {
				return err
			}
			return withOperator(cmd, df, func(op *operator) error {
				im, err := op.svc.NewImporter(cmd.Context(), op.actor)
				if err != nil {
					return err
				}
				opt := transfer.ImportOptions{Format: f, Batch: batch}
				if isTerminal(stderr) {
					opt.Progress = transfer.NewBar(stderr)
				}
				open := func() (io.ReadCloser, error) { return os.Open(path) }
				stats, err := transfer.Import(cmd.Context(), im, open, opt)
				reportImport(stdout, stderr, stats)
				if err != nil {
					return err
				}
				if stats.Created > 0 {
					// The import is written either way; a slower search is
					// all that a failure here leaves behind.
					if err := im.Finish(cmd.Context()); err != nil {
						fmt.Fprintf(stderr, "warning: the users are imported, but the search index was not compacted: %v\n", err)
					}
				}
				if stats.Conflicts > 0 {
					return fmt.Errorf("%d rows clash with other users' logins and were skipped", stats.Conflicts)
				}
				return nil
			})
		},
	}
	addDataFlags(cmd, &df)
	cmd.Flags().StringVar(&format, "format", "", "csv or jsonl (default: from the file's extension)")
	cmd.Flags().IntVar(&batch, "batch", transfer.DefaultBatch, "users per transaction")
	return cmd
}

// reportImport prints the problems on stderr and the counts on stdout.
func reportImport(stdout, stderr io.Writer, s transfer.ImportStats) {
	for _, p := range s.Problems {
		fmt.Fprintln(stderr, p.Error())
	}
	if more := s.Invalid + s.Differs + s.Conflicts - len(s.Problems); more > 0 {
		fmt.Fprintf(stderr, "… and %d more\n", more)
	}
	if s.Invalid > 0 {
		fmt.Fprintf(stderr, "%d of %d rows are invalid; nothing was imported\n", s.Invalid, s.Rows)
		return
	}
	for _, g := range s.Groups {
		fmt.Fprintf(stdout, "created group %q\n", g)
	}
	fmt.Fprintf(stdout, "%d rows: %d created, %d unchanged, %d differ (left alone), %d skipped (login taken)\n",
		s.Rows, s.Created, s.Unchanged, s.Differs, s.Conflicts)
}

func newUsersExportCmd(stdout, stderr io.Writer) *cobra.Command {
	var df dataFlags
	var format, out string
	var noHashes bool
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export a partner's users as CSV or JSON Lines, with their groups and password hashes",
		Long: "Export every user of a partner (inactive and locked ones too), streaming, in the fields\n" +
			"`roster users import` reads: email, username, firstName, lastName, title, phoneNumber, status,\n" +
			"role, groups (by name) and passwordHash. The file then holds password hashes: keep it as safe as\n" +
			"the database, or leave them out with --no-hashes.",
		Example: "  roster users export -o users.csv\n  roster users export --format jsonl --partner 2 --no-hashes > users.jsonl",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format == "" && out == "" {
				format = string(transfer.CSV)
			}
			f, err := transfer.ParseFormat(format, out)
			if err != nil {
				return err
			}
			return withOperator(cmd, df, func(op *operator) error {
				if !noHashes {
					fmt.Fprintln(stderr, "warning: the export holds password hashes; keep it as safe as the database (or use --no-hashes)")
				}
				opt := transfer.ExportOptions{Format: f, NoHashes: noHashes}
				n, err := exportTo(cmd, op.svc, op.actor, stdout, out, opt)
				if err != nil {
					return err
				}
				fmt.Fprintf(stderr, "exported %d users\n", n)
				return nil
			})
		},
	}
	addDataFlags(cmd, &df)
	cmd.Flags().StringVar(&format, "format", "", "csv or jsonl (default: from -o's extension, else csv)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file (created with mode 0600) instead of standard output")
	cmd.Flags().BoolVar(&noHashes, "no-hashes", false, "leave password hashes out")
	return cmd
}

// exportTo writes the export to the file out, or to stdout when out is "".
// The file is created 0600: it may hold password hashes.
func exportTo(cmd *cobra.Command, svc *service.Service, a service.Actor, stdout io.Writer, out string, opt transfer.ExportOptions) (int, error) {
	if out == "" {
		return transfer.Export(cmd.Context(), svc, a, stdout, opt)
	}
	file, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := transfer.Export(cmd.Context(), svc, a, file, opt)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// isTerminal reports whether w is a terminal, where a progress bar may be
// drawn; never in tests or pipes.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
