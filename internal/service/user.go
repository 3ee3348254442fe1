package service

import (
	"context"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// TempPasswordTTL is how long an invitation's or reset's password works.
const TempPasswordTTL = 24 * time.Hour

// NewUser is a user as a client creates one.
type NewUser struct {
	Email      string
	GivenName  string
	FamilyName string
	Username   string // "" means the e-mail
	Title      *string
	Phone      *string
	Role       RoleRef
}

// UserPatch changes some fields of a user; nil fields stay as they are.
type UserPatch struct {
	Email      *string
	GivenName  *string
	FamilyName *string
	Username   *string
	Role       *RoleRef
	State      *roster.AccountState
}

// CreateUser adds a user to the actor's partner and invites them: the user
// gets a random temporary password, valid for TempPasswordTTL, sent by
// e-mail. The user exists even if the mail cannot be delivered; the failure
// is logged and counted by the mail queue.
func (s *Service) CreateUser(ctx context.Context, a Actor, in NewUser) (roster.User, error) {
	if err := require(a, roster.PermUserModify); err != nil {
		return roster.User{}, err
	}
	u := roster.User{
		PartnerID:  a.PartnerID,
		Email:      strings.TrimSpace(in.Email),
		GivenName:  strings.TrimSpace(in.GivenName),
		FamilyName: strings.TrimSpace(in.FamilyName),
		Username:   strings.TrimSpace(in.Username),
		Title:      in.Title,
		Phone:      in.Phone,
		State:      roster.StateActive,
		SignIn:     roster.SignInForceChange,
	}
	if u.Username == "" {
		u.Username = u.Email
	}
	if err := validateUser(&u); err != nil {
		return roster.User{}, err
	}
	password := newPassword()
	u.PasswordHash = hashGenerated(password)
	expires := s.now().UTC().Add(TempPasswordTTL)
	u.PasswordExpiresAt = &expires

	err := s.store.Tx(ctx, func(tx roster.Store) error {
		role, err := resolveRole(ctx, tx, a.PartnerID, in.Role)
		if err != nil {
			return err
		}
		u.Role = role
		if err := checkUnique(ctx, tx, u, 0); err != nil {
			return err
		}
		return conflictMessage(tx.CreateUser(ctx, &u))
	})
	if err != nil {
		return roster.User{}, err
	}
	s.sendInvitation(ctx, u, password)
	return u, nil
}

// validateUser checks the fields every user must have right.
func validateUser(u *roster.User) error {
	if err := checkEmail(u.Email); err != nil {
		return err
	}
	if err := checkText("givenName", u.GivenName, maxNameLen, true); err != nil {
		return err
	}
	if err := checkText("familyName", u.FamilyName, maxNameLen, true); err != nil {
		return err
	}
	return checkUsername(u.Username)
}

// checkUnique turns a clash on e-mail into a conflict that names it. The
// store's unique indexes stay the last word (they also catch races between
// nodes); this only makes the common case's message precise.
func checkUnique(ctx context.Context, tx roster.Store, u roster.User, selfID int64) error {
	other, err := tx.UserByEmail(ctx, u.PartnerID, u.Email)
	switch {
	case err == nil && other.ID != selfID:
		return roster.Errorf(roster.EConflict, "a user with e-mail %q already exists", u.Email)
	case err != nil && roster.ErrorCode(err) != roster.ENotFound:
		return err
	}
	return nil
}

// conflictMessage rewrites the store's generic unique-index conflict.
func conflictMessage(err error) error {
	if roster.ErrorCode(err) == roster.EConflict {
		return roster.Errorf(roster.EConflict, "a user with this e-mail or username already exists")
	}
	return err
}

// User returns one user of the actor's partner.
func (s *Service) User(ctx context.Context, a Actor, id int64) (roster.User, error) {
	if err := require(a, roster.PermUserRead); err != nil {
		return roster.User{}, err
	}
	return s.store.User(ctx, a.PartnerID, id)
}

// UpdateUser applies p to one user of the actor's partner. A change that
// would take away the partner's last active admin is refused.
func (s *Service) UpdateUser(ctx context.Context, a Actor, id int64, p UserPatch) (roster.User, error) {
	if err := require(a, roster.PermUserModify); err != nil {
		return roster.User{}, err
	}
	var u roster.User
	err := s.store.Tx(ctx, func(tx roster.Store) error {
		if err := tx.LockPartner(ctx, a.PartnerID); err != nil {
			return err
		}
		old, err := tx.User(ctx, a.PartnerID, id)
		if err != nil {
			return err
		}
		u = old
		if err := s.applyPatch(ctx, tx, &u, p); err != nil {
			return err
		}
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return conflictMessage(err)
		}
		if old.IsActiveAdmin() && !u.IsActiveAdmin() {
			return keepsAnAdmin(ctx, tx, a.PartnerID)
		}
		return nil
	})
	return u, err
}

// applyPatch sets p's fields on u and validates the result.
func (s *Service) applyPatch(ctx context.Context, tx roster.Store, u *roster.User, p UserPatch) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	// A login name that was defaulted to the e-mail follows the e-mail, so
	// that the old address does not stay taken as a username.
	if p.Email != nil && p.Username == nil && strings.EqualFold(u.Username, u.Email) {
		p.Username = p.Email
	}
	set(&u.Email, p.Email)
	set(&u.GivenName, p.GivenName)
	set(&u.FamilyName, p.FamilyName)
	set(&u.Username, p.Username)
	if p.State != nil {
		u.State = *p.State
	}
	if err := validateUser(u); err != nil {
		return err
	}
	if p.Role != nil {
		role, err := resolveRole(ctx, tx, u.PartnerID, *p.Role)
		if err != nil {
			return err
		}
		u.Role = role
	}
	return checkUnique(ctx, tx, *u, u.ID)
}

// DeleteUser removes one user of the actor's partner. Nobody deletes
// themselves, and the partner's last active admin stays.
func (s *Service) DeleteUser(ctx context.Context, a Actor, id int64) error {
	if err := require(a, roster.PermUserModify); err != nil {
		return err
	}
	if a.UserID != 0 && a.UserID == id {
		return roster.Errorf(roster.EConflict, "you cannot delete yourself")
	}
	return s.store.Tx(ctx, func(tx roster.Store) error {
		if err := tx.LockPartner(ctx, a.PartnerID); err != nil {
			return err
		}
		u, err := tx.User(ctx, a.PartnerID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, a.PartnerID, id); err != nil {
			return err
		}
		if u.IsActiveAdmin() {
			return keepsAnAdmin(ctx, tx, a.PartnerID)
		}
		return nil
	})
}
