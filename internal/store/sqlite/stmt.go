package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"
)

// maxCachedStmts bounds the statement cache. The store's queries are a
// few dozen fixed strings; those built with a list of n placeholders vary
// with n, and past this bound they simply run unprepared.
const maxCachedStmts = 512

// stmtCache is a queryer that prepares each distinct query once per pool
// and reuses it. Compiling SQL was most of the cost of a point lookup
// (profiled: 59% of GET /users/{id}, and SQLite compiles a statement with
// bound parameters twice on its first step); a reused statement skips both.
// database/sql keeps one prepared copy per connection and re-prepares on a
// new connection by itself.
type stmtCache struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}}
}

// cached returns the statement already prepared for query, or nil.
func (c *stmtCache) cached(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.stmts[query]
}

// stmt returns the prepared statement for query, preparing it on the pool
// if need be, or nil when the cache is full (the caller then runs the
// query directly). Never call it inside a transaction on the write pool:
// preparing needs a connection, and the transaction holds the only one.
//
// It prepares without holding the cache's lock: on the write pool the
// prepare waits for the connection, and the transaction holding it may
// need the lock (txQueryer.cached) before it can finish. Two goroutines
// may then prepare the same query; the second keeps the first's.
func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.RLock()
	st, ok := c.stmts[query]
	full := len(c.stmts) >= maxCachedStmts
	c.mu.RUnlock()
	if ok || full {
		return st, nil
	}
	// Prepared outside any caller's context: the statement outlives the
	// request that first needed it.
	st, err := c.db.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.stmts[query]; ok {
		_ = st.Close() // a statement nobody else has seen
		return prev, nil
	}
	c.stmts[query] = st
	return st, nil
}

// ExecContext implements queryer.
func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := c.stmt(ctx, query)
	if err != nil || st == nil {
		return c.db.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

// QueryContext implements queryer.
func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := c.stmt(ctx, query)
	if err != nil || st == nil {
		return c.db.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext implements queryer. A query that fails to prepare runs
// unprepared, so that its *sql.Row carries the error as usual.
func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := c.stmt(ctx, query)
	if err != nil || st == nil {
		return c.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// Close closes every cached statement.
func (c *stmtCache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.stmts {
		errs = append(errs, st.Close())
		delete(c.stmts, q)
	}
	return errors.Join(errs...)
}

// txQueryer runs queries in a transaction, reusing a statement the write
// pool has already prepared (Tx.StmtContext finds the copy prepared on the
// transaction's connection, the pool's only one). It never prepares one:
// that would need a second connection while the transaction holds the
// first. A statement it had to run unprepared goes on the transaction's
// missed list instead, and transact prepares it on the pool once the
// transaction has given its connection back, so that from then on every
// transaction finds it ready (creates spent a third of their CPU
// compiling SQL before this, profiled).
//
// Its statements run to their end even if their caller gives up. SQLite
// answers an interrupted write by rolling the whole transaction back, and
// the transaction may carry other writers' work (groupcommit.go): one
// client hanging up must not undo theirs. Every statement in a
// transaction is short.
type txQueryer struct {
	tx     *sql.Tx
	cache  *stmtCache
	missed *missedStmts
}

// ExecContext implements queryer.
func (q txQueryer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = context.WithoutCancel(ctx) // see txQueryer
	if st := q.cached(query); st != nil {
		return q.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

// QueryContext implements queryer.
func (q txQueryer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = context.WithoutCancel(ctx) // see txQueryer
	if st := q.cached(query); st != nil {
		return q.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

// QueryRowContext implements queryer.
func (q txQueryer) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = context.WithoutCancel(ctx) // see txQueryer
	if st := q.cached(query); st != nil {
		return q.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}

// cached returns the pool's statement for query, or nil after noting the
// query as missed.
func (q txQueryer) cached(query string) *sql.Stmt {
	st := q.cache.cached(query)
	if st == nil {
		q.missed.add(query)
	}
	return st
}

// missedStmts are the queries one transaction ran unprepared.
type missedStmts struct {
	mu      sync.Mutex
	queries []string
}

func (m *missedStmts) add(query string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !slices.Contains(m.queries, query) {
		m.queries = append(m.queries, query)
	}
}

// prepareMissed prepares on the pool what a finished transaction ran
// unprepared, while the cache has room. A query that fails to prepare is
// left alone: it failed in the transaction too, and will again.
func (c *stmtCache) prepareMissed(ctx context.Context, m *missedStmts) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, q := range m.queries {
		_, _ = c.stmt(ctx, q)
	}
}
