package service

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"slices"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// Token lifetimes and the lockout policy. docs/SECURITY.md (and
// docs/DECISIONS.md until then) explains the numbers.
const (
	AccessTokenTTL  = time.Hour
	RefreshTokenTTL = 30 * 24 * time.Hour
	// MaxFailedSignIns failures within FailureWindow lock the account, as
	// Audience Manager does after five.
	MaxFailedSignIns = 5
	FailureWindow    = 15 * time.Minute
	// maxLoginCandidates bounds how many accounts one login name is looked
	// up in across partners (the same e-mail in several partners).
	maxLoginCandidates = 10
)

// Token prefixes, so that a leaked token is recognisable for what it is.
const (
	accessPrefix  = "rat_"
	refreshPrefix = "rrt_"
)

// Tokens is what a successful sign-in or refresh hands out.
type Tokens struct {
	Access    string
	Refresh   string
	ExpiresIn time.Duration
	User      roster.User
}

// errBadCredentials is the one answer for an unknown login, a wrong
// password, a locked, inactive or expired account: from outside they look
// the same, in body and in time (every attempt costs one argon2id).
var errBadCredentials = roster.Errorf(roster.EUnauthorized, "invalid username or password")

// SignIn checks a login name (username or e-mail) and password and issues
// an access and a refresh token. partnerID, when not 0, names the partner
// to sign in to; it is needed only when the login names accounts in
// several partners (the same e-mail used with two organisations), and
// such a login without it fails like any other wrong login. Failures count
// towards the lockout of the account; a successful sign-in clears the
// count and sets the last sign-in time.
//
// Every attempt costs exactly one argon2id, whatever the outcome, so that
// neither the answer nor its time tells whether an account exists — except
// for an imported hash (bcrypt, or argon2id with other parameters), which
// costs what its own parameters say; the first successful sign-in replaces
// it with Roster's own hash, in the transaction that records the sign-in.
func (s *Service) SignIn(ctx context.Context, login, password string, partnerID int64) (Tokens, error) {
	t, err := s.signIn(ctx, login, password, partnerID)
	switch {
	case err == nil:
		s.stats.SignInSucceeded()
	case err == errBadCredentials:
		s.stats.SignInFailed()
	}
	return t, err
}

// signIn is SignIn without the counting.
func (s *Service) signIn(ctx context.Context, login, password string, partnerID int64) (Tokens, error) {
	u, ok, err := s.loginAccount(ctx, login, password, partnerID)
	if err != nil {
		return Tokens{}, err
	}
	if !ok {
		checkPassword("", password) // the same cost as a real check
		// The login itself is not logged: it may be a password typed
		// into the wrong field.
		s.log.DebugContext(ctx, "sign-in refused: the login names no single account")
		return Tokens{}, errBadCredentials
	}
	now := s.now().UTC()
	if !checkPassword(u.PasswordHash, password) {
		locked, err := s.recordFailure(ctx, u, now, Actor{})
		if err != nil {
			return Tokens{}, err
		}
		if locked {
			s.stats.AccountLocked()
		}
		s.log.DebugContext(ctx, "sign-in refused: wrong password", "user_id", u.ID, "partner_id", u.PartnerID)
		return Tokens{}, errBadCredentials
	}
	if !usable(u, now) {
		s.log.DebugContext(ctx, "sign-in refused: account not usable", "user_id", u.ID, "partner_id", u.PartnerID, "state", u.State)
		// The right password for an account that may not sign in: not a
		// guess to count towards a lock, but still a failure to record.
		err := s.grantTx(ctx, u.PartnerID, func(tx roster.Store) error {
			return s.appendAudit(ctx, tx, signInFailure(u, Actor{}))
		})
		return Tokens{}, cmp.Or(err, error(errBadCredentials))
	}
	// An imported hash (bcrypt, or argon2id with other parameters) is
	// replaced by Roster's own now that the password is known. The new
	// hash is made before the transaction so that the partner lock is not
	// held across a KDF; the compare-and-set below keeps it safe.
	var upgraded string
	if needsRehash(u.PasswordHash) {
		upgraded = hashPassword(password)
	}
	var t Tokens
	err = s.grantTx(ctx, u.PartnerID, func(tx roster.Store) error {
		cur, err := tx.User(ctx, u.PartnerID, u.ID)
		if err != nil {
			return err
		}
		if cur.State != roster.StateActive || !sameSecret(cur.PasswordHash, u.PasswordHash) {
			return errBadCredentials // locked or changed while we checked
		}
		cur.FailedSignIns, cur.FailedSince, cur.LastLoginAt = 0, nil, &now
		if upgraded != "" {
			cur.PasswordHash = upgraded
		}
		if err := tx.UpdateUser(ctx, &cur); err != nil {
			return err
		}
		if upgraded != "" {
			if err := tx.AddPasswordHistory(ctx, cur.PartnerID, cur.ID, upgraded); err != nil {
				return err
			}
		}
		t, err = s.issueTokens(ctx, tx, cur)
		return err
	})
	return t, err
}

