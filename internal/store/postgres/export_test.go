package postgres

import (
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-dev/roster/internal/roster"
)

// Hooks for the external tests (package postgres_test). They cannot live
// in this package: they import pgtest, which imports this package.

// UsersQuery is usersQuery: the SQL and arguments Users runs for f.
func UsersQuery(partnerID int64, f roster.UserFilter) (string, []any, error) {
	return usersQuery(partnerID, f)
}

// PoolOf returns the store's connection pool.
func PoolOf(s *Store) *pgxpool.Pool { return s.pool }

// LatestVersion is the number of the newest embedded migration file.
func LatestVersion() (int64, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil || len(names) == 0 {
		return 0, err
	}
	last := path.Base(names[len(names)-1]) // Glob sorts
	return strconv.ParseInt(last[:strings.IndexByte(last, '_')], 10, 64)
}
