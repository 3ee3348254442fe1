package roster

import (
	"slices"
	"strings"
)

// Permission names one right. The identifiers are Panther's.
type Permission string

// The permissions Roster knows. UserModify includes UserRead.
const (
	PermUserRead   Permission = "UserRead"   // shown as "Read User Info"
	PermUserModify Permission = "UserModify" // shown as "Manage Users"
)

// AllPermissions lists every known permission in a stable order.
var AllPermissions = []Permission{PermUserModify, PermUserRead}

// ParsePermission returns the permission named s (case-insensitive), or an
// EInvalid error naming the known ones.
func ParsePermission(s string) (Permission, error) {
	for _, p := range AllPermissions {
		if strings.EqualFold(string(p), strings.TrimSpace(s)) {
			return p, nil
		}
	}
	return "", Errorf(EInvalid, "unknown permission %q (known: UserRead, UserModify)", s)
}

// Permissions is a set of permissions, kept sorted and without duplicates
// by NewPermissions.
type Permissions []Permission

// NewPermissions returns ps sorted and without duplicates.
func NewPermissions(ps ...Permission) Permissions {
	out := slices.Clone(ps)
	slices.Sort(out)
	return slices.Compact(out)
}

// Has reports whether the set grants p, directly or by implication.
func (ps Permissions) Has(p Permission) bool {
	for _, q := range ps {
		if q == p || (q == PermUserModify && p == PermUserRead) {
			return true
		}
	}
	return false
}

// String joins the names with commas, as they are stored.
func (ps Permissions) String() string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = string(p)
	}
	return strings.Join(names, ",")
}

// ParsePermissions reads a comma-separated list such as "UserRead,UserModify".
// An empty list is valid and grants nothing.
func ParsePermissions(s string) (Permissions, error) {
	var ps []Permission
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		p, err := ParsePermission(part)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return NewPermissions(ps...), nil
}
