package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/mail/mailtest"
	"github.com/roster-dev/roster/internal/roster"
)

func TestUsers_CreateInvitesByMail(t *testing.T) {
	s := startServer(t)
	u := s.createUser("Ada.Lovelace@Example.com", "Ada", "Lovelace", "Analyst")

	if u.ID == "" || u.Email != "Ada.Lovelace@Example.com" || u.GivenName != "Ada" || u.FamilyName != "Lovelace" {
		t.Errorf("created user = %+v", u)
	}
	if u.Role.Name != "Analyst" || u.Role.ID == "" {
		t.Errorf("role = %+v, want Analyst with an id", u.Role)
	}
	if !u.Enabled || u.Status != "FORCE_CHANGE_PASSWORD" {
		t.Errorf("enabled=%v status=%q, want true FORCE_CHANGE_PASSWORD", u.Enabled, u.Status)
	}
	if _, err := time.Parse(time.RFC3339, u.CreatedAt); err != nil {
		t.Errorf("createdAt %q is not RFC 3339: %v", u.CreatedAt, err)
	}
	if u.LastLoggedInAt != "" {
		t.Errorf("lastLoggedInAt = %q before any sign-in, want absent", u.LastLoggedInAt)
	}

	msgs := s.smtp.WaitFor(t, 1, 5*time.Second)
	m := msgs[0]
	if !slices.Equal(m.To, []string{"Ada.Lovelace@Example.com"}) {
		t.Errorf("mail to %v", m.To)
	}
	pw := temporaryPassword(t, m.Text)
	if len(pw) < 20 {
		t.Errorf("temporary password %q is too short to carry 128 bits", pw)
	}

	// The mail's password is what the store holds (as a hash), and a
	// second user gets a different one.
	st := s.store()
	stored, err := st.UserByEmail(context.Background(), 1, "ada.lovelace@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored.PasswordHash, pw) || stored.PasswordHash == "" {
		t.Errorf("password is not stored as a hash: %q", stored.PasswordHash)
	}
	if stored.PasswordExpiresAt == nil || time.Until(*stored.PasswordExpiresAt) < 23*time.Hour {
		t.Errorf("temporary password expiry = %v, want about 24h from now", stored.PasswordExpiresAt)
	}
	s.createUser("grace@example.com", "Grace", "Hopper", "Analyst")
	msgs = s.smtp.WaitFor(t, 2, 5*time.Second)
	if temporaryPassword(t, msgs[1].Text) == pw {
		t.Error("two invitations carry the same temporary password")
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(s.smtp.Messages()); n != 2 {
		t.Errorf("%d mails for 2 users, want exactly one each", n)
	}
}

// temporaryPassword finds the password in an invitation's text.
func temporaryPassword(t *testing.T, text string) string {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if _, pw, ok := strings.Cut(line, "Temporary password:"); ok {
			return strings.TrimSpace(pw)
		}
	}
	t.Fatalf("no temporary password in mail:\n%s", text)
	return ""
}

func TestUsers_InvitationWithoutSMTPIsLoggedMasked(t *testing.T) {
	s := startServer(t, withoutSMTP())
	s.createUser("lin@example.com", "Lin", "Yu", "Analyst")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(s.logs.String(), "lin@example.com") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	logs := s.logs.String()
	if !strings.Contains(logs, "lin@example.com") || !strings.Contains(logs, "********") {
		t.Fatalf("invitation not logged with a masked password:\n%s", logs)
	}
	if strings.Contains(logs, "Temporary password: ") && !strings.Contains(logs, "Temporary password: ********") {
		t.Errorf("log shows a password:\n%s", logs)
	}
}

func TestUsers_InvitationOverSTARTTLSWithAuth(t *testing.T) {
	s := startServer(t, withSMTPOptions(mailtest.WithSTARTTLS()), withSMTPAuth("roster", "s3cret"))
	s.createUser("tls@example.com", "Tee", "Ls", "Analyst")
	m := s.smtp.WaitFor(t, 1, 5*time.Second)[0]
	if !m.TLS || m.User != "roster" {
		t.Errorf("mail arrived with TLS=%v user=%q, want STARTTLS and AUTH as roster", m.TLS, m.User)
	}
	if m.From != "roster@test.example" {
		t.Errorf("envelope from %q, want --mail-from", m.From)
	}
	if strings.Contains(s.logs.String(), "s3cret") {
		t.Error("the SMTP password reached the log")
	}
}

func TestUsers_FailedMailKeepsTheUser(t *testing.T) {
	s := startServer(t, withSMTPOptions(mailtest.WithFailure()))
	u := s.createUser("kept@example.com", "Kept", "User", "Analyst")
	r := s.do("GET", "/users/"+u.ID, s.readKey, nil)
	wantStatus(t, r, http.StatusOK)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.logs.String(), "mail not delivered") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(s.logs.String(), "mail not delivered") {
		t.Errorf("the failed delivery was not logged:\n%s", s.logs)
	}
}

