package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/mail"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// adminService opens the database for a one-shot operator command. It
// works while a server runs on the same database: SQLite's locking (and,
// later, PostgreSQL's) lets both write.
func adminService(cmd *cobra.Command, dsn string) (*service.Service, func(), error) {
	st, err := openStore(cmd.Context(), dsn)
	if err != nil {
		return nil, nil, err
	}
	log := slog.New(slog.DiscardHandler)
	svc := service.New(service.Config{Store: st, Mail: mail.LogSender{Log: log}, Log: log})
	return svc, func() { _ = st.Close() }, nil
}

func newKeysCmd(stdout io.Writer) *cobra.Command {
	keys := &cobra.Command{Use: "keys", Short: "Manage API keys"}
	var dsn, name, perms string
	var partner int64
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API key and print it (it is shown only this once)",
		Example: "  roster keys create --name ci --permissions UserRead,UserModify\n" +
			"  roster keys create --name reader --permissions UserRead --partner 2",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ps, err := roster.ParsePermissions(perms)
			if err != nil {
				return fmt.Errorf("--permissions: %w", err)
			}
			svc, done, err := adminService(cmd, dsn)
			if err != nil {
				return err
			}
			defer done()
			key, k, err := svc.CreateAPIKey(cmd.Context(), partner, name, ps)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Created API key %d %q for partner %d with %s. It is not shown again:\n", k.ID, k.Name, k.PartnerID, k.Permissions)
			fmt.Fprintln(stdout, key)
			return nil
		},
	}
	addDBFlag(create, &dsn)
	create.Flags().StringVar(&name, "name", "", "a name that says what the key is for (required)")
	create.Flags().StringVar(&perms, "permissions", "", "comma-separated: UserRead, UserModify (required)")
	create.Flags().Int64Var(&partner, "partner", roster.DefaultPartnerID, "the partner the key belongs to")
	_ = create.MarkFlagRequired("name")
	_ = create.MarkFlagRequired("permissions")
	keys.AddCommand(create)
	return keys
}

func newPartnersCmd(stdout io.Writer) *cobra.Command {
	partners := &cobra.Command{Use: "partners", Short: "Manage partners (organisations)"}
	var dsn, name string
	create := &cobra.Command{
		Use:     "create",
		Short:   "Create a partner with its built-in roles and print its id",
		Example: "  roster partners create --name \"Acme Corp\"",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, done, err := adminService(cmd, dsn)
			if err != nil {
				return err
			}
			defer done()
			p, err := svc.CreatePartner(cmd.Context(), name)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Created partner %q with roles Admin, Analyst, AnalystReadOnly. Its pid:\n", p.Name)
			fmt.Fprintln(stdout, p.ID)
			return nil
		},
	}
	addDBFlag(create, &dsn)
	create.Flags().StringVar(&name, "name", "", "the partner's name (required)")
	_ = create.MarkFlagRequired("name")
	partners.AddCommand(create)
	return partners
}
