package service

import (
	"context"
	"slices"

	"github.com/roster-dev/roster/internal/roster"
)

// errNoSelf answers a self endpoint called with an API key: a key is not a
// user and has no self.
var errNoSelf = roster.Errorf(roster.EForbidden, "this endpoint is for a signed-in user: sign in at /oauth/token and send the access token as a Bearer token")

// Self returns the signed-in user.
func (s *Service) Self(ctx context.Context, a Actor) (roster.User, error) {
	if a.UserID == 0 {
		return roster.User{}, errNoSelf
	}
	return s.store.User(ctx, a.PartnerID, a.UserID)
}

// UpdateSelf lets signed-in users change their own profile. Their
// username, role, groups, status and admin flag are the admins' to change: a patch that
// would change one of them is refused (naming it unchanged is fine).
func (s *Service) UpdateSelf(ctx context.Context, a Actor, p UserPatch) (roster.User, error) {
	if a.UserID == 0 {
		return roster.User{}, errNoSelf
	}
	var u roster.User
	err := s.partnerTx(ctx, a.PartnerID, func(tx roster.Store) error {
		old, err := tx.User(ctx, a.PartnerID, a.UserID)
		if err != nil {
			return err
		}
		if p.State != nil {
			if err := checkState(*p.State); err != nil {
				return err
			}
		}
		if field := forbiddenSelfChange(old, p); field != "" {
			return roster.Errorf(roster.EForbidden, "you cannot change your own %s: ask a partner admin", field)
		}
		p.Role, p.IsAdmin, p.Groups, p.State, p.Username = nil, nil, nil, nil, nil
		u = old
		if err := s.applyPatch(ctx, tx, &u, p); err != nil {
			return err
		}
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return conflictMessage(err)
		}
		return s.appendAudit(ctx, tx, userEvents(a, old, u)...)
	})
	return u, err
}

// forbiddenSelfChange names the first field of p a user may not change on
// themselves, or returns "".
func forbiddenSelfChange(u roster.User, p UserPatch) string {
	switch {
	case p.Username != nil && *p.Username != u.Username:
		return "username"
	case p.Role != nil && (p.Role.ID != 0 && p.Role.ID != u.Role.ID || p.Role.Name != "" && p.Role.Name != u.Role.Name):
		return "role"
	case p.IsAdmin != nil && *p.IsAdmin != u.Role.IsAdmin():
		return "admin flag"
	case p.Groups != nil && !slices.Equal(dedupe(*p.Groups), u.Groups):
		return "groups"
	case p.State != nil && *p.State != u.State:
		return "status"
	}
	return ""
}

// ChangePassword sets the signed-in user's own password. The old one must
// be right and the new one must meet the password policy and not be one of
// the last passwords. The user becomes CONFIRMED, and every token of the
// user dies, the caller's included: they sign in again with the new one.
func (s *Service) ChangePassword(ctx context.Context, a Actor, oldPw, newPw string) error {
	if a.UserID == 0 {
		return errNoSelf
	}
	u, err := s.store.User(ctx, a.PartnerID, a.UserID)
	if err != nil {
		return err
	}
	if !checkPassword(u.PasswordHash, oldPw) {
		// A wrong guess here is a sign-in failure like any other, or a
		// stolen access token would allow unlimited password guessing.
		locked, err := s.recordFailure(ctx, u, s.now().UTC(), a)
		if err != nil {
			return err
		}
		if locked {
			s.stats.AccountLocked()
		}
		return roster.Errorf(roster.EInvalid, "oldPassword is not your current password")
	}
	if sameSecret(newPw, oldPw) {
		return roster.Errorf(roster.EInvalid, "the new password must differ from the old one")
	}
	if err := checkPolicy(u, newPw); err != nil {
		return err
	}
	history, err := s.store.PasswordHistory(ctx, u.PartnerID, u.ID, passwordHistory)
	if err != nil {
		return err
	}
	for _, h := range history {
		if checkPassword(h, newPw) {
			return roster.Errorf(roster.EInvalid, "the new password may not be one of your last %d passwords", passwordHistory)
		}
	}
	hash := hashPassword(newPw)
	return s.partnerTx(ctx, u.PartnerID, func(tx roster.Store) error {
		cur, err := tx.User(ctx, u.PartnerID, u.ID)
		if err != nil {
			return err
		}
		if !sameSecret(cur.PasswordHash, u.PasswordHash) {
			return roster.Errorf(roster.EConflict, "the password was changed meanwhile: try again")
		}
		cur.PasswordHash, cur.PasswordExpiresAt, cur.SignIn = hash, nil, roster.SignInConfirmed
		if err := tx.UpdateUser(ctx, &cur); err != nil {
			return err
		}
		if err := tx.AddPasswordHistory(ctx, cur.PartnerID, cur.ID, hash); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, a.event(cur.PartnerID, roster.ActionUserPasswordChange, roster.TargetUser, cur.ID, "password")); err != nil {
			return err
		}
		return tx.DeleteUserTokens(ctx, cur.PartnerID, cur.ID)
	})
}

// ResetPassword replaces the signed-in user's password with a new random
// one, valid for TempPasswordTTL, and e-mails it. The old password and every
// token stop working at once; the user is RESET_REQUIRED until they choose
// their own.
func (s *Service) ResetPassword(ctx context.Context, a Actor) error {
	if a.UserID == 0 {
		return errNoSelf
	}
	pw := newPassword()
	expires := s.now().UTC().Add(TempPasswordTTL)
	var u roster.User
	err := s.partnerTx(ctx, a.PartnerID, func(tx roster.Store) error {
		var err error
		if u, err = tx.User(ctx, a.PartnerID, a.UserID); err != nil {
			return err
		}
		u.PasswordHash, u.PasswordExpiresAt, u.SignIn = hashGenerated(pw), &expires, roster.SignInResetRequired
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, a.event(u.PartnerID, roster.ActionUserPasswordReset, roster.TargetUser, u.ID, "password")); err != nil {
			return err
		}
		return tx.DeleteUserTokens(ctx, u.PartnerID, u.ID)
	})
	if err != nil {
		return err
	}
	s.sendReset(ctx, u, pw)
	return nil
}
