package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster/internal/roster"
)

// selectGroups reads groups with their members, for scanGroup; the members
// come from an array subquery, so a list costs one query.
const selectGroups = `SELECT g.id, g.partner_id, g.name, g.description, g.created_at, g.updated_at,
	ARRAY(SELECT ug.user_id FROM user_groups ug WHERE ug.group_id = g.id ORDER BY ug.user_id)
	FROM groups g`

// CreateGroup inserts g with its members, sets its ID, CreatedAt and
// UpdatedAt, and sets g.Users to the stored set (sorted, without
// duplicates). EConflict if the partner has a group of that name,
// case-insensitively; EInvalid if a member is not a user of the partner, or
// the partner does not exist.
func (s *Store) CreateGroup(ctx context.Context, g *roster.Group) error {
	users := idSet(g.Users)
	var (
		id  int64
		now = s.timestamp()
	)
	err := s.transact(ctx, func(tx *Store) error {
		q := tx.q()
		if err := checkPartnerIDs(ctx, q, "users", g.PartnerID, users); err != nil {
			return err
		}
		err := q.QueryRow(ctx, `
			INSERT INTO groups (partner_id, name, name_norm, description, search, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
			g.PartnerID, g.Name, strings.ToLower(g.Name), g.Description, g.SearchText(), now).Scan(&id)
		if err != nil {
			return writeError(err, "create group", "group")
		}
		return setGroupUsers(ctx, q, g.PartnerID, id, users)
	})
	if err != nil {
		return err
	}
	g.ID, g.CreatedAt, g.UpdatedAt, g.Users = id, now, now, users
	return nil
}

// Group returns one group with its members. ENotFound.
func (s *Store) Group(ctx context.Context, partnerID, id int64) (roster.Group, error) {
	row := s.q().QueryRow(ctx,
		selectGroups+` WHERE g.partner_id = $1 AND g.id = $2`, partnerID, id)
	g, err := scanGroup(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return roster.Group{}, notFound("group %d", id)
	}
	if err != nil {
		return roster.Group{}, fmt.Errorf("postgres: group %d: %w", id, err)
	}
	return g, nil
}

// Groups returns the partner's groups matching f with their members,
// ordered by name (case-insensitively, in code-point order) and then id.
func (s *Store) Groups(ctx context.Context, partnerID int64, f roster.GroupFilter) ([]roster.Group, error) {
	var p params
	where := groupWhere(&p, partnerID, f)
	dir := " ASC"
	if f.Descending {
		dir = " DESC"
	}
	query := selectGroups + ` WHERE ` + where +
		` ORDER BY g.name_norm COLLATE "C"` + dir + `, g.id` + dir + limitOffset(&p, f.Limit, f.Offset)

	rows, err := s.q().Query(ctx, query, p...)
	if err != nil {
		return nil, fmt.Errorf("postgres: groups: %w", err)
	}
	gs, err := collectRows(rows, scanGroup)
	if err != nil {
		return nil, fmt.Errorf("postgres: groups: %w", err)
	}
	return gs, nil
}

// CountGroups returns how many groups match f, ignoring Offset and Limit.
func (s *Store) CountGroups(ctx context.Context, partnerID int64, f roster.GroupFilter) (int, error) {
	var p params
	where := groupWhere(&p, partnerID, f)
	var n int
	err := s.q().QueryRow(ctx, `SELECT count(*) FROM groups g WHERE `+where, p...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: count groups: %w", err)
	}
	return n, nil
}

// groupWhere is the WHERE clause, on groups aliased g, of f's selecting
// fields; it adds its arguments to p.
func groupWhere(p *params, partnerID int64, f roster.GroupFilter) string {
	where := []string{"g.partner_id = " + p.add(partnerID)}
	if len(f.IDs) > 0 {
		where = append(where, "g.id = ANY("+p.add(f.IDs)+")")
	}
	if f.Search != "" {
		where = append(where, "g.search "+containsPattern(p, f.Search))
	}
	return strings.Join(where, " AND ")
}

// UpdateGroup stores g's name, description and members, sets UpdatedAt and
// sets g.Users to the stored set. ENotFound; EConflict and EInvalid as
// CreateGroup.
func (s *Store) UpdateGroup(ctx context.Context, g *roster.Group) error {
	users := idSet(g.Users)
	now := s.timestamp()
	err := s.transact(ctx, func(tx *Store) error {
		q := tx.q()
		if err := checkPartnerIDs(ctx, q, "users", g.PartnerID, users); err != nil {
			return err
		}
		tag, err := q.Exec(ctx, `
			UPDATE groups SET name = $1, name_norm = $2, description = $3, search = $4, updated_at = $5
			WHERE partner_id = $6 AND id = $7`,
			g.Name, strings.ToLower(g.Name), g.Description, g.SearchText(), now, g.PartnerID, g.ID)
		if err != nil {
			return writeError(err, "update group", "group")
		}
		if err := oneRow(tag, "group %d", g.ID); err != nil {
			return err
		}
		return setGroupUsers(ctx, q, g.PartnerID, g.ID, users)
	})
	if err != nil {
		return err
	}
	g.UpdatedAt, g.Users = now, users
	return nil
}

// DeleteGroup removes one group. ENotFound. Its memberships go with it by
// the foreign key's ON DELETE CASCADE; its users stay.
func (s *Store) DeleteGroup(ctx context.Context, partnerID, id int64) error {
	tag, err := s.q().Exec(ctx,
		`DELETE FROM groups WHERE partner_id = $1 AND id = $2`, partnerID, id)
	if err != nil {
		return fmt.Errorf("postgres: delete group %d: %w", id, err)
	}
	return oneRow(tag, "group %d", id)
}

// scanGroup reads a row of selectGroups.
func scanGroup(row pgx.Row) (roster.Group, error) {
	var g roster.Group
	if err := row.Scan(&g.ID, &g.PartnerID, &g.Name, &g.Description, &g.CreatedAt, &g.UpdatedAt, &g.Users); err != nil {
		return roster.Group{}, err
	}
	if len(g.Users) == 0 {
		g.Users = nil // as idSet writes it
	}
	return g, nil
}
