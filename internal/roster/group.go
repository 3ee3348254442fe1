package roster

import (
	"strings"
	"time"
)

// Group is a named set of users of one partner, as Audience Manager has
// them. Names are unique in the partner, compared case-insensitively.
type Group struct {
	ID          int64
	PartnerID   int64
	Name        string
	Description string
	// Users are the ids of the members, ascending. Writes replace the
	// memberships with them.
	Users     []int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SearchText is what GroupFilter.Search looks in, lower-cased: the name and
// the description, on separate lines. Every store indexes exactly this.
func (g Group) SearchText() string {
	return strings.ToLower(g.Name + "\n" + g.Description)
}

// GroupFilter selects groups of one partner, ordered by name then id.
type GroupFilter struct {
	IDs        []int64 // any of these ids
	Search     string  // case-insensitive substring of the name or description
	Descending bool    // by name, descending
	Offset     int     // skip this many first
	Limit      int     // 0 means no limit
}
