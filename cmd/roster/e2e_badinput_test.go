package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// badCase is one request the server must refuse, changing nothing.
type badCase struct {
	name   string // a sentence saying what is wrong and what the answer is
	method string
	path   string
	key    string
	body   any      // as testServer.do takes it
	header []string // extra headers, name and value pairs
	want   int
	msg    string // if set, a part of the message that says what is wrong
}

// badUser returns a ModifyUser body, valid unless changed, as a fresh map
// that a case may alter: set replaces (or, with a nil value, removes)
// top-level fields.
func badUser(email string, set map[string]any) map[string]any {
	b := map[string]any{"email": email, "givenName": "Bad", "familyName": "Input", "role": map[string]any{"name": "Analyst"}}
	for k, v := range set {
		if v == nil {
			delete(b, k)
			continue
		}
		b[k] = v
	}
	return b
}

// badRole returns a ModifyRole body.
func badRole(name string, perms ...string) map[string]any {
	if perms == nil {
		perms = []string{}
	}
	return map[string]any{"name": name, "permissions": perms}
}

// badFirstDiff shows where two snapshots first differ, with some context.
func badFirstDiff(before, after string) string {
	i := 0
	for i < len(before) && i < len(after) && before[i] == after[i] {
		i++
	}
	window := func(s string) string {
		from, to := max(i-120, 0), min(i+240, len(s))
		return "…" + s[from:to] + "…"
	}
	return fmt.Sprintf("at byte %d\nbefore: %s\nafter:  %s", i, window(before), window(after))
}

