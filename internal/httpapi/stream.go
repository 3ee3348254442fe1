package httpapi

import (
	"net/http"
	"time"
)

// Streamer keeps a long streamed answer from being cut off by the
// server's write timeout, while still cutting off a client that stops
// reading: each call to Progress pushes the write deadline to one write
// timeout from now, so the answer may take as long as it needs as long as
// every stretch of it goes out within the timeout.
type Streamer struct {
	rc     *http.ResponseController
	window time.Duration
	next   time.Time // when to push the deadline again
}

// NewStreamer prepares w for a long answer to r. It also lifts the read
// deadline, which has no more work to do once the request is read, and
// whose expiry would otherwise cancel the request's context mid-stream.
func NewStreamer(w http.ResponseWriter, r *http.Request) *Streamer {
	s := &Streamer{rc: http.NewResponseController(w)}
	if srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok {
		s.window = srv.WriteTimeout
	}
	if s.window > 0 {
		_ = s.rc.SetReadDeadline(time.Time{})
		s.Progress()
	}
	return s
}

// Progress notes that part of the answer went out. It is cheap enough to
// call per item: the deadline moves at most every tenth of the window.
func (s *Streamer) Progress() {
	if s.window <= 0 {
		return
	}
	now := time.Now()
	if now.Before(s.next) {
		return
	}
	// An error means the writer cannot set deadlines (a test recorder);
	// the server's own deadline then stands.
	_ = s.rc.SetWriteDeadline(now.Add(s.window))
	s.next = now.Add(s.window / 10)
}
