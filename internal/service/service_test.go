package service

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/mail"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/store/sqlite"
)

// newTestService runs the service on a real SQLite file in a temp dir.
func newTestService(t *testing.T) *Service {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "roster.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(Config{Store: st, Mail: mail.LogSender{Log: slog.New(slog.DiscardHandler)}})
}

var (
	admin  = Actor{PartnerID: 1, Permissions: roster.NewPermissions(roster.PermUserModify), KeyID: 1}
	reader = Actor{PartnerID: 1, Permissions: roster.NewPermissions(roster.PermUserRead), KeyID: 2}
)

func mustCreate(t *testing.T, s *Service, email, role string) roster.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), admin, NewUser{Email: email, GivenName: "G", FamilyName: "F", Role: RoleRef{Name: role}})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestService_EveryMethodChecksPermissions(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	u := mustCreate(t, s, "x@example.com", "Analyst")
	nobody := Actor{PartnerID: 1}
	for name, call := range map[string]func(Actor) error{
		"CreateUser": func(a Actor) error {
			_, err := s.CreateUser(ctx, a, NewUser{Email: "y@example.com", GivenName: "G", FamilyName: "F", Role: RoleRef{Name: "Analyst"}})
			return err
		},
		"UpdateUser": func(a Actor) error { _, err := s.UpdateUser(ctx, a, u.ID, UserPatch{}); return err },
		"DeleteUser": func(a Actor) error { return s.DeleteUser(ctx, a, u.ID) },
		"CreateRole": func(a Actor) error { _, err := s.CreateRole(ctx, a, RoleInput{Name: "R"}); return err },
		"UpdateRole": func(a Actor) error { _, err := s.UpdateRole(ctx, a, u.Role.ID, RoleInput{Name: "R"}); return err },
		"DeleteRole": func(a Actor) error { return s.DeleteRole(ctx, a, u.Role.ID) },
	} {
		if got := roster.ErrorCode(call(reader)); got != roster.EForbidden {
			t.Errorf("%s as a reader: %q, want forbidden", name, got)
		}
	}
	for name, call := range map[string]func(Actor) error{
		"User":  func(a Actor) error { _, err := s.User(ctx, a, u.ID); return err },
		"Users": func(a Actor) error { _, err := s.Users(ctx, a, UserQuery{}); return err },
		"Role":  func(a Actor) error { _, err := s.Role(ctx, a, u.Role.ID); return err },
		"Roles": func(a Actor) error { _, err := s.Roles(ctx, a, roster.RoleFilter{}); return err },
	} {
		if got := roster.ErrorCode(call(nobody)); got != roster.EForbidden {
			t.Errorf("%s without permissions: %q, want forbidden", name, got)
		}
		if err := call(reader); err != nil {
			t.Errorf("%s as a reader: %v", name, err)
		}
	}
}

func TestService_NobodyDeletesThemselves(t *testing.T) {
	s := newTestService(t)
	mustCreate(t, s, "other-admin@example.com", "Admin")
	me := mustCreate(t, s, "me@example.com", "Admin")
	self := Actor{PartnerID: 1, Permissions: me.Role.Permissions, UserID: me.ID}
	if err := s.DeleteUser(context.Background(), self, me.ID); roster.ErrorCode(err) != roster.EConflict {
		t.Errorf("deleting myself: %v, want conflict", err)
	}
}

func TestService_UsernameFollowsADefaultedEmail(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	u := mustCreate(t, s, "old@example.com", "Analyst")
	newEmail := "new@example.com"
	u, err := s.UpdateUser(ctx, admin, u.ID, UserPatch{Email: &newEmail})
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != newEmail {
		t.Errorf("username = %q, want it to follow the e-mail", u.Username)
	}
	// The old address is free again, as a username and as an e-mail.
	mustCreate(t, s, "old@example.com", "Analyst")
}