func TestUsers_GetUpdateDelete(t *testing.T) {
	s := startServer(t)
	u := s.createUser("bob@example.com", "Bob", "Builder", "AnalystReadOnly")

	r := s.do("GET", "/users/"+u.ID, s.readKey, nil)
	wantStatus(t, r, http.StatusOK)
	var got apiUser
	r.json(t, &got)
	if got != u {
		t.Errorf("GET = %+v, want %+v", got, u)
	}

	// Update replaces all four fields; the role may be given by id.
	analyst := s.roleID(s.readKey, "Analyst")
	r = s.do("POST", "/users/"+u.ID, s.adminKey, map[string]any{
		"email": "robert@example.com", "givenName": "Robert", "familyName": "Baumeister", "role": map[string]string{"id": analyst},
	})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &got)
	if got.Email != "robert@example.com" || got.GivenName != "Robert" || got.FamilyName != "Baumeister" ||
		got.Role.Name != "Analyst" || got.Role.ID != analyst || got.ID != u.ID || got.CreatedAt != u.CreatedAt {
		t.Errorf("updated = %+v", got)
	}

	wantStatus(t, s.do("DELETE", "/users/"+u.ID, s.adminKey, nil), http.StatusOK)
	r = s.do("GET", "/users/"+u.ID, s.readKey, nil)
	wantStatus(t, r, http.StatusNotFound)
	r.message(t)
	wantStatus(t, s.do("DELETE", "/users/"+u.ID, s.adminKey, nil), http.StatusNotFound)
	wantStatus(t, s.do("POST", "/users/"+u.ID, s.adminKey, newUser("x@example.com", "X", "Y", "Analyst")), http.StatusNotFound)
}

// roleID looks up a role's id with a key of its partner.
func (s *testServer) roleID(key, name string) string {
	s.t.Helper()
	r := s.do("GET", "/roles?name="+url.QueryEscape(name), key, nil)
	wantStatus(s.t, r, http.StatusOK)
	var list struct {
		Results []struct{ ID, Name string } `json:"results"`
	}
	r.json(s.t, &list)
	if len(list.Results) != 1 {
		s.t.Fatalf("role %s: %s", name, r.body)
	}
	return list.Results[0].ID
}

func TestUsers_DuplicateEmailIsCaseInsensitive(t *testing.T) {
	s := startServer(t)
	s.createUser("dup@example.com", "A", "B", "Analyst")
	r := s.do("POST", "/users", s.adminKey, newUser("DUP@Example.COM", "C", "D", "Analyst"))
	wantStatus(t, r, http.StatusBadRequest)
	if msg := r.message(t); !strings.Contains(msg, "already exists") {
		t.Errorf("message %q does not say the e-mail is taken", msg)
	}
	other := s.createUser("other@example.com", "E", "F", "Analyst")
	r = s.do("POST", "/users/"+other.ID, s.adminKey, newUser("Dup@example.com", "E", "F", "Analyst"))
	wantStatus(t, r, http.StatusBadRequest)
}

func TestUsers_Auth(t *testing.T) {
	s := startServer(t)
	u := s.createUser("auth@example.com", "A", "B", "Analyst")
	body := newUser("new@example.com", "N", "U", "Analyst")
	for _, tc := range []struct {
		name, method, path, key string
		body                    any
		want                    int
	}{
		{"no key", "GET", "/users", "", nil, 401},
		{"unknown key", "GET", "/users", "rst_notakey", nil, 401},
		{"key of another shape", "GET", "/users/" + u.ID, "Bearer abc", nil, 401},
		{"read key may list", "GET", "/users", s.readKey, nil, 200},
		{"read key may get", "GET", "/users/" + u.ID, s.readKey, nil, 200},
		{"read key may not create", "POST", "/users", s.readKey, body, 403},
		{"read key may not update", "POST", "/users/" + u.ID, s.readKey, body, 403},
		{"read key may not delete", "DELETE", "/users/" + u.ID, s.readKey, nil, 403},
		{"read key may not create roles", "POST", "/roles", s.readKey, map[string]any{"name": "x"}, 403},
		{"no key on roles", "GET", "/roles", "", nil, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(tc.method, tc.path, tc.key, tc.body)
			wantStatus(t, r, tc.want)
			if tc.want >= 400 {
				r.message(t)
			}
		})
	}
	// A key that can only modify may still read: UserModify includes UserRead.
	modKey := s.createKey("modifier", "UserModify", 1)
	wantStatus(t, s.do("GET", "/users/"+u.ID, modKey, nil), http.StatusOK)
}

