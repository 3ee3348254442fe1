// Package sqlite implements roster.Store on one SQLite file, with the pure-Go
// driver modernc.org/sqlite (no cgo).
//
// It knows the schema, its embedded migrations, how to reach the file safely
// from many goroutines and several processes at once, and how to turn the
// driver's errors into roster's error codes. It knows nothing of Roster's
// rules — who may do what, the last-admin invariant, which roles are built
// in and may not change — those belong to the service, and nothing of HTTP.
//
// Times are stored as INTEGER Unix nanoseconds and always read back in UTC.
// Every time the store writes is truncated to the microsecond, the precision
// PostgreSQL keeps, so that both engines give back the same value.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/roster"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

var _ roster.Store = (*Store)(nil)

// Store is roster.Store on a SQLite file. It is safe for concurrent use.
// Open one with Open; inside Tx, the Store passed to the callback runs every
// call in that transaction.
type Store struct {
	// write has one connection: SQLite admits one writer at a time anyway,
	// and queueing writers in database/sql rather than in SQLite's busy
	// handler keeps them in order and never returns SQLITE_BUSY.
	write *sql.DB
	// read serves reads outside transactions; in WAL mode they run in
	// parallel with each other and with the writer.
	read *sql.DB
	// readQ and writeQ run queries on the pools through cached prepared
	// statements.
	readQ, writeQ *stmtCache
	// roles keeps the partners' roles for user lists (rolecache.go); every
	// Store of one Open shares it.
	roles *roleCache
	// tx is set on the Store that Tx passes to its callback, and missed
	// collects the queries it ran unprepared (stmt.go).
	tx     *sql.Tx
	missed *missedStmts
	// commits batches the write transactions (groupcommit.go); every
	// Store of one Open shares it.
	commits *groupCommit
	// now is the clock for CreatedAt and UpdatedAt; tests may replace it.
	now func() time.Time
}

