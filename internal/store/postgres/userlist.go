package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/roster-dev/roster/internal/roster"
)

// userSortColumns is the expression each user order sorts by before the
// id. Names and e-mails sort by their lower-cased copies, so that the order
// ignores case as the dialects' searches do, and in code-point order
// (COLLATE "C", also the columns' own collation), which is SQLite's: a
// locale's collation would put "élodie" elsewhere than SQLite does.
var userSortColumns = map[roster.UserSort]string{
	roster.SortByID:         "",
	roster.SortByUsername:   `u.username_norm COLLATE "C"`,
	roster.SortByEmail:      `u.email_norm COLLATE "C"`,
	roster.SortByGivenName:  `u.given_norm COLLATE "C"`,
	roster.SortByFamilyName: `u.family_norm COLLATE "C"`,
	roster.SortByState:      `u.state COLLATE "C"`,
	roster.SortByCreatedAt:  "u.created_at",
}

// Users returns the partner's users matching f, in f's order (see
// usersQuery for the combinations it refuses).
func (s *Store) Users(ctx context.Context, partnerID int64, f roster.UserFilter) ([]roster.User, error) {
	var us []roster.User
	err := s.EachUser(ctx, partnerID, f, func(u roster.User) error {
		us = append(us, u)
		return nil
	})
	return us, err
}

// CountUsers returns how many users match f, ignoring its AfterID, Offset,
// Limit and order.
func (s *Store) CountUsers(ctx context.Context, partnerID int64, f roster.UserFilter) (int, error) {
	var p params
	where := userWhere(&p, partnerID, f)
	var n int
	err := s.q().QueryRow(ctx, `SELECT count(*) FROM users u WHERE `+where, append([]any{planEach}, p...)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: count users: %w", err)
	}
	return n, nil
}

// EachUser calls fn for every user matching f, in f's order, reading one
// row at a time from a single query. fn's error stops the walk and is
// returned as it is. Outside Tx the walk holds a pool connection until it
// ends, and fn may call the store, which uses another. Inside Tx the walk
// holds the transaction's one connection: fn must not call the store then.
func (s *Store) EachUser(ctx context.Context, partnerID int64, f roster.UserFilter, fn func(roster.User) error) error {
	query, args, err := usersQuery(partnerID, f)
	if err != nil {
		return err
	}
	if f.Email == "" {
		// An e-mail filter is a lookup in a unique index whatever its
		// value, so that query alone may keep a prepared plan.
		args = append([]any{planEach}, args...)
	}
	return eachUser(ctx, s.q(), "users", query, args, fn)
}

// UsersByLogin returns the users, of any partner, whose username or e-mail
// is login, case-insensitively, in id order and at most limit of them
// (none for a limit below 1).
func (s *Store) UsersByLogin(ctx context.Context, login string, limit int) ([]roster.User, error) {
	if limit < 1 {
		return nil, nil
	}
	var us []roster.User
	err := eachUser(ctx, s.q(), "users by login",
		// Two index lookups, not an OR: with ORDER BY id and a LIMIT the
		// planner may otherwise walk every user in id order (seen on a
		// table whose statistics were not yet refreshed: 15 ms a call).
		selectUsers+` WHERE u.id IN (
			SELECT id FROM users WHERE username_norm = $1
			UNION SELECT id FROM users WHERE email_norm = $1)
		ORDER BY u.id LIMIT $2`,
		[]any{strings.ToLower(login), limit},
		func(u roster.User) error {
			us = append(us, u)
			return nil
		})
	return us, err
}

// UsersByLogins returns the partner's users whose username or e-mail is
// any of logins, case-insensitively, in id order.
func (s *Store) UsersByLogins(ctx context.Context, partnerID int64, logins []string) ([]roster.User, error) {
	if len(logins) == 0 {
		return nil, nil
	}
	norm := make([]string, len(logins))
	for i, l := range logins {
		norm[i] = strings.ToLower(l)
	}
	var us []roster.User
	err := eachUser(ctx, s.q(), "users by logins",
		selectUsers+` WHERE u.partner_id = $1 AND (u.username_norm = ANY($2::text[]) OR u.email_norm = ANY($2::text[]))
		ORDER BY u.id`,
		[]any{partnerID, norm},
		func(u roster.User) error {
			us = append(us, u)
			return nil
		})
	return us, err
}

// eachUser runs a query of selectUsers on q and calls fn per row; op names
// the caller in errors. The rows are closed on every path.
func eachUser(ctx context.Context, q queryer, op, query string, args []any, fn func(roster.User) error) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	return nil
}

// usersQuery builds the query for Users and EachUser. Every value is a
// bound parameter; the only SQL taken from f is an expression out of
// userSortColumns.
//
// Keyset pages (AfterID) exist only in ascending id order: "after id N" in
// any other order would skip or repeat users. A filter that combines
// AfterID with another order, or names an order that does not exist, is a
// programming error in the caller and gets an internal error, not EInvalid.
func usersQuery(partnerID int64, f roster.UserFilter) (string, []any, error) {
	var p params
	where := userWhere(&p, partnerID, f)
	if f.Email != "" {
		// The domain says an e-mail filter overrides every other field.
		return selectUsers + ` WHERE ` + where + ` ORDER BY u.id`, p, nil
	}
	col, ok := userSortColumns[f.SortBy]
	if !ok {
		return "", nil, fmt.Errorf("postgres: users: unknown order %q", f.SortBy)
	}
	if f.AfterID > 0 {
		if f.SortBy != roster.SortByID || f.Descending {
			return "", nil, fmt.Errorf("postgres: users: AfterID needs ascending id order, not %q descending=%v",
				f.SortBy, f.Descending)
		}
		where += ` AND u.id > ` + p.add(f.AfterID)
	}
	dir := " ASC"
	if f.Descending {
		dir = " DESC"
	}
	order := "u.id" + dir
	if col != "" {
		order = col + dir + ", " + order
	}
	page := limitOffset(&p, f.Limit, f.Offset)
	return selectUsers + ` WHERE ` + where + ` ORDER BY ` + order + page, p, nil
}

// userWhere is the WHERE clause, on users aliased u, of every filter field
// except AfterID and the paging and order fields; it adds its arguments
// to p.
func userWhere(p *params, partnerID int64, f roster.UserFilter) string {
	where := []string{"u.partner_id = " + p.add(partnerID)}
	if f.Email != "" {
		where = append(where, "u.email_norm = "+p.add(strings.ToLower(f.Email)))
		return strings.Join(where, " AND ")
	}
	if len(f.IDs) > 0 {
		where = append(where, "u.id = ANY("+p.add(f.IDs)+")")
	}
	if len(f.GroupIDs) > 0 {
		where = append(where, `EXISTS (SELECT 1 FROM user_groups ug
			WHERE ug.user_id = u.id AND ug.group_id = ANY(`+p.add(f.GroupIDs)+`))`)
	}
	if f.Contains != "" {
		where = append(where, "u.search "+containsPattern(p, f.Contains))
	}
	if f.Search != "" {
		// search holds the full name and the e-mail; the username is apart.
		// Each has its trigram index, which a BitmapOr combines.
		where = append(where, "(u.search "+containsPattern(p, f.Search)+
			" OR u.username_norm "+containsPattern(p, f.Search)+")")
	}
	if !f.IncludeInactive {
		where = append(where, "u.state <> "+p.add(roster.StateInactive))
	}
	if f.SignIn != "" {
		where = append(where, "u.sign_in = "+p.add(f.SignIn))
	}
	return strings.Join(where, " AND ")
}