func TestUsers_PartnersAreIsolated(t *testing.T) {
	s := startServer(t)
	u := s.createUser("mine@example.com", "Mine", "Only", "Analyst")
	pid := s.createPartner("Other Corp")
	other := s.createKey("other", "UserRead,UserModify", pid)

	wantStatus(t, s.do("GET", "/users/"+u.ID, other, nil), http.StatusNotFound)
	wantStatus(t, s.do("POST", "/users/"+u.ID, other, newUser("stolen@example.com", "S", "T", "Analyst")), http.StatusNotFound)
	wantStatus(t, s.do("DELETE", "/users/"+u.ID, other, nil), http.StatusNotFound)
	r := s.do("GET", "/users?email=mine@example.com", other, nil)
	wantStatus(t, r, http.StatusOK)
	var list apiList
	r.json(t, &list)
	if len(list.Results) != 0 {
		t.Errorf("other partner sees %+v", list.Results)
	}
	// The same e-mail may exist in both partners: they are separate stores.
	r = s.do("POST", "/users", other, newUser("mine@example.com", "Their", "Own", "Analyst"))
	wantStatus(t, r, http.StatusOK)
	// And partner 1's role ids mean nothing in the other partner.
	r = s.do("POST", "/users", other, map[string]any{"email": "x@example.com", "givenName": "X", "familyName": "Y",
		"role": map[string]string{"id": u.Role.ID}})
	wantStatus(t, r, http.StatusBadRequest)
	r = s.do("GET", "/users/"+u.ID, s.readKey, nil)
	var still apiUser
	r.json(t, &still)
	if still != u {
		t.Errorf("partner 1's user changed: %+v", still)
	}
}

// listAll pages through GET /users with the query and returns every user.
func (s *testServer) listAll(query string, limit int) []apiUser {
	s.t.Helper()
	var all []apiUser
	cursor := ""
	for range 1000 {
		q := query + "&limit=" + fmt.Sprint(limit)
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		r := s.do("GET", "/users?"+q, s.readKey, nil)
		wantStatus(s.t, r, http.StatusOK)
		var page apiList
		r.json(s.t, &page)
		if len(page.Results) > limit {
			s.t.Fatalf("page of %d users, limit %d", len(page.Results), limit)
		}
		all = append(all, page.Results...)
		if page.Next == nil {
			return all
		}
		cursor = *page.Next
	}
	s.t.Fatal("paging did not end")
	return nil
}

func emails(us []apiUser) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Email
	}
	return out
}

