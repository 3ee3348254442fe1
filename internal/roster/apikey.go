package roster

import "time"

// APIKey is a credential of one partner. Only a hash of the key is kept; the
// key itself is shown once, when it is created.
type APIKey struct {
	ID          int64
	PartnerID   int64
	Name        string
	Hash        []byte // SHA-256 of the key
	Permissions Permissions
	CreatedAt   time.Time
}
