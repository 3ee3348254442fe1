package aam

import (
	"net/http"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// groupJSON is Audience Manager's group object.
type groupJSON struct {
	GroupID         int64   `json:"groupId"`
	PID             int64   `json:"pid"`
	Name            string  `json:"name"`
	Description     string  `json:"description"`
	MembershipCount int     `json:"membershipCount"`
	Users           []int64 `json:"users"`
}

// groupInput is the body of a group create or update; fields left out stay
// as they are.
type groupInput struct {
	Name        *string  `json:"name"`
	Description *string  `json:"description"`
	Users       *[]int64 `json:"users"`
}

func toGroupJSON(g roster.Group) groupJSON {
	users := g.Users
	if users == nil {
		users = []int64{}
	}
	return groupJSON{GroupID: g.ID, PID: g.PartnerID, Name: g.Name, Description: g.Description,
		MembershipCount: len(users), Users: users}
}

func decodeGroup(w http.ResponseWriter, r *http.Request) (service.GroupInput, error) {
	var in groupInput
	if err := httpapi.DecodeJSON(w, r, &in); err != nil {
		return service.GroupInput{}, err
	}
	return service.GroupInput(in), nil
}

func (a *api) createGroup(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeGroup(w, r)
	if err != nil {
		return err
	}
	g, err := a.svc.CreateGroup(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, toGroupJSON(g))
	return nil
}

func (a *api) getGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "groupId")
	if err != nil {
		return err
	}
	g, err := a.svc.Group(r.Context(), actor(r), id)
	return httpapi.Reply(w, g, err, toGroupJSON)
}

func (a *api) updateGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "groupId")
	if err != nil {
		return err
	}
	in, err := decodeGroup(w, r)
	if err != nil {
		return err
	}
	g, err := a.svc.UpdateGroup(r.Context(), actor(r), id, in)
	return httpapi.Reply(w, g, err, toGroupJSON)
}

func (a *api) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "groupId")
	if err != nil {
		return err
	}
	return noContent(w, a.svc.DeleteGroups(r.Context(), actor(r), []int64{id}))
}

func (a *api) bulkDeleteGroups(w http.ResponseWriter, r *http.Request) error {
	ids, err := decodeIDs(w, r)
	if err != nil {
		return err
	}
	return noContent(w, a.svc.DeleteGroups(r.Context(), actor(r), ids))
}

// listGroups answers every group as a plain array, or a page of them with
// page: groups are few, so the whole list is not streamed.
func (a *api) listGroups(w http.ResponseWriter, r *http.Request) error {
	qs, err := httpapi.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	o, err := parseListOptions(qs)
	if err != nil {
		return err
	}
	if o.sortBy != "" && o.sortBy != "name" {
		return roster.Errorf(roster.EInvalid, "groups may be sorted by name only, not %q", o.sortBy)
	}
	f := roster.GroupFilter{Search: o.search, Descending: o.descending}
	if o.paged {
		f.Offset, f.Limit = o.page*o.pageSize, o.pageSize
	}
	groups, total, err := a.svc.Groups(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	list := make([]groupJSON, len(groups))
	for i, g := range groups {
		list[i] = toGroupJSON(g)
	}
	if !o.paged {
		httpapi.WriteJSON(w, http.StatusOK, list)
		return nil
	}
	httpapi.WriteJSON(w, http.StatusOK, pageJSON[groupJSON]{Total: total, Page: o.page, PageSize: o.pageSize, List: list})
	return nil
}