func TestUsers_ListFilters(t *testing.T) {
	s := startServer(t)
	alice := s.createUser("alice@example.com", "Alice", "Martin", "Analyst")
	bob := s.createUser("bob@corp.example", "Bob", "Marley", "Admin")
	carol := s.createUser("carol@example.com", "Carol", "King", "AnalystReadOnly")
	dave := s.createUser("dave@example.com", "Élodie", "Dave", "Analyst")

	// Deactivate dave and confirm carol straight in the store: the Panther
	// dialect has no endpoint for either.
	st := s.store()
	ctx := context.Background()
	setState := func(id string, fn func(*roster.User)) {
		var n int64
		fmt.Sscan(id, &n)
		u, err := st.User(ctx, 1, n)
		if err != nil {
			t.Fatal(err)
		}
		fn(&u)
		if err := st.UpdateUser(ctx, &u); err != nil {
			t.Fatal(err)
		}
	}
	setState(dave.ID, func(u *roster.User) { u.State = roster.StateInactive })
	setState(carol.ID, func(u *roster.User) { u.SignIn = roster.SignInConfirmed })

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"alice@example.com", "bob@corp.example", "carol@example.com"}},
		{"contains=", []string{"alice@example.com", "bob@corp.example", "carol@example.com"}},
		{"contains=MAR", []string{"alice@example.com", "bob@corp.example"}},
		{"contains=alice+martin", []string{"alice@example.com"}},
		{"contains=corp.EXAMPLE", []string{"bob@corp.example"}},
		{"contains=zzz", nil},
		{"contains=%C3%A9lodie&include-deactivated=true", []string{"dave@example.com"}},
		{"contains=%C3%89LODIE&include-deactivated=true", []string{"dave@example.com"}},
		{"include-deactivated=true", []string{"alice@example.com", "bob@corp.example", "carol@example.com", "dave@example.com"}},
		{"include-deactivated=false", []string{"alice@example.com", "bob@corp.example", "carol@example.com"}},
		{"status=CONFIRMED", []string{"carol@example.com"}},
		{"status=FORCE_CHANGE_PASSWORD", []string{"alice@example.com", "bob@corp.example"}},
		{"id=" + alice.ID + "&id=" + carol.ID, []string{"alice@example.com", "carol@example.com"}},
		{"ids=" + alice.ID + "," + bob.ID, []string{"alice@example.com", "bob@corp.example"}},
		{"id=" + alice.ID + "&ids=" + bob.ID + "," + carol.ID, []string{"alice@example.com", "bob@corp.example", "carol@example.com"}},
		{"ids=" + dave.ID, nil},
		{"ids=" + dave.ID + "&include-deactivated=true", []string{"dave@example.com"}},
		{"email=BOB@corp.example", []string{"bob@corp.example"}},
		// email ignores every other parameter, even deactivation and bad values.
		{"email=dave@example.com", []string{"dave@example.com"}},
		{"email=alice@example.com&limit=999&status=nope&cursor=garbage", []string{"alice@example.com"}},
		{"email=nobody@example.com", nil},
	} {
		t.Run(tc.query, func(t *testing.T) {
			got := emails(s.listAll(tc.query, 60))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestUsers_ListPagesWithCursor(t *testing.T) {
	s := startServer(t)
	var want []string
	for i := range 25 {
		u := s.createUser(fmt.Sprintf("page%02d@example.com", i), "Page", fmt.Sprint(i), "Analyst")
		want = append(want, u.Email)
	}
	for _, limit := range []int{1, 7, 25, 60} {
		if got := emails(s.listAll("", limit)); !slices.Equal(got, want) {
			t.Errorf("limit %d: got %v", limit, got)
		}
	}
	// Default limit is 60: one page, no next.
	r := s.do("GET", "/users", s.readKey, nil)
	var page apiList
	r.json(t, &page)
	if len(page.Results) != 25 || page.Next != nil {
		t.Errorf("default page: %d users, next %v", len(page.Results), page.Next)
	}
	// A filter pages as well.
	if got := s.listAll("contains=page1", 3); len(got) != 10 {
		t.Errorf("contains=page1 paged: %d users, want 10", len(got))
	}
}

func TestUsers_CursorIsStableUnderConcurrentWrites(t *testing.T) {
	s := startServer(t)
	var ids []string
	for i := range 30 {
		ids = append(ids, s.createUser(fmt.Sprintf("stable%02d@example.com", i), "S", fmt.Sprint(i), "Analyst").ID)
	}
	// Page through while other clients insert new users and delete users
	// not yet seen. Every user that existed throughout must be seen once.
	deleted := map[string]bool{}
	for _, id := range ids[20:25] {
		deleted[id] = true
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for id := range deleted {
			s.do("DELETE", "/users/"+id, s.adminKey, nil)
		}
		for i := range 10 {
			s.createUser(fmt.Sprintf("late%02d@example.com", i), "L", fmt.Sprint(i), "Analyst")
		}
	}()
	seen := map[string]int{}
	for _, u := range s.listAll("", 4) {
		seen[u.ID]++
	}
	wg.Wait()
	for _, id := range ids {
		if seen[id] > 1 {
			t.Errorf("user %s seen %d times", id, seen[id])
		}
		if !deleted[id] && seen[id] != 1 {
			t.Errorf("user %s, never deleted, seen %d times", id, seen[id])
		}
	}
}

func TestUsers_CursorTamperingIsRefused(t *testing.T) {
	s := startServer(t)
	for i := range 3 {
		s.createUser(fmt.Sprintf("t%d@example.com", i), "T", fmt.Sprint(i), "Analyst")
	}
	r := s.do("GET", "/users?limit=1", s.readKey, nil)
	var page apiList
	r.json(t, &page)
	if page.Next == nil {
		t.Fatal("no next cursor")
	}
	next := *page.Next
	flipped := []byte(next)
	flipped[len(flipped)/2] ^= 1
	for name, q := range map[string]string{
		"flipped byte":    "limit=1&cursor=" + url.QueryEscape(string(flipped)),
		"truncated":       "limit=1&cursor=" + url.QueryEscape(next[:len(next)-2]),
		"not base64":      "limit=1&cursor=%21%21%21",
		"other filter":    "limit=1&contains=t&cursor=" + url.QueryEscape(next),
		"made up":         "limit=1&cursor=eyJpZCI6MX0",
		"repeated cursor": "limit=1&cursor=" + url.QueryEscape(next) + "&cursor=" + url.QueryEscape(next),
	} {
		t.Run(name, func(t *testing.T) {
			r := s.do("GET", "/users?"+q, s.readKey, nil)
			wantStatus(t, r, http.StatusBadRequest)
			r.message(t)
		})
	}
	// The genuine cursor still works, with a different limit too.
	wantStatus(t, s.do("GET", "/users?limit=2&cursor="+url.QueryEscape(next), s.readKey, nil), http.StatusOK)
}
