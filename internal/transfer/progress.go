package transfer

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Bar is a one-line progress bar for a terminal: rows done of the total,
// the rate and the time left, redrawn at most a few times a second. It is
// a few lines of our own rather than a library because it draws one line
// of text and needs nothing a library adds (themes, spinners, widths).
// The caller shows it only when its writer is a terminal.
type Bar struct {
	w     io.Writer
	mu    sync.Mutex
	total int
	done  int
	start time.Time
	drawn time.Time
}

// NewBar returns a bar drawing on w.
func NewBar(w io.Writer) *Bar { return &Bar{w: w} }

// Start implements Progress.
func (b *Bar) Start(total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total, b.start = total, time.Now()
	b.draw(b.start)
}

// Add implements Progress.
func (b *Bar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if now := time.Now(); now.Sub(b.drawn) >= 200*time.Millisecond {
		b.draw(now)
	}
}

// Finish implements Progress: the last state, and a new line.
func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.draw(time.Now())
	fmt.Fprintln(b.w)
}

// draw rewrites the line.
func (b *Bar) draw(now time.Time) {
	b.drawn = now
	const width = 30
	filled := width
	if b.total > 0 {
		filled = width * b.done / b.total
	}
	elapsed := now.Sub(b.start).Seconds()
	rate, left := 0.0, "?"
	if elapsed > 0 && b.done > 0 {
		rate = float64(b.done) / elapsed
		left = time.Duration(float64(b.total-b.done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	fmt.Fprintf(b.w, "\r[%-*s] %d/%d rows  %.0f rows/s  %s left \x1b[K", width, strings.Repeat("=", filled), b.done, b.total, rate, left)
}
