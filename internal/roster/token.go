package roster

import "time"

// TokenKind tells an access token from a refresh token.
type TokenKind string

// The token kinds.
const (
	TokenAccess  TokenKind = "access"
	TokenRefresh TokenKind = "refresh"
)

// Token is a bearer credential issued to a signed-in user. Only its hash
// is kept. It dies when it expires or when its user is deleted (the store
// removes it with the user); the service removes a user's tokens when the
// user is deactivated, locked or changes or resets the password.
type Token struct {
	ID        int64
	PartnerID int64
	UserID    int64
	Kind      TokenKind
	Hash      []byte // SHA-256 of the token
	ExpiresAt time.Time
	CreatedAt time.Time
}
