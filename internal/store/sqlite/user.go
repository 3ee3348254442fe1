package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/roster-dev/roster/internal/roster"
)

// userFields are a user's own columns, from users aliased u, as scanUser
// reads them. The memberships are the copy the user's row keeps (migration
// 00004), so that a list of users costs one query however long it is, and
// EachUser can stream it.
const userFields = `u.id, u.partner_id, u.username, u.email, u.given_name, u.family_name,
	u.title, u.phone, u.state, u.sign_in, u.password_hash, u.password_expires_at,
	u.created_at, u.updated_at, u.last_login_at, u.failed_sign_ins, u.failed_since,
	u.group_ids`

// userColumns are what scanUser reads: the userFields, then the role's
// columns from roles aliased r, joined in.
const userColumns = userFields + `, ` + roleColumns

const selectUsers = `SELECT ` + userColumns + ` FROM users u JOIN roles r ON r.id = u.role_id`

// CreateUser inserts u with its memberships and sets its ID, CreatedAt and
// UpdatedAt; it fills u.Role from u.Role.ID and sets u.Groups to the stored
// set (sorted, without duplicates). EConflict if the e-mail or username is
// taken in the partner, case-insensitively; EInvalid if the role or a group
// is not the partner's.
//
// Every check that can refuse the call runs before the first write, so a
// refused call leaves nothing behind even inside a caller's Tx that goes on
// to commit.
func (s *Store) CreateUser(ctx context.Context, u *roster.User) error {
	groups := idSet(u.Groups)
	var (
		r   roster.Role
		id  int64
		now = s.timestamp()
	)
	err := s.transact(ctx, func(tx *Store) error {
		q := tx.writer()
		var err error
		if r, err = checkUserRefs(ctx, q, u, groups); err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `
			INSERT INTO users (partner_id, username, username_norm, email, email_norm,
			                   given_name, given_norm, family_name, family_norm, title, phone,
			                   role_id, state, sign_in, password_hash, password_expires_at,
			                   created_at, updated_at, last_login_at, failed_sign_ins,
			                   failed_since, search)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.PartnerID, u.Username, strings.ToLower(u.Username), u.Email, strings.ToLower(u.Email),
			u.GivenName, strings.ToLower(u.GivenName), u.FamilyName, strings.ToLower(u.FamilyName),
			u.Title, u.Phone, r.ID, u.State, u.SignIn, u.PasswordHash, toDBPtr(u.PasswordExpiresAt),
			toDB(now), toDB(now), toDBPtr(u.LastLoginAt), u.FailedSignIns,
			toDBPtr(u.FailedSince), u.SearchText())
		if err != nil {
			return writeError(err, "create user", "user")
		}
		if id, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("sqlite: create user: %w", err)
		}
		return setUserGroups(ctx, q, u.PartnerID, id, groups)
	})
	if err != nil {
		return err
	}
	u.ID, u.CreatedAt, u.UpdatedAt, u.Role, u.Groups = id, now, now, r, groups
	return nil
}

// User returns one user with its role. ENotFound.
func (s *Store) User(ctx context.Context, partnerID, id int64) (roster.User, error) {
	row := s.lookup(ctx,
		selectUsers+` WHERE u.partner_id = ? AND u.id = ?`, partnerID, id)
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return roster.User{}, notFound("user %d", id)
	}
	if err != nil {
		return roster.User{}, fmt.Errorf("sqlite: user %d: %w", id, err)
	}
	return u, nil
}

// UserByEmail returns the user with that e-mail, case-insensitively.
// ENotFound.
func (s *Store) UserByEmail(ctx context.Context, partnerID int64, email string) (roster.User, error) {
	row := s.lookup(ctx,
		selectUsers+` WHERE u.partner_id = ? AND u.email_norm = ?`, partnerID, strings.ToLower(email))
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return roster.User{}, notFound("user with e-mail %q", email)
	}
	if err != nil {
		return roster.User{}, fmt.Errorf("sqlite: user by e-mail: %w", err)
	}
	return u, nil
}

// UpdateUser stores every field of u except ID, PartnerID and CreatedAt,
// replaces the user's memberships with u.Groups, sets UpdatedAt, refills
// u.Role and sets u.Groups to the stored set. ENotFound; EConflict and
// EInvalid as CreateUser, and like it, a refused call writes nothing.
func (s *Store) UpdateUser(ctx context.Context, u *roster.User) error {
	groups := idSet(u.Groups)
	var (
		r   roster.Role
		now = s.timestamp()
	)
	err := s.transact(ctx, func(tx *Store) error {
		q := tx.writer()
		var err error
		if r, err = checkUserRefs(ctx, q, u, groups); err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `
			UPDATE users SET username = ?, username_norm = ?, email = ?, email_norm = ?,
			                 given_name = ?, given_norm = ?, family_name = ?, family_norm = ?,
			                 title = ?, phone = ?, role_id = ?, state = ?, sign_in = ?,
			                 password_hash = ?, password_expires_at = ?, updated_at = ?,
			                 last_login_at = ?, failed_sign_ins = ?, failed_since = ?, search = ?
			WHERE partner_id = ? AND id = ?`,
			u.Username, strings.ToLower(u.Username), u.Email, strings.ToLower(u.Email),
			u.GivenName, strings.ToLower(u.GivenName), u.FamilyName, strings.ToLower(u.FamilyName),
			u.Title, u.Phone, r.ID, u.State, u.SignIn,
			u.PasswordHash, toDBPtr(u.PasswordExpiresAt), toDB(now),
			toDBPtr(u.LastLoginAt), u.FailedSignIns, toDBPtr(u.FailedSince), u.SearchText(),
			u.PartnerID, u.ID)
		if err != nil {
			return writeError(err, "update user", "user")
		}
		if err := oneRow(res, "user %d", u.ID); err != nil {
			return err
		}
		return setUserGroups(ctx, q, u.PartnerID, u.ID, groups)
	})
	if err != nil {
		return err
	}
	u.UpdatedAt, u.Role, u.Groups = now, r, groups
	return nil
}

// DeleteUser removes one user. ENotFound. It is a transaction of its own
// even though it is one statement: the commit takes the user out of the
// search index (flushSearchIndex).
func (s *Store) DeleteUser(ctx context.Context, partnerID, id int64) error {
	return s.transact(ctx, func(tx *Store) error {
		res, err := tx.writer().ExecContext(ctx,
			`DELETE FROM users WHERE partner_id = ? AND id = ?`, partnerID, id)
		if err != nil {
			return fmt.Errorf("sqlite: delete user %d: %w", id, err)
		}
		return oneRow(res, "user %d", id)
	})
}

// ActiveAdminCount returns how many ACTIVE users of the partner have a role
// that grants UserModify. It reads the roles' is_admin column, which
// CreateRole and UpdateRole keep equal to roster.Role.IsAdmin, so the rule
// of what makes an admin lives in the domain, not in a LIKE pattern.
func (s *Store) ActiveAdminCount(ctx context.Context, partnerID int64) (int, error) {
	var n int
	err := s.reader().QueryRowContext(ctx, `
		SELECT count(*) FROM users u JOIN roles r ON r.id = u.role_id
		WHERE u.partner_id = ? AND u.state = ? AND r.is_admin`,
		partnerID, roster.StateActive).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: active admin count: %w", err)
	}
	return n, nil
}

// checkUserRefs returns the role u.Role.ID names, read on q, after checking
// that it and every group in groups belong to u's partner. EInvalid
// otherwise: the role's foreign key alone would accept another partner's
// role.
func checkUserRefs(ctx context.Context, q queryer, u *roster.User, groups []int64) (roster.Role, error) {
	r, err := role(ctx, q, u.PartnerID, u.Role.ID)
	if roster.ErrorCode(err) == roster.ENotFound {
		return roster.Role{}, roster.Errorf(roster.EInvalid, "unknown role")
	}
	if err != nil {
		return roster.Role{}, err
	}
	if err := checkPartnerIDs(ctx, q, "groups", u.PartnerID, groups); err != nil {
		return roster.Role{}, err
	}
	return r, nil
}

// scanUser reads a row of userColumns.
func scanUser(sc scanner) (roster.User, error) {
	return newUserScanner().scan(sc)
}

// userRow holds a row of userFields as scanned: the Scan destinations are
// its fields, so that a row costs one allocation however many columns it
// has, and a walk over many rows reuses it for each. Scanning into a local
// per column cost an allocation each, and building the destinations anew
// for every row a growing slice: a tenth of a 60-user page's CPU
// (profiled).
type userRow struct {
	u                     roster.User
	title, phone, groups  sql.NullString
	expires, login, since sql.NullInt64
	created, updated      int64
}

// fields appends the destinations of the userFields, in their order.
func (r *userRow) fields(dest []any) []any {
	return append(dest, &r.u.ID, &r.u.PartnerID, &r.u.Username, &r.u.Email, &r.u.GivenName,
		&r.u.FamilyName, &r.title, &r.phone, &r.u.State, &r.u.SignIn, &r.u.PasswordHash,
		&r.expires, &r.created, &r.updated, &r.login, &r.u.FailedSignIns, &r.since, &r.groups)
}

// user converts the scanned columns to a User of its own (nothing in it
// points into r), leaving the role to the caller.
func (r *userRow) user() (roster.User, error) {
	u := r.u
	var err error
	if u.Groups, err = parseIDs(r.groups); err != nil {
		return roster.User{}, fmt.Errorf("user %d: groups: %w", u.ID, err)
	}
	u.FailedSince = fromDBNull(r.since)
	if r.title.Valid {
		title := r.title.String
		u.Title = &title
	}
	if r.phone.Valid {
		phone := r.phone.String
		u.Phone = &phone
	}
	u.PasswordExpiresAt, u.LastLoginAt = fromDBNull(r.expires), fromDBNull(r.login)
	u.CreatedAt, u.UpdatedAt = fromDB(r.created), fromDB(r.updated)
	return u, nil
}

// userScanner scans rows of userColumns, the user's fields and its role's,
// into one set of destinations it keeps.
type userScanner struct {
	row  userRow
	role roleRow
	dest []any
}

func newUserScanner() *userScanner {
	s := &userScanner{}
	s.dest = s.role.dest(s.row.fields(make([]any, 0, 27)))
	return s
}

// scan reads sc's current row.
func (s *userScanner) scan(sc scanner) (roster.User, error) {
	if err := sc.Scan(s.dest...); err != nil {
		return roster.User{}, err
	}
	u, err := s.row.user()
	if err != nil {
		return roster.User{}, err
	}
	if u.Role, err = s.role.role(); err != nil {
		return roster.User{}, fmt.Errorf("user %d: %w", u.ID, err)
	}
	return u, nil
}
