package panther

import (
	"net/http"
	"strconv"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// roleJSON is RoleAPI.Role.
type roleJSON struct {
	ID                string   `json:"id"`
	Name              string   `json:"name"`
	Permissions       []string `json:"permissions"`
	LogTypeAccess     []string `json:"logTypeAccess,omitempty"`
	LogTypeAccessKind string   `json:"logTypeAccessKind"`
	CreatedAt         string   `json:"createdAt"`
	UpdatedAt         string   `json:"updatedAt"`
}

// modifyRoleJSON is RoleAPI.ModifyRole.
type modifyRoleJSON struct {
	Name              *string  `json:"name"`
	Permissions       []string `json:"permissions"`
	LogTypeAccess     []string `json:"logTypeAccess"`
	LogTypeAccessKind string   `json:"logTypeAccessKind"`
}

// listRolesJSON is RoleAPI.ListResp.
type listRolesJSON struct {
	Results []roleJSON `json:"results"`
}

func toRoleJSON(r roster.Role) roleJSON {
	perms := make([]string, len(r.Permissions))
	for i, p := range r.Permissions {
		perms[i] = string(p)
	}
	return roleJSON{
		ID:                strconv.FormatInt(r.ID, 10),
		Name:              r.Name,
		Permissions:       perms,
		LogTypeAccess:     r.LogTypeAccess,
		LogTypeAccessKind: r.LogTypeAccessKind,
		CreatedAt:         timestamp(r.CreatedAt),
		UpdatedAt:         timestamp(r.UpdatedAt),
	}
}

func decodeModifyRole(w http.ResponseWriter, r *http.Request) (service.RoleInput, error) {
	var in modifyRoleJSON
	if err := httpapi.DecodeJSON(w, r, &in); err != nil {
		return service.RoleInput{}, err
	}
	if in.Name == nil {
		return service.RoleInput{}, roster.Errorf(roster.EInvalid, "name is required")
	}
	perms := make([]roster.Permission, 0, len(in.Permissions))
	for _, s := range in.Permissions {
		p, err := roster.ParsePermission(s)
		if err != nil {
			return service.RoleInput{}, err
		}
		perms = append(perms, p)
	}
	return service.RoleInput{Name: *in.Name, Permissions: perms,
		LogTypeAccess: in.LogTypeAccess, LogTypeAccessKind: in.LogTypeAccessKind}, nil
}

func (a *api) createRole(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeModifyRole(w, r)
	if err != nil {
		return err
	}
	role, err := a.svc.CreateRole(r.Context(), actor(r), in)
	return httpapi.Reply(w, role, err, toRoleJSON)
}

func (a *api) getRole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	role, err := a.svc.Role(r.Context(), actor(r), id)
	return httpapi.Reply(w, role, err, toRoleJSON)
}

func (a *api) updateRole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := decodeModifyRole(w, r)
	if err != nil {
		return err
	}
	role, err := a.svc.UpdateRole(r.Context(), actor(r), id, in)
	return httpapi.Reply(w, role, err, toRoleJSON)
}

func (a *api) deleteRole(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteRole(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (a *api) listRoles(w http.ResponseWriter, r *http.Request) error {
	f, err := parseListRoles(r)
	if err != nil {
		return err
	}
	roles, err := a.svc.Roles(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	out := listRolesJSON{Results: make([]roleJSON, len(roles))}
	for i, role := range roles {
		out.Results[i] = toRoleJSON(role)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// parseListRoles reads GET /roles' parameters: name-contains, name, id,
// ids and sort-dir (asc or desc).
func parseListRoles(r *http.Request) (roster.RoleFilter, error) {
	qs, err := httpapi.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return roster.RoleFilter{}, err
	}
	var f roster.RoleFilter
	if f.Name, err = qs.String("name"); err != nil {
		return f, err
	}
	if f.NameContains, err = qs.String("name-contains"); err != nil {
		return f, err
	}
	if f.IDs, err = qs.IDs("id", "ids"); err != nil {
		return f, err
	}
	dir, err := qs.String("sort-dir")
	switch {
	case err != nil:
		return f, err
	case dir == "desc":
		f.Descending = true
	case dir != "" && dir != "asc":
		return f, roster.Errorf(roster.EInvalid, "sort-dir must be asc or desc, not %q", dir)
	}
	return f, nil
}
