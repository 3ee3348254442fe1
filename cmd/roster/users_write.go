package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// userFields are the flags that set a user's fields, on create and update.
type userFields struct {
	email, givenName, familyName, username, title, phone, role, state, groups string
	admin                                                                     bool
}

func addUserFieldFlags(cmd *cobra.Command, uf *userFields) {
	fl := cmd.Flags()
	fl.StringVar(&uf.email, "email", "", "e-mail address, unique in the partner")
	fl.StringVar(&uf.givenName, "given-name", "", "given (first) name")
	fl.StringVar(&uf.familyName, "family-name", "", "family (last) name")
	fl.StringVar(&uf.username, "username", "", "login name (default: the e-mail)")
	fl.StringVar(&uf.title, "title", "", "job title")
	fl.StringVar(&uf.phone, "phone", "", "phone number")
	fl.StringVar(&uf.role, "role", "", "role name or id (see: roster roles list)")
	fl.BoolVar(&uf.admin, "admin", false, "make the user an admin (role Admin); --admin=false makes an admin an Analyst")
	fl.StringVar(&uf.groups, "groups", "", "the groups the user is in (ids, comma-separated; replaces the current ones)")
}

// optional returns a pointer to v if the flag was given, else nil.
func optional(cmd *cobra.Command, flag, v string) *string {
	if !cmd.Flags().Changed(flag) {
		return nil
	}
	return &v
}

// createdUserJSON is a new user with the password they were given.
type createdUserJSON struct {
	userJSON
	TemporaryPassword string `json:"temporaryPassword,omitempty"`
}

func newUsersCreateCmd() *cobra.Command {
	var (
		df  dataFlags
		out outputFlags
		uf  userFields
	)
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a user and print their temporary password (shown only this once)",
		Long: "Create a user and print their temporary password, valid 24 hours, on the last line.\n" +
			"Hand it over yourself: the command line sends no invitation. The user chooses\n" +
			"their own password when they first sign in.",
		Example: "  roster users create --email ada@example.com --given-name Ada --family-name Lovelace --role Analyst\n" +
			"  roster users create --email grace@example.com --given-name Grace --family-name Hopper --admin --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			in, err := uf.newUser(cmd)
			if err != nil {
				return err
			}
			return withOperator(cmd, df, func(op *operator) error {
				if err := op.checkRole(cmd, in.Role); err != nil {
					return err
				}
				u, password, err := op.svc.CreateUserHandingOver(cmd.Context(), op.actor, in)
				if err != nil {
					return err
				}
				if format != formatTable {
					return printOne(cmd.OutOrStdout(), format, view[roster.User]{json: func(u roster.User) any {
						return createdUserJSON{userJSON: userView.json(u).(userJSON), TemporaryPassword: password}
					}}, u)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Created user %d %s (%s) in partner %d. Their temporary password, valid 24 hours, is not shown again:\n%s\n",
					u.ID, u.Email, u.Role.Name, u.PartnerID, password)
				return nil
			})
		},
	}
	addDataFlags(cmd, &df)
	addOutputFlags(cmd, &out, false)
	addUserFieldFlags(cmd, &uf)
	cmd.Flags().StringVar(&uf.state, "state", string(roster.StateActive), "account state: ACTIVE or INACTIVE")
	for _, f := range []string{"email", "given-name", "family-name"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

// newUser reads the flags of `users create`.
func (uf userFields) newUser(cmd *cobra.Command) (service.NewUser, error) {
	in := service.NewUser{
		Email: uf.email, GivenName: uf.givenName, FamilyName: uf.familyName, Username: uf.username,
		Title: optional(cmd, "title", uf.title), Phone: optional(cmd, "phone", uf.phone),
		State: roster.AccountState(strings.ToUpper(uf.state)),
	}
	switch {
	case uf.admin && uf.role != "":
		return in, usagef("give --role or --admin, not both")
	case uf.admin:
		in.Role = service.RoleRef{Name: roster.RoleAdmin}
	case uf.role != "":
		in.Role = roleRef(uf.role)
	default:
		return in, usagef("give the user a role: --role NAME (see: roster roles list) or --admin")
	}
	if cmd.Flags().Changed("groups") {
		groups, err := parseIDList("groups", uf.groups)
		if err != nil {
			return in, err
		}
		in.Groups = groups
	}
	return in, nil
}

func newUsersUpdateCmd() *cobra.Command {
	var (
		df  dataFlags
		out outputFlags
		uf  userFields
	)
	cmd := &cobra.Command{
		Use:   "update ID|E-MAIL",
		Short: "Change some of a user's fields; the others stay as they are",
		Example: "  roster users update ada@example.com --family-name King\n" +
			"  roster users update 42 --state INACTIVE\n" +
			"  roster users update 42 --state ACTIVE      # unlock after failed sign-ins\n" +
			"  roster users update 42 --role AnalystReadOnly --groups 3,4",
		Args: exactArgs(1, "give one user id or e-mail"),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			p, err := uf.patch(cmd)
			if err != nil {
				return err
			}
			return withOperator(cmd, df, func(op *operator) error {
				u, err := op.user(cmd, args[0])
				if err != nil {
					return err
				}
				if p.Role != nil {
					if err := op.checkRole(cmd, *p.Role); err != nil {
						return err
					}
				}
				u, err = op.svc.UpdateUser(cmd.Context(), op.actor, u.ID, p)
				if err != nil {
					return err
				}
				return printOne(cmd.OutOrStdout(), format, userDetail, u)
			})
		},
	}
	addDataFlags(cmd, &df)
	addOutputFlags(cmd, &out, false)
	addUserFieldFlags(cmd, &uf)
	cmd.Flags().StringVar(&uf.state, "state", "", "account state: ACTIVE (also unlocks), INACTIVE or LOCKED")
	return cmd
}

