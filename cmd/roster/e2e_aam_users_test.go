package main

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// End-to-end tests of Audience Manager's user methods (/api/v1/users and
// /v1/users), over real HTTP with API keys. Sign-in, tokens, the self
// endpoints and lockout have their own tests.

func (u aamUser) String() string {
	str := func(p *string) string {
		if p == nil {
			return "null"
		}
		return strconv.Quote(*p)
	}
	return fmt.Sprintf("{pid:%d userId:%d username:%q status:%s firstName:%q lastName:%q email:%q title:%s phoneNumber:%s groups:%v isAdmin:%v}",
		u.PID, u.UserID, u.Username, u.Status, u.FirstName, u.LastName, u.Email, str(u.Title), str(u.PhoneNumber), u.Groups, u.IsAdmin)
}

// aamUserPage is the answer of a user list asked for with page.
type aamUserPage struct {
	Total    int       `json:"total"`
	Page     int       `json:"page"`
	PageSize int       `json:"pageSize"`
	List     []aamUser `json:"list"`
}

// aamUserPath is the path of one user.
func aamUserPath(id int64) string { return "/api/v1/users/" + strconv.FormatInt(id, 10) }

// aamPantherPath is the path of the same user in the Panther dialect.
func aamPantherPath(id int64) string { return "/users/" + strconv.FormatInt(id, 10) }

// aamNewUser is the smallest create body.
func aamNewUser(email, first, last string) map[string]any {
	return map[string]any{"email": email, "firstName": first, "lastName": last}
}

// aamWith is s reporting to t, for helpers called inside subtests.
func (s *testServer) aamWith(t *testing.T) *testServer {
	c := *s
	c.t = t
	return &c
}

// aamCreateUser creates a user with the partner 1 admin key and wants 201.
func (s *testServer) aamCreateUser(body map[string]any) aamUser {
	s.t.Helper()
	r := s.do("POST", "/api/v1/users/", s.adminKey, body)
	wantStatus(s.t, r, http.StatusCreated)
	var u aamUser
	r.json(s.t, &u)
	if u.UserID < 1 {
		s.t.Fatalf("created user has no userId: %s", r.body)
	}
	return u
}

// aamGetUser reads one user with key and wants 200.
func (s *testServer) aamGetUser(key string, id int64) aamUser {
	s.t.Helper()
	r := s.do("GET", aamUserPath(id), key, nil)
	wantStatus(s.t, r, http.StatusOK)
	var u aamUser
	r.json(s.t, &u)
	return u
}

// aamPutUser updates one user with the admin key and wants 200.
func (s *testServer) aamPutUser(id int64, body any) aamUser {
	s.t.Helper()
	r := s.do("PUT", aamUserPath(id), s.adminKey, body)
	wantStatus(s.t, r, http.StatusOK)
	var u aamUser
	r.json(s.t, &u)
	return u
}

// aamListUsers reads GET /api/v1/users/?query without page: a plain array.
func (s *testServer) aamListUsers(key, query string) []aamUser {
	s.t.Helper()
	r := s.do("GET", "/api/v1/users/?"+query, key, nil)
	wantStatus(s.t, r, http.StatusOK)
	if !strings.HasPrefix(strings.TrimSpace(string(r.body)), "[") {
		s.t.Fatalf("GET /api/v1/users/?%s is not a plain JSON array: %s", query, r.body)
	}
	var us []aamUser
	r.json(s.t, &us)
	return us
}

// aamPageUsers reads GET /api/v1/users/?query with page.
func (s *testServer) aamPageUsers(key, query string) aamUserPage {
	s.t.Helper()
	r := s.do("GET", "/api/v1/users/?"+query, key, nil)
	wantStatus(s.t, r, http.StatusOK)
	var p aamUserPage
	r.json(s.t, &p)
	if p.List == nil {
		s.t.Fatalf("GET /api/v1/users/?%s has no list: %s", query, r.body)
	}
	return p
}

// aamPantherUser reads the same user through the Panther dialect.
func (s *testServer) aamPantherUser(id int64) apiUser {
	s.t.Helper()
	r := s.do("GET", aamPantherPath(id), s.readKey, nil)
	wantStatus(s.t, r, http.StatusOK)
	var u apiUser
	r.json(s.t, &u)
	return u
}

func aamUserIDs(us []aamUser) []int64 {
	ids := make([]int64, len(us))
	for i, u := range us {
		ids[i] = u.UserID
	}
	return ids
}

func aamStr(s string) *string { return &s }

// aamWantError wants the status and a JSON message.
func aamWantError(t *testing.T, r response, status int) {
	t.Helper()
	wantStatus(t, r, status)
	r.message(t)
}

func TestAAMUsers_CreateAnswersTheAudienceManagerUserObject(t *testing.T) {
	s := startServer(t)

	r := s.do("POST", "/api/v1/users/", s.adminKey, aamNewUser("Ada.Lovelace@Example.com", "Ada", "Lovelace"))
	wantStatus(t, r, http.StatusCreated)
	var raw map[string]any
	r.json(t, &raw)
	id, ok := raw["userId"].(float64)
	if !ok || id < 1 || id != math.Trunc(id) {
		t.Errorf("userId = %#v, want a positive JSON integer", raw["userId"])
	}
	delete(raw, "userId")
	want := map[string]any{
		"pid": 1.0, "username": "Ada.Lovelace@Example.com", "status": "ACTIVE",
		"firstName": "Ada", "lastName": "Lovelace", "email": "Ada.Lovelace@Example.com",
		"title": nil, "phoneNumber": nil, "groups": []any{}, "isAdmin": false,
	}
	if !reflect.DeepEqual(raw, want) {
		t.Errorf("created user (without userId) =\n%v\nwant\n%v", raw, want)
	}

	// Every field of the seed's body is taken.
	full := s.aamCreateUser(map[string]any{
		"username": "countess", "status": "ACTIVE", "firstName": "Augusta", "lastName": "King",
		"email": "augusta@example.com", "title": "Countess", "phoneNumber": "+44 20 7946 0000",
		"groups": []int64{}, "isAdmin": true,
	})
	wantFull := aamUser{PID: 1, UserID: full.UserID, Username: "countess", Status: "ACTIVE", FirstName: "Augusta",
		LastName: "King", Email: "augusta@example.com", Title: aamStr("Countess"), PhoneNumber: aamStr("+44 20 7946 0000"),
		Groups: []int64{}, IsAdmin: true}
	if !reflect.DeepEqual(full, wantFull) {
		t.Errorf("created user =\n%v\nwant\n%v", full, wantFull)
	}
	if full.UserID == int64(id) {
		t.Errorf("two users share userId %d", full.UserID)
	}
	if got := s.aamGetUser(s.readKey, full.UserID); !reflect.DeepEqual(got, wantFull) {
		t.Errorf("GET after create =\n%v\nwant\n%v", got, wantFull)
	}
}

