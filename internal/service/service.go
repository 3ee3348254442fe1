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
}

// Service applies Roster's rules on top of a Store.
type Service struct {
	store roster.Store
	mail  mail.Sender
	log   *slog.Logger
	now   func() time.Time

	cursorMu  sync.Mutex
	cursorKey []byte // loaded from the store on first use
}

// New returns a Service for cfg.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, mail: cfg.Mail, log: cfg.Log, now: cfg.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}
