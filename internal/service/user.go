package service

import (
	"cmp"
	"context"
	"slices"
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
	Groups     []int64
	State      roster.AccountState // "" means ACTIVE
	// Password, when set, is the user's own: they start CONFIRMED and get
	// no invitation. Without it they are invited with a temporary one.
	Password string
}

// Nullable is a field a client may set to a value, set to null, or leave
// out (Set false).
type Nullable struct {
	Set   bool
	Value *string
}

// UserPatch changes some fields of a user; nil (or unset) fields stay as
// they are.
type UserPatch struct {
	Email      *string
	GivenName  *string
	FamilyName *string
	Username   *string
	Title      Nullable
	Phone      Nullable
	Role       *RoleRef
	// IsAdmin true gives a user who is not an admin the Admin role; false
	// gives an admin the Analyst role (PRODUCT.md's isAdmin rule).
	IsAdmin *bool
	Groups  *[]int64
	State   *roster.AccountState
}

// maxGroupsPerUser bounds one user's memberships in one write.
const maxGroupsPerUser = 1000

// checkState accepts the three account states.
func checkState(st roster.AccountState) error {
	switch st {
	case roster.StateActive, roster.StateInactive, roster.StateLocked:
		return nil
	}
	return roster.Errorf(roster.EInvalid, "status must be ACTIVE, INACTIVE or LOCKED, not %q", st)
}

// CreateUser adds a user to the actor's partner and invites them: the user
// gets a random temporary password, valid for TempPasswordTTL, sent by
// e-mail. The user exists even if the mail cannot be delivered; the failure
// is logged and counted by the mail queue.
func (s *Service) CreateUser(ctx context.Context, a Actor, in NewUser) (roster.User, error) {
	u, temp, err := s.createUser(ctx, a, in)
	if err == nil && temp != "" {
		s.sendInvitation(ctx, u, temp)
	}
	return u, err
}

// CreateUserHandingOver creates a user as CreateUser does but mails
// nothing: it returns the temporary password ("" when in.Password was
// set), for a caller who hands it over in person — the operator at the
// command line, who has no mail server configured there.
func (s *Service) CreateUserHandingOver(ctx context.Context, a Actor, in NewUser) (roster.User, string, error) {
	return s.createUser(ctx, a, in)
}

// createUser validates and stores a new user and returns the temporary
// password it generated, if any.
func (s *Service) createUser(ctx context.Context, a Actor, in NewUser) (roster.User, string, error) {
	if err := require(a, roster.PermUserModify); err != nil {
		return roster.User{}, "", err
	}
	u := roster.User{
		PartnerID:  a.PartnerID,
		Email:      strings.TrimSpace(in.Email),
		GivenName:  strings.TrimSpace(in.GivenName),
		FamilyName: strings.TrimSpace(in.FamilyName),
		Username:   strings.TrimSpace(in.Username),
		Title:      in.Title,
		Phone:      in.Phone,
		Groups:     in.Groups,
		State:      cmp.Or(in.State, roster.StateActive),
	}
	if u.Username == "" {
		u.Username = u.Email
	}
	if err := validateUser(&u); err != nil {
		return roster.User{}, "", err
	}
	if err := checkState(u.State); err != nil {
		return roster.User{}, "", err
	}
	temporary := in.Password == ""
	if temporary {
		in.Password = newPassword()
		u.SignIn, u.PasswordHash = roster.SignInForceChange, hashGenerated(in.Password)
		expires := s.now().UTC().Add(TempPasswordTTL)
		u.PasswordExpiresAt = &expires
	} else {
		if err := checkPolicy(u, in.Password); err != nil {
			return roster.User{}, "", err
		}
		u.SignIn, u.PasswordHash = roster.SignInConfirmed, hashPassword(in.Password)
	}

	err := s.grantTx(ctx, a.PartnerID, func(tx roster.Store) error {
		role, err := resolveRole(ctx, tx, a.PartnerID, in.Role)
		if err != nil {
			return err
		}
		u.Role = role
		if err := checkUnique(ctx, tx, u, 0); err != nil {
			return err
		}
		if err := conflictMessage(tx.CreateUser(ctx, &u)); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, a.event(u.PartnerID, roster.ActionUserCreate, roster.TargetUser, u.ID, userFields(u)...)); err != nil {
			return err
		}
		if temporary {
			return nil
		}
		return tx.AddPasswordHistory(ctx, u.PartnerID, u.ID, u.PasswordHash)
	})
	if err != nil {
		return roster.User{}, "", err
	}
	if temporary {
		return u, in.Password, nil
	}
	return u, "", nil
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
	for _, f := range []struct {
		name string
		v    *string
	}{{"title", u.Title}, {"phoneNumber", u.Phone}} {
		if f.v != nil {
			if err := checkText(f.name, *f.v, maxNameLen, false); err != nil {
				return err
			}
		}
	}
	if len(u.Groups) > maxGroupsPerUser {
		return roster.Errorf(roster.EInvalid, "a user may be in at most %d groups", maxGroupsPerUser)
	}
	return checkUsername(u.Username)
}