func TestAAMUsers_AreServedUnderBothPrefixesWithAndWithoutTrailingSlash(t *testing.T) {
	s := startServer(t)
	for _, prefix := range []string{"/api/v1", "/v1"} {
		for _, slash := range []string{"", "/"} {
			t.Run(prefix+"/users"+slash, func(t *testing.T) {
				s := s.aamWith(t)
				email := strings.ReplaceAll(strings.Trim(prefix, "/"), "/", ".") + fmt.Sprintf(".slash%d@example.com", len(slash))

				r := s.do("POST", prefix+"/users"+slash, s.adminKey, aamNewUser(email, "Pre", "Fix"))
				wantStatus(t, r, http.StatusCreated)
				var u aamUser
				r.json(t, &u)
				one := fmt.Sprintf("%s/users/%d%s", prefix, u.UserID, slash)

				r = s.do("GET", one, s.readKey, nil)
				wantStatus(t, r, http.StatusOK)
				var got aamUser
				r.json(t, &got)
				if !reflect.DeepEqual(got, u) {
					t.Errorf("GET %s = %v, want %v", one, got, u)
				}

				r = s.do("PUT", one, s.adminKey, map[string]any{"title": "Prefixed"})
				wantStatus(t, r, http.StatusOK)
				r.json(t, &got)
				if got.Title == nil || *got.Title != "Prefixed" {
					t.Errorf("PUT %s answered %v", one, got)
				}

				r = s.do("GET", prefix+"/users"+slash, s.readKey, nil)
				wantStatus(t, r, http.StatusOK)
				var list []aamUser
				r.json(t, &list)
				if !slices.Contains(aamUserIDs(list), u.UserID) {
					t.Errorf("GET %s/users%s lacks user %d: %v", prefix, slash, u.UserID, aamUserIDs(list))
				}

				r = s.do("DELETE", one, s.adminKey, nil)
				wantStatus(t, r, http.StatusNoContent)
				wantStatus(t, s.do("GET", aamUserPath(u.UserID), s.readKey, nil), http.StatusNotFound)

				v := s.aamCreateUser(aamNewUser("bulk."+email, "Bulk", "Gone"))
				wantStatus(t, s.do("POST", prefix+"/users/bulk-delete"+slash, s.adminKey, []int64{v.UserID}), http.StatusNoContent)
				wantStatus(t, s.do("GET", aamUserPath(v.UserID), s.readKey, nil), http.StatusNotFound)
			})
		}
	}
}

func TestAAMUsers_APasswordMakesTheUserConfirmedAndAnInvitationOtherwise(t *testing.T) {
	s := startServer(t)
	own := s.aamCreateUser(map[string]any{"email": "olga.w@example.com", "firstName": "Olga", "lastName": "Wnuk",
		"password": "Tr1cky-Passw0rd!"})
	invited := s.aamCreateUser(aamNewUser("ivo@example.com", "Ivo", "Vited"))

	msgs := s.smtp.WaitFor(t, 1, 5*time.Second)
	if !slices.Equal(msgs[0].To, []string{"ivo@example.com"}) {
		t.Errorf("first mail went to %v, want the invited user", msgs[0].To)
	}
	if pw := temporaryPassword(t, msgs[0].Text); pw == "" {
		t.Error("the invitation carries no temporary password")
	}
	time.Sleep(300 * time.Millisecond)
	if msgs := s.smtp.Messages(); len(msgs) != 1 {
		var to [][]string
		for _, m := range msgs {
			to = append(to, m.To)
		}
		t.Errorf("mails went to %v, want one, to the invited user only", to)
	}

	for _, tc := range []struct {
		u    aamUser
		want string
	}{{own, "CONFIRMED"}, {invited, "FORCE_CHANGE_PASSWORD"}} {
		if p := s.aamPantherUser(tc.u.UserID); p.Status != tc.want {
			t.Errorf("%s: Panther status %q, want %q", tc.u.Email, p.Status, tc.want)
		}
		if tc.u.Status != "ACTIVE" {
			t.Errorf("%s: AAM status %q, want ACTIVE", tc.u.Email, tc.u.Status)
		}
	}

	// The password is stored as an argon2id hash, never as given.
	st := s.store()
	stored, err := st.User(t.Context(), 1, own.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored.PasswordHash, "$argon2id$") || strings.Contains(stored.PasswordHash, "Tr1cky") {
		t.Errorf("password stored as %q, want an argon2id hash", stored.PasswordHash)
	}
}

func TestAAMUsers_APasswordBreakingThePolicyIsRefusedAndNothingIsCreated(t *testing.T) {
	s := startServer(t)
	st := s.store()
	before := s.snapshot(st)
	for _, tc := range []struct{ name, password string }{
		{"empty", ""},
		{"too short", "Sh0rt!pw"},
		{"too long", strings.Repeat("Aa1!", 11)},
		{"no digit", "No-Digits-Here!x"},
		{"no upper-case letter", "all-lower-case-1!"},
		{"no lower-case letter", "ALL-UPPER-CASE-1!"},
		{"no special character", "NoSpecial12345x"},
		{"containing the family name", "xHOPPER-2024!ab"},
		{"containing the given name", "Grace#Note2024"},
		{"containing the username", "Qwertyuser#2024"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := s.aamWith(t)
			r := s.do("POST", "/api/v1/users/", s.adminKey, map[string]any{
				"email": "grace.hopper@example.com", "firstName": "Grace", "lastName": "Hopper",
				"username": "qwertyuser", "password": tc.password,
			})
			aamWantError(t, r, http.StatusBadRequest)
			if after := s.snapshot(st); after != before {
				t.Errorf("a refused create changed the store:\n%s", badFirstDiff(before, after))
			}
		})
	}
	// The same user with a good password is accepted: the refusals above
	// were the password's.
	s.aamCreateUser(map[string]any{"email": "grace.hopper@example.com", "firstName": "Grace", "lastName": "Hopper",
		"username": "qwertyuser", "password": "Cobol&Compilers1959"})
	time.Sleep(200 * time.Millisecond)
	if n := len(s.smtp.Messages()); n != 0 {
		t.Errorf("%d mails sent, want none", n)
	}
}

func TestAAMUsers_UpdateChangesTheFieldsSentAndKeepsTheRest(t *testing.T) {
	s := startServer(t)
	u := s.aamCreateUser(map[string]any{"email": "kim@example.com", "firstName": "Kim", "lastName": "Lee",
		"username": "kimlee", "title": "Engineer", "phoneNumber": "+1 555 0100"})
	want := u
	for _, step := range []struct {
		name   string
		body   map[string]any
		change func(*aamUser)
	}{
		{"firstName alone", map[string]any{"firstName": "Kimberly"}, func(w *aamUser) { w.FirstName = "Kimberly" }},
		{"lastName and email", map[string]any{"lastName": "Park", "email": "Kim.Park@example.com"},
			func(w *aamUser) { w.LastName, w.Email = "Park", "Kim.Park@example.com" }},
		{"username", map[string]any{"username": "kpark"}, func(w *aamUser) { w.Username = "kpark" }},
		{"title null clears the title alone", map[string]any{"title": nil}, func(w *aamUser) { w.Title = nil }},
		{"phoneNumber null clears the phone number", map[string]any{"phoneNumber": nil}, func(w *aamUser) { w.PhoneNumber = nil }},
		{"title set again", map[string]any{"title": "Lead"}, func(w *aamUser) { w.Title = aamStr("Lead") }},
		{"an empty object changes nothing", map[string]any{}, func(*aamUser) {}},
	} {
		got := s.aamPutUser(u.UserID, step.body)
		step.change(&want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: PUT answered\n%v\nwant\n%v", step.name, got, want)
		}
		if got := s.aamGetUser(s.readKey, u.UserID); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: GET after PUT =\n%v\nwant\n%v", step.name, got, want)
		}
	}

	// A client may PUT back the very object it read.
	r := s.do("GET", aamUserPath(u.UserID), s.readKey, nil)
	wantStatus(t, r, http.StatusOK)
	if got := s.aamPutUser(u.UserID, r.body); !reflect.DeepEqual(got, want) {
		t.Errorf("PUT of the object read =\n%v\nwant it unchanged:\n%v", got, want)
	}

	// Refused updates change nothing.
	st := s.store()
	before := s.snapshot(st)
	for _, body := range []map[string]any{
		{"status": "DELETED"}, {"email": "not an e-mail"}, {"firstName": ""}, {"username": "has space"},
		{"password": "Tr1cky-Passw0rd!"},
	} {
		aamWantError(t, s.do("PUT", aamUserPath(u.UserID), s.adminKey, body), http.StatusBadRequest)
	}
	if after := s.snapshot(st); after != before {
		t.Errorf("refused updates changed the store:\n%s", badFirstDiff(before, after))
	}
}

