package roster

import "context"

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
	// taken in the partner (case-insensitive); EInvalid if the role is not
	// the partner's.
	CreateUser(ctx context.Context, u *User) error
	// User returns one user with its role. ENotFound.
	User(ctx context.Context, partnerID, id int64) (User, error)
	// UserByEmail returns the user with that e-mail (case-insensitive). ENotFound.
	UserByEmail(ctx context.Context, partnerID int64, email string) (User, error)
	// Users returns the partner's users matching f, in ascending id order.
	Users(ctx context.Context, partnerID int64, f UserFilter) ([]User, error)
	// UpdateUser stores every field of u except ID, PartnerID and CreatedAt,
	// sets UpdatedAt and refills u.Role. ENotFound; EConflict and EInvalid
	// as CreateUser.
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser removes one user. ENotFound.
	DeleteUser(ctx context.Context, partnerID, id int64) error
	// ActiveAdminCount returns how many ACTIVE users of the partner have a
	// role that grants UserModify.
	ActiveAdminCount(ctx context.Context, partnerID int64) (int, error)

	// CreateAPIKey inserts k and sets its ID and CreatedAt. EConflict if the
	// hash exists already.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByHash returns the key with that hash. ENotFound.
	APIKeyByHash(ctx context.Context, hash []byte) (APIKey, error)

	// Secret returns the installation-wide secret of that name, creating it
	// from newSecret the first time. Every node on the same database gets
	// the same bytes, so that what one node signs another can verify.
	Secret(ctx context.Context, name string, newSecret func() ([]byte, error)) ([]byte, error)

	// Close releases the store's connections.
	Close() error
}
