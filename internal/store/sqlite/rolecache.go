package sqlite

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/roster-dev/roster/internal/roster"
)

// maxCachedPartners bounds the role cache; past it the cache starts over.
const maxCachedPartners = 1024

// roleCache keeps each partner's roles as they were at one value of the
// partner's roles_version, which triggers move on every write to its roles
// (migration 00005). A user list reads, in the same statement as its users,
// the version the database holds; while that is the cached one, the roles
// in memory are exactly the roles that statement would have joined, so the
// list reads each user's role id instead of the role's nine columns. A list
// that finds another version reloads the roles and starts again.
type roleCache struct {
	mu       sync.Mutex
	partners map[int64]partnerRoles
}

// partnerRoles are one partner's roles at one roles_version.
type partnerRoles struct {
	version int64
	byID    map[int64]roster.Role
}

// role returns a copy of the role with the id, which the caller may keep
// and change: the slices are its own.
func (pr partnerRoles) role(id int64) (roster.Role, bool) {
	r, ok := pr.byID[id]
	r.Permissions = slices.Clone(r.Permissions)
	r.LogTypeAccess = slices.Clone(r.LogTypeAccess)
	return r, ok
}

func (c *roleCache) get(partnerID int64) (partnerRoles, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pr, ok := c.partners[partnerID]
	return pr, ok
}

func (c *roleCache) put(partnerID int64, pr partnerRoles) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.partners == nil || len(c.partners) >= maxCachedPartners {
		c.partners = map[int64]partnerRoles{}
	}
	c.partners[partnerID] = pr
}

// loadRoles reads the partner's roles and their version in one statement,
// so that the two agree, and caches them. ok is false for a partner with no
// roles, which the cache does not keep.
func (s *Store) loadRoles(ctx context.Context, partnerID int64) (pr partnerRoles, ok bool, err error) {
	rows, err := s.readQ.QueryContext(ctx, `SELECT p.roles_version, `+roleColumns+`
		FROM partners p JOIN roles r ON r.partner_id = p.id WHERE p.id = ?`, partnerID)
	if err != nil {
		return partnerRoles{}, false, fmt.Errorf("sqlite: roles of partner %d: %w", partnerID, err)
	}
	defer rows.Close()
	pr.byID = map[int64]roster.Role{}
	for rows.Next() {
		var rr roleRow
		if err := rows.Scan(rr.dest([]any{&pr.version})...); err != nil {
			return partnerRoles{}, false, fmt.Errorf("sqlite: roles of partner %d: %w", partnerID, err)
		}
		r, err := rr.role()
		if err != nil {
			return partnerRoles{}, false, fmt.Errorf("sqlite: roles of partner %d: %w", partnerID, err)
		}
		pr.byID[r.ID] = r
	}
	if err := rows.Err(); err != nil {
		return partnerRoles{}, false, fmt.Errorf("sqlite: roles of partner %d: %w", partnerID, err)
	}
	if len(pr.byID) == 0 {
		return partnerRoles{}, false, nil
	}
	s.roles.put(partnerID, pr)
	return pr, true, nil
}

// cachedRoles reads, besides the userFields, the partner's roles_version
// and the user's role id.
var cachedRoles = userSelection{
	columns: `(SELECT roles_version FROM partners WHERE id = ?), ` + userFields + `, u.role_id`,
	args:    func(partnerID int64) []any { return []any{partnerID} },
}

// errStaleRoles stops a walk whose statement sees other roles than the
// cache holds, before any user reached the caller.
var errStaleRoles = fmt.Errorf("sqlite: roles changed")

// eachUserCachedRoles is EachUser with the roles from the cache, loading
// them if need be and once more if they changed. done is false when the
// roles kept changing and nothing reached fn: the caller then joins them.
func (s *Store) eachUserCachedRoles(ctx context.Context, partnerID int64, f roster.UserFilter, fn func(roster.User) error) (done bool, err error) {
	query, args, err := usersQuery(partnerID, f, cachedRoles)
	if err != nil {
		return false, err
	}
	pr, ok := s.roles.get(partnerID)
	for attempt := 0; attempt < 2; attempt++ {
		if !ok || attempt > 0 {
			if pr, ok, err = s.loadRoles(ctx, partnerID); err != nil || !ok {
				return false, err
			}
		}
		err = s.walkCachedRoles(ctx, query, args, pr, fn)
		if err != errStaleRoles {
			return true, err
		}
	}
	return false, nil
}

// walkCachedRoles runs a cachedRoles query and calls fn per user, or
// returns errStaleRoles at the first row if the roles are not pr's.
func (s *Store) walkCachedRoles(ctx context.Context, query string, args []any, pr partnerRoles, fn func(roster.User) error) error {
	rows, err := s.readQ.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlite: users: %w", err)
	}
	defer rows.Close()
	var (
		version, roleID int64
		row             userRow
	)
	dest := append(row.fields(append(make([]any, 0, 20), &version)), &roleID)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("sqlite: users: %w", err)
		}
		u, err := row.user()
		if err != nil {
			return fmt.Errorf("sqlite: users: %w", err)
		}
		var ok bool
		if u.Role, ok = pr.role(roleID); !ok || version != pr.version {
			// The version is the same on every row of one statement, so
			// only the first row can differ; a role missing from the
			// cache at the right version would be a broken trigger.
			if version == pr.version {
				return fmt.Errorf("sqlite: user %d: role %d is not among its partner's roles", u.ID, roleID)
			}
			return errStaleRoles
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: users: %w", err)
	}
	return nil
}
