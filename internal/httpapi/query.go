package httpapi

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/roster-dev/roster/internal/roster"
)

// Query is a request's parsed query string. It is strict where a lenient
// parser would guess: a malformed query, a repeated single-valued
// parameter or a value of the wrong type is the client's error, named.
// As Panther documents (allowEmptyValue), an empty value means "not given".
type Query struct{ v url.Values }

// ParseQuery parses a raw query string. Names and values must be valid
// UTF-8 without NUL, as every text Roster stores is: a search for other
// bytes could match nothing, and PostgreSQL refuses them outright, which
// would surface as a 500 instead of the client's error.
func ParseQuery(raw string) (Query, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return Query{}, roster.Errorf(roster.EInvalid, "query string is malformed: %s", err.Error())
	}
	for name, vals := range v {
		if !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
			return Query{}, roster.Errorf(roster.EInvalid, "query parameter %q is not valid UTF-8 text", name)
		}
		for _, s := range vals {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				return Query{}, roster.Errorf(roster.EInvalid, "query parameter %s is not valid UTF-8 text (without NUL)", name)
			}
		}
	}
	return Query{v}, nil
}

// String returns the one value of a single-valued parameter, "" if absent
// or empty, and an error if it is given more than once.
func (q Query) String(name string) (string, error) {
	vals := q.v[name]
	switch {
	case len(vals) > 1:
		return "", roster.Errorf(roster.EInvalid, "query parameter %s is given more than once", name)
	case len(vals) == 0:
		return "", nil
	}
	return vals[0], nil
}

// Int parses an integer parameter; ok is false when it is not given.
func (q Query) Int(name string) (n int64, ok bool, err error) {
	s, err := q.String(name)
	if err != nil || s == "" {
		return 0, false, err
	}
	n, err = strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false, roster.Errorf(roster.EInvalid, "query parameter %s must be an integer, not %q", name, s)
	}
	return n, true, nil
}

// Bool parses a boolean parameter (true/false, 1/0); def when not given.
func (q Query) Bool(name string, def bool) (bool, error) {
	s, err := q.String(name)
	if err != nil || s == "" {
		return def, err
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return def, roster.Errorf(roster.EInvalid, "query parameter %s must be true or false, not %q", name, s)
	}
	return b, nil
}

// IDs collects ids from a repeatable parameter and a comma-separated one,
// as Panther's id and ids do, into one set.
func (q Query) IDs(repeated, commaSeparated string) ([]int64, error) {
	var ids []int64
	add := func(name, s string) error {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
		id, err := ParseID(s)
		if err != nil {
			return roster.Errorf(roster.EInvalid, "query parameter %s: %q is not a valid id", name, s)
		}
		ids = append(ids, id)
		return nil
	}
	for _, s := range q.v[repeated] {
		if err := add(repeated, s); err != nil {
			return nil, err
		}
	}
	for _, list := range q.v[commaSeparated] {
		for _, s := range strings.Split(list, ",") {
			if err := add(commaSeparated, s); err != nil {
				return nil, err
			}
		}
	}
	return ids, nil
}

// ParseID reads an identity: a decimal integer from 1 to roster.MaxID,
// without sign or leading zeros, so that every id has one spelling.
func ParseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 || id > roster.MaxID || strconv.FormatInt(id, 10) != s {
		return 0, roster.Errorf(roster.EInvalid, "%q is not a valid id: ids are integers from 1 to %d", s, roster.MaxID)
	}
	return id, nil
}
