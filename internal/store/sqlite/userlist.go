package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/roster-dev/roster/internal/roster"
)

// userSortColumns is the column each user order sorts by before the id.
// Names and e-mails sort by their lower-cased copies, so that the order
// ignores case as the dialects' searches do.
var userSortColumns = map[roster.UserSort]string{
	roster.SortByID:         "",
	roster.SortByUsername:   "u.username_norm",
	roster.SortByEmail:      "u.email_norm",
	roster.SortByGivenName:  "u.given_norm",
	roster.SortByFamilyName: "u.family_norm",
	roster.SortByState:      "u.state",
	roster.SortByCreatedAt:  "u.created_at",
}

// Users returns the partner's users matching f, in f's order (see
// usersQuery for the combinations it refuses).
func (s *Store) Users(ctx context.Context, partnerID int64, f roster.UserFilter) ([]roster.User, error) {
	// A page's slice is sized once (growing it was 3% of a page's CPU); an
	// unbounded walk grows as it goes.
	us := make([]roster.User, 0, min(max(f.Limit, 0), maxPreallocUsers))
	err := s.EachUser(ctx, partnerID, f, func(u roster.User) error {
		us = append(us, u)
		return nil
	})
	return us, err
}

// maxPreallocUsers bounds the slice Users sizes up front for f.Limit: a
// page of up to 100 gets its slice at once, while a larger limit (Audience
// Manager allows pageSize 1000) that few users fill does not allocate a
// thousand users' worth for nothing.
const maxPreallocUsers = 100

// CountUsers returns how many users match f, ignoring its AfterID, Offset,
// Limit and order.
func (s *Store) CountUsers(ctx context.Context, partnerID int64, f roster.UserFilter) (int, error) {
	query, args := countUsersQuery(partnerID, f)
	var n int
	err := s.reader().QueryRowContext(ctx, query, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count users: %w", err)
	}
	return n, nil
}

// EachUser calls fn for every user matching f, in f's order, reading one
// row at a time from a single query. fn's error stops the walk and is
// returned as it is. Outside Tx the walk holds a read connection until it
// ends, so fn may write through the store; inside Tx it shares the
// transaction's connection.
//
// Outside Tx the roles come from the store's memory while they are the
// ones in the database (rolecache.go); inside Tx, and whenever the partner's
// roles keep changing under the walk, they are joined in.
func (s *Store) EachUser(ctx context.Context, partnerID int64, f roster.UserFilter, fn func(roster.User) error) error {
	if f.Email != "" {
		ctx = s.pointRead(ctx) // at most one user, through a unique index
	}
	if s.tx == nil {
		done, err := s.eachUserCachedRoles(ctx, partnerID, f, fn)
		if done || err != nil {
			return err
		}
	}
	query, args, err := usersQuery(partnerID, f, joinedRoles)
	if err != nil {
		return err
	}
	return eachUser(ctx, s.reader(), "users", query, args, fn)
}

// UsersByLogin returns the users, of any partner, whose username or e-mail
// is login, case-insensitively, in id order and at most limit of them
// (none for a limit below 1).
func (s *Store) UsersByLogin(ctx context.Context, login string, limit int) ([]roster.User, error) {
	if limit < 1 {
		return nil, nil
	}
	login = strings.ToLower(login)
	var us []roster.User
	err := eachUser(ctx, s.reader(), "users by login",
		selectUsers+` WHERE u.username_norm = ? OR u.email_norm = ? ORDER BY u.id LIMIT ?`,
		[]any{login, login, limit},
		func(u roster.User) error {
			us = append(us, u)
			return nil
		})
	return us, err
}

// loginMatches selects the ids of the partner's users whose e-mail is in
// the first JSON array or whose username is in the second, with parameters
// partner, array, partner, array. A UNION of two lookups, because SQLite
// answers "email IN … OR username IN …" by walking every user of the
// partner, where each half alone is a search of its unique index.
const loginMatches = `
	SELECT id FROM users WHERE partner_id = ? AND email_norm IN (SELECT value FROM json_each(?))
	UNION ALL
	SELECT id FROM users WHERE partner_id = ? AND username_norm IN (SELECT value FROM json_each(?))`

// UsersByLogins returns the partner's users whose username or e-mail is
// any of logins, case-insensitively, in id order. It reads on the writer,
// as a check that decides a write does.
func (s *Store) UsersByLogins(ctx context.Context, partnerID int64, logins []string) ([]roster.User, error) {
	if len(logins) == 0 {
		return nil, nil
	}
	norm := make([]string, len(logins))
	for i, l := range logins {
		norm[i] = strings.ToLower(l)
	}
	list := jsonStrings(norm)
	var us []roster.User
	err := eachUser(ctx, s.writer(), "users by logins",
		selectUsers+` WHERE u.id IN (`+loginMatches+`) ORDER BY u.id`,
		[]any{partnerID, list, partnerID, list},
		func(u roster.User) error {
			us = append(us, u)
			return nil
		})
	return us, err
}

