package aam

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/roster/rostertest"
)

// discardWriter is a ResponseWriter that keeps nothing but its headers, so
// that an encoding benchmark times the encoding and not a buffer.
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header       { return d.h }
func (discardWriter) Write(b []byte) (int, error) { return io.Discard.Write(b) }
func (discardWriter) WriteHeader(int)             {}

// BenchmarkAAMListJSON is the tail of GET /api/v1/users for 60 users, both
// ways listUsers answers: a page (page= given) converted and encoded
// whole, and the unpaged list streamed one user at a time.
func BenchmarkAAMListJSON(b *testing.B) {
	users := rostertest.Users(60)
	b.Run("page", func(b *testing.B) {
		w := discardWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			out := pageJSON[userJSON]{Total: 100_000, Page: 0, PageSize: len(users), List: make([]userJSON, len(users))}
			for i, u := range users {
				out.List[i] = toUserJSON(u)
			}
			httpapi.WriteJSON(w, http.StatusOK, out)
		}
	})
	b.Run("stream", func(b *testing.B) {
		w := discardWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			// streamUsers' loop, without the store that feeds it.
			enc := json.NewEncoder(w)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			sep := "["
			for _, u := range users {
				if _, err := w.Write([]byte(sep)); err != nil {
					b.Fatal(err)
				}
				if err := enc.Encode(toUserJSON(u)); err != nil {
					b.Fatal(err)
				}
				sep = ","
			}
			_, _ = w.Write([]byte("]\n"))
		}
	})
}
