package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster/internal/roster"
)

// Bulk writes go through COPY, which streams rows without a statement per
// row: the one way PostgreSQL takes a million users in minutes.

// userCopyColumns are the columns CreateUsers copies, id first: COPY writes
// the ids given, as INSERT … OVERRIDING SYSTEM VALUE would.
var userCopyColumns = []string{"id", "partner_id", "username", "username_norm", "email", "email_norm",
	"given_name", "given_norm", "family_name", "family_norm", "title", "phone",
	"role_id", "state", "sign_in", "password_hash", "password_expires_at",
	"created_at", "updated_at", "last_login_at", "failed_sign_ins", "failed_since", "search"}

// CreateUsers inserts us, users of one partner, with their memberships, by
// COPY, and sets each one's ID, CreatedAt, UpdatedAt, Role and Groups as
// CreateUser does. COPY returns no ids, so they are taken from the users'
// identity sequence first, ascending in the order of us. EConflict if a
// login is taken in the partner or repeated in us; EInvalid for a role or
// group not the partner's, or users of several partners. The checks run
// before the first write; a conflict that only the copy finds (a
// concurrent writer) aborts the transaction, as CreateUser's would.
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
		var err error
		if roles, err = checkBulkRefs(ctx, tx.tx, partnerID, us, groups); err != nil {
			return err
		}
		if err := checkBulkLogins(ctx, tx.tx, partnerID, us); err != nil {
			return err
		}
		if ids, err = reserveUserIDs(ctx, tx.tx, len(us)); err != nil {
			return err
		}
		if err := copyUsers(ctx, tx.tx, us, ids, now); err != nil {
			return err
		}
		return copyMemberships(ctx, tx.tx, partnerID, ids, groups)
	})
	if err != nil {
		return err
	}
	for i, u := range us {
		u.ID, u.CreatedAt, u.UpdatedAt, u.Role, u.Groups = ids[i], now, now, roles[u.Role.ID], groups[i]
	}
	return nil
}

// reserveUserIDs takes n ids from the users' identity sequence, ascending.
func reserveUserIDs(ctx context.Context, tx pgx.Tx, n int) ([]int64, error) {
	rows, err := tx.Query(ctx,
		`SELECT nextval(pg_get_serial_sequence('users', 'id')) FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, fmt.Errorf("postgres: reserve user ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("postgres: reserve user ids: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}

// copyUsers copies us with the ids given.
func copyUsers(ctx context.Context, tx pgx.Tx, us []*roster.User, ids []int64, now time.Time) error {
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"users"}, userCopyColumns,
		pgx.CopyFromSlice(len(us), func(i int) ([]any, error) {
			u := us[i]
			return []any{ids[i], u.PartnerID, u.Username, strings.ToLower(u.Username), u.Email, strings.ToLower(u.Email),
				u.GivenName, strings.ToLower(u.GivenName), u.FamilyName, strings.ToLower(u.FamilyName),
				u.Title, u.Phone, u.Role.ID, string(u.State), string(u.SignIn), u.PasswordHash,
				toDBPtr(u.PasswordExpiresAt), now, now, toDBPtr(u.LastLoginAt), u.FailedSignIns,
				toDBPtr(u.FailedSince), u.SearchText()}, nil
		}))
	if err != nil {
		return writeError(err, "create users", "user")
	}
	return nil
}

// copyMemberships copies the memberships of the users ids, groups[i]
// being those of ids[i].
func copyMemberships(ctx context.Context, tx pgx.Tx, partnerID int64, ids []int64, groups [][]int64) error {
	var rows [][]any
	for i, id := range ids {
		for _, g := range groups[i] {
			rows = append(rows, []any{id, g, partnerID})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"user_groups"}, []string{"user_id", "group_id", "partner_id"},
		pgx.CopyFromRows(rows))
	if err != nil {
		return writeError(err, "set groups of users", "membership")
	}
	return nil
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
// repeated in us or already taken in the partner, before anything is
// written, so that the common refusal leaves the transaction usable.
func checkBulkLogins(ctx context.Context, q queryer, partnerID int64, us []*roster.User) error {
	emails, names, err := roster.BulkLogins(us)
	if err != nil {
		return err
	}
	var taken bool
	err = q.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM users
		               WHERE partner_id = $1 AND (email_norm = ANY($2::text[]) OR username_norm = ANY($3::text[])))`,
		partnerID, emails, names).Scan(&taken)
	if err != nil {
		return fmt.Errorf("postgres: check logins: %w", err)
	}
	if taken {
		return roster.Errorf(roster.EConflict, "user already exists")
	}
	return nil
}
