package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/roster-dev/roster/internal/roster"
)

// groupColumns are what scanGroup reads, from groups aliased g; the members
// come from a correlated subquery, so a list costs one query.
const groupColumns = `g.id, g.partner_id, g.name, g.description, g.created_at, g.updated_at,
	(SELECT group_concat(ug.user_id)
	 FROM user_groups ug WHERE ug.group_id = g.id)`

// selectGroups reads groups with their members, for scanGroup.
const selectGroups = `SELECT ` + groupColumns + ` FROM groups g`

// CreateGroup inserts g with its members, sets its ID, CreatedAt and
// UpdatedAt, and sets g.Users to the stored set (sorted, without
// duplicates). EConflict if the partner has a group of that name,
// case-insensitively; EInvalid if a member is not a user of the partner, or
// the partner does not exist. A refused call writes nothing.
func (s *Store) CreateGroup(ctx context.Context, g *roster.Group) error {
	users := idSet(g.Users)
	var (
		id  int64
		now = s.timestamp()
	)
	err := s.transact(ctx, func(tx *Store) error {
		q := tx.writer()
		if err := checkPartnerIDs(ctx, q, "users", g.PartnerID, users); err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `
			INSERT INTO groups (partner_id, name, name_norm, description, search, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			g.PartnerID, g.Name, strings.ToLower(g.Name), g.Description, g.SearchText(),
			toDB(now), toDB(now))
		if err != nil {
			return writeError(err, "create group", "group")
		}
		if id, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("sqlite: create group: %w", err)
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
	row := s.reader().QueryRowContext(ctx,
		selectGroups+` WHERE g.partner_id = ? AND g.id = ?`, partnerID, id)
	g, err := scanGroup(row)
	if errors.Is(err, sql.ErrNoRows) {
		return roster.Group{}, notFound("group %d", id)
	}
	if err != nil {
		return roster.Group{}, fmt.Errorf("sqlite: group %d: %w", id, err)
	}
	return g, nil
}

// Groups returns the partner's groups matching f with their members,
// ordered by name (case-insensitively) and then id.
func (s *Store) Groups(ctx context.Context, partnerID int64, f roster.GroupFilter) ([]roster.Group, error) {
	query, args := groupsQuery(partnerID, f)
	rows, err := s.reader().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: groups: %w", err)
	}
	defer rows.Close()
	var gs []roster.Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: groups: %w", err)
		}
		gs = append(gs, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: groups: %w", err)
	}
	return gs, nil
}

// CountGroups returns how many groups match f, ignoring Offset and Limit.
func (s *Store) CountGroups(ctx context.Context, partnerID int64, f roster.GroupFilter) (int, error) {
	query, args := countGroupsQuery(partnerID, f)
	var n int
	err := s.reader().QueryRowContext(ctx, query, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count groups: %w", err)
	}
	return n, nil
}

// groupsQuery builds the query for Groups, with its arguments.
func groupsQuery(partnerID int64, f roster.GroupFilter) (string, []any) {
	from, where, args := groupSelect(partnerID, f)
	dir := " ASC"
	if f.Descending {
		dir = " DESC"
	}
	page, pageArgs := limitOffset(f.Limit, f.Offset)
	return `SELECT ` + groupColumns + ` FROM ` + from + ` WHERE ` + where +
		` ORDER BY g.name_norm` + dir + `, g.id` + dir + page, append(args, pageArgs...)
}

// countGroupsQuery builds the query for CountGroups.
func countGroupsQuery(partnerID int64, f roster.GroupFilter) (string, []any) {
	from, where, args := groupSelect(partnerID, f)
	return `SELECT count(*) FROM ` + from + ` WHERE ` + where, args
}

// groupSelect returns the FROM clause, which names the group g, and the
// WHERE clause with its arguments, of f's selecting fields. A Search needle
// long enough for the trigram index puts groups_fts first, as userSelect
// does with users_fts, unless a list of IDs already names the rows.
func groupSelect(partnerID int64, f roster.GroupFilter) (from, where string, args []any) {
	from = "groups g"
	conds := []string{"g.partner_id = ?"}
	args = []any{partnerID}
	if len(f.IDs) > 0 {
		conds = append(conds, "g.id IN ("+placeholders(len(f.IDs))+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if f.Search != "" {
		// instr, not LIKE: the needle's % and _ stay literal. instr
		// decides; the trigram index only finds the candidates.
		needle := strings.ToLower(f.Search)
		conds = append(conds, "instr(g.search, ?) > 0")
		args = append(args, needle)
		if t := trigramTerm("search", needle); t != "" && len(f.IDs) == 0 {
			from = "groups_fts CROSS JOIN groups g ON g.id = groups_fts.rowid"
			conds = append(conds, "groups_fts MATCH ?")
			args = append(args, trigramQuery(partnerID, []string{t}))
		}
	}
	return from, strings.Join(conds, " AND "), args
}

// UpdateGroup stores g's name, description and members, sets UpdatedAt and
// sets g.Users to the stored set. ENotFound; EConflict and EInvalid as
// CreateGroup, and like it, a refused call writes nothing.
func (s *Store) UpdateGroup(ctx context.Context, g *roster.Group) error {
	users := idSet(g.Users)
	now := s.timestamp()
	err := s.transact(ctx, func(tx *Store) error {
		q := tx.writer()
		if err := checkPartnerIDs(ctx, q, "users", g.PartnerID, users); err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `
			UPDATE groups SET name = ?, name_norm = ?, description = ?, search = ?, updated_at = ?
			WHERE partner_id = ? AND id = ?`,
			g.Name, strings.ToLower(g.Name), g.Description, g.SearchText(), toDB(now),
			g.PartnerID, g.ID)
		if err != nil {
			return writeError(err, "update group", "group")
		}
		if err := oneRow(res, "group %d", g.ID); err != nil {
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
	res, err := s.writer().ExecContext(ctx,
		`DELETE FROM groups WHERE partner_id = ? AND id = ?`, partnerID, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete group %d: %w", id, err)
	}
	return oneRow(res, "group %d", id)
}

// scanGroup reads a row of selectGroups.
func scanGroup(sc scanner) (roster.Group, error) {
	var (
		g                roster.Group
		members          sql.NullString
		created, updated int64
	)
	if err := sc.Scan(&g.ID, &g.PartnerID, &g.Name, &g.Description, &created, &updated, &members); err != nil {
		return roster.Group{}, err
	}
	users, err := parseIDs(members)
	if err != nil {
		return roster.Group{}, fmt.Errorf("group %d: members: %w", g.ID, err)
	}
	g.Users, g.CreatedAt, g.UpdatedAt = users, fromDB(created), fromDB(updated)
	return g, nil
}
