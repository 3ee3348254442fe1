// Package httpapitest runs Roster's HTTP handlers in process over a real
// SQLite store in a temp dir, for the dialects' fuzz tests: a fuzzed request
// goes through the same chain cmd/roster mounts (recovery, JSON errors, the
// mux, authentication) and reaches the real service and store.
//
// It is test support only; no production code imports it.
package httpapitest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/mail"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
	"github.com/roster-dev/roster/internal/store/sqlite"
)

// MountFunc is the shape of each dialect's Mount.
type MountFunc func(mux *httpapi.Mux, svc *service.Service, log *slog.Logger)

// Server is a handler chain over a fresh SQLite store holding a few users.
type Server struct {
	Handler http.Handler
	Store   roster.Store
	Service *service.Service
	// AdminKey has UserRead and UserModify in partner 1; ReadKey only
	// UserRead.
	AdminKey, ReadKey string
	// UserIDs are the seeded users of partner 1, in id order.
	UserIDs []int64
}

// New builds a Server with the given dialects mounted. Mail goes nowhere:
// fuzzing must not wait on a relay.
func New(tb testing.TB, mounts ...MountFunc) *Server {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "roster.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	log := slog.New(slog.DiscardHandler)
	svc := service.New(service.Config{Store: st, Mail: mail.LogSender{Log: log}, Log: log})
	s := &Server{Store: st, Service: svc}
	if s.AdminKey, _, err = svc.CreateAPIKey(ctx, roster.DefaultPartnerID, "admin", roster.NewPermissions(roster.PermUserRead, roster.PermUserModify)); err != nil {
		tb.Fatal(err)
	}
	if s.ReadKey, _, err = svc.CreateAPIKey(ctx, roster.DefaultPartnerID, "reader", roster.NewPermissions(roster.PermUserRead)); err != nil {
		tb.Fatal(err)
	}
	actor, err := svc.AuthenticateAPIKey(ctx, s.AdminKey)
	if err != nil {
		tb.Fatal(err)
	}
	for _, u := range []service.NewUser{
		{Email: "root@example.com", GivenName: "Root", FamilyName: "Admin", Role: service.RoleRef{Name: roster.RoleAdmin}, Password: "Sturdy&Secret-2026"},
		{Email: "ann@example.com", GivenName: "Ann", FamilyName: "O'Brien", Role: service.RoleRef{Name: roster.RoleAnalyst}, Password: "Sturdy&Secret-2026"},
		{Email: "pct_50%@example.com", GivenName: "Under_Score", FamilyName: `Back\Slash`, Role: service.RoleRef{Name: roster.RoleAnalyst}, Password: "Sturdy&Secret-2026"},
	} {
		created, err := svc.CreateUser(ctx, actor, u)
		if err != nil {
			tb.Fatal(err)
		}
		s.UserIDs = append(s.UserIDs, created.ID)
	}
	mux := httpapi.NewMux()
	for _, m := range mounts {
		m(mux, svc, log)
	}
	s.Handler = httpapi.Recover(log, httpapi.JSONErrors(mux))
	return s
}

// Do serves r and returns the recorded answer.
func (s *Server) Do(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.Handler.ServeHTTP(rec, r)
	return rec
}

// Snapshot is every user, role and group of partner 1 as JSON, to prove a
// refused request changed nothing.
func (s *Server) Snapshot(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	users, err1 := s.Store.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{IncludeInactive: true})
	roles, err2 := s.Store.Roles(ctx, roster.DefaultPartnerID, roster.RoleFilter{})
	groups, err3 := s.Store.Groups(ctx, roster.DefaultPartnerID, roster.GroupFilter{})
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			tb.Fatal(err)
		}
	}
	b, err := json.Marshal(map[string]any{"users": users, "roles": roles, "groups": groups})
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// CheckAnswer fails tb unless rec is an answer Roster may give to any
// input: never a 5xx, and every error a JSON object whose field (message,
// or error_description for OAuth) says what is wrong.
func CheckAnswer(tb testing.TB, rec *httptest.ResponseRecorder, field string) {
	tb.Helper()
	if rec.Code >= 500 {
		tb.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if rec.Code < 400 {
		return
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Fatalf("status %d with Content-Type %q, want JSON: %s", rec.Code, ct, rec.Body)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		tb.Fatalf("status %d with a body that is not a JSON object: %v: %s", rec.Code, err, rec.Body)
	}
	if msg, _ := body[field].(string); msg == "" {
		tb.Fatalf("status %d without a %s: %s", rec.Code, field, rec.Body)
	}
}
