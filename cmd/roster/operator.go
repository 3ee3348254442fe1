package main

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// dataFlags are the flags of every command that works on a partner's data.
type dataFlags struct {
	dsn     string
	partner int64
}

// addDataFlags adds --db and --partner.
func addDataFlags(cmd *cobra.Command, f *dataFlags) {
	addDBFlag(cmd, &f.dsn)
	cmd.Flags().Int64Var(&f.partner, "partner", roster.DefaultPartnerID, "the partner (organisation) whose data this is")
}

// operator is an open service and the command line's actor in one partner.
type operator struct {
	svc   *service.Service
	actor service.Actor
	done  func()
}

// openOperator opens the database and acts as the operator in the
// partner of f. An unknown partner fails here, with what to do about it.
func openOperator(cmd *cobra.Command, f dataFlags) (*operator, error) {
	svc, done, err := adminService(cmd, f.dsn)
	if err != nil {
		return nil, err
	}
	a, err := svc.Operator(cmd.Context(), f.partner)
	if err != nil {
		done()
		return nil, partnerHint(err, f.partner)
	}
	return &operator{svc: svc, actor: a, done: done}, nil
}

// partnerHint says how to find a partner's id.
func partnerHint(err error, partner int64) error {
	if roster.ErrorCode(err) != roster.ENotFound {
		return err
	}
	return roster.Errorf(roster.ENotFound, "partner %d not found (list partners with: roster partners list)", partner)
}

// parseID reads a positional id argument.
func parseID(what, arg string) (int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id < 1 || id > roster.MaxID {
		return 0, usagef("%q is not a %s id: give a positive number", arg, what)
	}
	return id, nil
}

// parseIDList reads a comma-separated list of ids, as --users and --groups
// take them; "" is the empty list.
func parseIDList(flag, s string) ([]int64, error) {
	ids := []int64{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id < 1 {
			return nil, usagef("--%s: %q is not an id; give ids separated by commas, such as 1,2,3", flag, part)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// user finds a user by id or by e-mail, as `roster users get` takes them.
func (o *operator) user(cmd *cobra.Command, arg string) (roster.User, error) {
	ctx := cmd.Context()
	notFound := roster.Errorf(roster.ENotFound, "user %s not found in partner %d (list users with: roster users list --partner %d)",
		arg, o.actor.PartnerID, o.actor.PartnerID)
	if !strings.Contains(arg, "@") {
		id, err := parseID("user", arg)
		if err != nil {
			return roster.User{}, usagef("%q is neither a user id nor an e-mail address", arg)
		}
		u, err := o.svc.User(ctx, o.actor, id)
		if roster.ErrorCode(err) == roster.ENotFound {
			return u, notFound
		}
		return u, err
	}
	page, err := o.svc.Users(ctx, o.actor, service.UserQuery{Filter: roster.UserFilter{Email: arg}})
	if err != nil {
		return roster.User{}, err
	}
	if len(page.Users) == 0 {
		return roster.User{}, notFound
	}
	return page.Users[0], nil
}

// withOperator opens the database as the operator in df's partner, runs fn
// and closes the database, whatever fn returns.
func withOperator(cmd *cobra.Command, df dataFlags, fn func(op *operator) error) error {
	op, err := openOperator(cmd, df)
	if err != nil {
		return err
	}
	defer op.done()
	return fn(op)
}
