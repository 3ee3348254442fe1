package service

import "github.com/roster-dev/roster/internal/roster"

// Actor is who makes a request: an API key or a signed-in user, always of
// one partner. Every service method takes the actor and acts only within
// its partner.
type Actor struct {
	PartnerID   int64
	Permissions roster.Permissions
	UserID      int64 // the signed-in user; 0 when acting through an API key
	KeyID       int64 // the API key; 0 when acting as a user
}

// Can reports whether the actor holds p.
func (a Actor) Can(p roster.Permission) bool { return a.Permissions.Has(p) }

// permissionLabels are the names Panther shows for each permission; errors
// use them because that is what an operator sees when issuing a key.
var permissionLabels = map[roster.Permission]string{
	roster.PermUserRead:   "Read User Info (UserRead)",
	roster.PermUserModify: "Manage Users (UserModify)",
}

// require returns EForbidden unless the actor holds p.
func require(a Actor, p roster.Permission) error {
	if a.Can(p) {
		return nil
	}
	return roster.Errorf(roster.EForbidden, "this action needs the %s permission", permissionLabels[p])
}
