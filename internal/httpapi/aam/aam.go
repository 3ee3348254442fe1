// Package aam serves Roster's users and groups in Adobe Audience Manager's
// REST dialect: /api/v1/users and /api/v1/groups, and Roster's own audit
// log at /api/v1/audit (all also under /v1, and with or without a trailing
// slash), with integer ids, the partner id pid,
// 409 Conflict, and the signed-in user's own endpoints.
//
// Callers authenticate with a bearer token from /oauth/token or with an
// X-API-Key. It owns its wire structs and translates them to service calls;
// it knows nothing of storage or of the Panther dialect.
package aam

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// prefixes are where the dialect is mounted: Audience Manager's API path,
// and the bare /v1 its own API hosts use.
var prefixes = []string{"/api/v1", "/v1"}

type api struct {
	svc *service.Service
	httpapi.Adapter
}

// access says who may call a route.
type access int

const (
	adminOnly access = iota // partner admins: admin users and API keys
	selfOnly                // any signed-in user, for their own account
)

type route struct {
	method, path string
	access       access
	h            httpapi.HandlerFunc
}

// Mount registers the dialect's routes on mux.
func Mount(mux *httpapi.Mux, svc *service.Service, log *slog.Logger) {
	a := &api{svc: svc, Adapter: httpapi.Adapter{Status: status, Body: httpapi.MessageBody, Log: log}}
	for _, rt := range a.routes() {
		h := a.authenticate(rt.access, a.Handle(rt.h))
		for _, prefix := range prefixes {
			p := prefix + rt.path
			mux.Handle(rt.method+" "+p, h)
			mux.Handle(rt.method+" "+p+"/{$}", h)
		}
	}
}

func (a *api) routes() []route {
	return []route{
		{"POST", "/users", adminOnly, a.createUser},
		{"GET", "/users", adminOnly, a.listUsers},
		{"POST", "/users/bulk-delete", adminOnly, a.bulkDeleteUsers},
		{"GET", "/users/{userId}", adminOnly, a.getUser},
		{"PUT", "/users/{userId}", adminOnly, a.updateUser},
		{"DELETE", "/users/{userId}", adminOnly, a.deleteUser},

		{"GET", "/users/self", selfOnly, a.getSelf},
		{"PUT", "/users/self/update", selfOnly, a.updateSelf},
		{"PUT", "/self/update", selfOnly, a.updateSelf},
		{"POST", "/users/self/update-password", selfOnly, a.updatePassword},
		{"POST", "/users/self/reset-password", selfOnly, a.resetPassword},
		{"POST", "/self/reset-password", selfOnly, a.resetPassword},

		{"POST", "/groups", adminOnly, a.createGroup},
		{"GET", "/groups", adminOnly, a.listGroups},
		{"DELETE", "/groups/bulk-delete", adminOnly, a.bulkDeleteGroups},
		{"GET", "/groups/{groupId}", adminOnly, a.getGroup},
		{"PUT", "/groups/{groupId}", adminOnly, a.updateGroup},
		{"DELETE", "/groups/{groupId}", adminOnly, a.deleteGroup},

		{"GET", "/audit", adminOnly, a.listAudit},
	}
}

// status maps domain error codes to the statuses Audience Manager uses.
func status(c roster.Code) int {
	switch c {
	case roster.EInvalid:
		return http.StatusBadRequest
	case roster.ENotFound:
		return http.StatusNotFound
	case roster.EConflict:
		return http.StatusConflict
	case roster.EUnauthorized:
		return http.StatusUnauthorized
	case roster.EForbidden:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

type actorKey struct{}

// authenticate resolves the caller (a bearer token, else an X-API-Key) and
// applies the route's access rule before the handler reads anything.
func (a *api) authenticate(acc access, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor, err := a.actorOf(r)
		if err == nil {
			err = allowed(acc, actor, r.Method)
		}
		if err != nil {
			if roster.ErrorCode(err) == roster.EUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="roster"`)
			}
			a.WriteError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, actor)))
	})
}

func (a *api) actorOf(r *http.Request) (service.Actor, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return service.Actor{}, roster.Errorf(roster.EUnauthorized, "Authorization must be a Bearer token from /oauth/token")
		}
		return a.svc.AuthenticateToken(r.Context(), strings.TrimSpace(token))
	}
	if key := r.Header.Get("X-API-Key"); key != "" {
		return a.svc.AuthenticateAPIKey(r.Context(), key)
	}
	return service.Actor{}, roster.Errorf(roster.EUnauthorized, "sign in: send a Bearer token from /oauth/token, or an X-API-Key")
}

// allowed applies Audience Manager's rule: only partner admins call the
// methods that are not self. A user is an admin when their role grants
// UserModify; an API key with UserModify acts as one, and one with only
// UserRead may read.
func allowed(acc access, act service.Actor, method string) error {
	if acc == selfOnly {
		return nil // the service refuses API keys, which have no self
	}
	if act.UserID != 0 && !act.Can(roster.PermUserModify) {
		return roster.Errorf(roster.EForbidden, "only partner admins may call this method; the /users/self endpoints are yours")
	}
	need := roster.PermUserModify
	if method == http.MethodGet {
		need = roster.PermUserRead
	}
	if !act.Can(need) {
		return roster.Errorf(roster.EForbidden, "this API key may only read")
	}
	return nil
}

func actor(r *http.Request) service.Actor {
	act, _ := r.Context().Value(actorKey{}).(service.Actor)
	return act
}

// pathID reads an id path value.
func pathID(r *http.Request, name string) (int64, error) {
	return httpapi.ParseID(r.PathValue(name))
}
