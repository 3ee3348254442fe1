package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

func newUsersCmd(stdout, stderr io.Writer) *cobra.Command {
	users := parentCmd("users", "List, show, create, change and delete users",
		"  roster users list --search ada\n  roster users get ada@example.com --json")
	users.AddCommand(newUsersListCmd(), newUsersGetCmd(), newUsersCreateCmd(),
		newUsersUpdateCmd(), newUsersDeleteCmd(),
		newUsersImportCmd(stdout, stderr), newUsersExportCmd(stdout, stderr))
	return users
}

// parentCmd is a command that only groups others: alone it shows its help;
// with an argument that is no subcommand it is a usage error (cobra would
// show the help and exit 0).
func parentCmd(use, short, example string) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Example: example,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for %q (see: %s --help)", args[0], cmd.CommandPath(), cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
}

// userJSON is a user as the command line prints it: the Panther dialect's
// field names, plus the fields only Audience Manager or Roster have.
type userJSON struct {
	ID             int64       `json:"id"`
	Email          string      `json:"email"`
	Username       string      `json:"username"`
	GivenName      string      `json:"givenName"`
	FamilyName     string      `json:"familyName"`
	Title          *string     `json:"title,omitempty"`
	PhoneNumber    *string     `json:"phoneNumber,omitempty"`
	Role           roleRefJSON `json:"role"`
	Enabled        bool        `json:"enabled"`
	Status         string      `json:"status"`
	State          string      `json:"state"`
	Groups         []int64     `json:"groups"`
	CreatedAt      string      `json:"createdAt"`
	LastLoggedInAt string      `json:"lastLoggedInAt,omitempty"`
}

// roleRefJSON names a user's role.
type roleRefJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

var userView = view[roster.User]{
	columns: []column[roster.User]{
		{"ID", func(u roster.User) string { return strconv.FormatInt(u.ID, 10) }},
		{"EMAIL", func(u roster.User) string { return u.Email }},
		{"NAME", func(u roster.User) string { return u.GivenName + " " + u.FamilyName }},
		{"ROLE", func(u roster.User) string { return u.Role.Name }},
		{"STATE", func(u roster.User) string { return string(u.State) }},
		{"STATUS", func(u roster.User) string { return string(u.SignIn) }},
		{"CREATED", func(u roster.User) string { return when(u.CreatedAt) }},
	},
	json: func(u roster.User) any {
		return userJSON{
			ID: u.ID, Email: u.Email, Username: u.Username,
			GivenName: u.GivenName, FamilyName: u.FamilyName, Title: u.Title, PhoneNumber: u.Phone,
			Role:    roleRefJSON{ID: u.Role.ID, Name: u.Role.Name},
			Enabled: u.State != roster.StateInactive, Status: string(u.SignIn), State: string(u.State),
			Groups: append([]int64{}, u.Groups...), CreatedAt: when(u.CreatedAt), LastLoggedInAt: whenPtr(u.LastLoginAt),
		}
	},
}

// userDetail is userView with the fields one user has room for.
var userDetail = view[roster.User]{
	columns: []column[roster.User]{
		userView.columns[0],
		{"USERNAME", func(u roster.User) string { return u.Username }},
		userView.columns[1], userView.columns[2],
		{"TITLE", func(u roster.User) string { return deref(u.Title) }},
		{"PHONE", func(u roster.User) string { return deref(u.Phone) }},
		userView.columns[3], userView.columns[4], userView.columns[5],
		{"GROUPS", func(u roster.User) string { return joinIDs(u.Groups) }},
		userView.columns[6],
		{"LAST SIGN-IN", func(u roster.User) string { return whenPtr(u.LastLoginAt) }},
	},
	json: userView.json,
}

// deref is *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// joinIDs prints ids as --groups and --users take them.
func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// userListFlags are the filters of `users list`.
type userListFlags struct {
	search, status, state, role, sort, groups string
	desc                                      bool
	limit                                     int
}

// errEnough stops a walk over users once the list has what it asked for.
var errEnough = errors.New("enough")