// eachUser runs a query of selectUsers on q and calls fn per row; op names
// the caller in errors. The rows are closed on every path.
func eachUser(ctx context.Context, q queryer, op, query string, args []any, fn func(roster.User) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	defer rows.Close()
	sc := newUserScanner()
	for rows.Next() {
		u, err := sc.scan(rows)
		if err != nil {
			return fmt.Errorf("sqlite: %s: %w", op, err)
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	return nil
}

// countUsersQuery builds the query for CountUsers.
func countUsersQuery(partnerID int64, f roster.UserFilter) (string, []any) {
	src := userSelect(partnerID, f)
	return `SELECT count(*) FROM ` + src.from + ` WHERE ` + src.where, src.args
}

// userSelection is what a user query reads besides the user's own fields,
// and how: the columns it selects, what it joins, and the arguments its
// columns take, which come first.
type userSelection struct {
	columns, join string
	args          func(partnerID int64) []any
}

// joinedRoles reads the userColumns, each user's role joined in.
var joinedRoles = userSelection{
	columns: userColumns,
	join:    ` JOIN roles r ON r.id = u.role_id`,
	args:    func(int64) []any { return nil },
}

// usersQuery builds the query for Users and EachUser. Every value is a
// bound parameter; the only SQL taken from f is a column out of
// userSortColumns.
//
// Keyset pages (AfterID) exist only in ascending id order: "after id N" in
// any other order would skip or repeat users. A filter that combines
// AfterID with another order, or names an order that does not exist, is a
// programming error in the caller and gets an internal error, not EInvalid.
func usersQuery(partnerID int64, f roster.UserFilter, sel userSelection) (string, []any, error) {
	src := userSelect(partnerID, f)
	query := `SELECT ` + sel.columns + ` FROM ` + src.from + sel.join + ` WHERE `
	src.args = append(sel.args(partnerID), src.args...)
	if f.Email != "" {
		// The domain says an e-mail filter overrides every other field.
		return query + src.where + ` ORDER BY u.id`, src.args, nil
	}
	col, ok := userSortColumns[f.SortBy]
	if !ok {
		return "", nil, fmt.Errorf("sqlite: users: unknown order %q", f.SortBy)
	}
	if f.AfterID > 0 {
		if f.SortBy != roster.SortByID || f.Descending {
			return "", nil, fmt.Errorf("sqlite: users: AfterID needs ascending id order, not %q descending=%v",
				f.SortBy, f.Descending)
		}
		src.where += ` AND ` + src.id + ` > ?`
		src.args = append(src.args, f.AfterID)
	}
	dir := " ASC"
	if f.Descending {
		dir = " DESC"
	}
	order := src.id + dir
	if col != "" {
		order = col + dir + ", " + order
	}
	page, pageArgs := limitOffset(f.Limit, f.Offset)
	return query + src.where + ` ORDER BY ` + order + page, append(src.args, pageArgs...), nil
}

// userSource is where a user filter reads: the FROM clause, which names
// the user u and leaves the roles to the caller, and the WHERE clause with
// its arguments, for every filter field except AfterID and the paging and
// order fields.
type userSource struct {
	from, where string
	args        []any
	// id is the user's id to order and page by. With the trigram index
	// joined it is the index's rowid, equal to u.id: SQLite does not carry
	// an order across that equality, and only an ORDER BY and a lower bound
	// on the rowid itself let FTS5 hand out its rows in order, so that a
	// page in id order stops after its last row.
	id string
}

// userSelect returns the source of the users matching f.
//
// A Contains or Search needle long enough for the trigram index
// (search.go) puts the index first, as the outer loop of a CROSS JOIN that
// SQLite may not reorder: the index yields the partner's candidates and
// each is looked up by id. Only a list of IDs does without it, since those
// ids already name at most a few hundred rows to look up.
func userSelect(partnerID int64, f roster.UserFilter) userSource {
	src := userSource{from: "users u", id: "u.id"}
	where := []string{"u.partner_id = ?"}
	args := []any{partnerID}
	if f.Email != "" {
		where = append(where, "u.email_norm = ?")
		args = append(args, strings.ToLower(f.Email))
		src.where, src.args = strings.Join(where, " AND "), args
		return src
	}
	if len(f.IDs) > 0 {
		where = append(where, "u.id IN ("+placeholders(len(f.IDs))+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if len(f.GroupIDs) > 0 {
		where = append(where, `EXISTS (SELECT 1 FROM user_groups ug
			WHERE ug.user_id = u.id AND ug.group_id IN (`+placeholders(len(f.GroupIDs))+`))`)
		for _, id := range f.GroupIDs {
			args = append(args, id)
		}
	}
	// instr, not LIKE: the needle's % and _ stay literal without escaping.
	// instr decides; the trigram terms only find the candidates.
	var terms []string
	if f.Contains != "" {
		needle := strings.ToLower(f.Contains)
		where = append(where, "instr(u.search, ?) > 0")
		args = append(args, needle)
		if t := trigramTerm("search", needle); t != "" {
			terms = append(terms, t)
		}
	}
	if f.Search != "" {
		// search holds the full name and the e-mail; the username is apart.
		needle := strings.ToLower(f.Search)
		where = append(where, "(instr(u.search, ?) > 0 OR instr(u.username_norm, ?) > 0)")
		args = append(args, needle, needle)
		if t := trigramTerm("search username_norm", needle); t != "" {
			terms = append(terms, t)
		}
	}
	if len(terms) > 0 && len(f.IDs) == 0 {
		src.from = "users_fts CROSS JOIN users u ON u.id = users_fts.rowid"
		src.id = "users_fts.rowid"
		where = append(where, "users_fts MATCH ?")
		args = append(args, trigramQuery(partnerID, terms))
	}
	if !f.IncludeInactive {
		where = append(where, "u.state <> ?")
		args = append(args, roster.StateInactive)
	}
	if f.SignIn != "" {
		where = append(where, "u.sign_in = ?")
		args = append(args, f.SignIn)
	}
	src.where, src.args = strings.Join(where, " AND "), args
	return src
}
