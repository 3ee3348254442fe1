// Package postgres implements roster.Store on PostgreSQL (15 or later),
// through pgx and its connection pool.
//
// It knows the schema, its embedded migrations, how to run them safely from
// several nodes starting at once, how to keep the planner on the trigram
// indexes that serve substring searches, and how to turn PostgreSQL's
// SQLSTATE codes into roster's error codes. It knows nothing of Roster's
// rules — who may do what, the last-admin invariant, which roles are built
// in — those belong to the service, and nothing of HTTP.
//
// It behaves as the SQLite store does, as far as roster.Store promises:
// both pass the conformance suite in internal/store/storetest. Times are
// TIMESTAMPTZ, written truncated to the microsecond and read back in UTC;
// case-insensitive names are compared through lower-cased copies made in Go
// (strings.ToLower), and sorted in code-point order (COLLATE "C"), so that
// both engines fold and order alike whatever the database's locale.
//
// One difference cannot be hidden: inside Tx, a statement PostgreSQL
// refuses (a conflict on a unique name, say) aborts the whole transaction,
// where SQLite would carry on. The caller must return that error, as every
// caller in Roster does; a caller that commits anyway gets an error from
// the commit, never a half-written transaction.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/roster-dev/roster/internal/roster"
)

var _ roster.Store = (*Store)(nil)

// Store is roster.Store on a PostgreSQL database. It is safe for concurrent
// use. Open one with Open; inside Tx, the Store passed to the callback runs
// every call in that transaction.
type Store struct {
	pool *pgxpool.Pool
	// tx is set on the Store that Tx passes to its callback.
	tx pgx.Tx
	// now is the clock for CreatedAt and UpdatedAt; tests may replace it.
	now func() time.Time
}

// queryer is what *pgxpool.Pool and pgx.Tx have in common, so that each
// method is written once and runs on the pool or in a transaction alike.
type queryer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Open connects to the PostgreSQL database at url (a postgres:// or
// postgresql:// URL), brings its schema up to date and returns a ready
// store. Several nodes may open the same database at once: migrations run
// under a PostgreSQL advisory lock.
//
// The pool holds at most max(4, 2*GOMAXPROCS) connections, as many as the
// SQLite store's read pool, unless the URL sets pool_max_conns. Point
// lookups run as prepared statements; lists are planned per execution (see
// planEach).
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := poolConfig(url)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, cfg.ConnConfig); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return &Store{pool: pool, now: time.Now}, nil
}

// poolConfig parses rawURL into the pool's configuration.
func poolConfig(rawURL string) (*pgxpool.Config, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// Not %w, and not the URL itself: it may hold a password.
		return nil, errors.New("postgres: the database URL does not parse")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("postgres: database URL scheme %q, want postgres:// or postgresql://", u.Scheme)
	}
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if !u.Query().Has("pool_max_conns") {
		cfg.MaxConns = int32(max(4, 2*runtime.GOMAXPROCS(0)))
	}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		// Hand every timestamptz back in UTC, as the SQLite store does,
		// rather than in the process's local zone.
		c.TypeMap().RegisterType(&pgtype.Type{
			Name:  "timestamptz",
			OID:   pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
		})
		return nil
	}
	return cfg, nil
}

// Close releases the pool's connections. On the Store inside Tx it does
// nothing: that Store borrows its connection.
func (s *Store) Close() error {
	if s.tx != nil {
		return nil
	}
	s.pool.Close()
	return nil
}

// Tx runs fn in one transaction at READ COMMITTED, PostgreSQL's default,
// and commits if fn returns nil. Checks that must not race take a row lock
// with LockPartner first. Called on the Store inside Tx, it runs fn in the
// same transaction.
func (s *Store) Tx(ctx context.Context, fn func(tx roster.Store) error) error {
	return s.transact(ctx, func(tx *Store) error { return fn(tx) })
}

