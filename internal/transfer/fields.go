package transfer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// field is one user field a file may carry, under any of its names.
type field int

const (
	fIgnored field = iota // a read-only field of a dialect's output: id, createdAt, …
	fEmail
	fUsername
	fGivenName
	fFamilyName
	fTitle
	fPhone
	fRole // Panther's role: {"id"|"name"} in JSON, a name in CSV
	fRoleID
	fRoleName
	fIsAdmin
	fStatus
	fEnabled
	fGroups
	fPasswordHash
	numFields
)

// fieldNames maps every accepted name, lower-cased, to its field. Where the
// dialects name one concept differently (givenName, firstName) both are
// accepted; a row may not give both. Names that are read-only in the
// dialects (ids, timestamps) are accepted and ignored, so that a file
// saved from either API imports as it is.
var fieldNames = map[string]field{
	"email":          fEmail,
	"username":       fUsername,
	"givenname":      fGivenName,
	"firstname":      fGivenName,
	"familyname":     fFamilyName,
	"lastname":       fFamilyName,
	"title":          fTitle,
	"phonenumber":    fPhone,
	"role":           fRole,
	"role.id":        fRoleID,
	"role.name":      fRoleName,
	"isadmin":        fIsAdmin,
	"status":         fStatus,
	"enabled":        fEnabled,
	"groups":         fGroups,
	"passwordhash":   fPasswordHash,
	"id":             fIgnored,
	"userid":         fIgnored,
	"pid":            fIgnored,
	"createdat":      fIgnored,
	"lastloggedinat": fIgnored,
}

// lookupField returns the field a column or key names.
func lookupField(name string) (field, bool) {
	f, ok := fieldNames[strings.ToLower(strings.TrimSpace(name))]
	return f, ok
}

// row is one user being read: the service's input plus what the dialect
// mapping needs to check.
type row struct {
	user    service.ImportUser
	seen    [numFields]bool
	enabled *bool
}

// errDuplicateField reports a row that gives one field twice (givenName and
// firstName, say).
var errDuplicateField = errors.New("given twice")

// mark records that f is set, or errs if it already was.
func (r *row) mark(f field, name string) error {
	if f == fIgnored {
		return nil
	}
	if r.seen[f] {
		return fmt.Errorf("%s: this field is %w (under another name)", name, errDuplicateField)
	}
	r.seen[f] = true
	return nil
}

// setText sets a text field from a CSV cell or JSON string.
func (r *row) setText(f field, v string) {
	u := &r.user
	switch f {
	case fEmail:
		u.Email = v
	case fUsername:
		u.Username = v
	case fGivenName:
		u.GivenName = v
	case fFamilyName:
		u.FamilyName = v
	case fTitle:
		u.Title = &v
	case fPhone:
		u.Phone = &v
	case fRole, fRoleName:
		u.Role.Name = v
	case fPasswordHash:
		u.PasswordHash = v
	}
}

// setCell sets field f from a CSV cell. An empty cell means "not given".
func (r *row) setCell(f field, name, cell string) error {
	if cell == "" || f == fIgnored {
		return nil
	}
	if err := r.mark(f, name); err != nil {
		return err
	}
	switch f {
	case fRoleID:
		return r.setRoleID(name, cell)
	case fIsAdmin, fEnabled:
		b, err := parseBool(name, cell)
		if err != nil {
			return err
		}
		r.setBool(f, b)
		return nil
	case fStatus:
		return r.setStatus(cell)
	case fGroups:
		return r.setGroupsCell(cell)
	}
	r.setText(f, cell)
	return nil
}

// setJSON sets field f from a JSON value. null means "not given".
func (r *row) setJSON(f field, name string, raw json.RawMessage) error {
	if f == fIgnored || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	if err := r.mark(f, name); err != nil {
		return err
	}
	switch f {
	case fRole:
		if len(raw) > 0 && raw[0] == '{' {
			return r.setRoleObject(name, raw)
		}
	case fRoleID:
		return r.setRoleID(name, jsonScalar(raw))
	case fIsAdmin, fEnabled:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return fmt.Errorf("%s must be true or false", name)
		}
		r.setBool(f, b)
		return nil
	case fGroups:
		return r.setGroupsJSON(name, raw)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("%s must be a string", name)
	}
	if f == fStatus {
		return r.setStatus(s)
	}
	r.setText(f, s)
	return nil
}

