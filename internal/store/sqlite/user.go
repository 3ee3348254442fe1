package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/roster-dev/roster/internal/roster"
)

// selectUsers reads users with their role, for scanUser.
const selectUsers = `SELECT u.id, u.partner_id, u.username, u.email, u.given_name, u.family_name,
	u.title, u.phone, u.state, u.sign_in, u.password_hash, u.password_expires_at,
	u.created_at, u.updated_at, u.last_login_at, ` + roleColumns + `
	FROM users u JOIN roles r ON r.id = u.role_id`

// CreateUser inserts u and sets its ID, CreatedAt and UpdatedAt, and fills
// u.Role from u.Role.ID. EConflict if the e-mail or username is taken in the
// partner, case-insensitively; EInvalid if the role is not the partner's.
func (s *Store) CreateUser(ctx context.Context, u *roster.User) error {
	q := s.writer()
	r, err := userRole(ctx, q, u)
	if err != nil {
		return err
	}
	now := s.timestamp()
	res, err := q.ExecContext(ctx, `
		INSERT INTO users (partner_id, username, username_norm, email, email_norm,
		                   given_name, family_name, title, phone, role_id, state, sign_in,
		                   password_hash, password_expires_at, created_at, updated_at,
		                   last_login_at, search)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.PartnerID, u.Username, strings.ToLower(u.Username), u.Email, strings.ToLower(u.Email),
		u.GivenName, u.FamilyName, u.Title, u.Phone, r.ID, u.State, u.SignIn,
		u.PasswordHash, toDBPtr(u.PasswordExpiresAt), toDB(now), toDB(now),
		toDBPtr(u.LastLoginAt), search(u))
	if err != nil {
		return writeError(err, "create user", "user")
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("sqlite: create user: %w", err)
	}
	u.ID, u.CreatedAt, u.UpdatedAt, u.Role = id, now, now, r
	return nil
}

// User returns one user with its role. ENotFound.
func (s *Store) User(ctx context.Context, partnerID, id int64) (roster.User, error) {
	row := s.reader().QueryRowContext(ctx,
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
	row := s.reader().QueryRowContext(ctx,
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

// Users returns the partner's users matching f, in ascending id order.
func (s *Store) Users(ctx context.Context, partnerID int64, f roster.UserFilter) ([]roster.User, error) {
	query, args := usersQuery(partnerID, f)
	rows, err := s.reader().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: users: %w", err)
	}
	defer rows.Close()
	var us []roster.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: users: %w", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: users: %w", err)
	}
	return us, nil
}

// usersQuery builds the query for Users. Every value is a bound parameter.
func usersQuery(partnerID int64, f roster.UserFilter) (string, []any) {
	where := []string{"u.partner_id = ?"}
	args := []any{partnerID}
	if f.Email != "" {
		// The domain says an e-mail filter overrides every other field.
		where = append(where, "u.email_norm = ?")
		args = append(args, strings.ToLower(f.Email))
		return selectUsers + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY u.id`, args
	}
	if len(f.IDs) > 0 {
		where = append(where, "u.id IN ("+placeholders(len(f.IDs))+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if f.Contains != "" {
		// instr, not LIKE: the needle's % and _ stay literal without escaping.
		where = append(where, "instr(u.search, ?) > 0")
		args = append(args, strings.ToLower(f.Contains))
	}
	if !f.IncludeInactive {
		where = append(where, "u.state <> ?")
		args = append(args, roster.StateInactive)
	}
	if f.SignIn != "" {
		where = append(where, "u.sign_in = ?")
		args = append(args, f.SignIn)
	}
	if f.AfterID > 0 {
		where = append(where, "u.id > ?")
		args = append(args, f.AfterID)
	}
	query := selectUsers + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY u.id`
	if f.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return query, args
}

// UpdateUser stores every field of u except ID, PartnerID and CreatedAt,
// sets UpdatedAt and refills u.Role. ENotFound; EConflict and EInvalid as
// CreateUser.
func (s *Store) UpdateUser(ctx context.Context, u *roster.User) error {
	q := s.writer()
	r, err := userRole(ctx, q, u)
	if err != nil {
		return err
	}
	now := s.timestamp()
	res, err := q.ExecContext(ctx, `
		UPDATE users SET username = ?, username_norm = ?, email = ?, email_norm = ?,
		                 given_name = ?, family_name = ?, title = ?, phone = ?, role_id = ?,
		                 state = ?, sign_in = ?, password_hash = ?, password_expires_at = ?,
		                 updated_at = ?, last_login_at = ?, search = ?
		WHERE partner_id = ? AND id = ?`,
		u.Username, strings.ToLower(u.Username), u.Email, strings.ToLower(u.Email),
		u.GivenName, u.FamilyName, u.Title, u.Phone, r.ID,
		u.State, u.SignIn, u.PasswordHash, toDBPtr(u.PasswordExpiresAt),
		toDB(now), toDBPtr(u.LastLoginAt), search(u),
		u.PartnerID, u.ID)
	if err != nil {
		return writeError(err, "update user", "user")
	}
	if err := oneRow(res, "user %d", u.ID); err != nil {
		return err
	}
	u.UpdatedAt, u.Role = now, r
	return nil
}

// DeleteUser removes one user. ENotFound.
func (s *Store) DeleteUser(ctx context.Context, partnerID, id int64) error {
	res, err := s.writer().ExecContext(ctx,
		`DELETE FROM users WHERE partner_id = ? AND id = ?`, partnerID, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete user %d: %w", id, err)
	}
	return oneRow(res, "user %d", id)
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

// userRole returns the role u.Role.ID names, read on q. EInvalid unless it
// is a role of u's partner: the foreign key alone would accept another
// partner's role.
func userRole(ctx context.Context, q queryer, u *roster.User) (roster.Role, error) {
	r, err := role(ctx, q, u.PartnerID, u.Role.ID)
	if roster.ErrorCode(err) == roster.ENotFound {
		return roster.Role{}, roster.Errorf(roster.EInvalid, "unknown role")
	}
	return r, err
}

// search is what UserFilter.Contains looks in: the full name ("given
// family", which contains each name alone) and the e-mail, lower-cased in Go
// because SQLite's lower() folds ASCII only. The newline between them keeps
// a needle such as "smithjo" from matching across "Smith" and "jo@…".
func search(u *roster.User) string {
	return strings.ToLower(u.GivenName + " " + u.FamilyName + "\n" + u.Email)
}

// scanUser reads a row of selectUsers.
func scanUser(sc scanner) (roster.User, error) {
	var (
		u                roster.User
		title, phone     sql.NullString
		expires, login   sql.NullInt64
		created, updated int64
		rr               roleRow
	)
	dest := append([]any{&u.ID, &u.PartnerID, &u.Username, &u.Email, &u.GivenName, &u.FamilyName,
		&title, &phone, &u.State, &u.SignIn, &u.PasswordHash, &expires,
		&created, &updated, &login}, rr.dest()...)
	if err := sc.Scan(dest...); err != nil {
		return roster.User{}, err
	}
	r, err := rr.role()
	if err != nil {
		return roster.User{}, fmt.Errorf("user %d: %w", u.ID, err)
	}
	u.Role = r
	if title.Valid {
		u.Title = &title.String
	}
	if phone.Valid {
		u.Phone = &phone.String
	}
	u.PasswordExpiresAt, u.LastLoginAt = fromDBNull(expires), fromDBNull(login)
	u.CreatedAt, u.UpdatedAt = fromDB(created), fromDB(updated)
	return u, nil
}