func TestAAMUsers_AUsernameThatWasTheEmailFollowsTheEmail(t *testing.T) {
	s := startServer(t)
	u := s.aamCreateUser(aamNewUser("first@example.com", "Fol", "Lows"))
	if got := s.aamPutUser(u.UserID, map[string]any{"email": "second@example.com"}); got.Username != "second@example.com" {
		t.Errorf("after an AAM e-mail change the username is %q, want the new e-mail", got.Username)
	}
	r := s.do("POST", aamPantherPath(u.UserID), s.adminKey, newUser("third@example.com", "Fol", "Lows", "Analyst"))
	wantStatus(t, r, http.StatusOK)
	if got := s.aamGetUser(s.readKey, u.UserID); got.Username != "third@example.com" {
		t.Errorf("after a Panther e-mail change the username is %q, want the new e-mail", got.Username)
	}
	// The old addresses are free again, as e-mail and as username.
	for _, email := range []string{"first@example.com", "second@example.com"} {
		s.aamCreateUser(aamNewUser(email, "New", "Comer"))
	}
	// A username that was not the e-mail stays.
	v := s.aamCreateUser(map[string]any{"email": "own@example.com", "firstName": "Own", "lastName": "Name", "username": "ownname"})
	if got := s.aamPutUser(v.UserID, map[string]any{"email": "moved@example.com"}); got.Username != "ownname" {
		t.Errorf("a chosen username became %q after an e-mail change", got.Username)
	}
	// Both changed at once: the username given wins.
	if got := s.aamPutUser(u.UserID, map[string]any{"email": "fourth@example.com", "username": "fourth"}); got.Username != "fourth" || got.Email != "fourth@example.com" {
		t.Errorf("e-mail and username changed together: %v", got)
	}
}

func TestAAMUsers_StatusINACTIVEHidesTheUserFromPanthersDefaultList(t *testing.T) {
	s := startServer(t)
	u := s.aamCreateUser(aamNewUser("ina@example.com", "Ina", "Active"))
	other := s.aamCreateUser(aamNewUser("stays@example.com", "Stays", "Listed"))
	id := strconv.FormatInt(u.UserID, 10)
	listed := func(query string) bool {
		return slices.Contains(emails(s.listAll(query, 60)), u.Email)
	}

	if got := s.aamPutUser(u.UserID, map[string]any{"status": "INACTIVE"}); got.Status != "INACTIVE" {
		t.Errorf("PUT status INACTIVE answered status %q", got.Status)
	}
	if listed("") {
		t.Errorf("Panther's default list shows deactivated user %s", id)
	}
	if !listed("include-deactivated=true") {
		t.Errorf("Panther's list with include-deactivated lacks user %s", id)
	}
	if p := s.aamPantherUser(u.UserID); p.Enabled {
		t.Errorf("Panther shows the INACTIVE user enabled: %+v", p)
	}
	if got := s.aamGetUser(s.readKey, u.UserID); got.Status != "INACTIVE" {
		t.Errorf("AAM GET status %q, want INACTIVE", got.Status)
	}
	if !slices.Contains(aamUserIDs(s.aamListUsers(s.readKey, "")), u.UserID) {
		t.Error("AAM's list leaves out the INACTIVE user; it shows every user with its status")
	}

	if got := s.aamPutUser(u.UserID, map[string]any{"status": "ACTIVE"}); got.Status != "ACTIVE" {
		t.Errorf("PUT status ACTIVE answered status %q", got.Status)
	}
	if !listed("") {
		t.Errorf("Panther's default list lacks reactivated user %s", id)
	}
	if p := s.aamPantherUser(u.UserID); !p.Enabled {
		t.Errorf("Panther shows the reactivated user disabled: %+v", p)
	}
	if !slices.Contains(emails(s.listAll("", 60)), other.Email) {
		t.Error("the other user left Panther's list")
	}
}

func TestAAMUsers_IsAdminMapsToPanthersRoles(t *testing.T) {
	s := startServer(t)
	chief := s.aamCreateUser(map[string]any{"email": "chief@example.com", "firstName": "Chief", "lastName": "One", "isAdmin": true})
	u := s.aamCreateUser(aamNewUser("ana@example.com", "Ana", "Lyst"))
	role := func(id int64) string { return s.aamPantherUser(id).Role.Name }

	if !chief.IsAdmin || role(chief.UserID) != "Admin" {
		t.Errorf("isAdmin true on create: isAdmin %v, Panther role %q; want true, Admin", chief.IsAdmin, role(chief.UserID))
	}
	if u.IsAdmin || role(u.UserID) != "Analyst" {
		t.Errorf("isAdmin left out on create: isAdmin %v, Panther role %q; want false, Analyst", u.IsAdmin, role(u.UserID))
	}
	if v := s.aamCreateUser(map[string]any{"email": "no@example.com", "firstName": "No", "lastName": "Admin", "isAdmin": false}); v.IsAdmin || role(v.UserID) != "Analyst" {
		t.Errorf("isAdmin false on create: isAdmin %v, Panther role %q; want false, Analyst", v.IsAdmin, role(v.UserID))
	}
	if got := s.aamPutUser(u.UserID, map[string]any{"isAdmin": true}); !got.IsAdmin || role(u.UserID) != "Admin" {
		t.Errorf("PUT isAdmin true: isAdmin %v, Panther role %q; want true, Admin", got.IsAdmin, role(u.UserID))
	}
	if got := s.aamPutUser(u.UserID, map[string]any{"isAdmin": false}); got.IsAdmin || role(u.UserID) != "Analyst" {
		t.Errorf("PUT isAdmin false on an admin: isAdmin %v, Panther role %q; want false, Analyst", got.IsAdmin, role(u.UserID))
	}

	// isAdmin false on a user who is no admin keeps their role; on a
	// custom role that grants UserModify, isAdmin true keeps it too.
	ro := s.createUser("ro@example.com", "Read", "Only", "AnalystReadOnly")
	roID, _ := strconv.ParseInt(ro.ID, 10, 64)
	if got := s.aamPutUser(roID, map[string]any{"isAdmin": false}); got.IsAdmin || role(roID) != "AnalystReadOnly" {
		t.Errorf("PUT isAdmin false on AnalystReadOnly: isAdmin %v, role %q; want false, AnalystReadOnly", got.IsAdmin, role(roID))
	}
	r := s.do("POST", "/roles", s.adminKey, map[string]any{"name": "Manager", "permissions": []string{"UserModify"}})
	wantStatus(t, r, http.StatusOK)
	mgr := s.createUser("mgr@example.com", "Man", "Ager", "Manager")
	mgrID, _ := strconv.ParseInt(mgr.ID, 10, 64)
	if got := s.aamGetUser(s.readKey, mgrID); !got.IsAdmin {
		t.Error("a user whose custom role grants UserModify shows isAdmin false")
	}
	if got := s.aamPutUser(mgrID, map[string]any{"isAdmin": true}); !got.IsAdmin || role(mgrID) != "Manager" {
		t.Errorf("PUT isAdmin true on Manager: isAdmin %v, role %q; want true, Manager", got.IsAdmin, role(mgrID))
	}
	if got := s.aamPutUser(mgrID, map[string]any{"isAdmin": false}); got.IsAdmin || role(mgrID) != "Analyst" {
		t.Errorf("PUT isAdmin false on Manager: isAdmin %v, role %q; want false, Analyst", got.IsAdmin, role(mgrID))
	}
}

