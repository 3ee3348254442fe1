package mail_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	roster "github.com/roster-dev/roster/internal/mail"
	"github.com/roster-dev/roster/internal/mail/mailtest"
)

// senderFunc lets a test decide how each delivery goes.
type senderFunc func(ctx context.Context, m roster.Message) error

func (f senderFunc) Send(ctx context.Context, m roster.Message) error { return f(ctx, m) }

// countingSender counts the delivery attempts made through it.
func countingSender(s roster.Sender, n *atomic.Int64) roster.Sender {
	return senderFunc(func(ctx context.Context, m roster.Message) error {
		n.Add(1)
		return s.Send(ctx, m)
	})
}

func closeQueue(t *testing.T, q *roster.Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if err := q.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func invitation(i int) roster.Message {
	return roster.Message{
		To:      fmt.Sprintf("user%d@example.org", i),
		Subject: "Invitation",
		Text:    "Your temporary password is Xk3#tQ9p.",
		Secrets: []string{"Xk3#tQ9p"},
	}
}

func TestQueue_DeliversOverSMTP(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t)
	log, _ := newLog()
	q := roster.NewQueue(newSMTP(t, roster.SMTPConfig{URL: srv.URL()}), log, 10)
	for i := range 5 {
		if err := q.Send(t.Context(), invitation(i)); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	closeQueue(t, q)
	if got := len(srv.Messages()); got != 5 {
		t.Errorf("server received %d messages, want 5", got)
	}
	if q.Sent() != 5 || q.Failed() != 0 {
		t.Errorf("Sent, Failed = %d, %d; want 5, 0", q.Sent(), q.Failed())
	}
}

func TestQueue_CountsAndLogsRejectedMailWithoutRetrying(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t, mailtest.WithFailure())
	log, buf := newLog()
	var attempts atomic.Int64
	s := countingSender(newSMTP(t, roster.SMTPConfig{URL: srv.URL()}), &attempts)
	q := roster.NewQueue(s, log, 10, roster.WithRetry(3, time.Millisecond))
	for i := range 2 {
		if err := q.Send(t.Context(), invitation(i)); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	closeQueue(t, q)
	if q.Sent() != 0 || q.Failed() != 2 {
		t.Errorf("Sent, Failed = %d, %d; want 0, 2", q.Sent(), q.Failed())
	}
	if n := attempts.Load(); n != 2 {
		t.Errorf("%d attempts, want 2: a 5xx reply is permanent", n)
	}
	out := buf.String()
	if !strings.Contains(out, "mail not delivered") || !strings.Contains(out, "user1@example.org") {
		t.Errorf("log lacks the failure: %s", out)
	}
	if strings.Contains(out, "Xk3#tQ9p") {
		t.Errorf("log contains the secret: %s", out)
	}
}

func TestQueue_RetriesTransientFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		failures     int64
		wantSent     int64
		wantFailed   int64
		wantAttempts int64
	}{
		{name: "SucceedsOnThirdAttempt", failures: 2, wantSent: 1, wantAttempts: 3},
		{name: "GivesUpAfterThree", failures: 100, wantFailed: 1, wantAttempts: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var attempts atomic.Int64
			s := senderFunc(func(context.Context, roster.Message) error {
				if attempts.Add(1) <= tt.failures {
					return errors.New("connection refused")
				}
				return nil
			})
			log, _ := newLog()
			q := roster.NewQueue(s, log, 1, roster.WithRetry(3, time.Millisecond))
			if err := q.Send(t.Context(), invitation(0)); err != nil {
				t.Fatalf("Send: %v", err)
			}
			closeQueue(t, q)
			if q.Sent() != tt.wantSent || q.Failed() != tt.wantFailed || attempts.Load() != tt.wantAttempts {
				t.Errorf("Sent, Failed, attempts = %d, %d, %d; want %d, %d, %d",
					q.Sent(), q.Failed(), attempts.Load(), tt.wantSent, tt.wantFailed, tt.wantAttempts)
			}
		})
	}
}