// patch reads the flags of `users update` that were given.
func (uf userFields) patch(cmd *cobra.Command) (service.UserPatch, error) {
	changed := cmd.Flags().Changed
	p := service.UserPatch{
		Email: optional(cmd, "email", uf.email), GivenName: optional(cmd, "given-name", uf.givenName),
		FamilyName: optional(cmd, "family-name", uf.familyName), Username: optional(cmd, "username", uf.username),
		Title: service.Nullable{Set: changed("title"), Value: optional(cmd, "title", uf.title)},
		Phone: service.Nullable{Set: changed("phone"), Value: optional(cmd, "phone", uf.phone)},
	}
	if changed("role") && changed("admin") {
		return p, usagef("give --role or --admin, not both")
	}
	if changed("role") {
		ref := roleRef(uf.role)
		p.Role = &ref
	}
	if changed("admin") {
		p.IsAdmin = &uf.admin
	}
	if changed("state") {
		st := roster.AccountState(strings.ToUpper(uf.state))
		p.State = &st
	}
	if changed("groups") {
		groups, err := parseIDList("groups", uf.groups)
		if err != nil {
			return p, err
		}
		p.Groups = &groups
	}
	if cmd.Flags().NFlag() == countChanged(cmd, "db", "partner", "json") {
		return p, usagef("nothing to change: give at least one of --email, --given-name, --family-name, --username, --title, --phone, --role, --admin, --state, --groups")
	}
	return p, nil
}

// countChanged counts how many of the named flags were given.
func countChanged(cmd *cobra.Command, names ...string) int {
	n := 0
	for _, name := range names {
		if cmd.Flags().Changed(name) {
			n++
		}
	}
	return n
}

func newUsersDeleteCmd() *cobra.Command {
	var (
		df  dataFlags
		out outputFlags
	)
	cmd := &cobra.Command{
		Use:   "delete ID|E-MAIL...",
		Short: "Delete users, all or none",
		Long: "Delete users, all or none: if one is unknown, or the partner would be left\n" +
			"without an active admin, nothing is deleted.",
		Example: "  roster users delete 42\n" +
			"  roster users delete ada@example.com grace@example.com",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("give the id or e-mail of at least one user to delete")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			return withOperator(cmd, df, func(op *operator) error {
				var users []roster.User
				ids := []int64{}
				for _, arg := range args {
					u, err := op.user(cmd, arg)
					if err != nil {
						return err
					}
					users, ids = append(users, u), append(ids, u.ID)
				}
				if err := op.svc.DeleteUsers(cmd.Context(), op.actor, ids); err != nil {
					return err
				}
				if format != formatTable {
					return printOne(cmd.OutOrStdout(), format, deletedView, ids)
				}
				for _, u := range users {
					fmt.Fprintf(cmd.OutOrStdout(), "Deleted user %d %s.\n", u.ID, u.Email)
				}
				return nil
			})
		},
	}
	addDataFlags(cmd, &df)
	addOutputFlags(cmd, &out, false)
	return cmd
}

// deletedView prints what a delete removed: {"deleted": [ids]}.
var deletedView = view[[]int64]{json: func(ids []int64) any {
	return struct {
		Deleted []int64 `json:"deleted"`
	}{ids}
}}