func TestNewPassword_MeetsThePolicy(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		pw := newPassword()
		if len(pw) != generatedPasswordLen {
			t.Fatalf("%q has length %d", pw, len(pw))
		}
		for _, class := range []string{pwUpper, pwLower, pwDigit, pwSpecial} {
			if !strings.ContainsAny(pw, class) {
				t.Fatalf("%q lacks a character of %q", pw, class)
			}
		}
		if seen[pw] {
			t.Fatalf("%q generated twice", pw)
		}
		seen[pw] = true
	}
}

func TestCursor(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	fp := fingerprint(roster.UserFilter{Contains: "ann"})
	c := sealCursor(key, 42, fp)
	if id, err := openCursor(key, c, fp); err != nil || id != 42 {
		t.Fatalf("open = %d, %v", id, err)
	}
	otherFP := fingerprint(roster.UserFilter{Contains: "bob"})
	for name, tc := range map[string]struct {
		key    []byte
		cursor string
		fp     []byte
	}{
		"other key":       {[]byte("another key of thirty-two bytes!"), c, fp},
		"other filter":    {key, c, otherFP},
		"truncated":       {key, c[:len(c)-1], fp},
		"empty":           {key, "", fp},
		"not base64":      {key, "***", fp},
		"padded base64":   {key, c + "==", fp},
		"one char edited": {key, flipOne(c), fp},
	} {
		if _, err := openCursor(tc.key, tc.cursor, tc.fp); roster.ErrorCode(err) != roster.EInvalid {
			t.Errorf("%s: err = %v, want invalid", name, err)
		}
	}
	// The order of ids and duplicates do not change the query.
	a := fingerprint(roster.UserFilter{IDs: []int64{3, 1, 2, 1}})
	b := fingerprint(roster.UserFilter{IDs: []int64{1, 2, 3}})
	if string(a) != string(b) {
		t.Error("fingerprint depends on the order of ids")
	}
}

// flipOne returns c with one character changed a third of the way in: a
// client editing the id inside the cursor.
func flipOne(c string) string {
	b := []byte(c)
	i := len(b) / 3
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestCheckEmail(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"a@example.com", true},
		{"first.last+tag@sub.example.co.uk", true},
		{"", false},
		{"plain", false},
		{"@example.com", false},
		{"a@", false},
		{"A <a@example.com>", false},
		{"a b@example.com", false},
		{"a@example.com, b@example.com", false},
		{"a@exa\x00mple.com", false},
		{strings.Repeat("a", 250) + "@example.com", false},
	} {
		if err := checkEmail(tc.in); (err == nil) != tc.ok {
			t.Errorf("checkEmail(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestTemporaryPasswordExpires(t *testing.T) {
	s := newTestService(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	u := mustCreate(t, s, "ttl@example.com", "Analyst")
	if u.PasswordExpiresAt == nil || !u.PasswordExpiresAt.Equal(now.Add(TempPasswordTTL)) {
		t.Errorf("expires at %v, want %v", u.PasswordExpiresAt, now.Add(TempPasswordTTL))
	}
	if u.SignIn != roster.SignInForceChange || u.State != roster.StateActive {
		t.Errorf("new user is %s/%s", u.State, u.SignIn)
	}
}

func TestService_OperatorActsInAnExistingPartnerOnly(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	if _, err := s.Operator(ctx, 99); roster.ErrorCode(err) != roster.ENotFound {
		t.Fatalf("Operator(99): %v, want not_found", err)
	}
	op, err := s.Operator(ctx, roster.DefaultPartnerID)
	if err != nil {
		t.Fatal(err)
	}
	u, password, err := s.CreateUserHandingOver(ctx, op, NewUser{Email: "ada@example.com", GivenName: "Ada", FamilyName: "L", Role: RoleRef{Name: roster.RoleAdmin}})
	if err != nil || len(password) != 24 || u.SignIn != roster.SignInForceChange {
		t.Fatalf("CreateUserHandingOver = %+v, %q, %v", u, password, err)
	}
	// The operator is bound by the rules too: the last admin stays.
	if err := s.DeleteUser(ctx, op, u.ID); roster.ErrorCode(err) != roster.EConflict {
		t.Errorf("operator deleting the last admin: %v, want conflict", err)
	}
}
