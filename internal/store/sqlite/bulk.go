package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// Bulk writes: many rows per INSERT, because a statement per user costs
// more than the row it writes (parsing, a b-tree descent per index, and an
// FTS5 flush of pending terms at the end of every statement).

// bulkRows is how many users one INSERT writes: 22 parameters a row keeps
// it well under SQLite's limit of 32,766 bound parameters.
const bulkRows = 500

// userInsertColumns are the columns CreateUsers writes, 22 of them.
const userInsertColumns = `partner_id, username, username_norm, email, email_norm,
	given_name, given_norm, family_name, family_norm, title, phone,
	role_id, state, sign_in, password_hash, password_expires_at,
	created_at, updated_at, last_login_at, failed_sign_ins,
	failed_since, search`

// CreateUsers inserts us, users of one partner, with their memberships,
// in statements of bulkRows users, and sets each one's ID, CreatedAt,
// UpdatedAt, Role and Groups as CreateUser does. EConflict if a login is
// taken in the partner or repeated in us; EInvalid for a role or group not
// the partner's, or users of several partners. Every check runs before the
// first write, so a refused call writes nothing, even inside a caller's Tx.
// The memberships' triggers keep users.group_ids, and the users' triggers
// the search index, in step as for CreateUser.
func (s *Store) CreateUsers(ctx context.Context, us []*roster.User) error {
	if len(us) == 0 {
		return nil
	}
	partnerID := us[0].PartnerID
	now := s.timestamp()
	groups := make([][]int64, len(us))
	for i, u := range us {
		groups[i] = idSet(u.Groups)
	}
	var (
		roles map[int64]roster.Role
		ids   []int64
	)
	err := s.transact(ctx, func(tx *Store) error {
		q := tx.writer()
		var err error
		if roles, err = checkBulkRefs(ctx, q, partnerID, us, groups); err != nil {
			return err
		}
		if err := checkBulkLogins(ctx, q, partnerID, us); err != nil {
			return err
		}
		for lo := 0; lo < len(us); lo += bulkRows {
			hi := min(lo+bulkRows, len(us))
			chunk, err := insertUsers(ctx, q, us[lo:hi], now)
			if err != nil {
				return err
			}
			ids = append(ids, chunk...)
			if err := insertMemberships(ctx, q, partnerID, chunk, groups[lo:hi]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, u := range us {
		u.ID, u.CreatedAt, u.UpdatedAt, u.Role, u.Groups = ids[i], now, now, roles[u.Role.ID], groups[i]
	}
	return nil
}

// insertUsers writes us in one statement and returns their ids. A single
// INSERT by the only writer numbers its rows one after another, ending at
// the last insert id (the triggers' own inserts do not change it once they
// return).
func insertUsers(ctx context.Context, q queryer, us []*roster.User, now time.Time) ([]int64, error) {
	args := make([]any, 0, 22*len(us))
	for _, u := range us {
		args = append(args, u.PartnerID, u.Username, strings.ToLower(u.Username), u.Email, strings.ToLower(u.Email),
			u.GivenName, strings.ToLower(u.GivenName), u.FamilyName, strings.ToLower(u.FamilyName),
			u.Title, u.Phone, u.Role.ID, u.State, u.SignIn, u.PasswordHash, toDBPtr(u.PasswordExpiresAt),
			toDB(now), toDB(now), toDBPtr(u.LastLoginAt), u.FailedSignIns,
			toDBPtr(u.FailedSince), u.SearchText())
	}
	res, err := q.ExecContext(ctx, `INSERT INTO users (`+userInsertColumns+`) VALUES `+valuesOf(22, len(us)), args...)
	if err != nil {
		return nil, writeError(err, "create users", "user")
	}
	last, err := res.LastInsertId()
	if err != nil {
		return nil, fmt.Errorf("sqlite: create users: %w", err)
	}
	ids := make([]int64, len(us))
	for i := range ids {
		ids[i] = last - int64(len(us)-1-i)
	}
	return ids, nil
}

// insertMemberships writes the memberships of the users ids, groups[i]
// being those of ids[i], in statements of at most bulkRows*3 rows.
func insertMemberships(ctx context.Context, q queryer, partnerID int64, ids []int64, groups [][]int64) error {
	var rows []any
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		_, err := q.ExecContext(ctx, `INSERT INTO user_groups (user_id, group_id, partner_id) VALUES `+
			valuesOf(3, len(rows)/3), rows...)
		rows = rows[:0]
		if err != nil {
			return writeError(err, "set groups of users", "membership")
		}
		return nil
	}
	for i, id := range ids {
		for _, g := range groups[i] {
			rows = append(rows, id, g, partnerID)
		}
		if len(rows) >= 3*bulkRows {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// checkBulkRefs returns the roles us name, by id, after checking that every
// user is of partnerID (roster.BulkRefs) and that the groups are the
// partner's.
func checkBulkRefs(ctx context.Context, q queryer, partnerID int64, us []*roster.User, groups [][]int64) (map[int64]roster.Role, error) {
	roles, allGroups, err := roster.BulkRefs(partnerID, us, groups, func(id int64) (roster.Role, error) {
		return role(ctx, q, partnerID, id)
	})
	if err != nil {
		return nil, err
	}
	return roles, checkPartnerIDs(ctx, q, "groups", partnerID, idSet(allGroups))
}

// checkBulkLogins returns EConflict if an e-mail or a username of us is
// repeated in us or already taken in the partner, as the unique indexes
// would find, but before anything is written.
func checkBulkLogins(ctx context.Context, q queryer, partnerID int64, us []*roster.User) error {
	emails, names, err := roster.BulkLogins(us)
	if err != nil {
		return err
	}
	var taken int
	err = q.QueryRowContext(ctx, `SELECT count(*) FROM (`+loginMatches+`)`,
		partnerID, jsonStrings(emails), partnerID, jsonStrings(names)).Scan(&taken)
	if err != nil {
		return fmt.Errorf("sqlite: check logins: %w", err)
	}
	if taken > 0 {
		return roster.Errorf(roster.EConflict, "user already exists")
	}
	return nil
}

// jsonStrings is ss as a JSON array, for json_each.
func jsonStrings(ss []string) string {
	b, err := json.Marshal(ss)
	if err != nil {
		panic(err) // a []string always marshals
	}
	return string(b)
}

// valuesOf returns the VALUES list of n rows of cols parameters each.
func valuesOf(cols, n int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(row+",", n), ",")
}