func TestAAMUsers_GroupsInAnUpdateReplaceTheMemberships(t *testing.T) {
	s := startServer(t)
	g1 := s.aamCreateGroup(map[string]any{"name": "One"})
	g2 := s.aamCreateGroup(map[string]any{"name": "Two"})
	g3 := s.aamCreateGroup(map[string]any{"name": "Three"})
	u := s.aamCreateUser(map[string]any{"email": "member@example.com", "firstName": "Mem", "lastName": "Ber",
		"groups": []int64{g2.GroupID, g1.GroupID}})
	if want := []int64{g1.GroupID, g2.GroupID}; !slices.Equal(u.Groups, want) {
		t.Errorf("created with groups %v", u.Groups)
	}
	for _, step := range []struct {
		name string
		set  []int64
	}{
		{"another set", []int64{g3.GroupID}},
		{"an overlapping set", []int64{g1.GroupID, g3.GroupID}},
		{"no groups", []int64{}},
	} {
		got := s.aamPutUser(u.UserID, map[string]any{"groups": step.set})
		if !slices.Equal(got.Groups, step.set) {
			t.Errorf("%s: PUT answered groups %v, want %v", step.name, got.Groups, step.set)
		}
		for _, g := range []aamGroup{g1, g2, g3} {
			member := slices.Contains(s.aamGetGroup(s.readKey, g.GroupID).Users, u.UserID)
			if member != slices.Contains(step.set, g.GroupID) {
				t.Errorf("%s: group %s lists the user: %v", step.name, g.Name, member)
			}
		}
	}
	// Groups left out of a PUT stay.
	s.aamPutUser(u.UserID, map[string]any{"groups": []int64{g2.GroupID}})
	if got := s.aamPutUser(u.UserID, map[string]any{"title": "Kept"}); !slices.Equal(got.Groups, []int64{g2.GroupID}) {
		t.Errorf("a PUT without groups changed them to %v", got.Groups)
	}
}

func TestAAMUsers_GetAndDeleteOneUser(t *testing.T) {
	s := startServer(t)
	u := s.aamCreateUser(aamNewUser("once@example.com", "Once", "Here"))
	if got := s.aamGetUser(s.readKey, u.UserID); !reflect.DeepEqual(got, u) {
		t.Errorf("GET = %v, want %v", got, u)
	}
	aamWantError(t, s.do("GET", aamUserPath(u.UserID+1000), s.readKey, nil), http.StatusNotFound)
	for _, bad := range []string{"abc", "0", "-1", "1.5", "01", "9007199254740992"} {
		aamWantError(t, s.do("GET", "/api/v1/users/"+bad, s.readKey, nil), http.StatusBadRequest)
		aamWantError(t, s.do("PUT", "/api/v1/users/"+bad, s.adminKey, map[string]any{"title": "x"}), http.StatusBadRequest)
		aamWantError(t, s.do("DELETE", "/api/v1/users/"+bad, s.adminKey, nil), http.StatusBadRequest)
	}
	aamWantError(t, s.do("PUT", aamUserPath(u.UserID+1000), s.adminKey, map[string]any{"title": "x"}), http.StatusNotFound)

	r := s.do("DELETE", aamUserPath(u.UserID), s.adminKey, nil)
	wantStatus(t, r, http.StatusNoContent)
	if len(r.body) != 0 {
		t.Errorf("204 with a body: %s", r.body)
	}
	aamWantError(t, s.do("GET", aamUserPath(u.UserID), s.readKey, nil), http.StatusNotFound)
	aamWantError(t, s.do("DELETE", aamUserPath(u.UserID), s.adminKey, nil), http.StatusNotFound)
	wantStatus(t, s.do("GET", aamPantherPath(u.UserID), s.readKey, nil), http.StatusNotFound)
	// Ids are never reused.
	if v := s.aamCreateUser(aamNewUser("once@example.com", "Once", "Again")); v.UserID == u.UserID {
		t.Errorf("deleted user's id %d was handed out again", u.UserID)
	}
}

func TestAAMUsers_BulkDeleteTakesAnArrayOrAnIDsObject(t *testing.T) {
	s := startServer(t)
	keep := s.aamCreateUser(aamNewUser("keep@example.com", "Keep", "Me"))
	for i, tc := range []struct {
		name string
		body func(ids []int64) any
	}{
		{"a JSON array", func(ids []int64) any { return ids }},
		{`{"ids": […]}`, func(ids []int64) any { return map[string]any{"ids": ids} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := s.aamWith(t)
			var ids []int64
			for j := range 3 {
				ids = append(ids, s.aamCreateUser(aamNewUser(fmt.Sprintf("bulk%d.%d@example.com", i, j), "Bulk", "User")).UserID)
			}
			r := s.do("POST", "/api/v1/users/bulk-delete", s.adminKey, tc.body(ids))
			wantStatus(t, r, http.StatusNoContent)
			for _, id := range ids {
				aamWantError(t, s.do("GET", aamUserPath(id), s.readKey, nil), http.StatusNotFound)
			}
		})
	}
	twice := s.aamCreateUser(aamNewUser("twice@example.com", "Twice", "Named")).UserID
	wantStatus(t, s.do("POST", "/api/v1/users/bulk-delete", s.adminKey, []int64{twice, twice}), http.StatusNoContent)
	if got := aamUserIDs(s.aamListUsers(s.readKey, "")); !slices.Equal(got, []int64{keep.UserID}) {
		t.Errorf("after the bulk deletes the users are %v, want only %d", got, keep.UserID)
	}
}

func TestAAMUsers_BulkDeleteIsAllOrNothing(t *testing.T) {
	s := startServer(t)
	boss := s.aamCreateUser(map[string]any{"email": "boss@example.com", "firstName": "Big", "lastName": "Boss", "isAdmin": true})
	a := s.aamCreateUser(aamNewUser("a@example.com", "A", "User"))
	b := s.aamCreateUser(aamNewUser("b@example.com", "B", "User"))
	st := s.store()
	before := s.snapshot(st)
	for _, tc := range []struct {
		name string
		body any
		want int
	}{
		{"one unknown id", []int64{a.UserID, b.UserID + 1000, b.UserID}, http.StatusNotFound},
		{"one unknown id, as an object", map[string]any{"ids": []int64{a.UserID, b.UserID + 1000}}, http.StatusNotFound},
		{"the last admin among them", []int64{a.UserID, boss.UserID, b.UserID}, http.StatusConflict},
		{"no ids", []int64{}, http.StatusBadRequest},
		{"an id that is no id", []any{a.UserID, "b"}, http.StatusBadRequest},
		{"ids that are not a list", map[string]any{"ids": a.UserID}, http.StatusBadRequest},
		{"a zero id", []int64{a.UserID, 0}, http.StatusBadRequest},
	} {
		aamWantError(t, s.do("POST", "/api/v1/users/bulk-delete", s.adminKey, tc.body), tc.want)
		if after := s.snapshot(st); after != before {
			t.Fatalf("%s: a refused bulk delete changed the store:\n%s", tc.name, badFirstDiff(before, after))
		}
	}
	wantStatus(t, s.do("POST", "/api/v1/users/bulk-delete", s.readKey, []int64{a.UserID}), http.StatusForbidden)
	if after := s.snapshot(st); after != before {
		t.Fatalf("a read key's bulk delete changed the store:\n%s", badFirstDiff(before, after))
	}
}