func newUsersListCmd() *cobra.Command {
	var (
		df  dataFlags
		out outputFlags
		lf  userListFlags
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List a partner's users, streaming, with filters",
		Example: "  roster users list\n" +
			"  roster users list --search lovelace --state ACTIVE\n" +
			"  roster users list --role Admin --output csv > admins.csv\n" +
			"  roster users list --partner 2 --limit 100 --json | jq '.[].email'",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			f, keep, err := lf.filter()
			if err != nil {
				return err
			}
			return withOperator(cmd, df, func(op *operator) error {
				p := newListPrinter(cmd.OutOrStdout(), format, userView)
				n := 0
				err = op.svc.EachUser(cmd.Context(), op.actor, f, func(u roster.User) error {
					if !keep(u) {
						return nil
					}
					if lf.limit > 0 && n == lf.limit {
						return errEnough
					}
					n++
					return p.add(u)
				})
				if err != nil && !errors.Is(err, errEnough) {
					return err
				}
				return p.close()
			})
		},
	}
	addDataFlags(cmd, &df)
	addOutputFlags(cmd, &out, true)
	fl := cmd.Flags()
	fl.StringVar(&lf.search, "search", "", "only users whose username, name or e-mail contains this (case-insensitive)")
	fl.StringVar(&lf.status, "status", "", "only users in this sign-in status: FORCE_CHANGE_PASSWORD, CONFIRMED or RESET_REQUIRED")
	fl.StringVar(&lf.state, "state", "", "only users in this account state: ACTIVE, INACTIVE or LOCKED")
	fl.StringVar(&lf.role, "role", "", "only users with this role (name or id)")
	fl.StringVar(&lf.groups, "group", "", "only members of these groups (ids, comma-separated)")
	fl.StringVar(&lf.sort, "sort", "id", "order by id, email, username, givenName, familyName, state or createdAt")
	fl.BoolVar(&lf.desc, "desc", false, "reverse the order")
	fl.IntVar(&lf.limit, "limit", 0, "print at most this many users (0: all)")
	return cmd
}

// filter turns the flags into a store filter and a test for what the
// store cannot filter on (account state, role), or a usage error.
func (lf userListFlags) filter() (roster.UserFilter, func(roster.User) bool, error) {
	f := roster.UserFilter{Search: lf.search, IncludeInactive: true, Descending: lf.desc}
	if lf.limit < 0 {
		return f, nil, usagef("--limit %d: give 0 (all) or more", lf.limit)
	}
	if lf.status != "" {
		st, err := roster.ParseSignInState(strings.ToUpper(lf.status))
		if err != nil {
			return f, nil, usagef("--status: %s", roster.ErrorMessage(err))
		}
		f.SignIn = st
	}
	state := roster.AccountState(strings.ToUpper(lf.state))
	switch state {
	case "", roster.StateActive, roster.StateInactive, roster.StateLocked:
	default:
		return f, nil, usagef("--state %q: use ACTIVE, INACTIVE or LOCKED", lf.state)
	}
	sorts := map[string]roster.UserSort{"id": roster.SortByID, "email": roster.SortByEmail, "username": roster.SortByUsername,
		"givenname": roster.SortByGivenName, "familyname": roster.SortByFamilyName, "state": roster.SortByState, "createdat": roster.SortByCreatedAt}
	sort, ok := sorts[strings.ToLower(lf.sort)]
	if !ok {
		return f, nil, usagef("--sort %q: use id, email, username, givenName, familyName, state or createdAt", lf.sort)
	}
	f.SortBy = sort
	groups, err := parseIDList("group", lf.groups)
	if err != nil {
		return f, nil, err
	}
	f.GroupIDs = groups
	keep := func(u roster.User) bool {
		return (state == "" || u.State == state) &&
			(lf.role == "" || strings.EqualFold(u.Role.Name, lf.role) || strconv.FormatInt(u.Role.ID, 10) == lf.role)
	}
	return f, keep, nil
}

func newUsersGetCmd() *cobra.Command {
	var (
		df  dataFlags
		out outputFlags
	)
	cmd := &cobra.Command{
		Use:   "get ID|E-MAIL",
		Short: "Show one user, by id or e-mail",
		Example: "  roster users get 42\n" +
			"  roster users get ada@example.com --json",
		Args: exactArgs(1, "give one user id or e-mail"),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			return withOperator(cmd, df, func(op *operator) error {
				u, err := op.user(cmd, args[0])
				if err != nil {
					return err
				}
				return printOne(cmd.OutOrStdout(), format, userDetail, u)
			})
		},
	}
	addDataFlags(cmd, &df)
	addOutputFlags(cmd, &out, false)
	return cmd
}

// exactArgs is cobra.ExactArgs with a message that says what to give.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s: %s", cmd.CommandPath(), what)
		}
		return nil
	}
}

// roleRef reads a --role value: an id or a name.
func roleRef(s string) service.RoleRef {
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		return service.RoleRef{ID: id}
	}
	return service.RoleRef{Name: s}
}

// checkRole makes an unknown --role an error that says where the roles
// are listed.
func (o *operator) checkRole(cmd *cobra.Command, ref service.RoleRef) error {
	hint := fmt.Sprintf("list roles with: roster roles list --partner %d", o.actor.PartnerID)
	if ref.ID != 0 {
		_, err := o.svc.Role(cmd.Context(), o.actor, ref.ID)
		if roster.ErrorCode(err) == roster.ENotFound {
			return roster.Errorf(roster.EInvalid, "unknown role id %d (%s)", ref.ID, hint)
		}
		return err
	}
	roles, err := o.svc.Roles(cmd.Context(), o.actor, roster.RoleFilter{Name: ref.Name})
	if err == nil && len(roles) == 0 {
		return roster.Errorf(roster.EInvalid, "unknown role %q (%s)", ref.Name, hint)
	}
	return err
}
