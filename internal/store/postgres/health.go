package postgres

import (
	"context"
	"fmt"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/store/schema"
)

var _ roster.Monitored = (*Store)(nil)

// Ready pings the database and checks that the schema is at the latest
// embedded migration: a database migrated by an older binary, or restored
// from an old backup under a running server, is not ready.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	var v *int64
	err := s.pool.QueryRow(ctx, `SELECT MAX(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v)
	if err != nil {
		return fmt.Errorf("postgres: schema version: %w", err)
	}
	want, err := schema.Latest(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if v == nil || *v != want {
		var got int64
		if v != nil {
			got = *v
		}
		return fmt.Errorf("postgres: schema at migration %d, want %d", got, want)
	}
	return nil
}

// PoolStats reports the pool. pgxpool counts acquisitions that had to
// wait for a connection as EmptyAcquireCount.
func (s *Store) PoolStats() []roster.PoolStats {
	st := s.pool.Stat()
	return []roster.PoolStats{{Pool: "pool", MaxOpen: int(st.MaxConns()), InUse: int(st.AcquiredConns()),
		Idle: int(st.IdleConns()), WaitCount: st.EmptyAcquireCount(), WaitDuration: st.EmptyAcquireWaitTime()}}
}