// transact is Tx for the store's own use: a write of several statements
// (a user and its memberships) runs in it so that it is all or nothing,
// inside the caller's transaction if there is one.
func (s *Store) transact(ctx context.Context, fn func(tx *Store) error) (err error) {
	if s.tx != nil {
		return fn(s)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	// The rollback runs even when ctx has ended, so that the connection
	// goes back to the pool clean rather than being closed.
	rollback := func() error {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := tx.Rollback(rctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
			return fmt.Errorf("postgres: rollback: %w", err)
		}
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			_ = rollback() // the panic matters more than a failed rollback
			panic(p)
		}
	}()
	if err := fn(&Store{pool: s.pool, tx: tx, now: s.now}); err != nil {
		if rbErr := rollback(); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// q is where statements go: the transaction inside Tx, else the pool.
func (s *Store) q() queryer {
	if s.tx != nil {
		return s.tx
	}
	return s.pool
}

// LockPartner locks the partner's row until the transaction ends, so that
// of two transactions checking a partner-wide invariant, on this node or
// another, the second waits for the first to commit. Outside Tx it only
// checks that the partner exists. ENotFound.
//
// The lock is FOR NO KEY UPDATE rather than FOR UPDATE: the two conflict
// with themselves alike, so LockPartner serialises its callers just the
// same, but FOR NO KEY UPDATE lets the foreign-key checks of other writers
// (an API key or a group created for the partner meanwhile, which take
// FOR KEY SHARE on the row) proceed instead of queueing behind the lock.
func (s *Store) LockPartner(ctx context.Context, partnerID int64) error {
	query := `SELECT 1 FROM partners WHERE id = $1`
	if s.tx != nil {
		query += ` FOR NO KEY UPDATE`
	}
	var one int
	err := s.q().QueryRow(ctx, query, partnerID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound("partner %d", partnerID)
	}
	if err != nil {
		return fmt.Errorf("postgres: lock partner %d: %w", partnerID, err)
	}
	return nil
}

// timestamp returns the current time as the store keeps it: UTC, truncated
// to the microsecond, without a monotonic clock reading.
func (s *Store) timestamp() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// toDB is t as the store writes it: truncated to the microsecond, which
// PostgreSQL would otherwise round, so that both engines keep the same
// instant.
func toDB(t time.Time) time.Time {
	return t.Truncate(time.Microsecond).UTC()
}

// toDBPtr is toDB for an optional time; nil is stored as NULL.
func toDBPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := toDB(*t)
	return &v
}

// planEach, passed as a query's first argument, runs it as an unnamed
// statement, which PostgreSQL plans afresh with the values bound; pgx still
// caches its description, so it takes one round trip.
//
// Every other statement is prepared once per connection and, after five
// executions, PostgreSQL may switch it to a generic plan, planned without
// the values. For a point lookup that saves planning on every call (about
// 100 µs of the server's CPU at 1M users). For a list it is a trap: in
// `search LIKE '%' || $n || '%'` a generic plan cannot see that the needle
// is selective, and may walk every user in id order instead of asking the
// trigram index (measured at 1M users: 5.6 s instead of 0.2 ms); with
// `LIMIT $n` it cannot see how short the page is. So every query whose
// best plan depends on its values — the lists of users, but for the one by
// e-mail, a unique index's lookup, and of audit events — passes planEach.
const planEach = pgx.QueryExecModeCacheDescribe

// params collects a query's arguments and hands out their placeholders, so
// that a query built piece by piece numbers them right.
type params []any

// add appends v and returns its placeholder, "$n".
func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// limitOffset returns the LIMIT and OFFSET clauses for a page of limit rows
// (0 for all) after skipping offset rows.
func limitOffset(p *params, limit, offset int) string {
	var clause string
	if limit > 0 {
		clause += ` LIMIT ` + p.add(limit)
	}
	if offset > 0 {
		clause += ` OFFSET ` + p.add(offset)
	}
	return clause
}

// likeEscaper escapes LIKE's wildcards, and its escape character, so that
// a needle matches only itself.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// containsPattern returns the right-hand side of a case-insensitive
// substring test on a lower-cased column: `LIKE '%' || $n || '%' ESCAPE
// '\'`, binding the escaped, lower-cased needle. LIKE, unlike strpos, can
// be served by a pg_trgm index: planned with its value (see planEach) the
// planner folds the pattern into a constant and extracts its trigrams.
func containsPattern(p *params, needle string) string {
	return `LIKE '%' || ` + p.add(likeEscaper.Replace(strings.ToLower(needle))) + ` || '%' ESCAPE '\'`
}

// collectRows reads every row with scan and closes rows, on every path. It
// returns nil, not an empty slice, when there are none, as the SQLite
// store does.
func collectRows[T any](rows pgx.Rows, scan func(pgx.Row) (T, error)) ([]T, error) {
	return pgx.AppendRows([]T(nil), rows, func(row pgx.CollectableRow) (T, error) {
		return scan(row)
	})
}

// Optimize analyses users and groups, so that the planner sees their size
// and values after a bulk load at once rather than when autovacuum gets to
// them: a substring search's plan (walk users in id order, or fetch the
// trigram index's matches and sort them) rests on those statistics.
func (s *Store) Optimize(ctx context.Context) error {
	if _, err := s.q().Exec(ctx, `ANALYZE users, groups`); err != nil {
		return fmt.Errorf("postgres: optimize: %w", err)
	}
	return nil
}
