package httpapi

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStreamer_KeepsAnAnswerGoingPastTheWriteTimeoutWhileItProgresses
// streams for about three times the server's read and write timeouts.
// With Progress the whole answer arrives and the request's context stays
// alive; without, the server's write timeout cuts it short.
func TestStreamer_KeepsAnAnswerGoingPastTheWriteTimeoutWhileItProgresses(t *testing.T) {
	const timeout = 200 * time.Millisecond
	const chunks = 12 // 12 × 50 ms = 3 timeouts
	stream := func(progress bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			s := NewStreamer(w, r)
			rc := http.NewResponseController(w)
			for i := range chunks {
				if r.Context().Err() != nil {
					return
				}
				if _, err := fmt.Fprintf(w, "chunk %d\n", i); err != nil || rc.Flush() != nil {
					return
				}
				if progress {
					s.Progress()
				}
				time.Sleep(timeout / 4)
			}
			fmt.Fprintln(w, "end")
		}
	}
	for _, tc := range []struct {
		name     string
		progress bool
		whole    bool
	}{
		{"with progress", true, true},
		{"without progress", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(AccessLog(discardLog(), stream(tc.progress)))
			srv.Config.ReadTimeout, srv.Config.WriteTimeout = timeout, timeout
			srv.Start()
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if whole := strings.HasSuffix(string(b), "end\n"); whole != tc.whole {
				t.Errorf("whole answer: %v, want %v; got %q", whole, tc.whole, b)
			}
		})
	}
}
