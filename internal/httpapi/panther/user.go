package panther

import (
	"net/http"
	"strconv"
	"time"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// userJSON is UserAPI.User.
type userJSON struct {
	ID             string      `json:"id"`
	Email          string      `json:"email"`
	GivenName      string      `json:"givenName"`
	FamilyName     string      `json:"familyName"`
	Role           roleRefJSON `json:"role"`
	Enabled        bool        `json:"enabled"`
	Status         string      `json:"status"`
	CreatedAt      string      `json:"createdAt"`
	LastLoggedInAt string      `json:"lastLoggedInAt,omitempty"`
}

// roleRefJSON is UserAPI.Role: a role named by id or by name.
type roleRefJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// modifyUserJSON is UserAPI.ModifyUser. Pointers tell a missing field from
// an empty one, so the error can say which.
type modifyUserJSON struct {
	Email      *string `json:"email"`
	GivenName  *string `json:"givenName"`
	FamilyName *string `json:"familyName"`
	Role       *struct {
		ID   *string `json:"id"`
		Name *string `json:"name"`
	} `json:"role"`
}

// listUsersJSON is UserAPI.ListResp.
type listUsersJSON struct {
	Results []userJSON `json:"results"`
	Next    string     `json:"next,omitempty"`
}

func toUserJSON(u roster.User) userJSON {
	out := userJSON{
		ID:         strconv.FormatInt(u.ID, 10),
		Email:      u.Email,
		GivenName:  u.GivenName,
		FamilyName: u.FamilyName,
		Role:       roleRefJSON{ID: strconv.FormatInt(u.Role.ID, 10), Name: u.Role.Name},
		Enabled:    u.State != roster.StateInactive,
		Status:     string(u.SignIn),
		CreatedAt:  timestamp(u.CreatedAt),
	}
	if u.LastLoginAt != nil {
		out.LastLoggedInAt = timestamp(*u.LastLoginAt)
	}
	return out
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// decodeModifyUser reads a ModifyUser body; all four fields are required.
func decodeModifyUser(w http.ResponseWriter, r *http.Request) (service.UserPatch, error) {
	var in modifyUserJSON
	if err := httpapi.DecodeJSON(w, r, &in); err != nil {
		return service.UserPatch{}, err
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"email", in.Email}, {"givenName", in.GivenName}, {"familyName", in.FamilyName}} {
		if f.v == nil {
			return service.UserPatch{}, roster.Errorf(roster.EInvalid, "%s is required", f.name)
		}
	}
	if in.Role == nil {
		return service.UserPatch{}, roster.Errorf(roster.EInvalid, "role is required: give its id or its name")
	}
	var ref service.RoleRef
	if in.Role.ID != nil && *in.Role.ID != "" {
		id, err := httpapi.ParseID(*in.Role.ID)
		if err != nil {
			return service.UserPatch{}, roster.Errorf(roster.EInvalid, "unknown role id %q", *in.Role.ID)
		}
		ref.ID = id
	}
	if in.Role.Name != nil {
		ref.Name = *in.Role.Name
	}
	return service.UserPatch{Email: in.Email, GivenName: in.GivenName, FamilyName: in.FamilyName, Role: &ref}, nil
}

func (a *api) createUser(w http.ResponseWriter, r *http.Request) error {
	p, err := decodeModifyUser(w, r)
	if err != nil {
		return err
	}
	u, err := a.svc.CreateUser(r.Context(), actor(r), service.NewUser{
		Email: *p.Email, GivenName: *p.GivenName, FamilyName: *p.FamilyName, Role: *p.Role,
	})
	return httpapi.Reply(w, u, err, toUserJSON)
}

func (a *api) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u, err := a.svc.User(r.Context(), actor(r), id)
	return httpapi.Reply(w, u, err, toUserJSON)
}

func (a *api) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := decodeModifyUser(w, r)
	if err != nil {
		return err
	}
	u, err := a.svc.UpdateUser(r.Context(), actor(r), id, p)
	return httpapi.Reply(w, u, err, toUserJSON)
}

func (a *api) deleteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteUser(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (a *api) listUsers(w http.ResponseWriter, r *http.Request) error {
	q, err := parseListUsers(r)
	if err != nil {
		return err
	}
	page, err := a.svc.Users(r.Context(), actor(r), q)
	if err != nil {
		return err
	}
	out := listUsersJSON{Results: make([]userJSON, len(page.Users)), Next: page.Next}
	for i, u := range page.Users {
		out.Results[i] = toUserJSON(u)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// parseListUsers reads GET /users' parameters. When email is given every
// other parameter is ignored, as Panther documents, even a malformed one.
func parseListUsers(r *http.Request) (service.UserQuery, error) {
	qs, err := httpapi.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return service.UserQuery{}, err
	}
	var q service.UserQuery
	if q.Filter.Email, err = qs.String("email"); err != nil || q.Filter.Email != "" {
		return q, err
	}
	if q.Cursor, err = qs.String("cursor"); err != nil {
		return q, err
	}
	limit, given, err := qs.Int("limit")
	if err != nil {
		return q, err
	}
	if given && (limit < 1 || limit > service.MaxPageSize) {
		return q, roster.Errorf(roster.EInvalid, "limit must be between 1 and %d, not %d", service.MaxPageSize, limit)
	}
	q.Limit = int(limit)
	if q.Filter.Contains, err = qs.String("contains"); err != nil {
		return q, err
	}
	if q.Filter.IDs, err = qs.IDs("id", "ids"); err != nil {
		return q, err
	}
	if q.Filter.IncludeInactive, err = qs.Bool("include-deactivated", false); err != nil {
		return q, err
	}
	st, err := qs.String("status")
	if err != nil || st == "" {
		return q, err
	}
	q.Filter.SignIn, err = roster.ParseSignInState(st)
	return q, err
}