// aamWords are 25 names in mixed case: sorting them case-insensitively
// differs from sorting their bytes.
var aamWords = []string{"alpha", "Bravo", "charlie", "Delta", "echo", "Foxtrot", "golf", "Hotel", "india",
	"Juliett", "kilo", "Lima", "mike", "November", "oscar", "Papa", "quebec", "Romeo", "sierra", "Tango",
	"uniform", "Victor", "whiskey", "Xray", "yankee"}

// aamSeed25 creates 25 users whose first names, last names, e-mails and
// usernames each sort in a different order, with all three statuses.
func (s *testServer) aamSeed25() []aamUser {
	s.t.Helper()
	statuses := []string{"ACTIVE", "INACTIVE", "ACTIVE", "LOCKED", "ACTIVE"}
	var us []aamUser
	for i := range 25 {
		us = append(us, s.aamCreateUser(map[string]any{
			"firstName": aamWords[i*7%25],
			"lastName":  aamWords[i*11%25],
			"email":     aamWords[i*3%25] + "@example.com",
			"username":  "u" + aamWords[i*13%25],
			"status":    statuses[i%5],
		}))
	}
	return us
}

func TestAAMUsers_ListWithoutPageIsAPlainArrayOfEveryMatchInIDOrder(t *testing.T) {
	s := startServer(t)
	us := s.aamSeed25()
	got := s.aamListUsers(s.readKey, "")
	if !reflect.DeepEqual(got, us) {
		t.Errorf("list = %v\nwant every user as created, in id order: %v", aamUserIDs(got), aamUserIDs(us))
	}
	// pageSize alone does not page: only page does.
	if got := s.aamListUsers(s.readKey, "pageSize=3"); len(got) != 25 {
		t.Errorf("pageSize without page answered %d users, want all 25", len(got))
	}
	// No match is an empty array, not null.
	r := s.do("GET", "/api/v1/users/?search=nobody-at-all", s.readKey, nil)
	wantStatus(t, r, http.StatusOK)
	if strings.TrimSpace(string(r.body)) != "[]" {
		t.Errorf("no match answered %s, want []", r.body)
	}
}

func TestAAMUsers_ListWithPageAnswersTotalPageAndList(t *testing.T) {
	s := startServer(t)
	ids := aamUserIDs(s.aamSeed25())

	r := s.do("GET", "/api/v1/users/?page=0&pageSize=10", s.readKey, nil)
	wantStatus(t, r, http.StatusOK)
	var raw map[string]any
	r.json(t, &raw)
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range raw {
			if !yield(k) {
				return
			}
		}
	})
	if !slices.Equal(keys, []string{"list", "page", "pageSize", "total"}) {
		t.Errorf("page object has fields %v, want list, page, pageSize, total", keys)
	}

	for _, tc := range []struct {
		query                 string
		page, pageSize, first int
		n                     int
	}{
		{"page=0&pageSize=10", 0, 10, 0, 10},
		{"page=1&pageSize=10", 1, 10, 10, 10},
		{"page=2&pageSize=10", 2, 10, 20, 5},
		{"page=3&pageSize=10", 3, 10, 30, 0},
		{"page=1", 1, 10, 10, 10},
		{"page=0&pageSize=1000", 0, 1000, 0, 25},
		{"page=4&pageSize=6", 4, 6, 24, 1},
	} {
		p := s.aamPageUsers(s.readKey, tc.query)
		if p.Total != 25 || p.Page != tc.page || p.PageSize != tc.pageSize {
			t.Errorf("%s: total %d page %d pageSize %d, want 25 %d %d", tc.query, p.Total, p.Page, p.PageSize, tc.page, tc.pageSize)
		}
		want := ids[min(tc.first, 25):min(tc.first+tc.n, 25)]
		if got := aamUserIDs(p.List); !slices.Equal(got, want) {
			t.Errorf("%s: list %v, want %v", tc.query, got, want)
		}
	}
	// total counts the matches, not the partner.
	if p := s.aamPageUsers(s.readKey, "page=0&pageSize=2&search=%40example.com&sortBy=userId&descending=true"); p.Total != 25 ||
		!slices.Equal(aamUserIDs(p.List), []int64{ids[24], ids[23]}) {
		t.Errorf("descending first page: total %d list %v", p.Total, aamUserIDs(p.List))
	}
	if p := s.aamPageUsers(s.readKey, "page=0&pageSize=2&search=bravo"); p.Total != 4 || len(p.List) != 2 {
		t.Errorf("search bravo: total %d, %d items; want 4 (a first name, a last name, an e-mail and a username hold it), 2", p.Total, len(p.List))
	}
}

func TestAAMUsers_ListSortsByEveryDocumentedProperty(t *testing.T) {
	s := startServer(t)
	us := s.aamSeed25()
	for _, tc := range []struct {
		sortBy string
		key    func(aamUser) string
	}{
		{"userId", func(aamUser) string { return "" }},
		{"firstName", func(u aamUser) string { return u.FirstName }},
		{"lastName", func(u aamUser) string { return u.LastName }},
		{"email", func(u aamUser) string { return u.Email }},
		{"username", func(u aamUser) string { return u.Username }},
		{"status", func(u aamUser) string { return u.Status }},
	} {
		for _, desc := range []bool{false, true} {
			want := slices.Clone(us)
			slices.SortStableFunc(want, func(a, b aamUser) int {
				c := strings.Compare(strings.ToLower(tc.key(a)), strings.ToLower(tc.key(b)))
				if c == 0 {
					c = int(a.UserID - b.UserID)
				}
				if desc {
					return -c
				}
				return c
			})
			query := fmt.Sprintf("sortBy=%s&descending=%v", tc.sortBy, desc)
			if got := s.aamListUsers(s.readKey, query); !slices.Equal(aamUserIDs(got), aamUserIDs(want)) {
				t.Errorf("%s: order %v\nwant %v", query, aamUserIDs(got), aamUserIDs(want))
			}
			p := s.aamPageUsers(s.readKey, query+"&page=1&pageSize=7")
			if !slices.Equal(aamUserIDs(p.List), aamUserIDs(want[7:14])) {
				t.Errorf("%s, second page of 7: %v\nwant %v", query, aamUserIDs(p.List), aamUserIDs(want[7:14]))
			}
		}
	}
	// descending alone sorts by userId.
	got := aamUserIDs(s.aamListUsers(s.readKey, "descending=true"))
	want := slices.Clone(aamUserIDs(us))
	slices.Reverse(want)
	if !slices.Equal(got, want) {
		t.Errorf("descending=true: %v, want %v", got, want)
	}
}

