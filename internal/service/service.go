// Package service holds Roster's rules: who may do what, how credentials are
// made and checked, how users are invited, and the invariants no request may
// break (nobody deletes themselves; no partner that had an active admin is
// left without one).
//
// Both REST dialects call the same methods here; the service knows nothing
// of HTTP or of either dialect's wire format, and nothing of SQL: it reaches
// the data only through roster.Store.
package service

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/roster-dev/roster/internal/mail"
	"github.com/roster-dev/roster/internal/roster"
)

// Config is what a Service needs. Store and Mail are required.
type Config struct {
	Store roster.Store
	// Mail delivers invitations; cmd wires an asynchronous queue in front of
	// SMTP or the log so that no request waits on a mail server.
	Mail mail.Sender
	Log  *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// AuthCacheTTL is how long a credential, once checked, is trusted
	// without asking the database again (see authCache); 0 turns the cache
	// off.
	AuthCacheTTL time.Duration
	// Metrics counts sign-ins and lockouts; nil counts nothing.
	Metrics Metrics
}

// Metrics receives the events of the service an operator watches. The
// service owns this interface so that it need not know how they are
// exported (cmd wires package metrics, which speaks Prometheus). Methods
// are called after the event is final (its transaction committed) and
// must be safe for concurrent use and cheap.
type Metrics interface {
	// SignInSucceeded counts a sign-in that issued tokens.
	SignInSucceeded()
	// SignInFailed counts a sign-in refused for bad credentials, whatever
	// the reason (unknown login, wrong password, locked account).
	SignInFailed()
	// AccountLocked counts an account locked by failed sign-ins.
	AccountLocked()
}

// noMetrics is Metrics that counts nothing.
type noMetrics struct{}

func (noMetrics) SignInSucceeded() {}
func (noMetrics) SignInFailed()    {}
func (noMetrics) AccountLocked()   {}

// Service applies Roster's rules on top of a Store.
type Service struct {
	store roster.Store
	mail  mail.Sender
	log   *slog.Logger
	now   func() time.Time
	auth  *authCache
	stats Metrics

	cursorMu  sync.Mutex
	cursorKey []byte // loaded from the store on first use
}

// New returns a Service for cfg.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, mail: cfg.Mail, log: cfg.Log, now: cfg.Now,
		auth: newAuthCache(cfg.AuthCacheTTL), stats: cfg.Metrics}
	if s.stats == nil {
		s.stats = noMetrics{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// partnerTx runs fn in a transaction that first locks the partner. Every
// write that reads, checks and then writes (the last-admin rule, a user's
// failure count, a password's compare-and-set, login names unique across
// columns) goes through it, so that such checks cannot race — between
// goroutines on SQLite's single writer, and between nodes on PostgreSQL,
// where the lock is a row lock held to commit.
//
// It also drops the credential cache once the transaction has ended, since
// such a write may have revoked or weakened a credential.
func (s *Service) partnerTx(ctx context.Context, partnerID int64, fn func(tx roster.Store) error) error {
	defer s.auth.drop()
	return s.grantTx(ctx, partnerID, fn)
}

// grantTx is partnerTx for the writes that only add — a new user, a
// successful sign-in's tokens and bookkeeping, an audit line — and so can
// revoke or weaken no credential: it keeps the credential cache. Without
// it, every create and every sign-in emptied the cache, and under a flood
// of either each request paid its credential queries again. Anything that
// may take a right away must use partnerTx.
func (s *Service) grantTx(ctx context.Context, partnerID int64, fn func(tx roster.Store) error) error {
	return s.store.Tx(ctx, func(tx roster.Store) error {
		if err := tx.LockPartner(ctx, partnerID); err != nil {
			return err
		}
		return fn(tx)
	})
}
