package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster/internal/roster"
)

// roleColumns are the columns scanRole reads, from roles aliased r, so that
// the user queries can join them in as they are.
const roleColumns = `r.id, r.partner_id, r.name, r.permissions, r.log_type_access,
	r.log_type_access_kind, r.built_in, r.created_at, r.updated_at`

// CreateRole inserts r and sets its ID, CreatedAt and UpdatedAt. EConflict if
// the partner has a role of that name, case-insensitively; EInvalid if the
// partner does not exist.
func (s *Store) CreateRole(ctx context.Context, r *roster.Role) error {
	now := s.timestamp()
	var id int64
	err := s.q().QueryRow(ctx, `
		INSERT INTO roles (partner_id, name, name_norm, permissions, is_admin, log_type_access,
		                   log_type_access_kind, built_in, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		r.PartnerID, r.Name, strings.ToLower(r.Name), permissions(r.Permissions), r.IsAdmin(),
		logTypes(r.LogTypeAccess), r.LogTypeAccessKind, r.BuiltIn, now).Scan(&id)
	if err != nil {
		return writeError(err, "create role", "role")
	}
	r.ID, r.CreatedAt, r.UpdatedAt = id, now, now
	return nil
}

// Role returns one role. ENotFound.
func (s *Store) Role(ctx context.Context, partnerID, id int64) (roster.Role, error) {
	return role(ctx, s.q(), partnerID, id)
}

// role reads one role of the partner on q. ENotFound.
func role(ctx context.Context, q queryer, partnerID, id int64) (roster.Role, error) {
	row := q.QueryRow(ctx,
		`SELECT `+roleColumns+` FROM roles r WHERE r.partner_id = $1 AND r.id = $2`, partnerID, id)
	r, err := scanRole(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return roster.Role{}, notFound("role %d", id)
	}
	if err != nil {
		return roster.Role{}, fmt.Errorf("postgres: role %d: %w", id, err)
	}
	return r, nil
}

// RoleByName returns the role with that name, case-insensitively. ENotFound.
func (s *Store) RoleByName(ctx context.Context, partnerID int64, name string) (roster.Role, error) {
	row := s.q().QueryRow(ctx,
		`SELECT `+roleColumns+` FROM roles r WHERE r.partner_id = $1 AND r.name_norm = $2`,
		partnerID, strings.ToLower(name))
	r, err := scanRole(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return roster.Role{}, notFound("role %q", name)
	}
	if err != nil {
		return roster.Role{}, fmt.Errorf("postgres: role by name: %w", err)
	}
	return r, nil
}

// Roles returns the partner's roles matching f, ordered by name (in
// code-point order of the lower-cased name) and then id.
func (s *Store) Roles(ctx context.Context, partnerID int64, f roster.RoleFilter) ([]roster.Role, error) {
	var p params
	where := []string{"r.partner_id = " + p.add(partnerID)}
	if len(f.IDs) > 0 {
		where = append(where, "r.id = ANY("+p.add(f.IDs)+")")
	}
	if f.Name != "" {
		where = append(where, "r.name_norm = "+p.add(strings.ToLower(f.Name)))
	}
	if f.NameContains != "" {
		where = append(where, "r.name_norm "+containsPattern(&p, f.NameContains))
	}
	dir := " ASC"
	if f.Descending {
		dir = " DESC"
	}
	query := `SELECT ` + roleColumns + ` FROM roles r WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY r.name_norm COLLATE "C"` + dir + `, r.id` + dir

	rows, err := s.q().Query(ctx, query, p...)
	if err != nil {
		return nil, fmt.Errorf("postgres: roles: %w", err)
	}
	rs, err := collectRows(rows, scanRole)
	if err != nil {
		return nil, fmt.Errorf("postgres: roles: %w", err)
	}
	return rs, nil
}

// UpdateRole stores r's name, permissions and log type access, and sets
// UpdatedAt. ENotFound; EConflict on a duplicate name.
func (s *Store) UpdateRole(ctx context.Context, r *roster.Role) error {
	now := s.timestamp()
	tag, err := s.q().Exec(ctx, `
		UPDATE roles SET name = $1, name_norm = $2, permissions = $3, is_admin = $4,
		                 log_type_access = $5, log_type_access_kind = $6, updated_at = $7
		WHERE partner_id = $8 AND id = $9`,
		r.Name, strings.ToLower(r.Name), permissions(r.Permissions), r.IsAdmin(),
		logTypes(r.LogTypeAccess), r.LogTypeAccessKind, now, r.PartnerID, r.ID)
	if err != nil {
		return writeError(err, "update role", "role")
	}
	if err := oneRow(tag, "role %d", r.ID); err != nil {
		return err
	}
	r.UpdatedAt = now
	return nil
}

// DeleteRole removes one role. ENotFound; EConflict if a user has it. The
// users' ON DELETE RESTRICT foreign key decides "in use" in the same
// statement as the delete, so no user can take the role in between.
func (s *Store) DeleteRole(ctx context.Context, partnerID, id int64) error {
	tag, err := s.q().Exec(ctx,
		`DELETE FROM roles WHERE partner_id = $1 AND id = $2`, partnerID, id)
	if sqlState(err) == foreignKeyViolation {
		return roster.Errorf(roster.EConflict, "role is in use")
	}
	if err != nil {
		return fmt.Errorf("postgres: delete role %d: %w", id, err)
	}
	return oneRow(tag, "role %d", id)
}

// RoleUserCount returns how many users have the role; 0 for a role the
// partner does not have.
func (s *Store) RoleUserCount(ctx context.Context, partnerID, id int64) (int, error) {
	var n int
	err := s.q().QueryRow(ctx,
		`SELECT count(*) FROM users WHERE partner_id = $1 AND role_id = $2`, partnerID, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: role %d user count: %w", id, err)
	}
	return n, nil
}

// scanRole reads the roleColumns.
func scanRole(row pgx.Row) (roster.Role, error) {
	var rr roleRow
	if err := row.Scan(rr.dest()...); err != nil {
		return roster.Role{}, err
	}
	return rr.role()
}

// roleRow holds the roleColumns as scanned, before they become a Role; the
// user queries scan it alongside the user's own columns.
type roleRow struct {
	r     roster.Role
	perms string
}

// dest returns the Scan destinations for the roleColumns, in their order.
func (rr *roleRow) dest() []any {
	return []any{&rr.r.ID, &rr.r.PartnerID, &rr.r.Name, &rr.perms, &rr.r.LogTypeAccess,
		&rr.r.LogTypeAccessKind, &rr.r.BuiltIn, &rr.r.CreatedAt, &rr.r.UpdatedAt}
}

// role converts the scanned columns.
func (rr *roleRow) role() (roster.Role, error) {
	r := rr.r
	var err error
	// A value that does not parse was written by something other than this
	// store: that is our fault, not the caller's, so the error is a plain
	// (internal) one and does not wrap the parser's EInvalid.
	if r.Permissions, err = roster.ParsePermissions(rr.perms); err != nil {
		return roster.Role{}, fmt.Errorf("role %d: stored permissions %q: %s", r.ID, rr.perms, err)
	}
	if len(r.LogTypeAccess) == 0 {
		r.LogTypeAccess = nil // one spelling of "none", as the domain writes it
	}
	return r, nil
}

// permissions is the stored form of ps: sorted, without duplicates,
// comma-separated.
func permissions(ps roster.Permissions) string {
	return roster.NewPermissions(ps...).String()
}

// logTypes is the stored form of a role's log types: a TEXT[], empty rather
// than NULL for none (pgx sends a nil slice as NULL).
func logTypes(types []string) []string {
	if types == nil {
		return []string{}
	}
	return types
}
