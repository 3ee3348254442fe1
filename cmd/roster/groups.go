package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

func newGroupsCmd() *cobra.Command {
	groups := parentCmd("groups", "List, show, create, change and delete groups of users",
		"  roster groups list\n  roster groups create --name Analysts --users 2,3")
	groups.AddCommand(newGroupsListCmd(), newGroupsGetCmd(), newGroupsCreateCmd(),
		newGroupsUpdateCmd(), newGroupsDeleteCmd())
	return groups
}

// groupJSON is a group as the command line prints it, in Audience
// Manager's field names but for the id, named as every other resource's.
type groupJSON struct {
	ID              int64   `json:"id"`
	Name            string  `json:"name"`
	Description     string  `json:"description"`
	MembershipCount int     `json:"membershipCount"`
	Users           []int64 `json:"users"`
	CreatedAt       string  `json:"createdAt"`
	UpdatedAt       string  `json:"updatedAt"`
}

var groupView = view[roster.Group]{
	columns: []column[roster.Group]{
		{"ID", func(g roster.Group) string { return strconv.FormatInt(g.ID, 10) }},
		{"NAME", func(g roster.Group) string { return g.Name }},
		{"MEMBERS", func(g roster.Group) string { return strconv.Itoa(len(g.Users)) }},
		{"DESCRIPTION", func(g roster.Group) string { return g.Description }},
	},
	json: func(g roster.Group) any {
		return groupJSON{ID: g.ID, Name: g.Name, Description: g.Description, MembershipCount: len(g.Users),
			Users: append([]int64{}, g.Users...), CreatedAt: when(g.CreatedAt), UpdatedAt: when(g.UpdatedAt)}
	},
}

var groupDetail = view[roster.Group]{
	columns: append(groupView.columns[:4:4],
		column[roster.Group]{"USERS", func(g roster.Group) string { return joinIDs(g.Users) }},
		column[roster.Group]{"CREATED", func(g roster.Group) string { return when(g.CreatedAt) }}),
	json: groupView.json,
}

func newGroupsListCmd() *cobra.Command {
	var (
		df     dataFlags
		out    outputFlags
		search string
		limit  int
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List a partner's groups, by name",
		Example: "  roster groups list\n" +
			"  roster groups list --search analyst --output jsonl",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			if limit < 0 {
				return usagef("--limit %d: give 0 (all) or more", limit)
			}
			return withOperator(cmd, df, func(op *operator) error {
				groups, _, err := op.svc.Groups(cmd.Context(), op.actor, roster.GroupFilter{Search: search, Limit: limit})
				if err != nil {
					return err
				}
				return printList(cmd.OutOrStdout(), format, groupView, groups)
			})
		},
	}
	addDataFlags(cmd, &df)
	addOutputFlags(cmd, &out, true)
	cmd.Flags().StringVar(&search, "search", "", "only groups whose name or description contains this (case-insensitive)")
	cmd.Flags().IntVar(&limit, "limit", 0, "print at most this many groups (0: all)")
	return cmd
}

// group finds one group of the operator's partner by id.
func (o *operator) group(cmd *cobra.Command, arg string) (roster.Group, error) {
	id, err := parseID("group", arg)
	if err != nil {
		return roster.Group{}, err
	}
	g, err := o.svc.Group(cmd.Context(), o.actor, id)
	return g, withHint(err, roster.ENotFound, fmt.Sprintf("list groups with: roster groups list --partner %d", o.actor.PartnerID))
}

func newGroupsGetCmd() *cobra.Command {
	var (
		df  dataFlags
		out outputFlags
	)
	cmd := &cobra.Command{
		Use:     "get ID",
		Short:   "Show one group with its members",
		Example: "  roster groups get 3\n  roster groups get 3 --json | jq .users",
		Args:    exactArgs(1, "give one group id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			return withOperator(cmd, df, func(op *operator) error {
				g, err := op.group(cmd, args[0])
				if err != nil {
					return err
				}
				return printOne(cmd.OutOrStdout(), format, groupDetail, g)
			})
		},
	}
	addDataFlags(cmd, &df)
	addOutputFlags(cmd, &out, false)
	return cmd
}

