package service

import (
	"context"
	"slices"
	"strings"

	"github.com/roster-dev/roster/internal/roster"
)

// RoleRef names a role by id or by name, as a Panther user payload does. A
// zero ID and empty Name mean "not given".
type RoleRef struct {
	ID   int64
	Name string
}

// RoleInput is a role as a client writes it.
type RoleInput struct {
	Name              string
	Permissions       roster.Permissions
	LogTypeAccess     []string
	LogTypeAccessKind string // "" means ALLOW_ALL
}

// maxLogTypes bounds a role's log type list; Panther has a few hundred.
const maxLogTypes = 1000

// resolveRole finds the role ref names in the partner. An unknown role is
// the client's mistake (EInvalid), not a missing resource.
func resolveRole(ctx context.Context, st roster.Store, partnerID int64, ref RoleRef) (roster.Role, error) {
	ref.Name = strings.TrimSpace(ref.Name)
	switch {
	case ref.ID == 0 && ref.Name == "":
		return roster.Role{}, roster.Errorf(roster.EInvalid, "role is required: give its id or its name")
	case ref.ID != 0:
		r, err := st.Role(ctx, partnerID, ref.ID)
		if roster.ErrorCode(err) == roster.ENotFound {
			return r, roster.Errorf(roster.EInvalid, "unknown role id %d", ref.ID)
		}
		if err == nil && ref.Name != "" && !strings.EqualFold(r.Name, ref.Name) {
			return r, roster.Errorf(roster.EInvalid, "role id %d is named %q, not %q: give the id or the name", ref.ID, r.Name, ref.Name)
		}
		return r, err
	default:
		r, err := st.RoleByName(ctx, partnerID, ref.Name)
		if roster.ErrorCode(err) == roster.ENotFound {
			return r, roster.Errorf(roster.EInvalid, "unknown role %q", ref.Name)
		}
		return r, err
	}
}

// validate trims and checks a role input in place.
func (in *RoleInput) validate() error {
	in.Name = strings.TrimSpace(in.Name)
	if err := checkText("name", in.Name, maxNameLen, true); err != nil {
		return err
	}
	if in.LogTypeAccessKind == "" {
		in.LogTypeAccessKind = roster.LogTypeAccessAllowAll
	}
	switch in.LogTypeAccessKind {
	case roster.LogTypeAccessAllow, roster.LogTypeAccessDeny:
	case roster.LogTypeAccessAllowAll, roster.LogTypeAccessDenyAll:
		if len(in.LogTypeAccess) > 0 {
			return roster.Errorf(roster.EInvalid, "logTypeAccess must be omitted when logTypeAccessKind is %s", in.LogTypeAccessKind)
		}
	default:
		return roster.Errorf(roster.EInvalid, "logTypeAccessKind must be one of ALLOW, ALLOW_ALL, DENY, DENY_ALL")
	}
	if len(in.LogTypeAccess) > maxLogTypes {
		return roster.Errorf(roster.EInvalid, "logTypeAccess may list at most %d log types", maxLogTypes)
	}
	for _, lt := range in.LogTypeAccess {
		if err := checkText("logTypeAccess entry", lt, maxNameLen, true); err != nil {
			return err
		}
	}
	in.Permissions = roster.NewPermissions(in.Permissions...)
	return nil
}

// CreateRole adds a role to the actor's partner.
func (s *Service) CreateRole(ctx context.Context, a Actor, in RoleInput) (roster.Role, error) {
	if err := require(a, roster.PermUserModify); err != nil {
		return roster.Role{}, err
	}
	if err := in.validate(); err != nil {
		return roster.Role{}, err
	}
	r := roster.Role{PartnerID: a.PartnerID, Name: in.Name, Permissions: in.Permissions,
		LogTypeAccess: in.LogTypeAccess, LogTypeAccessKind: in.LogTypeAccessKind}
	err := s.store.Tx(ctx, func(tx roster.Store) error {
		if err := tx.CreateRole(ctx, &r); err != nil {
			if roster.ErrorCode(err) == roster.EConflict {
				return roster.Errorf(roster.EConflict, "a role named %q already exists", in.Name)
			}
			return err
		}
		return s.appendAudit(ctx, tx, a.event(r.PartnerID, roster.ActionRoleCreate, roster.TargetRole, r.ID, roleFields(roster.Role{}, r)...))
	})
	return r, err
}

