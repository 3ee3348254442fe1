package roster

import (
	"context"
	"time"
)

// Store persists Roster's data. Every method that reads or writes a
// partner's data takes the partner id and touches nothing outside it: the
// partner is part of every query, so a caller can never reach another
// partner's rows, whatever ids it passes.
//
// Implementations live in internal/store/<engine> and all pass the one
// conformance suite in internal/store/storetest. Methods return *Error with
// the codes named in their comments; any other error is internal.
type Store interface {
	// Tx runs fn inside one transaction and commits if fn returns nil, or
	// rolls back and returns fn's error. The Store passed to fn runs every
	// call inside that transaction; calling Tx on it runs fn in the same
	// transaction. Writes inside Tx are serialised per partner by LockPartner.
	Tx(ctx context.Context, fn func(tx Store) error) error

	// LockPartner takes a lock on the partner for the rest of the current
	// transaction, so that checks of partner-wide invariants (such as "one
	// active admin remains") cannot race. Outside Tx it is a no-op.
	// ENotFound if the partner does not exist.
	LockPartner(ctx context.Context, partnerID int64) error

	// CreatePartner inserts p and sets its ID and CreatedAt. It creates no
	// roles: that is the caller's rule to apply.
	CreatePartner(ctx context.Context, p *Partner) error
	// Partner returns one partner. ENotFound.
	Partner(ctx context.Context, id int64) (Partner, error)
	// Partners returns every partner in id order.
	Partners(ctx context.Context) ([]Partner, error)

	// CreateRole inserts r and sets its ID, CreatedAt and UpdatedAt.
	// EConflict if the partner has a role of that name (case-insensitive).
	CreateRole(ctx context.Context, r *Role) error
	// Role returns one role. ENotFound.
	Role(ctx context.Context, partnerID, id int64) (Role, error)
	// RoleByName returns the role with that name (case-insensitive). ENotFound.
	RoleByName(ctx context.Context, partnerID int64, name string) (Role, error)
	// Roles returns the partner's roles matching f, ordered by name.
	Roles(ctx context.Context, partnerID int64, f RoleFilter) ([]Role, error)
	// UpdateRole stores r's name, permissions and log type access, and sets
	// UpdatedAt. ENotFound, EConflict on a duplicate name.
	UpdateRole(ctx context.Context, r *Role) error
	// DeleteRole removes one role. ENotFound; EConflict if a user has it.
	DeleteRole(ctx context.Context, partnerID, id int64) error
	// RoleUserCount returns how many users have the role.
	RoleUserCount(ctx context.Context, partnerID, id int64) (int, error)

	// CreateUser inserts u and sets its ID, CreatedAt and UpdatedAt; u.Role
	// is filled in from u.Role.ID. EConflict if the e-mail or username is
	// taken in the partner (case-insensitive); EInvalid if the role or a
	// group is not the partner's.
	CreateUser(ctx context.Context, u *User) error
	// CreateUsers inserts many users of one partner with their memberships,
	// all or nothing, and sets each one's ID (ascending in the order of us),
	// CreatedAt, UpdatedAt, Role and Groups as CreateUser does. It is the
	// path for bulk loads (import, seeding), which one insert per user makes
	// slow. Every user must have us[0]'s PartnerID (EInvalid otherwise).
	// EConflict if an e-mail or username is taken in the partner or appears
	// twice in us (case-insensitive); EInvalid if a role or group is not the
	// partner's. A refused call writes nothing.
	CreateUsers(ctx context.Context, us []*User) error
	// User returns one user with its role. ENotFound.
	User(ctx context.Context, partnerID, id int64) (User, error)
	// UserByEmail returns the user with that e-mail (case-insensitive). ENotFound.
	UserByEmail(ctx context.Context, partnerID int64, email string) (User, error)
	// Users returns the partner's users matching f, in f's order (ascending
	// id by default).
	Users(ctx context.Context, partnerID int64, f UserFilter) ([]User, error)
	// UpdateUser stores every field of u except ID, PartnerID and CreatedAt,
	// sets UpdatedAt and refills u.Role. ENotFound; EConflict and EInvalid
	// as CreateUser.
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser removes one user with its memberships, tokens and password
	// history. ENotFound.
	DeleteUser(ctx context.Context, partnerID, id int64) error
	// ActiveAdminCount returns how many ACTIVE users of the partner have a
	// role that grants UserModify.
	ActiveAdminCount(ctx context.Context, partnerID int64) (int, error)
	// CountUsers returns how many users match f, ignoring its AfterID,
	// Offset and Limit.
	CountUsers(ctx context.Context, partnerID int64, f UserFilter) (int, error)
	// EachUser calls fn for every user matching f, in f's order, without
	// holding them all in memory. fn's error stops the walk and is returned.
	EachUser(ctx context.Context, partnerID int64, f UserFilter, fn func(User) error) error
	// UsersByLogin returns the users, of any partner, whose username or
	// e-mail is login (case-insensitive), in id order, at most limit of them
	// (none when limit < 1). It is the
	// one user lookup not scoped to a partner: sign-in names no partner.
	UsersByLogin(ctx context.Context, login string, limit int) ([]User, error)
	// UsersByLogins returns the partner's users whose username or e-mail is
	// any of logins (case-insensitive), in id order: one query for a batch
	// of logins that UsersByLogin would answer one at a time.
	UsersByLogins(ctx context.Context, partnerID int64, logins []string) ([]User, error)
	// PasswordHistory returns the user's last n password hashes, newest
	// first; nothing for a user not of the partner.
	PasswordHistory(ctx context.Context, partnerID, userID int64, n int) ([]string, error)
	// AddPasswordHistory records a password hash the user has had.
	// ENotFound if the user is not the partner's.
	AddPasswordHistory(ctx context.Context, partnerID, userID int64, hash string) error

	// CreateGroup inserts g with its members and sets its ID, CreatedAt
	// and UpdatedAt. EConflict if the partner has a group of that name
	// (case-insensitive); EInvalid if a member is not the partner's user.
	CreateGroup(ctx context.Context, g *Group) error
	// Group returns one group with its members. ENotFound.
	Group(ctx context.Context, partnerID, id int64) (Group, error)
	// Groups returns the partner's groups matching f, with their members.
	Groups(ctx context.Context, partnerID int64, f GroupFilter) ([]Group, error)
	// CountGroups returns how many groups match f, ignoring Offset and Limit.
	CountGroups(ctx context.Context, partnerID int64, f GroupFilter) (int, error)
	// UpdateGroup stores g's name, description and members and sets
	// UpdatedAt. ENotFound; EConflict and EInvalid as CreateGroup.
	UpdateGroup(ctx context.Context, g *Group) error
	// DeleteGroup removes one group and its memberships, never its users.
	// ENotFound.
	DeleteGroup(ctx context.Context, partnerID, id int64) error

	// CreateToken inserts t and sets its ID and CreatedAt. EInvalid if the
	// user is not the partner's; EConflict if the hash exists already.
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns the token with that hash, expired or not. ENotFound.
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	// DeleteToken removes one token. ENotFound if it is already gone, so
	// that of two callers racing to use a refresh token only one wins.
	DeleteToken(ctx context.Context, partnerID, id int64) error
	// DeleteUserTokens removes every token of the user.
	DeleteUserTokens(ctx context.Context, partnerID, userID int64) error
	// DeleteExpiredTokens removes every token that expired before the
	// given time and returns how many.
	DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error)

	// CreateAPIKey inserts k and sets its ID and CreatedAt. EConflict if the
	// hash exists already.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByHash returns the key with that hash. ENotFound.
	APIKeyByHash(ctx context.Context, hash []byte) (APIKey, error)
	// APIKeys returns the partner's keys in id order.
	APIKeys(ctx context.Context, partnerID int64) ([]APIKey, error)
	// DeleteAPIKey removes one of the partner's keys, so that it stops
	// authenticating at once. ENotFound.
	DeleteAPIKey(ctx context.Context, partnerID, id int64) error

	// AppendAudit records events, in their order, in their partners' audit
	// logs, each with its At as its time (the store's clock when zero), all
	// or nothing. Called inside Tx, the records commit or roll back with the
	// change they describe. EInvalid if a partner does not exist.
	AppendAudit(ctx context.Context, events ...AuditEvent) error
	// AuditEvents returns the partner's audit events matching f, in
	// ascending id order.
	AuditEvents(ctx context.Context, partnerID int64, f AuditFilter) ([]AuditEvent, error)

	// Secret returns the installation-wide secret of that name, creating it
	// from newSecret the first time. Every node on the same database gets
	// the same bytes, so that what one node signs another can verify.
	Secret(ctx context.Context, name string, newSecret func() ([]byte, error)) ([]byte, error)

	// Optimize brings the search indexes and the query planner's statistics
	// into shape after a bulk load (an import, a seeding), for every
	// partner; nothing it does changes what any query returns. It can take
	// seconds per million users, and on SQLite it holds the write lock
	// meanwhile.
	Optimize(ctx context.Context) error

	// Close releases the store's connections.
	Close() error
}
