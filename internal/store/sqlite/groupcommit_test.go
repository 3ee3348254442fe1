package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// TestGroupCommit_EachWriteOfABatchIsAllOrNothing holds the write lead in
// a first transaction until ten more are queued behind it, so that the ten
// are committed as one batch. Of the ten, even ones create two users and
// succeed; odd ones create a user and then fail, panic, or were given up by
// their caller before they ran. Every success must be there, and nothing of
// a failure.
func TestGroupCommit_EachWriteOfABatchIsAllOrNothing(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	const pid = roster.DefaultPartnerID
	role, err := s.RoleByName(ctx, pid, "Analyst")
	if err != nil {
		t.Fatal(err)
	}

	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.Tx(ctx, func(tx roster.Store) error {
			<-release
			return nil
		})
	}()
	waitQueued(t, s, 0) // the first leads and holds the lead until released

	const n = 10
	errFail := errors.New("refused after writing")
	type outcome struct {
		err    error
		panics any
	}
	outcomes := make([]outcome, n)
	cancelled, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		txCtx := ctx
		if i == 5 {
			txCtx = cancelled
		}
		go func() {
			defer wg.Done()
			defer func() { outcomes[i].panics = recover() }()
			outcomes[i].err = s.Tx(txCtx, func(tx roster.Store) error {
				for j := range 2 {
					u := roster.User{PartnerID: pid, Username: fmt.Sprintf("u%d-%d", i, j),
						Email: fmt.Sprintf("u%d-%d@example.com", i, j), Role: roster.Role{ID: role.ID},
						State: roster.StateActive, SignIn: roster.SignInConfirmed}
					if err := tx.CreateUser(ctx, &u); err != nil {
						return err
					}
					switch {
					case i%4 == 1:
						return errFail
					case i%4 == 3:
						panic("fn panicked")
					}
				}
				return nil
			})
		}()
		waitQueued(t, s, i+1) // in this order, so that the outcomes are known
	}
	cancel()
	close(release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatalf("the first transaction: %v", err)
	}

	for i, o := range outcomes {
		wantUsers := 2
		switch {
		case i == 5:
			wantUsers = 0
			if !errors.Is(o.err, context.Canceled) {
				t.Errorf("write %d, whose caller gave up: err %v, want context.Canceled", i, o.err)
			}
		case i%4 == 1:
			wantUsers = 0
			if !errors.Is(o.err, errFail) || o.panics != nil {
				t.Errorf("write %d: err %v, panic %v; want its own error", i, o.err, o.panics)
			}
		case i%4 == 3:
			wantUsers = 0
			if o.panics != "fn panicked" {
				t.Errorf("write %d: panic %v (err %v), want its own panic on its own goroutine", i, o.panics, o.err)
			}
		default:
			if o.err != nil || o.panics != nil {
				t.Errorf("write %d: err %v, panic %v; want success", i, o.err, o.panics)
			}
		}
		got := 0
		for j := range 2 {
			if _, err := s.UserByEmail(ctx, pid, fmt.Sprintf("u%d-%d@example.com", i, j)); err == nil {
				got++
			}
		}
		if got != wantUsers {
			t.Errorf("write %d left %d users, want %d", i, got, wantUsers)
		}
		// The batch indexed its users for search once, before COMMIT.
		found := 0
		err := s.EachUser(ctx, pid, roster.UserFilter{Contains: fmt.Sprintf("u%d-", i)},
			func(roster.User) error { found++; return nil })
		if err != nil || found != wantUsers {
			t.Errorf("a search for write %d's users found %d (err %v), want %d", i, found, err, wantUsers)
		}
	}
	assertSearchIndexFlushed(t, s)
}

// TestGroupCommit_AWriterGivingUpMidWriteHarmsNoOther: of two writes
// batched together, the first's caller gives up while one of its write
// statements runs. Had that interrupted the statement, SQLite would have
// rolled the whole transaction back, the second write with it. The second
// write must commit all the same, and the first be wholly there or wholly
// absent.
func TestGroupCommit_AWriterGivingUpMidWriteHarmsNoOther(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	const pid = roster.DefaultPartnerID
	role, err := s.RoleByName(ctx, pid, "Analyst")
	if err != nil {
		t.Fatal(err)
	}
	newUser := func(name string) roster.User {
		return roster.User{PartnerID: pid, Username: name, Email: name + "@example.com", Role: roster.Role{ID: role.ID},
			State: roster.StateActive, SignIn: roster.SignInConfirmed}
	}

	release := make(chan struct{})
	first := make(chan error, 1)
	go func() { first <- s.Tx(ctx, func(roster.Store) error { <-release; return nil }) }()
	waitQueued(t, s, 0)

	quitter, quit := context.WithCancel(ctx)
	errs := make(chan error, 2)
	go func() {
		errs <- s.Tx(quitter, func(tx roster.Store) error {
			u := newUser("quitter")
			if err := tx.CreateUser(quitter, &u); err != nil {
				return err
			}
			// The client hangs up while a write statement runs: one slow
			// enough that the cancellation lands inside it.
			time.AfterFunc(time.Millisecond, quit)
			_, err := tx.(*Store).writer().ExecContext(quitter, `UPDATE users SET failed_sign_ins = failed_sign_ins
				WHERE id IN (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000)
					SELECT max(x) FROM n)`)
			if err != nil {
				return err
			}
			u2 := newUser("quitter2")
			return tx.CreateUser(quitter, &u2)
		})
	}()
	waitQueued(t, s, 1)
	go func() {
		errs <- s.Tx(ctx, func(tx roster.Store) error {
			u := newUser("stayer")
			return tx.CreateUser(ctx, &u)
		})
	}()
	waitQueued(t, s, 2)
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	<-errs
	<-errs

	if _, err := s.UserByEmail(ctx, pid, "stayer@example.com"); err != nil {
		t.Errorf("the write batched with a quitter: %v, want it committed", err)
	}
	_, err1 := s.UserByEmail(ctx, pid, "quitter@example.com")
	_, err2 := s.UserByEmail(ctx, pid, "quitter2@example.com")
	if (err1 == nil) != (err2 == nil) {
		t.Errorf("the quitter's write is half there: first user %v, second %v", err1, err2)
	}
}

// waitQueued waits until n writes wait behind the one leading.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.commits.mu.Lock()
		queued, leading := len(s.commits.queue), s.commits.leading
		s.commits.mu.Unlock()
		if leading && queued == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued (leading %v), want %d", queued, leading, n)
		}
		time.Sleep(time.Millisecond)
	}
}
