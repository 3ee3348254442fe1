package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

var (
	// ErrQueueFull is returned by Queue.Send when the queue has no room: the
	// caller learns at once instead of waiting on a slow relay.
	ErrQueueFull = errors.New("mail: queue full")
	// ErrQueueClosed is returned by Queue.Send after Close.
	ErrQueueClosed = errors.New("mail: queue closed")
)

// queueWorkers is how many messages are delivered at once: enough that one
// slow conversation does not hold up the next, few enough to be polite to a
// relay.
const queueWorkers = 2

// Queue delivers messages in the background through another Sender, so that
// an HTTP request never waits on SMTP. A failed delivery is retried a few
// times with backoff, then logged (recipient, subject and error only) and
// counted. Queue is itself a Sender.
type Queue struct {
	sender   Sender
	log      *slog.Logger
	attempts int
	backoff  time.Duration
	timeout  time.Duration

	mu     sync.RWMutex // guards closed against a Send racing close(ch)
	closed bool
	ch     chan Message

	ctx    context.Context // ends deliveries when Close runs out of time
	cancel context.CancelFunc
	done   chan struct{} // closed when every worker has returned

	sent, failed atomic.Int64
}

// QueueOption adjusts a Queue made by NewQueue.
type QueueOption func(*Queue)

// WithRetry sets how many times a message is tried (at least once) and the
// wait before the first retry, which doubles for each one after. The default
// is 3 attempts starting at one second.
func WithRetry(attempts int, backoff time.Duration) QueueOption {
	return func(q *Queue) {
		q.attempts = max(attempts, 1)
		q.backoff = backoff
	}
}

// WithSendTimeout bounds each delivery attempt; the default is one minute.
func WithSendTimeout(d time.Duration) QueueOption {
	return func(q *Queue) { q.timeout = d }
}

// NewQueue starts workers that deliver through s; size is how many messages
// may wait (at least one). log receives delivery failures; nil means
// slog.Default(). Call Close to stop the workers.
func NewQueue(s Sender, log *slog.Logger, size int, opts ...QueueOption) *Queue {
	if log == nil {
		log = slog.Default()
	}
	// Deliveries outlive the request that queued them, so they hang off a
	// context of their own rather than the caller's.
	ctx, cancel := context.WithCancel(context.Background())
	q := &Queue{
		sender:   s,
		log:      log,
		attempts: 3,
		backoff:  time.Second,
		timeout:  time.Minute,
		ch:       make(chan Message, max(size, 1)),
		ctx:      ctx,
		cancel:   cancel,
		done:     make(chan struct{}),
	}
	for _, opt := range opts {
		opt(q)
	}

	var wg sync.WaitGroup
	for range queueWorkers {
		wg.Go(func() {
			for m := range q.ch {
				q.deliver(m)
			}
		})
	}
	go func() {
		wg.Wait()
		cancel()
		close(q.done)
	}()
	return q
}

// Send queues m and returns at once. It fails with ErrQueueFull or
// ErrQueueClosed when m cannot be queued, and with ErrInvalidMessage when m
// could never be delivered; each of these counts as a failure. ctx is not
// used: delivery happens after the caller has moved on.
func (q *Queue) Send(_ context.Context, m Message) error {
	if _, err := m.recipient(); err != nil {
		q.failed.Add(1)
		return err
	}
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		q.failed.Add(1)
		return ErrQueueClosed
	}
	select {
	case q.ch <- m:
		return nil
	default:
		q.failed.Add(1)
		return ErrQueueFull
	}
}

// deliver tries m until it is sent, the error is permanent, the attempts run
// out, or Close gives up waiting.
func (q *Queue) deliver(m Message) {
	// Subjects are not meant to hold secrets, but cost nothing to mask.
	to, subject := m.To, m.masked(m.Subject)
	wait := q.backoff
	var err error
	for attempt := 1; ; attempt++ {
		if err = q.attempt(m); err == nil {
			q.sent.Add(1)
			return
		}
		if attempt >= q.attempts || permanent(err) || q.ctx.Err() != nil {
			break
		}
		q.log.Warn("mail delivery failed, will retry",
			"to", to, "subject", subject, "attempt", attempt, "retry_in", wait, "error", err)
		if !q.sleep(wait) {
			break
		}
		wait *= 2
	}
	q.failed.Add(1)
	q.log.Error("mail not delivered", "to", to, "subject", subject, "error", err)
}

func (q *Queue) attempt(m Message) error {
	if err := q.ctx.Err(); err != nil {
		return fmt.Errorf("%w before delivery", ErrQueueClosed)
	}
	ctx, cancel := context.WithTimeout(q.ctx, q.timeout)
	defer cancel()
	return q.sender.Send(ctx, m)
}

// sleep waits d, or reports false if Close has given up waiting meanwhile.
func (q *Queue) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-q.ctx.Done():
		return false
	}
}

// permanent reports whether trying again cannot help: the message itself is
// unacceptable, or the relay refused it with a 5xx reply (RFC 5321 4.2.1).
func permanent(err error) bool {
	if errors.Is(err, ErrInvalidMessage) {
		return true
	}
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code >= 500
}

// Sent is how many messages have been delivered.
func (q *Queue) Sent() int64 { return q.sent.Load() }

// Failed is how many messages were refused by Send or given up on.
func (q *Queue) Failed() int64 { return q.failed.Load() }

// Close stops accepting messages and waits until those already queued have
// been delivered or given up on. If ctx ends first, Close abandons them
// (each is logged and counted as failed) and returns ctx's error.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()

	select {
	case <-q.done:
		return nil
	case <-ctx.Done():
		q.cancel()
		return fmt.Errorf("mail: closing queue: %w", ctx.Err())
	}
}
