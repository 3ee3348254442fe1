package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster/internal/roster"
)

// selectUsers reads users with their role and memberships, for scanUser.
// The memberships come from an array subquery, so that a list of users
// costs one query however long it is, and EachUser can stream it.
const selectUsers = `SELECT u.id, u.partner_id, u.username, u.email, u.given_name, u.family_name,
	u.title, u.phone, u.state, u.sign_in, u.password_hash, u.password_expires_at,
	u.created_at, u.updated_at, u.last_login_at, u.failed_sign_ins, u.failed_since,
	ARRAY(SELECT ug.group_id FROM user_groups ug WHERE ug.user_id = u.id ORDER BY ug.group_id),
	` + roleColumns + `
	FROM users u JOIN roles r ON r.id = u.role_id`

// CreateUser inserts u with its memberships and sets its ID, CreatedAt and
// UpdatedAt; it fills u.Role from u.Role.ID and sets u.Groups to the stored
// set (sorted, without duplicates). EConflict if the e-mail or username is
// taken in the partner, case-insensitively; EInvalid if the role or a group
// is not the partner's.
//
// Every check that can refuse the call runs before the first write; a
// conflict, which only the insert can find, aborts the caller's transaction
// (see the package documentation).
func (s *Store) CreateUser(ctx context.Context, u *roster.User) error {
	groups := idSet(u.Groups)
	var (
		r   roster.Role
		id  int64
		now = s.timestamp()
	)
	err := s.transact(ctx, func(tx *Store) error {
		q := tx.q()
		var err error
		if r, err = checkUserRefs(ctx, q, u, groups); err != nil {
			return err
		}
		err = q.QueryRow(ctx, `
			INSERT INTO users (partner_id, username, username_norm, email, email_norm,
			                   given_name, given_norm, family_name, family_norm, title, phone,
			                   role_id, state, sign_in, password_hash, password_expires_at,
			                   created_at, updated_at, last_login_at, failed_sign_ins,
			                   failed_since, search)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
			        $17, $17, $18, $19, $20, $21)
			RETURNING id`,
			u.PartnerID, u.Username, strings.ToLower(u.Username), u.Email, strings.ToLower(u.Email),
			u.GivenName, strings.ToLower(u.GivenName), u.FamilyName, strings.ToLower(u.FamilyName),
			u.Title, u.Phone, r.ID, u.State, u.SignIn, u.PasswordHash, toDBPtr(u.PasswordExpiresAt),
			now, toDBPtr(u.LastLoginAt), u.FailedSignIns, toDBPtr(u.FailedSince), u.SearchText()).Scan(&id)
		if err != nil {
			return writeError(err, "create user", "user")
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
	row := s.q().QueryRow(ctx,
		selectUsers+` WHERE u.partner_id = $1 AND u.id = $2`, partnerID, id)
	u, err := scanUser(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return roster.User{}, notFound("user %d", id)
	}
	if err != nil {
		return roster.User{}, fmt.Errorf("postgres: user %d: %w", id, err)
	}
	return u, nil
}

// UserByEmail returns the user with that e-mail, case-insensitively.
// ENotFound.
func (s *Store) UserByEmail(ctx context.Context, partnerID int64, email string) (roster.User, error) {
	row := s.q().QueryRow(ctx,
		selectUsers+` WHERE u.partner_id = $1 AND u.email_norm = $2`, partnerID, strings.ToLower(email))
	u, err := scanUser(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return roster.User{}, notFound("user with e-mail %q", email)
	}
	if err != nil {
		return roster.User{}, fmt.Errorf("postgres: user by e-mail: %w", err)
	}
	return u, nil
}

// UpdateUser stores every field of u except ID, PartnerID and CreatedAt,
// replaces the user's memberships with u.Groups, sets UpdatedAt, refills
// u.Role and sets u.Groups to the stored set. ENotFound; EConflict and
// EInvalid as CreateUser.
func (s *Store) UpdateUser(ctx context.Context, u *roster.User) error {
	groups := idSet(u.Groups)
	var (
		r   roster.Role
		now = s.timestamp()
	)
	err := s.transact(ctx, func(tx *Store) error {
		q := tx.q()
		var err error
		if r, err = checkUserRefs(ctx, q, u, groups); err != nil {
			return err
		}
		tag, err := q.Exec(ctx, `
			UPDATE users SET username = $1, username_norm = $2, email = $3, email_norm = $4,
			                 given_name = $5, given_norm = $6, family_name = $7, family_norm = $8,
			                 title = $9, phone = $10, role_id = $11, state = $12, sign_in = $13,
			                 password_hash = $14, password_expires_at = $15, updated_at = $16,
			                 last_login_at = $17, failed_sign_ins = $18, failed_since = $19,
			                 search = $20
			WHERE partner_id = $21 AND id = $22`,
			u.Username, strings.ToLower(u.Username), u.Email, strings.ToLower(u.Email),
			u.GivenName, strings.ToLower(u.GivenName), u.FamilyName, strings.ToLower(u.FamilyName),
			u.Title, u.Phone, r.ID, u.State, u.SignIn,
			u.PasswordHash, toDBPtr(u.PasswordExpiresAt), now,
			toDBPtr(u.LastLoginAt), u.FailedSignIns, toDBPtr(u.FailedSince), u.SearchText(),
			u.PartnerID, u.ID)
		if err != nil {
			return writeError(err, "update user", "user")
		}
		if err := oneRow(tag, "user %d", u.ID); err != nil {
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

// DeleteUser removes one user. ENotFound. Its memberships, tokens and
// password history go with it by their foreign keys' ON DELETE CASCADE.
func (s *Store) DeleteUser(ctx context.Context, partnerID, id int64) error {
	tag, err := s.q().Exec(ctx,
		`DELETE FROM users WHERE partner_id = $1 AND id = $2`, partnerID, id)
	if err != nil {
		return fmt.Errorf("postgres: delete user %d: %w", id, err)
	}
	return oneRow(tag, "user %d", id)
}

// ActiveAdminCount returns how many ACTIVE users of the partner have a role
// that grants UserModify. It reads the roles' is_admin column, which
// CreateRole and UpdateRole keep equal to roster.Role.IsAdmin, so the rule
// of what makes an admin lives in the domain, not in a LIKE pattern.
func (s *Store) ActiveAdminCount(ctx context.Context, partnerID int64) (int, error) {
	var n int
	err := s.q().QueryRow(ctx, `
		SELECT count(*) FROM users u JOIN roles r ON r.id = u.role_id
		WHERE u.partner_id = $1 AND u.state = $2 AND r.is_admin`,
		partnerID, roster.StateActive).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: active admin count: %w", err)
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

// scanUser reads a row of selectUsers.
func scanUser(row pgx.Row) (roster.User, error) {
	var (
		u  roster.User
		rr roleRow
	)
	dest := append([]any{&u.ID, &u.PartnerID, &u.Username, &u.Email, &u.GivenName, &u.FamilyName,
		&u.Title, &u.Phone, &u.State, &u.SignIn, &u.PasswordHash, &u.PasswordExpiresAt,
		&u.CreatedAt, &u.UpdatedAt, &u.LastLoginAt, &u.FailedSignIns, &u.FailedSince,
		&u.Groups}, rr.dest()...)
	if err := row.Scan(dest...); err != nil {
		return roster.User{}, err
	}
	r, err := rr.role()
	if err != nil {
		return roster.User{}, fmt.Errorf("user %d: %w", u.ID, err)
	}
	if len(u.Groups) == 0 {
		u.Groups = nil // as idSet writes it
	}
	u.Role = r
	return u, nil
}