// jsonScalar returns a JSON string's contents or a number's digits.
func jsonScalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// setRoleObject takes Panther's {"id": "3"} or {"name": "Analyst"}.
func (r *row) setRoleObject(name string, raw json.RawMessage) error {
	var obj struct {
		ID   json.RawMessage `json:"id"`
		Name *string         `json:"name"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return fmt.Errorf("%s must be a name or an object with id or name", name)
	}
	if obj.Name != nil {
		r.user.Role.Name = *obj.Name
	}
	if len(obj.ID) > 0 && string(obj.ID) != "null" {
		return r.setRoleID(name+".id", jsonScalar(obj.ID))
	}
	return nil
}

// setRoleID parses a role id, written as Panther writes ids.
func (r *row) setRoleID(name, v string) error {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 || id > roster.MaxID {
		return fmt.Errorf("%s must be a role id (a positive integer), not %q", name, v)
	}
	r.user.Role.ID = id
	return nil
}

// setBool sets isAdmin or enabled.
func (r *row) setBool(f field, b bool) {
	if f == fIsAdmin {
		r.user.IsAdmin = &b
	} else {
		r.enabled = &b
	}
}

// parseBool accepts true and false in any case, as spreadsheets write them.
func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%s must be true or false, not %q", name, v)
}

// setStatus takes either dialect's status. Audience Manager's is the
// account state; Panther's is the sign-in state, which an import derives
// from the password hash instead, so it is accepted and not stored. The
// two sets of values are disjoint, so the value says which it is.
func (r *row) setStatus(v string) error {
	switch st := roster.AccountState(strings.ToUpper(v)); st {
	case roster.StateActive, roster.StateInactive, roster.StateLocked:
		r.user.State = st
		return nil
	}
	if _, err := roster.ParseSignInState(strings.ToUpper(v)); err == nil {
		return nil
	}
	return fmt.Errorf("status must be ACTIVE, INACTIVE or LOCKED (or a Panther status), not %q", v)
}

// setGroupsCell reads a CSV groups cell: a JSON array (what export
// writes, unambiguous for any name), or names and ids separated by ";",
// where a token of digits is an id.
func (r *row) setGroupsCell(cell string) error {
	if strings.HasPrefix(strings.TrimSpace(cell), "[") {
		return r.setGroupsJSON("groups", json.RawMessage(cell))
	}
	for tok := range strings.SplitSeq(cell, ";") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		if id, err := strconv.ParseInt(tok, 10, 64); err == nil {
			r.user.Groups = append(r.user.Groups, service.GroupRef{ID: id})
		} else {
			r.user.Groups = append(r.user.Groups, service.GroupRef{Name: tok})
		}
	}
	return nil
}

// setGroupsJSON reads a JSON array of group ids (numbers) and names (strings).
func (r *row) setGroupsJSON(name string, raw json.RawMessage) error {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return fmt.Errorf("%s must be an array of group ids or names", name)
	}
	for _, it := range items {
		var s string
		if json.Unmarshal(it, &s) == nil {
			r.user.Groups = append(r.user.Groups, service.GroupRef{Name: s})
			continue
		}
		id, err := strconv.ParseInt(string(it), 10, 64)
		if err != nil || id < 1 {
			return fmt.Errorf("%s must be an array of group ids or names, not %s", name, it)
		}
		r.user.Groups = append(r.user.Groups, service.GroupRef{ID: id})
	}
	return nil
}

// finish applies what needs the whole row: Panther's enabled.
func (r *row) finish() error {
	if r.enabled == nil {
		return nil
	}
	switch st := r.user.State; {
	case !*r.enabled && st == "":
		r.user.State = roster.StateInactive
	case !*r.enabled && st != roster.StateInactive, *r.enabled && st == roster.StateInactive:
		return fmt.Errorf("enabled is %t but status is %s", *r.enabled, st)
	}
	return nil
}