// loginAccount finds the one account a login names, in partnerID if it is
// not 0. ok is false when there is none, or more than one to choose from.
func (s *Service) loginAccount(ctx context.Context, login, password string, partnerID int64) (roster.User, bool, error) {
	login = strings.TrimSpace(login)
	if login == "" || password == "" || len(login) > maxEmailLen || len(password) > 4*maxPasswordLen {
		return roster.User{}, false, nil
	}
	candidates, err := s.store.UsersByLogin(ctx, login, maxLoginCandidates)
	if err != nil {
		return roster.User{}, false, err
	}
	if partnerID != 0 {
		candidates = slices.DeleteFunc(candidates, func(u roster.User) bool { return u.PartnerID != partnerID })
	}
	if len(candidates) != 1 {
		return roster.User{}, false, nil
	}
	return candidates[0], true, nil
}

// usable reports whether u may sign in or keep using tokens: the account
// is active and its password, if temporary, has not expired.
func usable(u roster.User, now time.Time) bool {
	return u.State == roster.StateActive && (u.PasswordExpiresAt == nil || now.Before(*u.PasswordExpiresAt))
}

// signInFailure is the audit event of a failed sign-in as u: by the user
// when a signed-in user (by) mistyped their old password, else by nobody.
// It names the account only; the password tried is never recorded.
func signInFailure(u roster.User, by Actor) roster.AuditEvent {
	e := by.event(u.PartnerID, roster.ActionUserSignInFailure, roster.TargetUser, u.ID)
	if by.UserID == 0 {
		e.ActorKind, e.ActorID = roster.ActorAnonymous, 0
	}
	return e
}

// recordFailure records a failed sign-in against u, by (see signInFailure),
// counts it and locks the account once the run reaches MaxFailedSignIns
// within FailureWindow; locked says whether this failure locked it. It
// re-reads the user inside the write, so that concurrent failures all
// count.
func (s *Service) recordFailure(ctx context.Context, u roster.User, now time.Time, by Actor) (locked bool, err error) {
	err = s.partnerTx(ctx, u.PartnerID, func(tx roster.Store) error {
		locked = false // a retried transaction starts over
		cur, err := tx.User(ctx, u.PartnerID, u.ID)
		if roster.ErrorCode(err) == roster.ENotFound {
			return nil // deleted meanwhile: nothing to count
		}
		if err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, signInFailure(cur, by)); err != nil {
			return err
		}
		if cur.State != roster.StateActive {
			return nil
		}
		if cur.FailedSince == nil || now.Sub(*cur.FailedSince) > FailureWindow {
			cur.FailedSignIns, cur.FailedSince = 0, &now
		}
		cur.FailedSignIns++
		if cur.FailedSignIns >= MaxFailedSignIns {
			cur.State, locked = roster.StateLocked, true
			s.log.WarnContext(ctx, "account locked after failed sign-ins", "user_id", cur.ID, "partner_id", cur.PartnerID)
			if err := s.appendAudit(ctx, tx, system.event(cur.PartnerID, roster.ActionUserLock, roster.TargetUser, cur.ID, "status")); err != nil {
				return err
			}
			if err := tx.DeleteUserTokens(ctx, cur.PartnerID, cur.ID); err != nil {
				return err
			}
		}
		return tx.UpdateUser(ctx, &cur)
	})
	return locked && err == nil, err
}

