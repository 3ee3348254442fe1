package roster

import (
	"context"
	"time"
)

// Monitored is what a Store may offer beside roster.Store for the
// operator's view of it: readiness and connection-pool use. It is apart
// from Store because nothing Roster's rules do needs it; the server asks
// for it with a type assertion, and both engines implement it.
type Monitored interface {
	// Ready returns nil when the database answers and its schema is at the
	// latest migration this binary knows, and an error saying which is not
	// the case otherwise.
	Ready(ctx context.Context) error
	// PoolStats describes each of the store's connection pools now.
	PoolStats() []PoolStats
}

// PoolStats is a snapshot of one connection pool.
type PoolStats struct {
	// Pool names the pool within its store, such as "read" or "write".
	Pool string
	// MaxOpen is the most connections the pool may hold.
	MaxOpen int
	// InUse and Idle count the pool's open connections by state.
	InUse, Idle int
	// WaitCount is how many times, since the pool opened, a caller had to
	// wait for a connection, and WaitDuration how long in all.
	WaitCount    int64
	WaitDuration time.Duration
}