func TestAAMUsers_ListSearchIsACaseInsensitiveSubstringOfUsernameNamesAndEmail(t *testing.T) {
	s := startServer(t)
	first := s.aamCreateUser(map[string]any{"firstName": "Marta", "lastName": "Kowalska", "email": "mk@alpha.example", "username": "mkow"})
	last := s.aamCreateUser(map[string]any{"firstName": "Jan", "lastName": "Martinez", "email": "jm@beta.example", "username": "jan"})
	mail := s.aamCreateUser(map[string]any{"firstName": "Ola", "lastName": "Nowak", "email": "Ola@MARTech.example", "username": "olan"})
	login := s.aamCreateUser(map[string]any{"firstName": "Piotr", "lastName": "Zielinski", "email": "pz@gamma.example", "username": "SMARTpiotr"})
	s.aamCreateUser(map[string]any{"firstName": "Ewa", "lastName": "Lis", "email": "ewa@delta.example", "username": "ewa"})
	accent := s.aamCreateUser(map[string]any{"firstName": "Élodie", "lastName": "Ørsted", "email": "eo@epsilon.example", "username": "eo"})

	for _, tc := range []struct {
		query string
		want  []aamUser
	}{
		{"search=mArT", []aamUser{first, last, mail, login}},
		{"search=NOWAK", []aamUser{mail}},
		{"search=%C3%98RSTED", []aamUser{accent}}, // ØRSTED
		{"search=%C3%A9LO", []aamUser{accent}},    // éLO
		{"search=smartp", []aamUser{login}},
		{"search=%40BETA.", []aamUser{last}},
		{"search=mart&sortBy=lastName&descending=true", []aamUser{login, mail, last, first}},
		{"search=zzz", nil},
		{"search=", nil}, // empty means not given: everyone
	} {
		want := aamUserIDs(tc.want)
		if tc.query == "search=" {
			want = aamUserIDs(s.aamListUsers(s.readKey, ""))
		}
		if got := aamUserIDs(s.aamListUsers(s.readKey, tc.query)); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", tc.query, got, want)
		}
	}
	if p := s.aamPageUsers(s.readKey, "search=MART&page=0&pageSize=2"); p.Total != 4 || len(p.List) != 2 {
		t.Errorf("paged search: total %d, %d items; want 4, 2", p.Total, len(p.List))
	}
}

func TestAAMUsers_ListByRepeatedGroupIDIsUsersInAnyOfTheGroups(t *testing.T) {
	s := startServer(t)
	g1 := s.aamCreateGroup(map[string]any{"name": "G1"})
	g2 := s.aamCreateGroup(map[string]any{"name": "G2"})
	g3 := s.aamCreateGroup(map[string]any{"name": "G3"})
	in := func(email string, groups ...aamGroup) aamUser {
		ids := []int64{}
		for _, g := range groups {
			ids = append(ids, g.GroupID)
		}
		return s.aamCreateUser(map[string]any{"email": email, "firstName": "In", "lastName": "Groups", "groups": ids})
	}
	u1 := in("one@example.com", g1)
	u2 := in("two@example.com", g2)
	both := in("both@example.com", g1, g2)
	u3 := in("three@example.com", g3)
	in("none@example.com")

	q1, q2, q3 := fmt.Sprint("groupId=", g1.GroupID), fmt.Sprint("groupId=", g2.GroupID), fmt.Sprint("groupId=", g3.GroupID)
	for _, tc := range []struct {
		query string
		want  []aamUser
	}{
		{q1, []aamUser{u1, both}},
		{q1 + "&" + q2, []aamUser{u1, u2, both}},
		{q2 + "&" + q1 + "&" + q1, []aamUser{u1, u2, both}},
		{q3, []aamUser{u3}},
		{q1 + "&" + q3 + "&sortBy=email", []aamUser{both, u1, u3}},
		{q1 + "&" + q2 + "&search=TWO", []aamUser{u2}},
	} {
		if got := aamUserIDs(s.aamListUsers(s.readKey, tc.query)); !slices.Equal(got, aamUserIDs(tc.want)) {
			t.Errorf("%s: %v, want %v", tc.query, got, aamUserIDs(tc.want))
		}
	}
	p := s.aamPageUsers(s.readKey, q1+"&"+q2+"&page=0&pageSize=2")
	if p.Total != 3 || !slices.Equal(aamUserIDs(p.List), []int64{u1.UserID, u2.UserID}) {
		t.Errorf("paged by group: total %d list %v; want 3 [%d %d]", p.Total, aamUserIDs(p.List), u1.UserID, u2.UserID)
	}
}

func TestAAMUsers_ListRefusesBadOptions(t *testing.T) {
	s := startServer(t)
	s.aamCreateUser(aamNewUser("only@example.com", "Only", "One"))
	for _, q := range []string{
		"page=-1", "page=x", "page=0&page=1", "page=1.5",
		"page=0&pageSize=0", "pageSize=0", "pageSize=1001", "pageSize=-5", "pageSize=ten",
		"sortBy=nope", "sortBy=password",
		"descending=maybe", "groupId=x", "groupId=0", "groupId=-3",
	} {
		aamWantError(t, s.do("GET", "/api/v1/users/?"+q, s.readKey, nil), http.StatusBadRequest)
	}
	// The limits themselves are fine.
	for _, q := range []string{"page=0&pageSize=1", "page=0&pageSize=1000", "descending=false&sortBy=userId"} {
		wantStatus(t, s.do("GET", "/api/v1/users/?"+q, s.readKey, nil), http.StatusOK)
	}
}

func TestAAMUsers_TakenUsernamesAndEmailsConflict(t *testing.T) {
	s := startServer(t)
	ada := s.aamCreateUser(map[string]any{"email": "ada@example.com", "firstName": "Ada", "lastName": "L", "username": "ada"})
	bob := s.aamCreateUser(map[string]any{"email": "bob@example.com", "firstName": "Bob", "lastName": "B", "username": "carol@example.com"})
	st := s.store()
	before := s.snapshot(st)
	for _, tc := range []struct {
		name, method, path string
		body               map[string]any
	}{
		{"create with a taken username in another case", "POST", "/api/v1/users/",
			map[string]any{"email": "new1@example.com", "firstName": "N", "lastName": "U", "username": "ADA"}},
		{"create with a taken e-mail in another case", "POST", "/api/v1/users/", aamNewUser("Ada@Example.COM", "N", "U")},
		{"create whose username, defaulted to the e-mail, is taken", "POST", "/api/v1/users/", aamNewUser("Carol@example.com", "C", "U")},
		{"update to a taken username in another case", "PUT", aamUserPath(bob.UserID), map[string]any{"username": "Ada"}},
		{"update to a taken e-mail in another case", "PUT", aamUserPath(bob.UserID), map[string]any{"email": "ADA@example.com"}},
	} {
		aamWantError(t, s.do(tc.method, tc.path, s.adminKey, tc.body), http.StatusConflict)
		if after := s.snapshot(st); after != before {
			t.Fatalf("%s: the refused request changed the store:\n%s", tc.name, badFirstDiff(before, after))
		}
	}
	// Panther's dialect refuses a taken e-mail with 400.
	aamWantError(t, s.do("POST", "/users", s.adminKey, newUser("ADA@example.com", "P", "T", "Analyst")), http.StatusBadRequest)

	// A user's own username and e-mail are not "taken" from themselves.
	got := s.aamPutUser(ada.UserID, map[string]any{"username": "ADA", "email": "ADA@example.com"})
	if got.Username != "ADA" || got.Email != "ADA@example.com" {
		t.Errorf("changing one's own case answered %v", got)
	}
	// The same e-mail in another partner is no conflict.
	other := s.createKey("other", "UserRead,UserModify", s.createPartner("Other"))
	wantStatus(t, s.do("POST", "/api/v1/users/", other, aamNewUser("ada@example.com", "Ada", "Elsewhere")), http.StatusCreated)
}

