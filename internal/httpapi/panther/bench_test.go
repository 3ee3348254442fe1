package panther

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/mail"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/roster/rostertest"
	"github.com/roster-dev/roster/internal/service"
	"github.com/roster-dev/roster/internal/store/sqlite"
)

// discardWriter is a ResponseWriter that keeps nothing but its headers, so
// that an encoding benchmark times the encoding and not a buffer.
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header       { return d.h }
func (discardWriter) Write(b []byte) (int, error) { return io.Discard.Write(b) }
func (discardWriter) WriteHeader(int)             {}

// BenchmarkPantherListJSON is the tail of GET /users for a full page: the
// 60 users converted to the wire structs and encoded, as listUsers does.
func BenchmarkPantherListJSON(b *testing.B) {
	users := rostertest.Users(service.MaxPageSize)
	next := "AQAAAAAAAAA8xkJm0e4sWw2c9v7mN1kq3rXcYz8pUo0aQg" // a cursor's length
	w := discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		out := listUsersJSON{Results: make([]userJSON, len(users)), Next: next}
		for i, u := range users {
			out.Results[i] = toUserJSON(u)
		}
		httpapi.WriteJSON(w, http.StatusOK, out)
	}
}

// BenchmarkPantherGetUser is GET /users/{id} in process, through the
// handler chain cmd/roster mounts (recovery, JSON errors, the mux, the API
// key check) over a real service on SQLite with 10,000 users. The requests
// are built beforehand, so the figures leave out parsing them, as a
// server's connection would do before the handler runs.
func BenchmarkPantherGetUser(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "roster.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.DiscardHandler)
	svc := service.New(service.Config{Store: st, Mail: mail.LogSender{Log: log}, Log: log})
	users, err := rostertest.SeedUsers(ctx, st, roster.DefaultPartnerID, 10_000, 1000)
	if err != nil {
		b.Fatal(err)
	}
	key, _, err := svc.CreateAPIKey(ctx, roster.DefaultPartnerID, "bench", roster.NewPermissions(roster.PermUserRead))
	if err != nil {
		b.Fatal(err)
	}
	mux := httpapi.NewMux()
	Mount(mux, svc, log)
	h := httpapi.Recover(log, httpapi.JSONErrors(mux))

	reqs := make([]*http.Request, 1024)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range reqs {
		u := users[r.IntN(len(users))]
		reqs[i] = httptest.NewRequest(http.MethodGet, "/users/"+strconv.FormatInt(u.ID, 10), nil)
		reqs[i].Header.Set("X-API-Key", key)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, reqs[i%len(reqs)])
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		i++
	}
}