// roleFields names the fields that differ between old and r; on create,
// old is the zero role, so these are the fields that were set.
func roleFields(old, r roster.Role) []string {
	var f []string
	for _, c := range []struct {
		name string
		diff bool
	}{
		{"name", old.Name != r.Name},
		{"permissions", !slices.Equal(old.Permissions, r.Permissions)},
		{"logTypeAccess", !slices.Equal(old.LogTypeAccess, r.LogTypeAccess)},
		{"logTypeAccessKind", old.LogTypeAccessKind != r.LogTypeAccessKind},
	} {
		if c.diff {
			f = append(f, c.name)
		}
	}
	return f
}

// Role returns one role of the actor's partner.
func (s *Service) Role(ctx context.Context, a Actor, id int64) (roster.Role, error) {
	if err := require(a, roster.PermUserRead); err != nil {
		return roster.Role{}, err
	}
	return s.store.Role(ctx, a.PartnerID, id)
}

// Roles lists the actor's partner's roles. As in Panther, an exact Name
// makes every other filter ignored.
func (s *Service) Roles(ctx context.Context, a Actor, f roster.RoleFilter) ([]roster.Role, error) {
	if err := require(a, roster.PermUserRead); err != nil {
		return nil, err
	}
	if f.Name != "" {
		f = roster.RoleFilter{Name: f.Name}
	}
	return s.store.Roles(ctx, a.PartnerID, f)
}

// UpdateRole replaces a role's name, permissions and log type access.
// Built-in roles keep their name and permissions; a change that would take
// UserModify from the partner's last active admins is refused.
func (s *Service) UpdateRole(ctx context.Context, a Actor, id int64, in RoleInput) (roster.Role, error) {
	if err := require(a, roster.PermUserModify); err != nil {
		return roster.Role{}, err
	}
	if err := in.validate(); err != nil {
		return roster.Role{}, err
	}
	var r roster.Role
	err := s.partnerTx(ctx, a.PartnerID, func(tx roster.Store) error {
		old, err := tx.Role(ctx, a.PartnerID, id)
		if err != nil {
			return err
		}
		if old.BuiltIn && (in.Name != old.Name || !slices.Equal(in.Permissions, old.Permissions)) {
			return roster.Errorf(roster.EConflict, "%s is a built-in role: its name and permissions cannot be changed", old.Name)
		}
		r = old
		r.Name, r.Permissions = in.Name, in.Permissions
		r.LogTypeAccess, r.LogTypeAccessKind = in.LogTypeAccess, in.LogTypeAccessKind
		if err := tx.UpdateRole(ctx, &r); err != nil {
			if roster.ErrorCode(err) == roster.EConflict {
				return roster.Errorf(roster.EConflict, "a role named %q already exists", in.Name)
			}
			return err
		}
		if err := s.appendAudit(ctx, tx, a.event(r.PartnerID, roster.ActionRoleUpdate, roster.TargetRole, r.ID, roleFields(old, r)...)); err != nil {
			return err
		}
		if old.IsAdmin() && !r.IsAdmin() {
			return keepsAnAdmin(ctx, tx, a.PartnerID)
		}
		return nil
	})
	return r, err
}

// DeleteRole removes a role no user has. Built-in roles stay.
func (s *Service) DeleteRole(ctx context.Context, a Actor, id int64) error {
	if err := require(a, roster.PermUserModify); err != nil {
		return err
	}
	return s.partnerTx(ctx, a.PartnerID, func(tx roster.Store) error {
		r, err := tx.Role(ctx, a.PartnerID, id)
		if err != nil {
			return err
		}
		if r.BuiltIn {
			return roster.Errorf(roster.EConflict, "%s is a built-in role and cannot be deleted", r.Name)
		}
		n, err := tx.RoleUserCount(ctx, a.PartnerID, id)
		if err != nil {
			return err
		}
		if n > 0 {
			return roster.Errorf(roster.EConflict, "role %q is in use by %d user(s): give them another role first", r.Name, n)
		}
		if err := tx.DeleteRole(ctx, a.PartnerID, id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a.event(a.PartnerID, roster.ActionRoleDelete, roster.TargetRole, id))
	})
}

// keepsAnAdmin is the last check of any change that may have taken away an
// active admin: called inside the change's transaction, after the change,
// it fails (and so rolls the change back) if none is left. Callers invoke it
// only when the change turned an active admin into something else, so the
// partner had at least one before.
func keepsAnAdmin(ctx context.Context, tx roster.Store, partnerID int64) error {
	n, err := tx.ActiveAdminCount(ctx, partnerID)
	if err != nil {
		return err
	}
	if n == 0 {
		return roster.Errorf(roster.EConflict, "this change would leave the partner without an active user who can manage users")
	}
	return nil
}