func TestQueue_Send_DoesNotBlockWhenFull(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	s := senderFunc(func(ctx context.Context, _ roster.Message) error {
		started <- struct{}{}
		<-release
		return nil
	})
	log, _ := newLog()
	q := roster.NewQueue(s, log, 1)

	// Two workers each hold one message, the queue holds a third…
	for i := range 2 {
		if err := q.Send(t.Context(), invitation(i)); err != nil {
			t.Fatalf("Send: %v", err)
		}
		<-started
	}
	if err := q.Send(t.Context(), invitation(2)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	// …so a fourth is refused at once.
	begin := time.Now()
	if err := q.Send(t.Context(), invitation(3)); !errors.Is(err, roster.ErrQueueFull) {
		t.Errorf("Send = %v, want ErrQueueFull", err)
	}
	if d := time.Since(begin); d > 100*time.Millisecond {
		t.Errorf("Send took %v on a full queue", d)
	}

	close(release)
	go func() {
		for range started {
		}
	}()
	closeQueue(t, q)
	close(started)
	if q.Sent() != 3 || q.Failed() != 1 {
		t.Errorf("Sent, Failed = %d, %d; want 3, 1", q.Sent(), q.Failed())
	}
}

func TestQueue_Close(t *testing.T) {
	t.Parallel()

	t.Run("DrainsQueuedMessages", func(t *testing.T) {
		t.Parallel()
		srv := mailtest.NewServer(t)
		log, _ := newLog()
		q := roster.NewQueue(newSMTP(t, roster.SMTPConfig{URL: srv.URL()}), log, 20)
		for i := range 20 {
			if err := q.Send(t.Context(), invitation(i)); err != nil {
				t.Fatalf("Send: %v", err)
			}
		}
		closeQueue(t, q) // returns only when all are out
		if got := len(srv.Messages()); got != 20 || q.Sent() != 20 {
			t.Errorf("server received %d, Sent = %d; want 20", got, q.Sent())
		}
		if err := q.Send(t.Context(), invitation(99)); !errors.Is(err, roster.ErrQueueClosed) {
			t.Errorf("Send after Close = %v, want ErrQueueClosed", err)
		}
		if q.Failed() != 1 {
			t.Errorf("Failed = %d, want 1", q.Failed())
		}
		closeQueue(t, q) // a second Close is harmless
	})

	t.Run("GivesUpWhenContextEnds", func(t *testing.T) {
		t.Parallel()
		stuck := senderFunc(func(ctx context.Context, _ roster.Message) error {
			<-ctx.Done() // a relay that never answers
			return ctx.Err()
		})
		log, _ := newLog()
		q := roster.NewQueue(stuck, log, 10)
		for i := range 3 {
			if err := q.Send(t.Context(), invitation(i)); err != nil {
				t.Fatalf("Send: %v", err)
			}
		}
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		if err := q.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Close = %v, want context.DeadlineExceeded", err)
		}
		// The abandoned messages end promptly and count as failed.
		deadline := time.Now().Add(time.Second)
		for q.Failed() != 3 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if q.Sent() != 0 || q.Failed() != 3 {
			t.Errorf("Sent, Failed = %d, %d; want 0, 3", q.Sent(), q.Failed())
		}
	})
}

func TestQueue_Send_RejectsInvalidMessageAtOnce(t *testing.T) {
	t.Parallel()
	log, _ := newLog()
	q := roster.NewQueue(senderFunc(func(context.Context, roster.Message) error {
		t.Error("an invalid message reached the sender")
		return nil
	}), log, 1)
	defer closeQueue(t, q)
	err := q.Send(t.Context(), roster.Message{To: "bob@example.org\r\nBcc: eve@example.org"})
	if !errors.Is(err, roster.ErrInvalidMessage) || q.Failed() != 1 {
		t.Errorf("Send = %v, Failed = %d; want ErrInvalidMessage, 1", err, q.Failed())
	}
}