// Refresh trades a refresh token for a new pair. Each refresh token works
// once: of two requests racing with the same token, one wins.
func (s *Service) Refresh(ctx context.Context, refresh string) (Tokens, error) {
	if !wellFormed(refresh, refreshPrefix) {
		return Tokens{}, errBadToken
	}
	sum := sha256Sum(refresh)
	var t Tokens
	err := s.store.Tx(ctx, func(tx roster.Store) error {
		tok, err := s.liveToken(ctx, tx, sum, roster.TokenRefresh)
		if err != nil {
			return err
		}
		if err := tx.DeleteToken(ctx, tok.PartnerID, tok.ID); err != nil {
			if roster.ErrorCode(err) == roster.ENotFound {
				return errBadToken
			}
			return err
		}
		u, err := s.activeUser(ctx, tx, tok)
		if err != nil {
			return err
		}
		t, err = s.issueTokens(ctx, tx, u)
		return err
	})
	return t, err
}

// wellFormed reports whether token has the prefix of its kind and a length
// Roster's tokens can have, before anything is hashed or looked up.
func wellFormed(token, prefix string) bool {
	return strings.HasPrefix(token, prefix) && len(token) <= 128
}

// errBadToken answers every token that does not authenticate.
var errBadToken = roster.Errorf(roster.EUnauthorized, "invalid or expired token")

// AuthenticateToken returns the actor for a bearer access token: its user,
// with the permissions of the user's role, or EUnauthorized.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (Actor, error) {
	if !wellFormed(token, accessPrefix) {
		return Actor{}, errBadToken
	}
	return s.auth.remember(sha256.Sum256([]byte(token)), s.now(), func(sum []byte) (Actor, time.Time, error) {
		tok, err := s.liveToken(ctx, s.store, sum, roster.TokenAccess)
		if err != nil {
			return Actor{}, time.Time{}, err
		}
		u, err := s.activeUser(ctx, s.store, tok)
		if err != nil {
			return Actor{}, time.Time{}, err
		}
		validUntil := tok.ExpiresAt
		if u.PasswordExpiresAt != nil && u.PasswordExpiresAt.Before(validUntil) {
			validUntil = *u.PasswordExpiresAt
		}
		return Actor{PartnerID: u.PartnerID, Permissions: u.Role.Permissions, UserID: u.ID}, validUntil, nil
	})
}

// liveToken finds the unexpired token of the kind whose SHA-256 is sum.
func (s *Service) liveToken(ctx context.Context, st roster.Store, sum []byte, kind roster.TokenKind) (roster.Token, error) {
	tok, err := st.TokenByHash(ctx, sum)
	if roster.ErrorCode(err) == roster.ENotFound {
		return roster.Token{}, errBadToken
	}
	if err != nil {
		return roster.Token{}, err
	}
	if tok.Kind != kind || !s.now().Before(tok.ExpiresAt) || subtle.ConstantTimeCompare(tok.Hash, sum) != 1 {
		return roster.Token{}, errBadToken
	}
	return tok, nil
}

// activeUser loads a token's user, who must still be usable: a token dies
// with its user's deactivation, lock or deletion even before the tokens
// are removed, and with the expiry of a temporary password, so that an
// invited user cannot refresh their way around choosing one.
func (s *Service) activeUser(ctx context.Context, st roster.Store, tok roster.Token) (roster.User, error) {
	u, err := st.User(ctx, tok.PartnerID, tok.UserID)
	if roster.ErrorCode(err) == roster.ENotFound || (err == nil && !usable(u, s.now())) {
		return u, errBadToken
	}
	return u, err
}

// issueTokens stores a new access and refresh token for u.
func (s *Service) issueTokens(ctx context.Context, tx roster.Store, u roster.User) (Tokens, error) {
	now := s.now().UTC()
	t := Tokens{Access: newToken(accessPrefix), Refresh: newToken(refreshPrefix), ExpiresIn: AccessTokenTTL, User: u}
	for _, tok := range []roster.Token{
		{PartnerID: u.PartnerID, UserID: u.ID, Kind: roster.TokenAccess, Hash: sha256Sum(t.Access), ExpiresAt: now.Add(AccessTokenTTL)},
		{PartnerID: u.PartnerID, UserID: u.ID, Kind: roster.TokenRefresh, Hash: sha256Sum(t.Refresh), ExpiresAt: now.Add(RefreshTokenTTL)},
	} {
		if err := tx.CreateToken(ctx, &tok); err != nil {
			return Tokens{}, err
		}
	}
	return t, nil
}

// SweepTokens removes tokens that have expired. Expired tokens are refused
// anyway; this only keeps the table small. Any node may run it.
func (s *Service) SweepTokens(ctx context.Context) (int, error) {
	return s.store.DeleteExpiredTokens(ctx, s.now().UTC())
}
