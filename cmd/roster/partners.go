package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

func newPartnersCmd() *cobra.Command {
	partners := parentCmd("partners", "List and create partners (organisations)",
		"  roster partners list\n  roster partners create --name \"Acme Corp\"")
	partners.AddCommand(newPartnersListCmd(), newPartnersCreateCmd())
	return partners
}

// partnerJSON is a partner as the command line prints it; id is the pid
// the dialects speak of.
type partnerJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"createdAt"`
}

var partnerView = view[roster.Partner]{
	columns: []column[roster.Partner]{
		{"ID", func(p roster.Partner) string { return strconv.FormatInt(p.ID, 10) }},
		{"NAME", func(p roster.Partner) string { return p.Name }},
		{"CREATED", func(p roster.Partner) string { return when(p.CreatedAt) }},
	},
	json: func(p roster.Partner) any { return partnerJSON{ID: p.ID, Name: p.Name, CreatedAt: when(p.CreatedAt)} },
}

func newPartnersListCmd() *cobra.Command {
	var (
		dsn string
		out outputFlags
	)
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List every partner: the ids --partner takes",
		Example: "  roster partners list\n  roster partners list --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			return withService(cmd, dsn, func(svc *service.Service) error {
				ps, err := svc.Partners(cmd.Context())
				if err != nil {
					return err
				}
				return printList(cmd.OutOrStdout(), format, partnerView, ps)
			})
		},
	}
	addDBFlag(cmd, &dsn)
	addOutputFlags(cmd, &out, true)
	return cmd
}

func newPartnersCreateCmd() *cobra.Command {
	var (
		dsn, name string
		out       outputFlags
	)
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a partner with its built-in roles and print its id",
		Example: "  roster partners create --name \"Acme Corp\"\n" +
			"  PID=$(roster partners create --name \"Acme Corp\" | tail -1)",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			return withService(cmd, dsn, func(svc *service.Service) error {
				p, err := svc.CreatePartner(cmd.Context(), name)
				if err != nil {
					return err
				}
				if format != formatTable {
					return printOne(cmd.OutOrStdout(), format, partnerView, p)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Created partner %q with roles Admin, Analyst, AnalystReadOnly. Its pid:\n", p.Name)
				fmt.Fprintln(cmd.OutOrStdout(), p.ID)
				return nil
			})
		},
	}
	addDBFlag(cmd, &dsn)
	addOutputFlags(cmd, &out, false)
	cmd.Flags().StringVar(&name, "name", "", "the partner's name (required)")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}