// groupFields are the flags that set a group's fields.
type groupFields struct{ name, description, users string }

func addGroupFieldFlags(cmd *cobra.Command, gf *groupFields) {
	cmd.Flags().StringVar(&gf.name, "name", "", "the group's name, unique in the partner")
	cmd.Flags().StringVar(&gf.description, "description", "", "what the group is for")
	cmd.Flags().StringVar(&gf.users, "users", "", "the members (user ids, comma-separated; replaces the current ones)")
}

// input reads the group flags that were given.
func (gf groupFields) input(cmd *cobra.Command) (service.GroupInput, error) {
	in := service.GroupInput{Name: optional(cmd, "name", gf.name), Description: optional(cmd, "description", gf.description)}
	if cmd.Flags().Changed("users") {
		ids, err := parseIDList("users", gf.users)
		if err != nil {
			return in, err
		}
		in.Users = &ids
	}
	return in, nil
}

func newGroupsCreateCmd() *cobra.Command {
	var (
		df  dataFlags
		out outputFlags
		gf  groupFields
	)
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a group, with members if given",
		Example: "  roster groups create --name Analysts\n" +
			"  roster groups create --name Auditors --description \"read-only reviewers\" --users 2,3",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			in, err := gf.input(cmd)
			if err != nil {
				return err
			}
			return withOperator(cmd, df, func(op *operator) error {
				g, err := op.svc.CreateGroup(cmd.Context(), op.actor, in)
				if err != nil {
					return err
				}
				return printOne(cmd.OutOrStdout(), format, groupDetail, g)
			})
		},
	}
	addDataFlags(cmd, &df)
	addOutputFlags(cmd, &out, false)
	addGroupFieldFlags(cmd, &gf)
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func newGroupsUpdateCmd() *cobra.Command {
	var (
		df  dataFlags
		out outputFlags
		gf  groupFields
	)
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change a group's name, description or members",
		Example: "  roster groups update 3 --name \"Senior analysts\"\n" +
			"  roster groups update 3 --users 2,3,5\n" +
			"  roster groups update 3 --users \"\"     # no members",
		Args: exactArgs(1, "give one group id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			in, err := gf.input(cmd)
			if err != nil {
				return err
			}
			if in.Name == nil && in.Description == nil && in.Users == nil {
				return usagef("nothing to change: give at least one of --name, --description, --users")
			}
			return withOperator(cmd, df, func(op *operator) error {
				g, err := op.group(cmd, args[0])
				if err != nil {
					return err
				}
				if g, err = op.svc.UpdateGroup(cmd.Context(), op.actor, g.ID, in); err != nil {
					return err
				}
				return printOne(cmd.OutOrStdout(), format, groupDetail, g)
			})
		},
	}
	addDataFlags(cmd, &df)
	addOutputFlags(cmd, &out, false)
	addGroupFieldFlags(cmd, &gf)
	return cmd
}

func newGroupsDeleteCmd() *cobra.Command {
	var (
		df  dataFlags
		out outputFlags
	)
	cmd := &cobra.Command{
		Use:     "delete ID...",
		Short:   "Delete groups, all or none; their members stay",
		Example: "  roster groups delete 3\n  roster groups delete 3 4 5",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("give the id of at least one group to delete")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := out.format()
			if err != nil {
				return err
			}
			ids := make([]int64, len(args))
			for i, arg := range args {
				if ids[i], err = parseID("group", arg); err != nil {
					return err
				}
			}
			return withOperator(cmd, df, func(op *operator) error {
				err = op.svc.DeleteGroups(cmd.Context(), op.actor, ids)
				if err != nil {
					return withHint(err, roster.ENotFound, fmt.Sprintf("nothing was deleted; list groups with: roster groups list --partner %d", op.actor.PartnerID))
				}
				if format != formatTable {
					return printOne(cmd.OutOrStdout(), format, deletedView, ids)
				}
				for _, id := range ids {
					fmt.Fprintf(cmd.OutOrStdout(), "Deleted group %d.\n", id)
				}
				return nil
			})
		},
	}
	addDataFlags(cmd, &df)
	addOutputFlags(cmd, &out, false)
	return cmd
}
