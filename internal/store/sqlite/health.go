package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/store/schema"
)

var _ roster.Monitored = (*Store)(nil)

// Ready pings both pools and checks that the schema is at the latest
// embedded migration: a file migrated by an older binary, or a database
// restored from an old backup under a running server, is not ready.
func (s *Store) Ready(ctx context.Context) error {
	for name, db := range map[string]*sql.DB{"write": s.write, "read": s.read} {
		if err := db.PingContext(ctx); err != nil {
			return fmt.Errorf("sqlite: %s pool: %w", name, err)
		}
	}
	var v sql.NullInt64
	err := s.read.QueryRowContext(ctx, `SELECT MAX(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v)
	if err != nil {
		return fmt.Errorf("sqlite: schema version: %w", err)
	}
	want, err := schema.Latest(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if v.Int64 != want {
		return fmt.Errorf("sqlite: schema at migration %d, want %d", v.Int64, want)
	}
	return nil
}

// PoolStats reports the read and the write pool.
func (s *Store) PoolStats() []roster.PoolStats {
	return []roster.PoolStats{poolStats("read", s.read), poolStats("write", s.write)}
}

func poolStats(name string, db *sql.DB) roster.PoolStats {
	st := db.Stats()
	return roster.PoolStats{Pool: name, MaxOpen: st.MaxOpenConnections, InUse: st.InUse, Idle: st.Idle,
		WaitCount: st.WaitCount, WaitDuration: st.WaitDuration}
}
