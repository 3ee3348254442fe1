package roster

import (
	"strings"
	"time"
)

// AccountState says whether a user may use Roster at all.
type AccountState string

// The account states.
const (
	StateActive   AccountState = "ACTIVE"
	StateInactive AccountState = "INACTIVE" // deactivated by an admin
	StateLocked   AccountState = "LOCKED"   // locked after failed sign-ins
)

// SignInState says what a user must do with their password, in the names
// Panther (after Cognito) uses.
type SignInState string

// The sign-in states.
const (
	SignInForceChange   SignInState = "FORCE_CHANGE_PASSWORD" // invited, holds a temporary password
	SignInConfirmed     SignInState = "CONFIRMED"             // has chosen a password
	SignInResetRequired SignInState = "RESET_REQUIRED"        // holds a reset password
)

// ParseSignInState returns the state named s, or an EInvalid error.
func ParseSignInState(s string) (SignInState, error) {
	switch st := SignInState(s); st {
	case SignInForceChange, SignInConfirmed, SignInResetRequired:
		return st, nil
	}
	return "", Errorf(EInvalid, "unknown status %q (known: FORCE_CHANGE_PASSWORD, CONFIRMED, RESET_REQUIRED)", s)
}

// MaxID is the largest identity Roster hands out: 2^53-1, exact in every
// JSON implementation.
const MaxID int64 = 1<<53 - 1

// User is one person in one partner. The same user is served by both REST
// dialects; each shows the fields it knows.
type User struct {
	ID         int64
	PartnerID  int64
	Username   string // login name, unique in the partner (case-insensitive)
	Email      string // unique in the partner (case-insensitive), kept as written
	GivenName  string
	FamilyName string
	Title      *string
	Phone      *string
	Role       Role // on write only Role.ID counts; reads fill the whole role
	State      AccountState
	SignIn     SignInState
	// PasswordHash is the encoded hash of the current password, "" if none.
	PasswordHash string
	// PasswordExpiresAt bounds a temporary password's life; nil for one the
	// user chose.
	PasswordExpiresAt *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
	LastLoginAt       *time.Time
	// Groups are the ids of the partner's groups the user belongs to, in
	// ascending order. Writes replace the user's memberships with them.
	Groups []int64
	// FailedSignIns counts the current run of failed sign-ins, which began
	// at FailedSince; a successful sign-in clears both.
	FailedSignIns int
	FailedSince   *time.Time
}

// SearchText is what UserFilter.Contains looks in, lower-cased: the full
// name ("given family", which holds each name alone) and the e-mail, on
// separate lines so that a needle cannot match across the two. Every store
// indexes exactly this text, so that both engines find the same users.
func (u User) SearchText() string {
	return strings.ToLower(u.GivenName + " " + u.FamilyName + "\n" + u.Email)
}

// IsActiveAdmin reports whether the user counts towards the partner's
// "at least one admin" invariant.
func (u User) IsActiveAdmin() bool { return u.State == StateActive && u.Role.IsAdmin() }

// UserSort names the order of a user list. Every order ends with the id,
// so that it is total.
type UserSort string

// The user orders.
const (
	SortByID         UserSort = "" // ascending id, the default
	SortByUsername   UserSort = "username"
	SortByEmail      UserSort = "email"
	SortByGivenName  UserSort = "givenName"
	SortByFamilyName UserSort = "familyName"
	SortByState      UserSort = "state"
	SortByCreatedAt  UserSort = "createdAt"
)

// UserFilter selects users of one partner, by default in ascending id order.
type UserFilter struct {
	// Email, when set, selects the one user with that e-mail
	// (case-insensitive) and every other field is ignored.
	Email string
	// IDs, when non-empty, restricts the result to these ids.
	IDs []int64
	// Contains is a case-insensitive substring of the given name, family
	// name, full name ("given family") or e-mail.
	Contains string
	// IncludeInactive also returns users whose state is INACTIVE.
	IncludeInactive bool
	// SignIn, when set, returns only users in that sign-in state.
	SignIn SignInState
	// GroupIDs, when non-empty, returns only users in any of these groups.
	GroupIDs []int64
	// Search is a case-insensitive substring of the username, given name,
	// family name, full name or e-mail (Audience Manager's search).
	Search string
	// SortBy and Descending order the result; AfterID needs SortByID
	// ascending.
	SortBy     UserSort
	Descending bool
	// AfterID starts the page after this id (keyset pagination).
	AfterID int64
	// Offset skips this many users first (Audience Manager's page numbers).
	Offset int
	// Limit is the most users to return; 0 means no limit.
	Limit int
}
