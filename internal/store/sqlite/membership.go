package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/roster-dev/roster/internal/roster"
)

// Memberships live in user_groups and are written from either side: a
// user's Groups or a group's Users. Each write replaces one side's set
// whole. Lists of ids travel to SQLite as one JSON array read with
// json_each, so a set of any size costs the same few statements and never
// meets the limit on bound parameters.

// setUserGroups replaces the user's memberships with groups, which
// checkPartnerIDs has accepted.
func setUserGroups(ctx context.Context, q queryer, partnerID, userID int64, groups []int64) error {
	if _, err := q.ExecContext(ctx,
		`DELETE FROM user_groups WHERE partner_id = ? AND user_id = ?`, partnerID, userID); err != nil {
		return fmt.Errorf("sqlite: clear groups of user %d: %w", userID, err)
	}
	if len(groups) == 0 {
		return nil
	}
	_, err := q.ExecContext(ctx, `
		INSERT INTO user_groups (user_id, group_id, partner_id)
		SELECT ?, j.value, ? FROM json_each(?) j`, userID, partnerID, idList(groups))
	if err != nil {
		return writeError(err, "set groups of user", "membership")
	}
	return nil
}

// setGroupUsers replaces the group's members with users, which
// checkPartnerIDs has accepted.
func setGroupUsers(ctx context.Context, q queryer, partnerID, groupID int64, users []int64) error {
	if _, err := q.ExecContext(ctx,
		`DELETE FROM user_groups WHERE partner_id = ? AND group_id = ?`, partnerID, groupID); err != nil {
		return fmt.Errorf("sqlite: clear members of group %d: %w", groupID, err)
	}
	if len(users) == 0 {
		return nil
	}
	_, err := q.ExecContext(ctx, `
		INSERT INTO user_groups (user_id, group_id, partner_id)
		SELECT j.value, ?, ? FROM json_each(?) j`, groupID, partnerID, idList(users))
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
// caller nothing about other partners.
func checkPartnerIDs(ctx context.Context, q queryer, table string, partnerID int64, ids []int64) error {
	noun, ok := memberTables[table]
	if !ok {
		return fmt.Errorf("sqlite: check ids: unknown table %q", table)
	}
	if len(ids) == 0 {
		return nil
	}
	var missing sql.NullInt64
	err := q.QueryRowContext(ctx, `
		SELECT min(j.value) FROM json_each(?) j
		WHERE NOT EXISTS (SELECT 1 FROM `+table+` t WHERE t.partner_id = ? AND t.id = j.value)`,
		idList(ids), partnerID).Scan(&missing)
	if err != nil {
		return fmt.Errorf("sqlite: check %s: %w", table, err)
	}
	if missing.Valid {
		return roster.Errorf(roster.EInvalid, "unknown %s %d", noun, missing.Int64)
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

// idList is ids as a JSON array, for json_each.
func idList(ids []int64) string {
	b := make([]byte, 0, 2+len(ids)*8)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// parseIDs reads a group_concat of ids, NULL when there are none, and
// returns them ascending. The sort is here rather than in the aggregate
// (group_concat … ORDER BY) because SQLite would build a temporary b-tree
// per row for that, although the index scan almost always yields them in
// order already.
func parseIDs(s sql.NullString) ([]int64, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	fields := strings.Split(s.String, ",")
	ids := make([]int64, len(fields))
	for i, f := range fields {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("stored id list %q: %w", s.String, err)
		}
		ids[i] = id
	}
	slices.Sort(ids)
	return ids, nil
}
