package roster

import "time"

// Names of the built-in roles, present in every partner.
const (
	RoleAdmin           = "Admin"
	RoleAnalyst         = "Analyst"
	RoleAnalystReadOnly = "AnalystReadOnly"
)

// BuiltInRoles are the roles every partner has from its creation. They can
// be neither renamed nor deleted.
var BuiltInRoles = []Role{
	{Name: RoleAdmin, Permissions: NewPermissions(AllPermissions...), LogTypeAccessKind: LogTypeAccessAllowAll, BuiltIn: true},
	{Name: RoleAnalyst, Permissions: NewPermissions(PermUserRead), LogTypeAccessKind: LogTypeAccessAllowAll, BuiltIn: true},
	{Name: RoleAnalystReadOnly, Permissions: NewPermissions(PermUserRead), LogTypeAccessKind: LogTypeAccessAllowAll, BuiltIn: true},
}

// Log type access kinds, kept for Panther's role schema. Roster stores them
// and hands them back; it has no log types of its own to restrict.
const (
	LogTypeAccessAllow    = "ALLOW"
	LogTypeAccessAllowAll = "ALLOW_ALL"
	LogTypeAccessDeny     = "DENY"
	LogTypeAccessDenyAll  = "DENY_ALL"
)

// Role is a named set of permissions within one partner. Names are unique in
// the partner, compared case-insensitively.
type Role struct {
	ID                int64
	PartnerID         int64
	Name              string
	Permissions       Permissions
	LogTypeAccess     []string
	LogTypeAccessKind string
	BuiltIn           bool
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// IsAdmin reports whether the role makes its users partner admins.
func (r Role) IsAdmin() bool { return r.Permissions.Has(PermUserModify) }

// RoleFilter selects roles of one partner. Zero fields select everything.
type RoleFilter struct {
	IDs          []int64 // any of these ids
	Name         string  // exact name, case-insensitive
	NameContains string  // case-insensitive substring of the name
	Descending   bool    // order by name, descending instead of ascending
}
