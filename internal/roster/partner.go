package roster

import "time"

// DefaultPartnerID is the partner that exists from the first start.
const DefaultPartnerID int64 = 1

// Partner is one organisation whose users Roster keeps apart from every
// other partner's.
type Partner struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}