// queryer is what *sql.DB and *sql.Tx have in common, so that each method is
// written once and runs on a pool or in a transaction alike.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// Open opens the SQLite database at path, creating the file if it does not
// exist, brings its schema up to date and returns a ready store. Several
// processes may open the same file at once. path is a file path, not a URI;
// ":memory:" is not supported, since each pooled connection would get a
// database of its own.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: %q is not a database file path", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := migrate(ctx, abs); err != nil {
		return nil, err
	}

	write, err := sql.Open("sqlite", dsn(abs, "_txlock=immediate", "_pragma=temp_store(MEMORY)"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open write pool: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)

	// query_only turns a write sent to the wrong pool into an error instead
	// of a second writer competing with the first.
	read, err := sql.Open("sqlite", dsn(abs, "_pragma=query_only(1)"))
	if err != nil {
		_ = write.Close() // nothing was opened on it yet
		return nil, fmt.Errorf("sqlite: open read pool: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxIdleTime(5 * time.Minute)

	s := &Store{write: write, read: read, readQ: newStmtCache(read), writeQ: newStmtCache(write),
		roles: &roleCache{}, commits: &groupCommit{}, now: time.Now}
	for name, db := range map[string]*sql.DB{"write": write, "read": read} {
		if err := db.PingContext(ctx); err != nil {
			return nil, errors.Join(fmt.Errorf("sqlite: connect %s pool: %w", name, err), s.Close())
		}
	}
	return s, nil
}

// dsn is the driver's data source name for path, with the PRAGMAs every
// connection needs and any extra query parameters. modernc.org/sqlite runs
// each _pragma on every new connection, busy_timeout first.
//
//   - journal_mode(WAL): readers and the writer do not block each other.
//   - synchronous(NORMAL): in WAL mode a commit is written to the WAL file
//     before it returns, and only the fsync is left to checkpoints. A commit
//     therefore survives the process being killed (kill -9), which is what
//     Roster promises for every 200; only a power cut or an OS crash can lose
//     the last commits. FULL would fsync every commit for that case alone.
//   - foreign_keys(1): SQLite enforces foreign keys only when asked, per
//     connection.
//   - busy_timeout(10000): another process (roster keys create beside a
//     running server) holding the write lock makes us wait, not fail.
func dsn(path string, extra ...string) string {
	params := []string{
		"_pragma=busy_timeout(10000)",
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(NORMAL)",
		"_pragma=foreign_keys(1)",
	}
	params = append(params, extra...)
	// A file: URI, so that a '?' or '#' in the path cannot be taken for the
	// start of the parameters.
	u := url.URL{Scheme: "file", OmitHost: true, Path: path}
	return u.String() + "?" + strings.Join(params, "&")
}

// Close releases both connection pools. On the Store inside Tx it does
// nothing: that Store borrows its connections.
func (s *Store) Close() error {
	if s.tx != nil {
		return nil
	}
	return errors.Join(s.readQ.Close(), s.writeQ.Close(), s.write.Close(), s.read.Close())
}

// Tx runs fn in one transaction on the write pool and commits if fn returns
// nil. The transaction takes SQLite's write lock at BEGIN (_txlock=immediate):
// a transaction that read first and upgraded later could fail with
// SQLITE_BUSY when another process wrote in between, and the busy handler
// cannot help with that. Called on the Store inside Tx, it runs fn in the
// same transaction. Concurrent calls may share one SQLite transaction, each
// in a savepoint of its own (groupcommit.go): fn's writes are still all or
// nothing, and Tx returns only once they are committed or undone.
func (s *Store) Tx(ctx context.Context, fn func(tx roster.Store) error) error {
	return s.transact(ctx, func(tx *Store) error { return fn(tx) })
}

// transact is Tx for the store's own use: a write of several statements
// (a user and its memberships) runs in it so that it is all or nothing,
// inside the caller's transaction if there is one.
func (s *Store) transact(ctx context.Context, fn func(tx *Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	return s.commits.run(ctx, s, fn)
}

// reader is where reads go: the transaction inside Tx, else the read pool.
func (s *Store) reader() queryer {
	if s.tx != nil {
		return txQueryer{s.tx, s.writeQ, s.missed}
	}
	return s.readQ
}

// pointRead returns the context for a point read, a query that finds at
// most one row through a unique index. Outside a transaction that is ctx
// without its cancellation: with a context that can be cancelled,
// database/sql and the driver each start a goroutine per query to watch it,
// and that cost a third of the lookup (measured: 43 against 30 µs by id on
// 100,000 users), while a lookup that has begun ends within microseconds
// anyway. Counts and lists, which can run long, keep the caller's context.
func (s *Store) pointRead(ctx context.Context) context.Context {
	if s.tx == nil {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// lookup runs a point read (see pointRead) where reader would.
func (s *Store) lookup(ctx context.Context, query string, args ...any) *sql.Row {
	return s.reader().QueryRowContext(s.pointRead(ctx), query, args...)
}

// writer is where writes go: the transaction inside Tx, else the write pool.
// A read that decides a write (a role check before an insert) goes here too.
func (s *Store) writer() queryer {
	if s.tx != nil {
		return txQueryer{s.tx, s.writeQ, s.missed}
	}
	return s.writeQ
}

// LockPartner checks that the partner exists. It needs to lock nothing: a
// transaction holds SQLite's single write lock from BEGIN to COMMIT, which
// already serialises every writer, of every partner.
func (s *Store) LockPartner(ctx context.Context, partnerID int64) error {
	var one int
	err := s.reader().QueryRowContext(ctx, `SELECT 1 FROM partners WHERE id = ?`, partnerID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("partner %d", partnerID)
	}
	if err != nil {
		return fmt.Errorf("sqlite: lock partner %d: %w", partnerID, err)
	}
	return nil
}

// timestamp returns the current time as the store keeps it: UTC, truncated
// to the microsecond, without a monotonic clock reading.
func (s *Store) timestamp() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// toDB converts t into the stored form, Unix nanoseconds at microsecond
// precision.
func toDB(t time.Time) int64 {
	return t.Truncate(time.Microsecond).UnixNano()
}

// toDBPtr is toDB for an optional time; nil is stored as NULL.
func toDBPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return toDB(*t)
}

// fromDB converts a stored time back, in UTC.
func fromDB(ns int64) time.Time {
	return time.Unix(0, ns).UTC()
}

// fromDBNull is fromDB for a nullable column.
func fromDBNull(ns sql.NullInt64) *time.Time {
	if !ns.Valid {
		return nil
	}
	t := fromDB(ns.Int64)
	return &t
}

// placeholders returns n comma-separated "?", for an IN list.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// limitOffset returns the LIMIT clause, with its arguments, for a page of
// limit rows (0 for all) after skipping offset. SQLite takes OFFSET only
// after a LIMIT, and LIMIT -1 means none.
func limitOffset(limit, offset int) (string, []any) {
	switch {
	case offset > 0 && limit > 0:
		return ` LIMIT ? OFFSET ?`, []any{limit, offset}
	case offset > 0:
		return ` LIMIT -1 OFFSET ?`, []any{offset}
	case limit > 0:
		return ` LIMIT ?`, []any{limit}
	}
	return "", nil
}
