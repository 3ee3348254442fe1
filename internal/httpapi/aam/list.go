package aam

import (
	"encoding/json"
	"net/http"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/roster"
)

// Audience Manager's list options, shared by every list method.
const (
	defaultPageSize = 10
	maxPageSize     = 1000
)

// listOptions are page, pageSize, sortBy, descending and search.
type listOptions struct {
	paged      bool
	page       int
	pageSize   int
	sortBy     string
	descending bool
	search     string
}

// pageJSON is the answer of a list asked for with page: the page of items
// and where it stands in the whole.
type pageJSON[T any] struct {
	Total    int `json:"total"`
	Page     int `json:"page"`
	PageSize int `json:"pageSize"`
	List     []T `json:"list"`
}

func parseListOptions(qs httpapi.Query) (listOptions, error) {
	o := listOptions{pageSize: defaultPageSize}
	page, paged, err := qs.Int("page")
	if err != nil {
		return o, err
	}
	if paged && (page < 0 || page > 1<<30) {
		return o, roster.Errorf(roster.EInvalid, "page counts from 0, not %d", page)
	}
	size, sized, err := qs.Int("pageSize")
	if err != nil {
		return o, err
	}
	if sized && (size < 1 || size > maxPageSize) {
		return o, roster.Errorf(roster.EInvalid, "pageSize must be between 1 and %d, not %d", maxPageSize, size)
	}
	if sized {
		o.pageSize = int(size)
	}
	o.paged, o.page = paged, int(page)
	if o.sortBy, err = qs.String("sortBy"); err != nil {
		return o, err
	}
	if o.descending, err = qs.Bool("descending", false); err != nil {
		return o, err
	}
	o.search, err = qs.String("search")
	return o, err
}

// userSorts maps the JSON properties a user list may be sorted by.
var userSorts = map[string]roster.UserSort{
	"userId": roster.SortByID, "username": roster.SortByUsername, "email": roster.SortByEmail,
	"firstName": roster.SortByGivenName, "lastName": roster.SortByFamilyName, "status": roster.SortByState,
}

func (a *api) listUsers(w http.ResponseWriter, r *http.Request) error {
	qs, err := httpapi.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	o, err := parseListOptions(qs)
	if err != nil {
		return err
	}
	f := roster.UserFilter{Search: o.search, Descending: o.descending, IncludeInactive: true}
	if o.sortBy != "" {
		sort, ok := userSorts[o.sortBy]
		if !ok {
			return roster.Errorf(roster.EInvalid, "sortBy must be one of userId, username, email, firstName, lastName, status; not %q", o.sortBy)
		}
		f.SortBy = sort
	}
	if f.GroupIDs, err = qs.IDs("groupId", "groupIds"); err != nil {
		return err
	}
	if !o.paged {
		return a.streamUsers(w, r, f)
	}
	f.Offset, f.Limit = o.page*o.pageSize, o.pageSize
	users, total, err := a.svc.FindUsers(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	out := pageJSON[userJSON]{Total: total, Page: o.page, PageSize: o.pageSize, List: make([]userJSON, len(users))}
	for i, u := range users {
		out.List[i] = toUserJSON(u)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// streamUsers writes every matching user as one JSON array, encoding each
// as it comes from the store, so memory stays flat however many there are.
// An error before the first byte is answered as usual; one after it cuts
// the connection, so that a client never takes a truncated array for a
// whole one. The write deadline follows the progress (httpapi.Streamer):
// a big partner's list may take longer than the server's write timeout,
// a client that stops reading may not.
func (a *api) streamUsers(w http.ResponseWriter, r *http.Request, f roster.UserFilter) error {
	started := false
	enc := json.NewEncoder(w)
	stream := httpapi.NewStreamer(w, r)
	err := a.svc.EachUser(r.Context(), actor(r), f, func(u roster.User) error {
		sep := ","
		if !started {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			started, sep = true, "["
		}
		if _, err := w.Write([]byte(sep)); err != nil {
			return err
		}
		stream.Progress()
		return enc.Encode(toUserJSON(u))
	})
	switch {
	case err != nil && started:
		a.Log.ErrorContext(r.Context(), "user stream cut short", "err", err)
		panic(http.ErrAbortHandler)
	case err != nil:
		return err
	case !started:
		httpapi.WriteJSON(w, http.StatusOK, []userJSON{})
		return nil
	}
	_, _ = w.Write([]byte("]\n"))
	return nil
}
