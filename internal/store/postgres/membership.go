package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/roster-dev/roster/internal/roster"
)

// Memberships live in user_groups and are written from either side: a
// user's Groups or a group's Users. Each write replaces one side's set
// whole. Lists of ids travel as one BIGINT[] parameter read with unnest, so
// a set of any size costs the same few statements.

// setUserGroups replaces the user's memberships with groups, which
// checkPartnerIDs has accepted.
func setUserGroups(ctx context.Context, q queryer, partnerID, userID int64, groups []int64) error {
	if _, err := q.Exec(ctx,
		`DELETE FROM user_groups WHERE partner_id = $1 AND user_id = $2`, partnerID, userID); err != nil {
		return fmt.Errorf("postgres: clear groups of user %d: %w", userID, err)
	}
	if len(groups) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `
		INSERT INTO user_groups (user_id, group_id, partner_id)
		SELECT $1, g, $2 FROM unnest($3::bigint[]) g`, userID, partnerID, groups)
	if err != nil {
		return writeError(err, "set groups of user", "membership")
	}
	return nil
}

// setGroupUsers replaces the group's members with users, which
// checkPartnerIDs has accepted.
func setGroupUsers(ctx context.Context, q queryer, partnerID, groupID int64, users []int64) error {
	if _, err := q.Exec(ctx,
		`DELETE FROM user_groups WHERE partner_id = $1 AND group_id = $2`, partnerID, groupID); err != nil {
		return fmt.Errorf("postgres: clear members of group %d: %w", groupID, err)
	}
	if len(users) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `
		INSERT INTO user_groups (user_id, group_id, partner_id)
		SELECT u, $1, $2 FROM unnest($3::bigint[]) u`, groupID, partnerID, users)
	if err != nil {
		return writeError(err, "set members of group", "membership")
	}
	return nil
}

// memberTables names, for each table whose ids a membership holds, the noun
// of its EInvalid error. It also keeps checkPartnerIDs from splicing any
// other name into its SQL.
var memberTables = map[string]string{"users": "user", "groups": "group"}

// checkPartnerIDs returns EInvalid "unknown group 7" (or user) for the
// smallest of ids that is not a row of the partner in table. The message is
// the same whether the id is another partner's or nobody's, so it tells a
// caller nothing about other partners. A row deleted between this check and
// the insert that follows is caught by the insert's foreign key, as
// EInvalid too.
func checkPartnerIDs(ctx context.Context, q queryer, table string, partnerID int64, ids []int64) error {
	noun, ok := memberTables[table]
	if !ok {
		return fmt.Errorf("postgres: check ids: unknown table %q", table)
	}
	if len(ids) == 0 {
		return nil
	}
	var missing *int64
	err := q.QueryRow(ctx, `
		SELECT min(i) FROM unnest($1::bigint[]) i
		WHERE NOT EXISTS (SELECT 1 FROM `+table+` t WHERE t.partner_id = $2 AND t.id = i)`,
		ids, partnerID).Scan(&missing)
	if err != nil {
		return fmt.Errorf("postgres: check %s: %w", table, err)
	}
	if missing != nil {
		return roster.Errorf(roster.EInvalid, "unknown %s %d", noun, *missing)
	}
	return nil
}

// idSet returns ids sorted and without duplicates, nil for none: the one
// form the store writes and reads back.
func idSet(ids []int64) []int64 {
	if len(ids) == 0 {
		return nil
	}
	set := slices.Clone(ids)
	slices.Sort(set)
	return slices.Compact(set)
}
