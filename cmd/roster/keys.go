package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

func newKeysCmd() *cobra.Command {
	keys := parentCmd("keys", "List, create and revoke API keys",
		"  roster keys list\n  roster keys create --name ci --permissions UserRead")
	keys.AddCommand(newKeysListCmd(), newKeysCreateCmd(), newKeysRevokeCmd())
	return keys
}

// keyJSON is an API key as the command line prints it. The key itself is
// shown only by `keys create`; its hash never.
type keyJSON struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	Partner     int64    `json:"partner"`
	Permissions []string `json:"permissions"`
	CreatedAt   string   `json:"createdAt"`
	Key         string   `json:"key,omitempty"`
}

var keyView = view[roster.APIKey]{
	columns: []column[roster.APIKey]{
		{"ID", func(k roster.APIKey) string { return strconv.FormatInt(k.ID, 10) }},
		{"NAME", func(k roster.APIKey) string { return k.Name }},
		{"PARTNER", func(k roster.APIKey) string { return strconv.FormatInt(k.PartnerID, 10) }},
		{"PERMISSIONS", func(k roster.APIKey) string { return k.Permissions.String() }},
		{"CREATED", func(k roster.APIKey) string { return when(k.CreatedAt) }},
	},
	json: func(k roster.APIKey) any {
		return keyJSON{ID: k.ID, Name: k.Name, Partner: k.PartnerID, Permissions: permissionNames(k.Permissions), CreatedAt: when(k.CreatedAt)}
	},
}

func newKeysListCmd() *cobra.Command {
	var (
		df  dataFlags
		out outputFlags
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List a partner's API keys (never the keys themselves)",
		Example: "  roster keys list\n" +
			"  roster keys list --partner 2 --output csv",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			return withService(cmd, df.dsn, func(svc *service.Service) error {
				keys, err := svc.APIKeys(cmd.Context(), df.partner)
				if err != nil {
					return partnerHint(err, df.partner)
				}
				return printList(cmd.OutOrStdout(), format, keyView, keys)
			})
		},
	}
	addDataFlags(cmd, &df)
	addOutputFlags(cmd, &out, true)
	return cmd
}

func newKeysCreateCmd() *cobra.Command {
	var (
		df          dataFlags
		out         outputFlags
		name, perms string
	)
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create an API key and print it (it is shown only this once)",
		Example: "  roster keys create --name ci --permissions UserRead,UserModify\n" +
			"  roster keys create --name reader --permissions UserRead --partner 2\n" +
			"  KEY=$(roster keys create --name ci --permissions UserRead | tail -1)",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			ps, err := roster.ParsePermissions(perms)
			if err != nil {
				return fmt.Errorf("--permissions: %w", err)
			}
			return withService(cmd, df.dsn, func(svc *service.Service) error {
				key, k, err := svc.CreateAPIKey(cmd.Context(), df.partner, name, ps)
				if err != nil {
					return partnerHint(err, df.partner)
				}
				if format != formatTable {
					return printOne(cmd.OutOrStdout(), format, view[roster.APIKey]{json: func(k roster.APIKey) any {
						j := keyView.json(k).(keyJSON)
						j.Key = key
						return j
					}}, k)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Created API key %d %q for partner %d with %s. It is not shown again:\n", k.ID, k.Name, k.PartnerID, k.Permissions)
				fmt.Fprintln(cmd.OutOrStdout(), key)
				return nil
			})
		},
	}
	addDataFlags(cmd, &df)
	addOutputFlags(cmd, &out, false)
	cmd.Flags().StringVar(&name, "name", "", "a name that says what the key is for (required)")
	cmd.Flags().StringVar(&perms, "permissions", "", "comma-separated: UserRead, UserModify (required)")
	_ = cmd.MarkFlagRequired("name")
	_ = cmd.MarkFlagRequired("permissions")
	return cmd
}

func newKeysRevokeCmd() *cobra.Command {
	var (
		df  dataFlags
		out outputFlags
	)
	cmd := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API key: it stops working at once, on every server",
		Example: "  roster keys list\n" +
			"  roster keys revoke 3",
		Args: exactArgs(1, "give the id of the key (see: roster keys list)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			id, err := parseID("key", args[0])
			if err != nil {
				return err
			}
			return withService(cmd, df.dsn, func(svc *service.Service) error {
				if err := svc.RevokeAPIKey(cmd.Context(), df.partner, id); err != nil {
					return withHint(err, roster.ENotFound, fmt.Sprintf("list keys with: roster keys list --partner %d", df.partner))
				}
				if format != formatTable {
					return printOne(cmd.OutOrStdout(), format, view[int64]{json: func(id int64) any {
						return struct {
							Revoked int64 `json:"revoked"`
						}{id}
					}}, id)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Revoked API key %d of partner %d.\n", id, df.partner)
				return nil
			})
		},
	}
	addDataFlags(cmd, &df)
	addOutputFlags(cmd, &out, false)
	return cmd
}