func TestAAMUsers_ThePartnersLastActiveAdminStays(t *testing.T) {
	s := startServer(t)
	// Before the partner has an admin, users come and go freely.
	early := s.aamCreateUser(aamNewUser("early@example.com", "Early", "Bird"))
	wantStatus(t, s.do("DELETE", aamUserPath(early.UserID), s.adminKey, nil), http.StatusNoContent)

	boss := s.aamCreateUser(map[string]any{"email": "boss@example.com", "firstName": "Big", "lastName": "Boss", "isAdmin": true})
	analyst := s.aamCreateUser(aamNewUser("analyst@example.com", "An", "Alyst"))
	st := s.store()
	before := s.snapshot(st)
	for _, tc := range []struct {
		name, method, path string
		body               any
		want               int
	}{
		{"delete", "DELETE", aamUserPath(boss.UserID), nil, http.StatusConflict},
		{"bulk delete", "POST", "/api/v1/users/bulk-delete", []int64{analyst.UserID, boss.UserID}, http.StatusConflict},
		{"deactivate", "PUT", aamUserPath(boss.UserID), map[string]any{"status": "INACTIVE"}, http.StatusConflict},
		{"lock", "PUT", aamUserPath(boss.UserID), map[string]any{"status": "LOCKED"}, http.StatusConflict},
		{"demote", "PUT", aamUserPath(boss.UserID), map[string]any{"isAdmin": false, "title": "Ex-boss"}, http.StatusConflict},
		{"Panther delete", "DELETE", aamPantherPath(boss.UserID), nil, http.StatusBadRequest},
		{"Panther demote", "POST", aamPantherPath(boss.UserID), newUser("boss@example.com", "Big", "Boss", "Analyst"), http.StatusBadRequest},
	} {
		aamWantError(t, s.do(tc.method, tc.path, s.adminKey, tc.body), tc.want)
		if after := s.snapshot(st); after != before {
			t.Fatalf("%s: the refused request changed the store:\n%s", tc.name, badFirstDiff(before, after))
		}
	}

	// With a second active admin the first may go; then the second is last.
	deputy := s.aamCreateUser(map[string]any{"email": "deputy@example.com", "firstName": "The", "lastName": "Deputy", "isAdmin": true})
	if got := s.aamPutUser(boss.UserID, map[string]any{"status": "INACTIVE"}); got.Status != "INACTIVE" {
		t.Errorf("deactivating an admin beside another answered %v", got)
	}
	aamWantError(t, s.do("PUT", aamUserPath(deputy.UserID), s.adminKey, map[string]any{"isAdmin": false}), http.StatusConflict)
	aamWantError(t, s.do("DELETE", aamUserPath(deputy.UserID), s.adminKey, nil), http.StatusConflict)
	// Two active admins may not go in one bulk delete either.
	s.aamPutUser(boss.UserID, map[string]any{"status": "ACTIVE"})
	before = s.snapshot(st)
	aamWantError(t, s.do("POST", "/api/v1/users/bulk-delete", s.adminKey, []int64{deputy.UserID, boss.UserID}), http.StatusConflict)
	if after := s.snapshot(st); after != before {
		t.Fatalf("a refused bulk delete of both admins changed the store:\n%s", badFirstDiff(before, after))
	}
	s.aamPutUser(boss.UserID, map[string]any{"status": "INACTIVE"})
	// An inactive admin is no admin to keep.
	wantStatus(t, s.do("DELETE", aamUserPath(boss.UserID), s.adminKey, nil), http.StatusNoContent)
}

func TestAAMUsers_ConcurrentRemovalsOfTwoAdminsLeaveOne(t *testing.T) {
	for _, tc := range []struct {
		name         string
		method, path string
		body         func(id int64) any
	}{
		{"delete", "DELETE", "", func(int64) any { return nil }},
		{"bulk delete", "POST", "/api/v1/users/bulk-delete", func(id int64) any { return []int64{id} }},
		{"deactivate", "PUT", "", func(int64) any { return map[string]any{"status": "INACTIVE"} }},
		{"demote", "PUT", "", func(int64) any { return map[string]any{"isAdmin": false} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t)
			var ids []int64
			for _, name := range []string{"one", "two"} {
				ids = append(ids, s.aamCreateUser(map[string]any{"email": name + "@example.com", "firstName": name,
					"lastName": "Admin", "isAdmin": true}).UserID)
			}
			codes := make([]int, len(ids))
			var wg sync.WaitGroup
			for i, id := range ids {
				wg.Go(func() {
					path := cmp.Or(tc.path, aamUserPath(id))
					codes[i] = s.do(tc.method, path, s.adminKey, tc.body(id)).status
				})
			}
			wg.Wait()
			slices.Sort(codes)
			if codes[0] >= 300 == (codes[1] >= 300) || codes[1] != http.StatusConflict {
				t.Errorf("answers %v, want one success and one 409", codes)
			}
			admins := 0
			for _, u := range s.aamListUsers(s.readKey, "") {
				if u.IsAdmin && u.Status == "ACTIVE" {
					admins++
				}
			}
			if admins != 1 {
				t.Errorf("%d active admins left, want 1", admins)
			}
		})
	}
}

func TestAAMUsers_GroupsMustBeThePartnersOwn(t *testing.T) {
	s := startServer(t)
	pid := s.createPartner("Other Corp")
	otherKey := s.createKey("other-admin", "UserRead,UserModify", pid)
	r := s.do("POST", "/api/v1/groups/", otherKey, map[string]any{"name": "Theirs"})
	wantStatus(t, r, http.StatusCreated)
	var theirs aamGroup
	r.json(t, &theirs)
	if theirs.PID != pid {
		t.Errorf("partner %d's group has pid %d", pid, theirs.PID)
	}
	mine := s.aamCreateGroup(map[string]any{"name": "Mine"})
	u := s.aamCreateUser(map[string]any{"email": "u@example.com", "firstName": "U", "lastName": "Ser", "groups": []int64{mine.GroupID}})

	st := s.store()
	before := s.snapshot(st)
	for _, tc := range []struct {
		name, method, path string
		groups             []int64
	}{
		{"create in another partner's group", "POST", "/api/v1/users/", []int64{theirs.GroupID}},
		{"create in ours and another partner's", "POST", "/api/v1/users/", []int64{mine.GroupID, theirs.GroupID}},
		{"create in a group nobody has", "POST", "/api/v1/users/", []int64{theirs.GroupID + 1000}},
		{"update to another partner's group", "PUT", aamUserPath(u.UserID), []int64{theirs.GroupID}},
		{"update to ours and another partner's", "PUT", aamUserPath(u.UserID), []int64{theirs.GroupID, mine.GroupID}},
	} {
		body := map[string]any{"email": "new@example.com", "firstName": "N", "lastName": "U", "groups": tc.groups}
		if tc.method == "PUT" {
			body = map[string]any{"groups": tc.groups}
		}
		aamWantError(t, s.do(tc.method, tc.path, s.adminKey, body), http.StatusBadRequest)
		if after := s.snapshot(st); after != before {
			t.Fatalf("%s: the refused request changed the store:\n%s", tc.name, badFirstDiff(before, after))
		}
	}
	if g := s.aamGetGroup(otherKey, theirs.GroupID); len(g.Users) != 0 {
		t.Errorf("partner %d's group gained members %v", pid, g.Users)
	}
}