// checkUnique refuses a user whose e-mail or username is taken in the
// partner, whether as another user's e-mail or as their username: within a
// partner a login name must name one account. The store's unique indexes
// stay the last word on each column (they also catch races between nodes);
// this adds the cross-column rule and a message that names the clash.
func checkUnique(ctx context.Context, tx roster.Store, u roster.User, selfID int64) error {
	for _, login := range []struct{ field, v string }{{"e-mail", u.Email}, {"username", u.Username}} {
		others, err := tx.UsersByLogin(ctx, login.v, maxLoginCandidates)
		if err != nil {
			return err
		}
		for _, o := range others {
			if o.PartnerID == u.PartnerID && o.ID != selfID {
				return roster.Errorf(roster.EConflict, "a user with %s %q already exists in this partner", login.field, login.v)
			}
		}
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
	err := s.partnerTx(ctx, a.PartnerID, func(tx roster.Store) error {
		old, err := tx.User(ctx, a.PartnerID, id)
		if err != nil {
			return err
		}
		u = old
		if err := s.applyPatch(ctx, tx, &u, p); err != nil {
			return err
		}
		if old.State != roster.StateActive && u.State == roster.StateActive {
			u.FailedSignIns, u.FailedSince = 0, nil // an admin's unlock
		}
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return conflictMessage(err)
		}
		if err := s.appendAudit(ctx, tx, userEvents(a, old, u)...); err != nil {
			return err
		}
		if old.State == roster.StateActive && u.State != roster.StateActive {
			if err := tx.DeleteUserTokens(ctx, u.PartnerID, u.ID); err != nil {
				return err
			}
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
	if p.Title.Set {
		u.Title = p.Title.Value
	}
	if p.Phone.Set {
		u.Phone = p.Phone.Value
	}
	if p.Groups != nil {
		u.Groups = *p.Groups
	}
	if p.State != nil {
		if err := checkState(*p.State); err != nil {
			return err
		}
		u.State = *p.State
	}
	if err := validateUser(u); err != nil {
		return err
	}
	ref := p.Role
	if p.IsAdmin != nil && *p.IsAdmin != u.Role.IsAdmin() {
		ref = &RoleRef{Name: roster.RoleAnalyst}
		if *p.IsAdmin {
			ref = &RoleRef{Name: roster.RoleAdmin}
		}
	}
	if ref != nil {
		role, err := resolveRole(ctx, tx, u.PartnerID, *ref)
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
	return s.DeleteUsers(ctx, a, []int64{id})
}

// maxBulk bounds one bulk request.
const maxBulk = 1000

// DeleteUsers removes users of the actor's partner, all or none: one
// unknown id, the actor's own id, or the removal of the last active admin
// and nothing is deleted.
func (s *Service) DeleteUsers(ctx context.Context, a Actor, ids []int64) error {
	if err := require(a, roster.PermUserModify); err != nil {
		return err
	}
	if len(ids) > maxBulk {
		return roster.Errorf(roster.EInvalid, "at most %d ids may be deleted at once", maxBulk)
	}
	if a.UserID != 0 && slices.Contains(ids, a.UserID) {
		return roster.Errorf(roster.EConflict, "you cannot delete yourself")
	}
	return s.partnerTx(ctx, a.PartnerID, func(tx roster.Store) error {
		adminGone := false
		for _, id := range dedupe(ids) {
			u, err := tx.User(ctx, a.PartnerID, id)
			if err != nil {
				return err
			}
			if err := tx.DeleteUser(ctx, a.PartnerID, id); err != nil {
				return err
			}
			if err := s.appendAudit(ctx, tx, a.event(a.PartnerID, roster.ActionUserDelete, roster.TargetUser, id)); err != nil {
				return err
			}
			adminGone = adminGone || u.IsActiveAdmin()
		}
		// After the events: a refusal here rolls them back with the deletes.
		if adminGone {
			return keepsAnAdmin(ctx, tx, a.PartnerID)
		}
		return nil
	})
}

// dedupe returns ids sorted without repeats.
func dedupe(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
