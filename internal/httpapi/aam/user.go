package aam

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// userJSON is Audience Manager's user object.
type userJSON struct {
	PID         int64   `json:"pid"`
	UserID      int64   `json:"userId"`
	Username    string  `json:"username"`
	Status      string  `json:"status"`
	FirstName   string  `json:"firstName"`
	LastName    string  `json:"lastName"`
	Email       string  `json:"email"`
	Title       *string `json:"title"`
	PhoneNumber *string `json:"phoneNumber"`
	Groups      []int64 `json:"groups"`
	IsAdmin     bool    `json:"isAdmin"`
}

// userInput is the body of create, update and self update. Pointers tell
// a missing field from an empty one; title and phoneNumber may be null.
type userInput struct {
	Username    *string        `json:"username"`
	Status      *string        `json:"status"`
	FirstName   *string        `json:"firstName"`
	LastName    *string        `json:"lastName"`
	Email       *string        `json:"email"`
	Title       nullableString `json:"title"`
	PhoneNumber nullableString `json:"phoneNumber"`
	Groups      *[]int64       `json:"groups"`
	IsAdmin     *bool          `json:"isAdmin"`
	Password    *string        `json:"password"`
}

// nullableString records whether a field was present, and whether null.
type nullableString service.Nullable

// UnmarshalJSON implements json.Unmarshaler.
func (n *nullableString) UnmarshalJSON(b []byte) error {
	n.Set = true
	if bytes.Equal(b, []byte("null")) {
		n.Value = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	n.Value = &s
	return nil
}

func toUserJSON(u roster.User) userJSON {
	groups := u.Groups
	if groups == nil {
		groups = []int64{}
	}
	return userJSON{
		PID: u.PartnerID, UserID: u.ID, Username: u.Username, Status: string(u.State),
		FirstName: u.GivenName, LastName: u.FamilyName, Email: u.Email,
		Title: u.Title, PhoneNumber: u.Phone, Groups: groups, IsAdmin: u.Role.IsAdmin(),
	}
}

// patch turns the body into a service patch; password is not part of it.
func (in userInput) patch() service.UserPatch {
	p := service.UserPatch{
		Email: in.Email, GivenName: in.FirstName, FamilyName: in.LastName, Username: in.Username,
		Title: service.Nullable(in.Title), Phone: service.Nullable(in.PhoneNumber),
		Groups: in.Groups, IsAdmin: in.IsAdmin,
	}
	if in.Status != nil {
		st := roster.AccountState(*in.Status)
		p.State = &st
	}
	return p
}

func decodeUser(w http.ResponseWriter, r *http.Request) (userInput, error) {
	var in userInput
	err := httpapi.DecodeJSON(w, r, &in)
	return in, err
}

func (a *api) createUser(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeUser(w, r)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"email", in.Email}, {"firstName", in.FirstName}, {"lastName", in.LastName}} {
		if f.v == nil {
			return roster.Errorf(roster.EInvalid, "%s is required", f.name)
		}
	}
	nu := service.NewUser{
		Email: *in.Email, GivenName: *in.FirstName, FamilyName: *in.LastName,
		Title: in.Title.Value, Phone: in.PhoneNumber.Value,
		Role: service.RoleRef{Name: roster.RoleAnalyst},
	}
	if in.IsAdmin != nil && *in.IsAdmin {
		nu.Role.Name = roster.RoleAdmin
	}
	if in.Username != nil {
		nu.Username = *in.Username
	}
	if in.Groups != nil {
		nu.Groups = *in.Groups
	}
	if in.Status != nil {
		nu.State = roster.AccountState(*in.Status)
	}
	if in.Password != nil {
		if *in.Password == "" {
			return roster.Errorf(roster.EInvalid, "password may not be empty: leave it out to invite the user by e-mail")
		}
		nu.Password = *in.Password
	}
	u, err := a.svc.CreateUser(r.Context(), actor(r), nu)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, toUserJSON(u))
	return nil
}

func (a *api) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	u, err := a.svc.User(r.Context(), actor(r), id)
	return httpapi.Reply(w, u, err, toUserJSON)
}

// updateUser applies a PUT. Fields left out stay as they are, so a client
// may send only what it changes; title and phoneNumber may be set to null.
func (a *api) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	in, err := decodeUser(w, r)
	if err != nil {
		return err
	}
	if in.Password != nil {
		return roster.Errorf(roster.EInvalid, "password cannot be set on update: the user changes it at /users/self/update-password")
	}
	u, err := a.svc.UpdateUser(r.Context(), actor(r), id, in.patch())
	return httpapi.Reply(w, u, err, toUserJSON)
}

func (a *api) deleteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	return noContent(w, a.svc.DeleteUser(r.Context(), actor(r), id))
}

func (a *api) bulkDeleteUsers(w http.ResponseWriter, r *http.Request) error {
	ids, err := decodeIDs(w, r)
	if err != nil {
		return err
	}
	return noContent(w, a.svc.DeleteUsers(r.Context(), actor(r), ids))
}

// decodeIDs reads a bulk body: a JSON array of ids, or {"ids": [...]}.
func decodeIDs(w http.ResponseWriter, r *http.Request) ([]int64, error) {
	var raw json.RawMessage
	if err := httpapi.DecodeJSON(w, r, &raw); err != nil {
		return nil, err
	}
	var ids []int64
	if err := json.Unmarshal(raw, &ids); err != nil {
		var obj struct {
			IDs *[]int64 `json:"ids"`
		}
		if err := json.Unmarshal(raw, &obj); err != nil || obj.IDs == nil {
			return nil, roster.Errorf(roster.EInvalid, "body must be a JSON array of ids, or {\"ids\": [...]}")
		}
		ids = *obj.IDs
	}
	if len(ids) == 0 {
		return nil, roster.Errorf(roster.EInvalid, "no ids given")
	}
	for _, id := range ids {
		if id < 1 || id > roster.MaxID {
			return nil, roster.Errorf(roster.EInvalid, "%d is not a valid id", id)
		}
	}
	return ids, nil
}

// noContent answers 204, unless err is set.
func noContent(w http.ResponseWriter, err error) error {
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