func TestAAMUsers_OneUserHasTwoViews(t *testing.T) {
	s := startServer(t)
	g := s.aamCreateGroup(map[string]any{"name": "Astronomers"})
	// A second admin, so that the first may be demoted below.
	s.aamCreateUser(map[string]any{"email": "keeper@example.com", "firstName": "Keep", "lastName": "Er", "isAdmin": true})

	// Created in Audience Manager, read in Panther.
	a := s.aamCreateUser(map[string]any{"email": "Vera@Example.com", "firstName": "Vera", "lastName": "Rubin",
		"username": "vrubin", "title": "Astronomer", "phoneNumber": "+1 202 555 0101", "groups": []int64{g.GroupID}, "isAdmin": true})
	p := s.aamPantherUser(a.UserID)
	if p.ID != strconv.FormatInt(a.UserID, 10) || p.Email != "Vera@Example.com" || p.GivenName != "Vera" ||
		p.FamilyName != "Rubin" || p.Role.Name != "Admin" || !p.Enabled || p.Status != "FORCE_CHANGE_PASSWORD" {
		t.Errorf("Panther view of %v = %+v", a, p)
	}
	if !slices.Contains(emails(s.listAll("", 60)), "Vera@Example.com") {
		t.Error("Panther's list lacks the user created in Audience Manager")
	}

	// Created in Panther, read in Audience Manager.
	for _, tc := range []struct {
		email, role string
		admin       bool
	}{{"Edwin@Example.com", "AnalystReadOnly", false}, {"henrietta@example.com", "Admin", true}} {
		pu := s.createUser(tc.email, "Pan", "Ther", tc.role)
		id, err := strconv.ParseInt(pu.ID, 10, 64)
		if err != nil {
			t.Fatalf("Panther id %q: %v", pu.ID, err)
		}
		want := aamUser{PID: 1, UserID: id, Username: tc.email, Status: "ACTIVE", FirstName: "Pan", LastName: "Ther",
			Email: tc.email, Groups: []int64{}, IsAdmin: tc.admin}
		if got := s.aamGetUser(s.readKey, id); !reflect.DeepEqual(got, want) {
			t.Errorf("AAM view of Panther's %s user =\n%v\nwant\n%v", tc.role, got, want)
		}
	}

	// An update in Audience Manager shows in Panther.
	s.aamPutUser(a.UserID, map[string]any{"firstName": "Vera C.", "lastName": "Cooper Rubin", "isAdmin": false})
	p = s.aamPantherUser(a.UserID)
	if p.GivenName != "Vera C." || p.FamilyName != "Cooper Rubin" || p.Role.Name != "Analyst" {
		t.Errorf("Panther after an AAM update = %+v", p)
	}

	// An update in Panther shows in Audience Manager, and leaves what
	// Panther does not show (username, title, phone, groups) as it was.
	r := s.do("POST", aamPantherPath(a.UserID), s.adminKey, newUser("vera.rubin@example.com", "Vera", "Rubin", "Admin"))
	wantStatus(t, r, http.StatusOK)
	want := a
	want.Email, want.FirstName, want.LastName, want.IsAdmin = "vera.rubin@example.com", "Vera", "Rubin", true
	if got := s.aamGetUser(s.readKey, a.UserID); !reflect.DeepEqual(got, want) {
		t.Errorf("AAM after a Panther update =\n%v\nwant\n%v", got, want)
	}
}

func TestAAMUsers_ReadKeysReadAndNobodyElseGetsIn(t *testing.T) {
	s := startServer(t)
	u := s.aamCreateUser(aamNewUser("perm@example.com", "Perm", "Ission"))
	if got := s.aamListUsers(s.readKey, ""); !slices.Equal(aamUserIDs(got), []int64{u.UserID}) {
		t.Errorf("a read key lists %v", aamUserIDs(got))
	}
	s.aamPageUsers(s.readKey, "page=0")
	if got := s.aamGetUser(s.readKey, u.UserID); !reflect.DeepEqual(got, u) {
		t.Errorf("a read key reads %v, want %v", got, u)
	}

	// UserModify includes UserRead.
	modifyOnly := s.createKey("modify-only", "UserModify", 1)
	if got := s.aamGetUser(modifyOnly, u.UserID); got.UserID != u.UserID {
		t.Errorf("a UserModify key reads %v", got)
	}

	st := s.store()
	before := s.snapshot(st)
	writes := []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/users/", aamNewUser("new@example.com", "N", "U")},
		{"POST", "/v1/users", aamNewUser("new@example.com", "N", "U")},
		{"PUT", aamUserPath(u.UserID), map[string]any{"title": "Hacked"}},
		{"DELETE", aamUserPath(u.UserID), nil},
		{"POST", "/api/v1/users/bulk-delete", []int64{u.UserID}},
	}
	for _, w := range writes {
		aamWantError(t, s.do(w.method, w.path, s.readKey, w.body), http.StatusForbidden)
	}
	for _, w := range append(writes, []struct {
		method, path string
		body         any
	}{{"GET", "/api/v1/users/", nil}, {"GET", "/v1/users/", nil}, {"GET", aamUserPath(u.UserID), nil}}...) {
		for _, cred := range []struct{ name, key, authz string }{
			{"no credentials", "", ""},
			{"an unknown key", "rst_not-a-key", ""},
			{"a made-up bearer token", "", "Bearer not-a-token"},
		} {
			var headers []string
			if cred.authz != "" {
				headers = []string{"Authorization", cred.authz}
			}
			r := s.do(w.method, w.path, cred.key, w.body, headers...)
			aamWantError(t, r, http.StatusUnauthorized)
			if r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with %s: 401 without WWW-Authenticate", w.method, w.path, cred.name)
			}
		}
	}
	if after := s.snapshot(st); after != before {
		t.Errorf("refused writes changed the store:\n%s", badFirstDiff(before, after))
	}
}

func TestAAMUsers_AnotherPartnersKeySeesNoneOfOurUsers(t *testing.T) {
	s := startServer(t)
	mine := s.aamCreateUser(aamNewUser("shared@example.com", "Mine", "Only"))
	g := s.aamCreateGroup(map[string]any{"name": "Ours", "users": []int64{mine.UserID}})
	pid := s.createPartner("Other Corp")
	other := s.createKey("other-admin", "UserRead,UserModify", pid)

	st := s.store()
	before := s.snapshot(st)
	aamWantError(t, s.do("GET", aamUserPath(mine.UserID), other, nil), http.StatusNotFound)
	aamWantError(t, s.do("PUT", aamUserPath(mine.UserID), other, map[string]any{"title": "Stolen"}), http.StatusNotFound)
	aamWantError(t, s.do("DELETE", aamUserPath(mine.UserID), other, nil), http.StatusNotFound)
	aamWantError(t, s.do("POST", "/api/v1/users/bulk-delete", other, []int64{mine.UserID}), http.StatusNotFound)
	if after := s.snapshot(st); after != before {
		t.Fatalf("another partner's key changed our users:\n%s", badFirstDiff(before, after))
	}
	if got := s.aamListUsers(other, ""); len(got) != 0 {
		t.Errorf("another partner lists %v", got)
	}
	if p := s.aamPageUsers(other, "page=0&search=shared"); p.Total != 0 || len(p.List) != 0 {
		t.Errorf("another partner's page: %+v", p)
	}
	if got := s.aamListUsers(other, fmt.Sprint("groupId=", g.GroupID)); len(got) != 0 {
		t.Errorf("another partner lists our group's users: %v", got)
	}

	// Their user, with the same e-mail, is theirs alone.
	r := s.do("POST", "/api/v1/users/", other, aamNewUser("shared@example.com", "Their", "Own"))
	wantStatus(t, r, http.StatusCreated)
	var theirs aamUser
	r.json(t, &theirs)
	if theirs.PID != pid {
		t.Errorf("their user has pid %d, want %d", theirs.PID, pid)
	}
	if got := s.aamListUsers(other, ""); !slices.Equal(aamUserIDs(got), []int64{theirs.UserID}) {
		t.Errorf("another partner lists %v, want only their user %d", aamUserIDs(got), theirs.UserID)
	}
	if got := s.aamListUsers(s.readKey, ""); !slices.Equal(aamUserIDs(got), []int64{mine.UserID}) {
		t.Errorf("partner 1 lists %v, want only %d", aamUserIDs(got), mine.UserID)
	}
	aamWantError(t, s.do("GET", aamUserPath(theirs.UserID), s.adminKey, nil), http.StatusNotFound)
	want := mine
	want.Groups = []int64{g.GroupID}
	if got := s.aamGetUser(s.readKey, mine.UserID); !reflect.DeepEqual(got, want) {
		t.Errorf("our user is %v, want %v", got, want)
	}
}