func TestBadInput(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()

	// Partner 1: exactly one active Admin-role user, some Analysts, and a
	// custom role held by one of them.
	root := s.createUser("root@example.com", "Root", "Admin", "Admin")
	ann := s.createUser("ann@example.com", "Ann", "Analyst", "Analyst")
	s.createUser("carl@example.com", "Carl", "Analyst", "Analyst")
	r := s.do("POST", "/roles", s.adminKey, badRole("Auditors", "UserRead"))
	wantStatus(t, r, http.StatusOK)
	var auditors struct{ ID string }
	r.json(t, &auditors)
	bob := s.createUser("bob@example.com", "Bob", "Auditor", "Auditors")
	adminRole, analystRole := s.roleID(s.readKey, "Admin"), s.roleID(s.readKey, "Analyst")

	// Partner 2: its own key, user and role, none of which partner 1 may
	// reach.
	if pid := s.createPartner("Second Corp"); pid != 2 {
		t.Fatalf("second partner is %d, want 2 (the snapshot covers partners 1 to 3)", pid)
	}
	key2 := s.createKey("second", "UserRead,UserModify", 2)
	r = s.do("POST", "/users", key2, newUser("eve@second.example", "Eve", "Second", "Analyst"))
	wantStatus(t, r, http.StatusOK)
	var eve apiUser
	r.json(t, &eve)
	wantStatus(t, s.do("POST", "/roles", key2, badRole("Theirs", "UserRead")), http.StatusOK)
	theirRole := s.roleID(key2, "Theirs")

	// Partner 3: its only admin holds a custom role, so that taking
	// UserModify from the role would leave the partner without one.
	if pid := s.createPartner("Third Corp"); pid != 3 {
		t.Fatalf("third partner is %d, want 3 (the snapshot covers partners 1 to 3)", pid)
	}
	key3 := s.createKey("third", "UserRead,UserModify", 3)
	wantStatus(t, s.do("POST", "/roles", key3, badRole("Managers", "UserModify")), http.StatusOK)
	managers := s.roleID(key3, "Managers")
	r = s.do("POST", "/users", key3, newUser("boss@third.example", "Boss", "Third", "Managers"))
	wantStatus(t, r, http.StatusOK)
	var boss apiUser
	r.json(t, &boss)
	wantStatus(t, s.do("POST", "/users", key3, newUser("staff@third.example", "Staff", "Third", "Analyst")), http.StatusOK)

	st := s.store()
	for pid, want := range map[int64]int{1: 1, 3: 1} {
		if n, err := st.ActiveAdminCount(ctx, pid); err != nil || n != want {
			t.Fatalf("partner %d has %d active admins (err %v), want %d", pid, n, err, want)
		}
	}

	// A real cursor, to replay with another query.
	r = s.do("GET", "/users?limit=1", s.readKey, nil)
	wantStatus(t, r, http.StatusOK)
	var page apiList
	r.json(t, &page)
	if page.Next == nil {
		t.Fatal("GET /users?limit=1 has no next page")
	}
	cursor := *page.Next

	admin, read := s.adminKey, s.readKey
	valid := badUser("valid@example.com", nil)
	roleBody := badRole("Fresh", "UserRead")
	// A role whose log type list takes it past 64 KiB.
	bigRole := map[string]any{"name": "Big", "permissions": []string{"UserRead"}, "logTypeAccessKind": "ALLOW",
		"logTypeAccess": strings.Split(strings.TrimSuffix(strings.Repeat("Custom.LogType,", 5000), ","), ",")}
	over64K := strings.Repeat("a", 70<<10)
	long201 := strings.Repeat("n", 201)
	manyIDs := make([]string, 501)
	for i := range manyIDs {
		manyIDs[i] = fmt.Sprint(i + 1)
	}

	// Ids every path must refuse as malformed, before looking anything up.
	badIDs := []struct{ what, id string }{
		{"a non-numeric id", "abc"},
		{"a negative id", "-1"},
		{"id zero", "0"},
		{"an id with leading zeros", "007"},
		{"an id in exponent form", "1e3"},
		{"an id beyond 2^53-1", "9007199254740992"},
		{"an id beyond 2^63", "9223372036854775808"},
		{"an id with a plus sign", "+1"},
	}
	const unknownID = "9007199254740991" // the largest valid id, never handed out here

	cases := []badCase{
		// POST /users: malformed JSON.
		{name: "POST /users with a truncated body is 400", method: "POST", path: "/users", key: admin,
			body: `{"email":"trunc@example.com","givenName":"T","familyName":"U","role":{"name":"Analyst"}`, want: 400},
		{name: "POST /users with trailing garbage after the object is 400", method: "POST", path: "/users", key: admin,
			body: `{"email":"garb@example.com","givenName":"G","familyName":"A","role":{"name":"Analyst"}} xyz`, want: 400},
		{name: "POST /users with two JSON values is 400", method: "POST", path: "/users", key: admin,
			body: `{"email":"two1@example.com","givenName":"T","familyName":"W","role":{"name":"Analyst"}}{"email":"two2@example.com","givenName":"T","familyName":"W","role":{"name":"Analyst"}}`, want: 400, msg: "after top-level value"},
		{name: "POST /users with an array body is 400", method: "POST", path: "/users", key: admin, body: `[]`, want: 400, msg: "must be an object"},
		{name: "POST /users with a string body is 400", method: "POST", path: "/users", key: admin, body: `"str"`, want: 400, msg: "must be an object"},
		{name: "POST /users with a null body is 400", method: "POST", path: "/users", key: admin, body: `null`, want: 400},
		{name: "POST /users with an empty body is 400", method: "POST", path: "/users", key: admin, body: ``, want: 400, msg: "required"},
		{name: "POST /users with a form-encoded body labelled JSON is 400", method: "POST", path: "/users", key: admin,
			body: `email=form@example.com&givenName=F`, want: 400},
		{name: "POST /users with arrays nested 20000 deep is 400", method: "POST", path: "/users", key: admin,
			body: strings.Repeat("[", 20000) + strings.Repeat("]", 20000), want: 400},
		{name: "POST /users whose body is not UTF-8 is 400", method: "POST", path: "/users", key: admin,
			body: "{\"email\":\"latin1@example.com\",\"givenName\":\"Jos\xe9\",\"familyName\":\"M\xfcller\",\"role\":{\"name\":\"Analyst\"}}", want: 400},

		// POST /users: wrong types.
		{name: "POST /users with a numeric email is 400", method: "POST", path: "/users", key: admin, body: badUser("", map[string]any{"email": 42}), want: 400, msg: "email"},
		{name: "POST /users with a boolean email is 400", method: "POST", path: "/users", key: admin, body: badUser("", map[string]any{"email": true}), want: 400},
		{name: "POST /users with an object email is 400", method: "POST", path: "/users", key: admin, body: badUser("", map[string]any{"email": map[string]any{"address": "o@example.com"}}), want: 400},
		{name: "POST /users with an array email is 400", method: "POST", path: "/users", key: admin, body: badUser("", map[string]any{"email": []string{"arr@example.com"}}), want: 400},
		{name: "POST /users with a numeric givenName is 400", method: "POST", path: "/users", key: admin, body: badUser("gn1@example.com", map[string]any{"givenName": 7}), want: 400},
		{name: "POST /users with a boolean givenName is 400", method: "POST", path: "/users", key: admin, body: badUser("gn2@example.com", map[string]any{"givenName": false}), want: 400},
		{name: "POST /users with an object givenName is 400", method: "POST", path: "/users", key: admin, body: badUser("gn3@example.com", map[string]any{"givenName": map[string]any{}}), want: 400},
		{name: "POST /users with an array givenName is 400", method: "POST", path: "/users", key: admin, body: badUser("gn4@example.com", map[string]any{"givenName": []string{"A"}}), want: 400},
		{name: "POST /users with a numeric familyName is 400", method: "POST", path: "/users", key: admin, body: badUser("fn1@example.com", map[string]any{"familyName": 1.5}), want: 400},
		{name: "POST /users with a boolean familyName is 400", method: "POST", path: "/users", key: admin, body: badUser("fn2@example.com", map[string]any{"familyName": true}), want: 400},
		{name: "POST /users with an object familyName is 400", method: "POST", path: "/users", key: admin, body: badUser("fn3@example.com", map[string]any{"familyName": map[string]any{"x": 1}}), want: 400},
		{name: "POST /users with an array familyName is 400", method: "POST", path: "/users", key: admin, body: badUser("fn4@example.com", map[string]any{"familyName": []any{}}), want: 400},
		{name: "POST /users with the role as a string is 400", method: "POST", path: "/users", key: admin, body: badUser("rs@example.com", map[string]any{"role": "Analyst"}), want: 400},
		{name: "POST /users with the role as an array is 400", method: "POST", path: "/users", key: admin, body: badUser("ra@example.com", map[string]any{"role": []string{"Analyst"}}), want: 400},
		{name: "POST /users with a numeric role id is 400", method: "POST", path: "/users", key: admin, body: badUser("rn@example.com", map[string]any{"role": map[string]any{"id": 1}}), want: 400, msg: "role.id"},
		{name: "POST /users with a numeric role name is 400", method: "POST", path: "/users", key: admin, body: badUser("rnn@example.com", map[string]any{"role": map[string]any{"name": 3}}), want: 400},

		// POST /users: missing, empty and blank fields.
		{name: "POST /users without email is 400", method: "POST", path: "/users", key: admin, body: badUser("", map[string]any{"email": nil}), want: 400},
		{name: "POST /users without givenName is 400", method: "POST", path: "/users", key: admin, body: badUser("nogn@example.com", map[string]any{"givenName": nil}), want: 400},
		{name: "POST /users without familyName is 400", method: "POST", path: "/users", key: admin, body: badUser("nofn@example.com", map[string]any{"familyName": nil}), want: 400, msg: "familyName"},
		{name: "POST /users without role is 400", method: "POST", path: "/users", key: admin, body: badUser("norole@example.com", map[string]any{"role": nil}), want: 400},
		{name: "POST /users with a null role is 400", method: "POST", path: "/users", key: admin, body: `{"email":"nullrole@example.com","givenName":"N","familyName":"R","role":null}`, want: 400},
		{name: "POST /users with an empty role object is 400", method: "POST", path: "/users", key: admin, body: badUser("emptyrole@example.com", map[string]any{"role": map[string]any{}}), want: 400},
		{name: "POST /users with an empty role id and name is 400", method: "POST", path: "/users", key: admin, body: badUser("blankrole@example.com", map[string]any{"role": map[string]any{"id": "", "name": ""}}), want: 400},
		{name: "POST /users with a whitespace-only role name is 400", method: "POST", path: "/users", key: admin, body: badUser("wsrole@example.com", map[string]any{"role": map[string]any{"name": "   "}}), want: 400},
		{name: "POST /users with an empty email is 400", method: "POST", path: "/users", key: admin, body: badUser("", nil), want: 400},
		{name: "POST /users with an empty givenName is 400", method: "POST", path: "/users", key: admin, body: badUser("egn@example.com", map[string]any{"givenName": ""}), want: 400},
		{name: "POST /users with an empty familyName is 400", method: "POST", path: "/users", key: admin, body: badUser("efn@example.com", map[string]any{"familyName": ""}), want: 400},
		{name: "POST /users with a whitespace-only email is 400", method: "POST", path: "/users", key: admin, body: badUser(" \t ", nil), want: 400},
		{name: "POST /users with a whitespace-only givenName is 400", method: "POST", path: "/users", key: admin, body: badUser("wgn@example.com", map[string]any{"givenName": "  \t "}), want: 400},
		{name: "POST /users with a whitespace-only familyName is 400", method: "POST", path: "/users", key: admin, body: badUser("wfn@example.com", map[string]any{"familyName": " \n "}), want: 400},

		// POST /users: invalid e-mail addresses.
		{name: "POST /users with an email without @ is 400", method: "POST", path: "/users", key: admin, body: badUser("no-at.example.com", nil), want: 400},
		{name: "POST /users with an email in display-name form is 400", method: "POST", path: "/users", key: admin, body: badUser("A <a@b.c>", nil), want: 400},
		{name: "POST /users with an email in angle brackets is 400", method: "POST", path: "/users", key: admin, body: badUser("<angle@example.com>", nil), want: 400},
		{name: "POST /users with an email containing a space is 400", method: "POST", path: "/users", key: admin, body: badUser("sp ace@example.com", nil), want: 400},
		{name: "POST /users with an email with a comment is 400", method: "POST", path: "/users", key: admin, body: badUser("comment@example.com (me)", nil), want: 400},
		{name: "POST /users with a 300-character email is 400", method: "POST", path: "/users", key: admin, body: badUser(strings.Repeat("l", 288)+"@example.com", nil), want: 400, msg: "email"},
		{name: "POST /users with an email whose domain ends in a dot is 400", method: "POST", path: "/users", key: admin, body: badUser("dot@example.com.", nil), want: 400},
		{name: "POST /users with an email whose local part ends in a dot is 400", method: "POST", path: "/users", key: admin, body: badUser("dot.@example.com", nil), want: 400},
		{name: "POST /users with an email with two dots in a row is 400", method: "POST", path: "/users", key: admin, body: badUser("two..dots@example.com", nil), want: 400},
		{name: "POST /users with an email without a local part is 400", method: "POST", path: "/users", key: admin, body: badUser("@example.com", nil), want: 400},
		{name: "POST /users with an email without a domain is 400", method: "POST", path: "/users", key: admin, body: badUser("nodomain@", nil), want: 400},
		{name: "POST /users with two addresses in email is 400", method: "POST", path: "/users", key: admin, body: badUser("a@example.com, b@example.com", nil), want: 400},

		// POST /users: names.
		{name: "POST /users with a 201-character givenName is 400", method: "POST", path: "/users", key: admin, body: badUser("longgn@example.com", map[string]any{"givenName": long201}), want: 400},
		{name: "POST /users with a 201-character familyName is 400", method: "POST", path: "/users", key: admin, body: badUser("longfn@example.com", map[string]any{"familyName": long201}), want: 400},
		{name: "POST /users with a givenName of 201 accented characters is 400", method: "POST", path: "/users", key: admin, body: badUser("longaccent@example.com", map[string]any{"givenName": strings.Repeat("é", 201)}), want: 400},
		{name: "POST /users with a NUL in givenName is 400", method: "POST", path: "/users", key: admin, body: badUser("nul@example.com", map[string]any{"givenName": "Nu\x00ll"}), want: 400, msg: "givenName"},
		{name: "POST /users with a bell character in familyName is 400", method: "POST", path: "/users", key: admin, body: badUser("bell@example.com", map[string]any{"familyName": "Ri\x07ng"}), want: 400},
		{name: "POST /users with a newline inside givenName is 400", method: "POST", path: "/users", key: admin, body: badUser("nl@example.com", map[string]any{"givenName": "Two\nLines"}), want: 400},
		{name: "POST /users with an escape sequence in familyName is 400", method: "POST", path: "/users", key: admin, body: badUser("esc@example.com", map[string]any{"familyName": "\x1b[31mRed"}), want: 400},

		// POST /users: roles.
		{name: "POST /users with an unknown role name is 400", method: "POST", path: "/users", key: admin, body: badUser("unk@example.com", map[string]any{"role": map[string]any{"name": "Superuser"}}), want: 400, msg: "Superuser"},
		{name: "POST /users with an unknown role id is 400", method: "POST", path: "/users", key: admin, body: badUser("unkid@example.com", map[string]any{"role": map[string]any{"id": unknownID}}), want: 400},
		{name: "POST /users with a non-numeric role id is 400", method: "POST", path: "/users", key: admin, body: badUser("nnid@example.com", map[string]any{"role": map[string]any{"id": "admin"}}), want: 400},
		{name: "POST /users with role id zero is 400", method: "POST", path: "/users", key: admin, body: badUser("zid@example.com", map[string]any{"role": map[string]any{"id": "0"}}), want: 400},
		{name: "POST /users with a role id beyond 2^63 is 400", method: "POST", path: "/users", key: admin, body: badUser("bigid@example.com", map[string]any{"role": map[string]any{"id": "9223372036854775808"}}), want: 400},
		{name: "POST /users with another partner's role id is 400", method: "POST", path: "/users", key: admin, body: badUser("theirs@example.com", map[string]any{"role": map[string]any{"id": theirRole}}), want: 400},
		{name: "POST /users with a role id and name that disagree is 400", method: "POST", path: "/users", key: admin, body: badUser("disagree@example.com", map[string]any{"role": map[string]any{"id": analystRole, "name": "Admin"}}), want: 400},
		{name: "POST /users with an e-mail taken in another case is 400", method: "POST", path: "/users", key: admin, body: badUser("ANN@Example.COM", nil), want: 400, msg: "already exists"},

		// POST /users: size, media type, credentials.
		{name: "POST /users with a body over 64 KiB is 413", method: "POST", path: "/users", key: admin, body: badUser("huge@example.com", map[string]any{"givenName": over64K}), want: 413, msg: "larger than"},
		{name: "POST /users with a valid user padded past 64 KiB is 413", method: "POST", path: "/users", key: admin,
			body: `{"email":"padded@example.com","givenName":"P","familyName":"D","role":{"name":"Analyst"}}` + strings.Repeat(" ", 70<<10), want: 413},
		{name: "POST /users as text/plain is 415", method: "POST", path: "/users", key: admin, body: valid, header: []string{"Content-Type", "text/plain"}, want: 415, msg: "Content-Type"},
		{name: "POST /users as a form is 415", method: "POST", path: "/users", key: admin, body: valid, header: []string{"Content-Type", "application/x-www-form-urlencoded"}, want: 415},
		{name: "POST /users without a key is 401", method: "POST", path: "/users", body: valid, want: 401},
		{name: "POST /users with a wrong key is 401", method: "POST", path: "/users", key: "rst_wrongwrongwrong", body: valid, want: 401},
		{name: "POST /users with a wrong key and a malformed body is 401", method: "POST", path: "/users", key: "rst_wrongwrongwrong", body: `{`, want: 401},
		{name: "POST /users with a read-only key is 403", method: "POST", path: "/users", key: read, body: valid, want: 403},
		{name: "POST /users with a read-only key and a malformed body is 403", method: "POST", path: "/users", key: read, body: `{`, want: 403},

		// POST /users/{id}.
		{name: "POST /users/{id} with a truncated body is 400", method: "POST", path: "/users/" + ann.ID, key: admin, body: `{"email":"ann@example.com"`, want: 400},
		{name: "POST /users/{id} with an empty body is 400", method: "POST", path: "/users/" + ann.ID, key: admin, body: ``, want: 400},
		{name: "POST /users/{id} with an array body is 400", method: "POST", path: "/users/" + ann.ID, key: admin, body: `[{"email":"ann@example.com"}]`, want: 400},
		{name: "POST /users/{id} without role is 400 (all four fields are replaced)", method: "POST", path: "/users/" + ann.ID, key: admin, body: badUser("ann@example.com", map[string]any{"role": nil}), want: 400},
		{name: "POST /users/{id} without givenName is 400", method: "POST", path: "/users/" + ann.ID, key: admin, body: badUser("ann@example.com", map[string]any{"givenName": nil}), want: 400},
		{name: "POST /users/{id} with an invalid email is 400", method: "POST", path: "/users/" + ann.ID, key: admin, body: badUser("ann at example.com", nil), want: 400},
		{name: "POST /users/{id} with another user's e-mail in another case is 400", method: "POST", path: "/users/" + ann.ID, key: admin, body: badUser("BOB@EXAMPLE.com", nil), want: 400},
		{name: "POST /users/{id} with a 201-character familyName is 400", method: "POST", path: "/users/" + ann.ID, key: admin, body: badUser("ann@example.com", map[string]any{"familyName": long201}), want: 400},
		{name: "POST /users/{id} with a NUL in familyName is 400", method: "POST", path: "/users/" + ann.ID, key: admin, body: badUser("ann@example.com", map[string]any{"familyName": "\x00"}), want: 400},
		{name: "POST /users/{id} with an unknown role name is 400", method: "POST", path: "/users/" + ann.ID, key: admin, body: badUser("ann@example.com", map[string]any{"role": map[string]any{"name": "Nope"}}), want: 400},
		{name: "POST /users/{id} with a role id and name that disagree is 400", method: "POST", path: "/users/" + ann.ID, key: admin, body: badUser("ann@example.com", map[string]any{"role": map[string]any{"id": adminRole, "name": "Analyst"}}), want: 400},
		{name: "POST /users/{id} with a body over 64 KiB is 413", method: "POST", path: "/users/" + ann.ID, key: admin, body: badUser(over64K+"@example.com", nil), want: 413},
		{name: "POST /users/{id} as text/plain is 415", method: "POST", path: "/users/" + ann.ID, key: admin, body: badUser("ann@example.com", nil), header: []string{"Content-Type", "text/plain; charset=utf-8"}, want: 415},
		{name: "POST /users/{id} with a read-only key is 403", method: "POST", path: "/users/" + ann.ID, key: read, body: badUser("ann@example.com", nil), want: 403},
		{name: "POST /users/{id} without a key is 401", method: "POST", path: "/users/" + ann.ID, body: badUser("ann@example.com", nil), want: 401},
		{name: "POST /users/{id} for an unknown id is 404", method: "POST", path: "/users/" + unknownID, key: admin, body: badUser("ghost@example.com", nil), want: 404},
		{name: "POST /users/{id} for another partner's user is 404", method: "POST", path: "/users/" + eve.ID, key: admin, body: badUser("eve@second.example", nil), want: 404},
		{name: "POST /users/{id} demoting partner 1's only admin to Analyst is 400", method: "POST", path: "/users/" + root.ID, key: admin,
			body: newUser("root@example.com", "Root", "Admin", "Analyst"), want: 400, msg: "without an active user"},
		{name: "POST /users/{id} giving partner 1's only admin a custom read-only role is 400", method: "POST", path: "/users/" + root.ID, key: admin,
			body: badUser("root@example.com", map[string]any{"role": map[string]any{"id": auditors.ID}}), want: 400},

		// GET /users/{id} and DELETE /users/{id}.
		{name: "GET /users/{id} for an unknown id is 404", method: "GET", path: "/users/" + unknownID, key: read, want: 404},
		{name: "GET /users/{id} for another partner's user is 404", method: "GET", path: "/users/" + eve.ID, key: read, want: 404},
		{name: "GET /users/{id} without a key is 401", method: "GET", path: "/users/" + ann.ID, want: 401},
		{name: "DELETE /users/{id} for an unknown id is 404", method: "DELETE", path: "/users/" + unknownID, key: admin, want: 404},
		{name: "DELETE /users/{id} for another partner's user is 404", method: "DELETE", path: "/users/" + eve.ID, key: admin, want: 404},
		{name: "DELETE /users/{id} with a read-only key is 403", method: "DELETE", path: "/users/" + ann.ID, key: read, want: 403},
		{name: "DELETE /users/{id} with a wrong key is 401", method: "DELETE", path: "/users/" + ann.ID, key: "not-a-key", want: 401},
		{name: "DELETE /users/{id} of partner 1's only admin is 400", method: "DELETE", path: "/users/" + root.ID, key: admin, want: 400, msg: "without an active user"},

		// GET /users query parameters.
		{name: "GET /users with limit=0 is 400", method: "GET", path: "/users?limit=0", key: read, want: 400},
		{name: "GET /users with limit=61 is 400", method: "GET", path: "/users?limit=61", key: read, want: 400, msg: "limit"},
		{name: "GET /users with limit=-1 is 400", method: "GET", path: "/users?limit=-1", key: read, want: 400},
		{name: "GET /users with limit=abc is 400", method: "GET", path: "/users?limit=abc", key: read, want: 400},
		{name: "GET /users with limit=1.5 is 400", method: "GET", path: "/users?limit=1.5", key: read, want: 400},
		{name: "GET /users with a limit beyond 2^63 is 400", method: "GET", path: "/users?limit=99999999999999999999", key: read, want: 400},
		{name: "GET /users with limit given twice is 400", method: "GET", path: "/users?limit=5&limit=5", key: read, want: 400},
		{name: "GET /users with include-deactivated=maybe is 400", method: "GET", path: "/users?include-deactivated=maybe", key: read, want: 400},
		{name: "GET /users with status=WHATEVER is 400", method: "GET", path: "/users?status=WHATEVER", key: read, want: 400},
		{name: "GET /users with a lower-case status is 400", method: "GET", path: "/users?status=confirmed", key: read, want: 400},
		{name: "GET /users with id=abc is 400", method: "GET", path: "/users?id=abc", key: read, want: 400},
		{name: "GET /users with id=0 is 400", method: "GET", path: "/users?id=0", key: read, want: 400},
		{name: "GET /users with ids=1,x is 400", method: "GET", path: "/users?ids=1,x", key: read, want: 400},
		{name: "GET /users with 501 ids is 400", method: "GET", path: "/users?ids=" + strings.Join(manyIDs, ","), key: read, want: 400},
		{name: "GET /users with a garbage cursor is 400", method: "GET", path: "/users?cursor=garbage!!", key: read, want: 400},
		{name: "GET /users with a well-formed but short cursor is 400", method: "GET", path: "/users?cursor=AAAA", key: read, want: 400},
		{name: "GET /users with a cursor of another query is 400", method: "GET", path: "/users?limit=1&contains=a&cursor=" + url.QueryEscape(cursor), key: read, want: 400},
		{name: "GET /users with malformed percent-encoding is 400", method: "GET", path: "/users?contains=%zz", key: read, want: 400, msg: "%zz"},
		{name: "GET /users with contains over 256 bytes is 400", method: "GET", path: "/users?contains=" + strings.Repeat("c", 257), key: read, want: 400},
		{name: "GET /users with email given twice is 400", method: "GET", path: "/users?email=ann@example.com&email=bob@example.com", key: read, want: 400},
		{name: "GET /users without a key is 401", method: "GET", path: "/users", want: 401},
		{name: "GET /users with a wrong key is 401", method: "GET", path: "/users", key: "rst_0000000000000000", want: 401},

		// POST /roles.
		{name: "POST /roles with a truncated body is 400", method: "POST", path: "/roles", key: admin, body: `{"name":"Trunc","permissions":["UserRead"`, want: 400},
		{name: "POST /roles with an array body is 400", method: "POST", path: "/roles", key: admin, body: `[]`, want: 400},
		{name: "POST /roles with a null body is 400", method: "POST", path: "/roles", key: admin, body: `null`, want: 400},
		{name: "POST /roles with an empty body is 400", method: "POST", path: "/roles", key: admin, body: ``, want: 400},
		{name: "POST /roles with two JSON values is 400", method: "POST", path: "/roles", key: admin, body: `{"name":"One","permissions":[]} {"name":"Two","permissions":[]}`, want: 400},
		{name: "POST /roles without a name is 400", method: "POST", path: "/roles", key: admin, body: map[string]any{"permissions": []string{"UserRead"}}, want: 400},
		{name: "POST /roles with an empty name is 400", method: "POST", path: "/roles", key: admin, body: badRole("", "UserRead"), want: 400},
		{name: "POST /roles with a whitespace-only name is 400", method: "POST", path: "/roles", key: admin, body: badRole(" \t ", "UserRead"), want: 400},
		{name: "POST /roles with a numeric name is 400", method: "POST", path: "/roles", key: admin, body: map[string]any{"name": 5, "permissions": []string{}}, want: 400},
		{name: "POST /roles with a 201-character name is 400", method: "POST", path: "/roles", key: admin, body: badRole(long201, "UserRead"), want: 400},
		{name: "POST /roles with a NUL in the name is 400", method: "POST", path: "/roles", key: admin, body: badRole("Null\x00Role", "UserRead"), want: 400},
		{name: "POST /roles with permissions as a string is 400", method: "POST", path: "/roles", key: admin, body: map[string]any{"name": "PermString", "permissions": "UserRead"}, want: 400},
		{name: "POST /roles with a numeric permission is 400", method: "POST", path: "/roles", key: admin, body: map[string]any{"name": "PermNumber", "permissions": []any{1}}, want: 400},
		{name: "POST /roles with an unknown permission is 400", method: "POST", path: "/roles", key: admin, body: badRole("Wizards", "UserRead", "CastSpells"), want: 400, msg: "CastSpells"},
		{name: "POST /roles with an empty permission is 400", method: "POST", path: "/roles", key: admin, body: badRole("Blanks", ""), want: 400},
		{name: "POST /roles with logTypeAccess and ALLOW_ALL is 400", method: "POST", path: "/roles", key: admin,
			body: map[string]any{"name": "AllowAllList", "permissions": []string{"UserRead"}, "logTypeAccessKind": "ALLOW_ALL", "logTypeAccess": []string{"AWS.CloudTrail"}}, want: 400, msg: "logTypeAccess"},
		{name: "POST /roles with logTypeAccess and DENY_ALL is 400", method: "POST", path: "/roles", key: admin,
			body: map[string]any{"name": "DenyAllList", "permissions": []string{"UserRead"}, "logTypeAccessKind": "DENY_ALL", "logTypeAccess": []string{"AWS.CloudTrail"}}, want: 400},
		{name: "POST /roles with logTypeAccess and logTypeAccessKind omitted (so ALLOW_ALL) is 400", method: "POST", path: "/roles", key: admin,
			body: map[string]any{"name": "ImplicitAllowAll", "permissions": []string{"UserRead"}, "logTypeAccess": []string{"AWS.CloudTrail"}}, want: 400, msg: "logTypeAccess"},
		{name: "POST /roles with an unknown logTypeAccessKind is 400", method: "POST", path: "/roles", key: admin,
			body: map[string]any{"name": "Sometimes", "permissions": []string{"UserRead"}, "logTypeAccessKind": "SOMETIMES"}, want: 400},
		{name: "POST /roles with a lower-case logTypeAccessKind is 400", method: "POST", path: "/roles", key: admin,
			body: map[string]any{"name": "Lower", "permissions": []string{"UserRead"}, "logTypeAccessKind": "allow", "logTypeAccess": []string{"AWS.CloudTrail"}}, want: 400},
		{name: "POST /roles with a numeric logTypeAccessKind is 400", method: "POST", path: "/roles", key: admin,
			body: map[string]any{"name": "NumKind", "permissions": []string{"UserRead"}, "logTypeAccessKind": 1}, want: 400},
		{name: "POST /roles with an empty log type under ALLOW is 400", method: "POST", path: "/roles", key: admin,
			body: map[string]any{"name": "EmptyLogType", "permissions": []string{"UserRead"}, "logTypeAccessKind": "ALLOW", "logTypeAccess": []string{""}}, want: 400},
		{name: "POST /roles with an existing custom name in another case is 400", method: "POST", path: "/roles", key: admin, body: badRole("AUDITORS", "UserRead"), want: 400, msg: "already exists"},
		{name: "POST /roles with a built-in name in another case is 400", method: "POST", path: "/roles", key: admin, body: badRole("admin", "UserRead"), want: 400},
		{name: "POST /roles with an existing name padded with spaces is 400", method: "POST", path: "/roles", key: admin, body: badRole("  Analyst  ", "UserRead"), want: 400},
		{name: "POST /roles with a body over 64 KiB is 413", method: "POST", path: "/roles", key: admin, body: bigRole, want: 413},
		{name: "POST /roles as text/plain is 415", method: "POST", path: "/roles", key: admin, body: roleBody, header: []string{"Content-Type", "text/plain"}, want: 415},
		{name: "POST /roles with a read-only key is 403", method: "POST", path: "/roles", key: read, body: roleBody, want: 403},
		{name: "POST /roles without a key is 401", method: "POST", path: "/roles", body: roleBody, want: 401},

		// POST /roles/{id}.
		{name: "POST /roles/{id} renaming built-in Analyst is 400", method: "POST", path: "/roles/" + analystRole, key: admin, body: badRole("Analysts", "UserRead"), want: 400, msg: "built-in"},
		{name: "POST /roles/{id} renaming built-in Admin to lower case is 400", method: "POST", path: "/roles/" + adminRole, key: admin, body: badRole("admin", "UserModify", "UserRead"), want: 400},
		{name: "POST /roles/{id} taking UserModify from Admin is 400", method: "POST", path: "/roles/" + adminRole, key: admin, body: badRole("Admin", "UserRead"), want: 400, msg: "built-in"},
		{name: "POST /roles/{id} giving Analyst UserModify is 400", method: "POST", path: "/roles/" + analystRole, key: admin, body: badRole("Analyst", "UserRead", "UserModify"), want: 400},
		{name: "POST /roles/{id} renaming a custom role to a built-in name in another case is 400", method: "POST", path: "/roles/" + auditors.ID, key: admin, body: badRole("ANALYST", "UserRead"), want: 400},
		{name: "POST /roles/{id} with an unknown permission is 400", method: "POST", path: "/roles/" + auditors.ID, key: admin, body: badRole("Auditors", "UserDelete"), want: 400},
		{name: "POST /roles/{id} with logTypeAccess and ALLOW_ALL is 400", method: "POST", path: "/roles/" + auditors.ID, key: admin,
			body: map[string]any{"name": "Auditors", "permissions": []string{"UserRead"}, "logTypeAccessKind": "ALLOW_ALL", "logTypeAccess": []string{"AWS.S3"}}, want: 400, msg: "logTypeAccess"},
		{name: "POST /roles/{id} with logTypeAccess and logTypeAccessKind omitted (so ALLOW_ALL) is 400", method: "POST", path: "/roles/" + auditors.ID, key: admin,
			body: map[string]any{"name": "Auditors", "permissions": []string{"UserRead"}, "logTypeAccess": []string{"AWS.S3"}}, want: 400, msg: "logTypeAccess"},
		{name: "POST /roles/{id} with an empty name is 400", method: "POST", path: "/roles/" + auditors.ID, key: admin, body: badRole("", "UserRead"), want: 400},
		{name: "POST /roles/{id} without a name is 400", method: "POST", path: "/roles/" + auditors.ID, key: admin, body: map[string]any{"permissions": []string{"UserRead"}}, want: 400},
		{name: "POST /roles/{id} with a truncated body is 400", method: "POST", path: "/roles/" + auditors.ID, key: admin, body: `{"name":`, want: 400},
		{name: "POST /roles/{id} with a body over 64 KiB is 413", method: "POST", path: "/roles/" + auditors.ID, key: admin, body: badRole(over64K, "UserRead"), want: 413},
		{name: "POST /roles/{id} as text/plain is 415", method: "POST", path: "/roles/" + auditors.ID, key: admin, body: badRole("Auditors", "UserRead"), header: []string{"Content-Type", "text/plain"}, want: 415},
		{name: "POST /roles/{id} with a read-only key is 403", method: "POST", path: "/roles/" + auditors.ID, key: read, body: badRole("Auditors", "UserRead"), want: 403},
		{name: "POST /roles/{id} for an unknown id is 404", method: "POST", path: "/roles/" + unknownID, key: admin, body: badRole("Ghosts", "UserRead"), want: 404},
		{name: "POST /roles/{id} for another partner's role is 404", method: "POST", path: "/roles/" + theirRole, key: admin, body: badRole("Mine", "UserRead"), want: 404},

		// GET /roles/{id}, DELETE /roles/{id}, GET /roles.
		{name: "GET /roles/{id} for an unknown id is 404", method: "GET", path: "/roles/" + unknownID, key: read, want: 404},
		{name: "GET /roles/{id} for another partner's role is 404", method: "GET", path: "/roles/" + theirRole, key: read, want: 404},
		{name: "DELETE /roles/{id} of built-in Admin is 400", method: "DELETE", path: "/roles/" + adminRole, key: admin, want: 400, msg: "built-in"},
		{name: "DELETE /roles/{id} of built-in Analyst is 400", method: "DELETE", path: "/roles/" + analystRole, key: admin, want: 400},
		{name: "DELETE /roles/{id} of a role in use is 400", method: "DELETE", path: "/roles/" + auditors.ID, key: admin, want: 400, msg: "in use"},
		{name: "DELETE /roles/{id} for an unknown id is 404", method: "DELETE", path: "/roles/" + unknownID, key: admin, want: 404},
		{name: "DELETE /roles/{id} for another partner's role is 404", method: "DELETE", path: "/roles/" + theirRole, key: admin, want: 404},
		{name: "DELETE /roles/{id} with a read-only key is 403", method: "DELETE", path: "/roles/" + auditors.ID, key: read, want: 403},
		{name: "DELETE /roles/{id} without a key is 401", method: "DELETE", path: "/roles/" + auditors.ID, want: 401},
		{name: "GET /roles with id=abc is 400", method: "GET", path: "/roles?id=abc", key: read, want: 400},
		{name: "GET /roles with ids=1,-2 is 400", method: "GET", path: "/roles?ids=1,-2", key: read, want: 400},
		{name: "GET /roles with sort-dir=sideways is 400", method: "GET", path: "/roles?sort-dir=sideways", key: read, want: 400},
		{name: "GET /roles with name given twice is 400", method: "GET", path: "/roles?name=Admin&name=Analyst", key: read, want: 400},
		{name: "GET /roles with malformed percent-encoding is 400", method: "GET", path: "/roles?name-contains=%zz", key: read, want: 400},

		// Partner 3: its only admin holds the custom role Managers.
		{name: "POST /roles/{id} taking UserModify from the only admin's custom role is 400", method: "POST", path: "/roles/" + managers, key: key3, body: badRole("Managers", "UserRead"), want: 400, msg: "without an active user"},
		{name: "POST /roles/{id} emptying the only admin's custom role is 400", method: "POST", path: "/roles/" + managers, key: key3, body: badRole("Managers"), want: 400},
		{name: "POST /users/{id} demoting partner 3's only admin to Analyst is 400", method: "POST", path: "/users/" + boss.ID, key: key3, body: newUser("boss@third.example", "Boss", "Third", "Analyst"), want: 400},
		{name: "DELETE /users/{id} of partner 3's only admin is 400", method: "DELETE", path: "/users/" + boss.ID, key: key3, want: 400},
		{name: "DELETE /roles/{id} of the only admin's custom role is 400", method: "DELETE", path: "/roles/" + managers, key: key3, want: 400},
		{name: "partner 3's key cannot read partner 1's user (404)", method: "GET", path: "/users/" + bob.ID, key: key3, want: 404},

		// Routes and methods.
		{name: "GET on an unknown route is 404", method: "GET", path: "/nope", key: read, want: 404},
		{name: "GET below a user is 404", method: "GET", path: "/users/" + ann.ID + "/extra", key: read, want: 404},
		{name: "PUT /users is 405", method: "PUT", path: "/users", key: admin, body: valid, want: 405},
		{name: "DELETE /users is 405", method: "DELETE", path: "/users", key: admin, want: 405},
		{name: "PATCH /users/{id} is 405", method: "PATCH", path: "/users/" + ann.ID, key: admin, body: valid, want: 405},
		{name: "OPTIONS /users is 405", method: "OPTIONS", path: "/users", key: admin, want: 405},
		{name: "GET /users/ with an empty id is 404", method: "GET", path: "/users/", key: read, want: 404},
		{name: "POST /users/ with an empty id is 404", method: "POST", path: "/users/", key: admin, body: valid, want: 404},
		{name: "PUT /roles/{id} is 405", method: "PUT", path: "/roles/" + auditors.ID, key: admin, body: roleBody, want: 405},
	}

	// Every malformed id, on every path that takes one.
	for _, bad := range badIDs {
		id := url.PathEscape(bad.id)
		cases = append(cases,
			badCase{name: "GET /users/{id} with " + bad.what + " is 400", method: "GET", path: "/users/" + id, key: read, want: 400},
			badCase{name: "POST /users/{id} with " + bad.what + " is 400", method: "POST", path: "/users/" + id, key: admin, body: valid, want: 400},
			badCase{name: "DELETE /users/{id} with " + bad.what + " is 400", method: "DELETE", path: "/users/" + id, key: admin, want: 400},
			badCase{name: "GET /roles/{id} with " + bad.what + " is 400", method: "GET", path: "/roles/" + id, key: read, want: 400},
			badCase{name: "POST /roles/{id} with " + bad.what + " is 400", method: "POST", path: "/roles/" + id, key: admin, body: roleBody, want: 400},
			badCase{name: "DELETE /roles/{id} with " + bad.what + " is 400", method: "DELETE", path: "/roles/" + id, key: admin, want: 400},
		)
	}

	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two cases are named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			ts := *s // the same server, reporting to this subtest
			ts.t = t
			before := ts.snapshot(st)
			r := ts.do(tc.method, tc.path, tc.key, tc.body, tc.header...)
			if r.status != tc.want {
				t.Errorf("%s %.120s answered %d, want %d; body %.300s", tc.method, tc.path, r.status, tc.want, r.body)
			}
			if after := ts.snapshot(st); after != before {
				t.Errorf("the store changed: %s", badFirstDiff(before, after))
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			msg := r.message(t)
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q does not mention %q", msg, tc.msg)
			}
			t.Logf("%d %s", r.status, msg)
		})
	}
	t.Logf("%d bad requests sent", len(cases))
}
