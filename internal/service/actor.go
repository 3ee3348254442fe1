package service

import (
	"context"

	"github.com/roster-dev/roster/internal/roster"
)

// Actor is who makes a request: an API key or a signed-in user, always of
// one partner. Every service method takes the actor and acts only within
// its partner.
type Actor struct {
	PartnerID   int64
	Permissions roster.Permissions
	UserID      int64 // the signed-in user; 0 when acting through an API key
	KeyID       int64 // the API key; 0 when acting as a user
}

// Operator returns the actor of the command line: every permission in the
// partner, as neither a user nor a key. Whoever can run roster on the
// database can read and write it anyway; acting through the service still
// applies every rule (the last admin stays, names are unique, input is
// checked). ENotFound if the partner does not exist, so that a mistyped
// --partner is an error rather than an empty answer.
func (s *Service) Operator(ctx context.Context, partnerID int64) (Actor, error) {
	if _, err := s.store.Partner(ctx, partnerID); err != nil {
		return Actor{}, err
	}
	return Actor{PartnerID: partnerID, Permissions: roster.NewPermissions(roster.AllPermissions...)}, nil
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
