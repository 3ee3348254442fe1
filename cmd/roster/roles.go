package main

import (
	"strconv"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/roster"
)

// roleJSON is a role as the command line prints it, in the Panther
// dialect's field names.
type roleJSON struct {
	ID                int64    `json:"id"`
	Name              string   `json:"name"`
	Permissions       []string `json:"permissions"`
	LogTypeAccess     []string `json:"logTypeAccess,omitempty"`
	LogTypeAccessKind string   `json:"logTypeAccessKind"`
	BuiltIn           bool     `json:"builtIn"`
	CreatedAt         string   `json:"createdAt"`
	UpdatedAt         string   `json:"updatedAt"`
}

var roleView = view[roster.Role]{
	columns: []column[roster.Role]{
		{"ID", func(r roster.Role) string { return strconv.FormatInt(r.ID, 10) }},
		{"NAME", func(r roster.Role) string { return r.Name }},
		{"PERMISSIONS", func(r roster.Role) string { return r.Permissions.String() }},
		{"BUILT-IN", func(r roster.Role) string { return strconv.FormatBool(r.BuiltIn) }},
	},
	json: func(r roster.Role) any {
		return roleJSON{ID: r.ID, Name: r.Name, Permissions: permissionNames(r.Permissions),
			LogTypeAccess: r.LogTypeAccess, LogTypeAccessKind: r.LogTypeAccessKind, BuiltIn: r.BuiltIn,
			CreatedAt: when(r.CreatedAt), UpdatedAt: when(r.UpdatedAt)}
	},
}

// permissionNames lists permissions as JSON strings, [] for none.
func permissionNames(ps roster.Permissions) []string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = string(p)
	}
	return names
}

func newRolesCmd() *cobra.Command {
	roles := parentCmd("roles", "List roles (manage them through the API)", "  roster roles list")
	var (
		df  dataFlags
		out outputFlags
	)
	list := &cobra.Command{
		Use:   "list",
		Short: "List a partner's roles, by name: what --role may name",
		Example: "  roster roles list\n" +
			"  roster roles list --partner 2 --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			return withOperator(cmd, df, func(op *operator) error {
				roles, err := op.svc.Roles(cmd.Context(), op.actor, roster.RoleFilter{})
				if err != nil {
					return err
				}
				return printList(cmd.OutOrStdout(), format, roleView, roles)
			})
		},
	}
	addDataFlags(list, &df)
	addOutputFlags(list, &out, true)
	roles.AddCommand(list)
	return roles
}
