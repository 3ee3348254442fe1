package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/roster-dev/roster/internal/roster"

	sqlite3 "modernc.org/sqlite/lib"
)

// roleColumns are the columns scanRole reads, from roles aliased r, so that
// the user queries can join them in as they are.
const roleColumns = `r.id, r.partner_id, r.name, r.permissions, r.log_type_access,
	r.log_type_access_kind, r.built_in, r.created_at, r.updated_at`

// CreateRole inserts r and sets its ID, CreatedAt and UpdatedAt. EConflict if
// the partner has a role of that name, case-insensitively; EInvalid if the
// partner does not exist.
func (s *Store) CreateRole(ctx context.Context, r *roster.Role) error {
	access, err := encodeLogTypes(r.LogTypeAccess)
	if err != nil {
		return err
	}
	now := s.timestamp()
	res, err := s.writer().ExecContext(ctx, `
		INSERT INTO roles (partner_id, name, name_norm, permissions, is_admin, log_type_access,
		                   log_type_access_kind, built_in, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.PartnerID, r.Name, strings.ToLower(r.Name), permissions(r.Permissions), r.IsAdmin(),
		access, r.LogTypeAccessKind, r.BuiltIn, toDB(now), toDB(now))
	if err != nil {
		return writeError(err, "create role", "role")
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("sqlite: create role: %w", err)
	}
	r.ID, r.CreatedAt, r.UpdatedAt = id, now, now
	return nil
}

// Role returns one role. ENotFound.
func (s *Store) Role(ctx context.Context, partnerID, id int64) (roster.Role, error) {
	return role(ctx, s.reader(), partnerID, id)
}

// role reads one role of the partner on q. ENotFound.
func role(ctx context.Context, q queryer, partnerID, id int64) (roster.Role, error) {
	row := q.QueryRowContext(ctx,
		`SELECT `+roleColumns+` FROM roles r WHERE r.partner_id = ? AND r.id = ?`, partnerID, id)
	r, err := scanRole(row)
	if errors.Is(err, sql.ErrNoRows) {
		return roster.Role{}, notFound("role %d", id)
	}
	if err != nil {
		return roster.Role{}, fmt.Errorf("sqlite: role %d: %w", id, err)
	}
	return r, nil
}

// RoleByName returns the role with that name, case-insensitively. ENotFound.
func (s *Store) RoleByName(ctx context.Context, partnerID int64, name string) (roster.Role, error) {
	row := s.lookup(ctx,
		`SELECT `+roleColumns+` FROM roles r WHERE r.partner_id = ? AND r.name_norm = ?`,
		partnerID, strings.ToLower(name))
	r, err := scanRole(row)
	if errors.Is(err, sql.ErrNoRows) {
		return roster.Role{}, notFound("role %q", name)
	}
	if err != nil {
		return roster.Role{}, fmt.Errorf("sqlite: role by name: %w", err)
	}
	return r, nil
}

// Roles returns the partner's roles matching f, ordered by name.
func (s *Store) Roles(ctx context.Context, partnerID int64, f roster.RoleFilter) ([]roster.Role, error) {
	where := []string{"r.partner_id = ?"}
	args := []any{partnerID}
	if len(f.IDs) > 0 {
		where = append(where, "r.id IN ("+placeholders(len(f.IDs))+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if f.Name != "" {
		where = append(where, "r.name_norm = ?")
		args = append(args, strings.ToLower(f.Name))
	}
	if f.NameContains != "" {
		where = append(where, "instr(r.name_norm, ?) > 0")
		args = append(args, strings.ToLower(f.NameContains))
	}
	order := "ASC"
	if f.Descending {
		order = "DESC"
	}
	query := `SELECT ` + roleColumns + ` FROM roles r WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY r.name_norm ` + order + `, r.id ` + order

	rows, err := s.reader().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: roles: %w", err)
	}
	defer rows.Close()
	var rs []roster.Role
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: roles: %w", err)
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: roles: %w", err)
	}
	return rs, nil
}

// UpdateRole stores r's name, permissions and log type access, and sets
// UpdatedAt. ENotFound; EConflict on a duplicate name.
func (s *Store) UpdateRole(ctx context.Context, r *roster.Role) error {
	access, err := encodeLogTypes(r.LogTypeAccess)
	if err != nil {
		return err
	}
	now := s.timestamp()
	res, err := s.writer().ExecContext(ctx, `
		UPDATE roles SET name = ?, name_norm = ?, permissions = ?, is_admin = ?,
		                 log_type_access = ?, log_type_access_kind = ?, updated_at = ?
		WHERE partner_id = ? AND id = ?`,
		r.Name, strings.ToLower(r.Name), permissions(r.Permissions), r.IsAdmin(),
		access, r.LogTypeAccessKind, toDB(now), r.PartnerID, r.ID)
	if err != nil {
		return writeError(err, "update role", "role")
	}
	if err := oneRow(res, "role %d", r.ID); err != nil {
		return err
	}
	r.UpdatedAt = now
	return nil
}

// DeleteRole removes one role. ENotFound; EConflict if a user has it. The
// users' ON DELETE RESTRICT foreign key decides "in use" in the same
// statement as the delete, so no user can take the role in between.
func (s *Store) DeleteRole(ctx context.Context, partnerID, id int64) error {
	res, err := s.writer().ExecContext(ctx,
		`DELETE FROM roles WHERE partner_id = ? AND id = ?`, partnerID, id)
	switch driverCode(err) {
	// SQLite runs foreign-key actions as triggers, so RESTRICT fails with
	// SQLITE_CONSTRAINT_TRIGGER; a plain (NO ACTION) key would report
	// SQLITE_CONSTRAINT_FOREIGNKEY. The schema has no triggers of its own.
	case sqlite3.SQLITE_CONSTRAINT_TRIGGER, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return roster.Errorf(roster.EConflict, "role is in use")
	}
	if err != nil {
		return fmt.Errorf("sqlite: delete role %d: %w", id, err)
	}
	return oneRow(res, "role %d", id)
}

// RoleUserCount returns how many users have the role; 0 for a role the
// partner does not have.
func (s *Store) RoleUserCount(ctx context.Context, partnerID, id int64) (int, error) {
	var n int
	err := s.reader().QueryRowContext(ctx,
		`SELECT count(*) FROM users WHERE partner_id = ? AND role_id = ?`, partnerID, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: role %d user count: %w", id, err)
	}
	return n, nil
}

// scanRole reads the roleColumns.
func scanRole(sc scanner) (roster.Role, error) {
	var rr roleRow
	if err := sc.Scan(rr.dest(nil)...); err != nil {
		return roster.Role{}, err
	}
	return rr.role()
}

// roleRow holds the roleColumns as scanned, before they become a Role; the
// user queries scan it alongside the user's own columns.
type roleRow struct {
	r                roster.Role
	perms, access    string
	created, updated int64
}

// dest appends the Scan destinations for the roleColumns, in their order.
func (rr *roleRow) dest(dest []any) []any {
	return append(dest, &rr.r.ID, &rr.r.PartnerID, &rr.r.Name, &rr.perms, &rr.access,
		&rr.r.LogTypeAccessKind, &rr.r.BuiltIn, &rr.created, &rr.updated)
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
	if err := json.Unmarshal([]byte(rr.access), &r.LogTypeAccess); err != nil {
		return roster.Role{}, fmt.Errorf("role %d: stored log type access: %w", r.ID, err)
	}
	if len(r.LogTypeAccess) == 0 {
		r.LogTypeAccess = nil // one spelling of "none", as the domain writes it
	}
	r.CreatedAt, r.UpdatedAt = fromDB(rr.created), fromDB(rr.updated)
	return r, nil
}

// permissions is the stored form of ps: sorted, without duplicates,
// comma-separated.
func permissions(ps roster.Permissions) string {
	return roster.NewPermissions(ps...).String()
}

// encodeLogTypes is the stored form of a role's log types: a JSON array,
// "[]" for none.
func encodeLogTypes(types []string) (string, error) {
	if len(types) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(types)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode log type access: %w", err)
	}
	return string(b), nil
}
