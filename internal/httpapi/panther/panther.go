// Package panther serves Roster's users and roles in Panther's REST
// dialect: /users and /roles exactly as Panther's OpenAPI document
// describes them, authenticated by X-API-Key, with {"message": …} errors.
//
// It owns its wire structs and translates them to service calls; it knows
// nothing of storage or of the other dialect.
package panther

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// api holds what the dialect's handlers share.
type api struct {
	svc *service.Service
	httpapi.Adapter
}

// Mount registers the dialect's routes on mux.
func Mount(mux *httpapi.Mux, svc *service.Service, log *slog.Logger) {
	a := &api{svc: svc, Adapter: httpapi.Adapter{Status: status, Body: httpapi.MessageBody, Log: log}}
	routes := []struct {
		pattern string
		h       httpapi.HandlerFunc
	}{
		{"POST /users", a.createUser},
		{"GET /users", a.listUsers},
		{"GET /users/{id}", a.getUser},
		{"POST /users/{id}", a.updateUser},
		{"DELETE /users/{id}", a.deleteUser},
		{"POST /roles", a.createRole},
		{"GET /roles", a.listRoles},
		{"GET /roles/{id}", a.getRole},
		{"POST /roles/{id}", a.updateRole},
		{"DELETE /roles/{id}", a.deleteRole},
	}
	for _, rt := range routes {
		mux.Handle(rt.pattern, a.authenticate(a.Handle(rt.h)))
	}
}

// status maps domain error codes to the statuses Panther documents. Its
// document lists no 409, so a conflict is a 400, as PRODUCT.md decides.
func status(c roster.Code) int {
	switch c {
	case roster.EInvalid, roster.EConflict:
		return http.StatusBadRequest
	case roster.ENotFound:
		return http.StatusNotFound
	case roster.EUnauthorized:
		return http.StatusUnauthorized
	case roster.EForbidden:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

// permissionLabel names permissions as Panther's documentation does.
var permissionLabel = map[roster.Permission]string{
	roster.PermUserRead:   "Read User Info (UserRead)",
	roster.PermUserModify: "Manage Users (UserModify)",
}

type actorKey struct{}

// authenticate resolves X-API-Key into the request's actor, or answers 401.
func (a *api) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := a.svc.AuthenticateAPIKey(r.Context(), r.Header.Get("X-API-Key"))
		if err != nil {
			a.WriteError(w, r, err)
			return
		}
		// Panther's rule is by method: GET needs Read User Info, POST and
		// DELETE need Manage Users. Checking it here, before the body is
		// read, answers 403 rather than a validation error. The service
		// checks again, for every caller.
		need := roster.PermUserModify
		if r.Method == http.MethodGet {
			need = roster.PermUserRead
		}
		if !actor.Can(need) {
			a.WriteError(w, r, roster.Errorf(roster.EForbidden, "this API key lacks the %s permission", permissionLabel[need]))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, actor)))
	})
}

// actor returns the authenticated caller of r.
func actor(r *http.Request) service.Actor {
	act, _ := r.Context().Value(actorKey{}).(service.Actor)
	return act
}

// pathID reads the {id} path value.
func pathID(r *http.Request) (int64, error) {
	return httpapi.ParseID(r.PathValue("id"))
}
