package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// maxBatch bounds how many transactions one commit carries, so that a
// writer never waits behind more than this many others.
const maxBatch = 64

// errBatchAborted is the error of a write whose batch failed as a whole,
// because of another write in it: it was rolled back and may be retried.
var errBatchAborted = errors.New("sqlite: the batch this write was committed in failed; nothing was written")

// groupCommit runs the store's write transactions in batches: the writes
// that queue up while one batch commits share the next SQLite transaction,
// each inside a savepoint of its own, and one COMMIT.
//
// Why: at a million users most of a create's cost is in COMMIT, not in its
// statements — FTS5 writes a new index segment per transaction and merges
// segments as they pile up, and the WAL gets every page the transaction
// touched. One commit for many writes shares that cost. Each write is still
// all or nothing: one that fails rolls back to its savepoint and leaves
// the others be; and none is acknowledged before the COMMIT that makes it
// durable has returned.
//
// There is no goroutine of its own. The first writer to find no batch
// running leads: it runs the queue as one batch, then hands the lead to the
// first writer still waiting, if any, and returns.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*txRequest
	leading bool
}

// txRequest is one write transaction waiting for its batch.
type txRequest struct {
	ctx  context.Context
	fn   func(tx *Store) error
	err  error
	pnc  any           // a panic of fn, raised again on fn's own goroutine
	done chan txResult // receives once: the outcome, or the lead
}

// txResult tells a waiting writer that its write is done, or that it leads.
type txResult struct{ lead bool }

// run runs fn as one write transaction on s, batched with the writes that
// queue beside it.
func (g *groupCommit) run(ctx context.Context, s *Store, fn func(tx *Store) error) error {
	req := &txRequest{ctx: ctx, fn: fn, done: make(chan txResult, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, req)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()

	if !lead {
		lead = (<-req.done).lead
	}
	if lead {
		g.lead(s)
	}
	if req.pnc != nil {
		panic(req.pnc)
	}
	return req.err
}

// lead runs the next batch, which holds the leader's own write, then hands
// off.
func (g *groupCommit) lead(s *Store) {
	g.mu.Lock()
	batch := g.queue[:min(len(g.queue), maxBatch)]
	g.queue = g.queue[len(batch):]
	g.mu.Unlock()

	defer func() {
		// Only a bug gets here (fn's own panics are caught in
		// runSavepoint), but the writers waiting must still hear of it, and
		// the lead must pass on, or every later write would hang.
		if p := recover(); p != nil {
			for _, r := range batch {
				if r.err == nil && r.pnc == nil {
					r.err = fmt.Errorf("sqlite: committing a batch panicked: %v", p)
				}
			}
			g.handOff(batch)
			panic(p)
		}
	}()
	s.commitBatch(batch)
	g.handOff(batch)
}

// handOff tells batch's writers that they are done, and passes the lead to
// the next waiting writer or, with nobody waiting, gives it up.
func (g *groupCommit) handOff(batch []*txRequest) {
	g.mu.Lock()
	var next *txRequest
	if len(g.queue) > 0 {
		next = g.queue[0]
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	for _, r := range batch {
		r.done <- txResult{}
	}
	if next != nil {
		next.done <- txResult{lead: true}
	}
}

// commitBatch runs batch in one SQLite transaction and sets each request's
// outcome. A request whose context has ended is not run.
func (s *Store) commitBatch(batch []*txRequest) {
	fail := func(err error) {
		for _, r := range batch {
			if r.err == nil && r.pnc == nil {
				r.err = err
			}
		}
	}
	// Not any one writer's context: one writer giving up must not roll
	// back the others.
	ctx := context.WithoutCancel(batch[0].ctx)
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("sqlite: begin: %w", err))
		return
	}
	missed := &missedStmts{}
	// After Commit or Rollback has given the pool's one connection back.
	defer s.writeQ.prepareMissed(ctx, missed)
	// Whatever happens below, the pool's one connection comes back; after
	// Commit this does nothing.
	defer func() { _ = tx.Rollback() }()
	txStore := &Store{write: s.write, read: s.read, readQ: s.readQ, writeQ: s.writeQ, roles: s.roles,
		tx: tx, missed: missed, now: s.now}

	var ok []*txRequest
	for _, r := range batch {
		if r.err = r.ctx.Err(); r.err != nil {
			continue
		}
		if err := runSavepoint(ctx, tx, txStore, r); err != nil {
			// The transaction itself is gone (an interrupted statement
			// rolls it back): nothing of this batch can be kept.
			_ = tx.Rollback()
			fail(errBatchAborted)
			r.err = errors.Join(r.err, err)
			return
		}
		if r.err == nil && r.pnc == nil {
			ok = append(ok, r)
		}
	}
	if len(ok) == 0 {
		return // nothing to keep; the deferred Rollback ends the transaction
	}
	if err := flushSearchIndex(ctx, txStore.writer()); err != nil {
		for _, r := range ok {
			r.err = err
		}
		return
	}
	if err := tx.Commit(); err != nil {
		for _, r := range ok {
			r.err = fmt.Errorf("sqlite: commit: %w", err)
		}
	}
}

// runSavepoint runs r's fn inside a savepoint of tx, releasing it if fn
// succeeds and rolling back to it if fn fails or panics; fn's error or
// panic goes into r. It returns an error only if the savepoint could not be
// released or rolled back to, which means the transaction is lost.
func runSavepoint(ctx context.Context, tx *sql.Tx, txStore *Store, r *txRequest) error {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT w`); err != nil {
		return fmt.Errorf("sqlite: savepoint: %w", err)
	}
	func() {
		defer func() { r.pnc = recover() }()
		r.err = r.fn(txStore)
	}()
	if r.err != nil || r.pnc != nil {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO w`); err != nil {
			return fmt.Errorf("sqlite: roll back to savepoint: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `RELEASE w`); err != nil {
		return fmt.Errorf("sqlite: release savepoint: %w", err)
	}
	return nil
}
