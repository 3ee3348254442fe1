package service

import (
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

func TestPasswordHashes(t *testing.T) {
	h := hashPassword("Correct-Horse-9")
	if !strings.HasPrefix(h, schemeArgon2id) || strings.Contains(h, "Correct-Horse-9") {
		t.Fatalf("hash = %q", h)
	}
	if h == hashPassword("Correct-Horse-9") {
		t.Error("two hashes of one password are equal: no salt")
	}
	gen := hashGenerated("Generated-Pw-123456789!")
	for _, tc := range []struct {
		hash, pw string
		want     bool
	}{
		{h, "Correct-Horse-9", true},
		{h, "correct-Horse-9", false},
		{h, "", false},
		{gen, "Generated-Pw-123456789!", true},
		{gen, "Generated-Pw-123456789?", false},
		{"", "anything", false},
		{"plain text", "plain text", false},
		{"$argon2id$v=19$m=1,t=1,p=1$bad$base64!", "x", false},
		{"$argon2id$v=18$" + strings.SplitN(h, "$", 4)[3], "Correct-Horse-9", false},
		{"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "x", false}, // refuses absurd memory
	} {
		if got := checkPassword(tc.hash, tc.pw); got != tc.want {
			t.Errorf("checkPassword(%.30q, %q) = %v, want %v", tc.hash, tc.pw, got, tc.want)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	u := roster.User{Username: "jdoe", Email: "john.li@example.com", GivenName: "John", FamilyName: "Li"}
	for _, tc := range []struct {
		pw string
		ok bool
	}{
		{"Str0ng&Secret!", true},
		{"Sh0rt&Pw!", false},                // 9 characters
		{strings.Repeat("Aa1!", 11), false}, // 44 characters
		{"alllowercase1!xx", false},         // no upper
		{"ALLUPPERCASE1!XX", false},         // no lower
		{"NoDigitsHere!!xx", false},         // no digit
		{"NoSpecials123xx", false},          // no special
		{"Hello-JOHN-12345", false},         // given name
		{"xx-jdoe-Secret-1", false},         // username
		{"My!john.li@example.comA1", false}, // e-mail
		{"Abc!1234567xLi", true},            // names shorter than 3 are not checked
		{"Tab\there-Secret1", false},        // control character
	} {
		err := checkPolicy(u, tc.pw)
		if (err == nil) != tc.ok {
			t.Errorf("checkPolicy(%q) = %v, want ok=%v", tc.pw, err, tc.ok)
		}
	}
	// A generated password always passes for any user.
	for range 200 {
		if err := checkPolicy(u, newPassword()); err != nil {
			t.Fatalf("a generated password fails the policy: %v", err)
		}
	}
}

func TestForbiddenSelfChange(t *testing.T) {
	admin := roster.Role{ID: 1, Name: "Admin", Permissions: roster.NewPermissions(roster.PermUserModify)}
	u := roster.User{Role: admin, Groups: []int64{2, 5}, State: roster.StateActive}
	yes, no := true, false
	active, locked := roster.StateActive, roster.StateLocked
	same, other := []int64{5, 2, 5}, []int64{2}
	for _, tc := range []struct {
		name string
		p    UserPatch
		want string
	}{
		{"nothing", UserPatch{}, ""},
		{"same admin flag", UserPatch{IsAdmin: &yes}, ""},
		{"drop admin flag", UserPatch{IsAdmin: &no}, "admin flag"},
		{"same groups in another order", UserPatch{Groups: &same}, ""},
		{"fewer groups", UserPatch{Groups: &other}, "groups"},
		{"same status", UserPatch{State: &active}, ""},
		{"lock myself", UserPatch{State: &locked}, "status"},
		{"same role by name", UserPatch{Role: &RoleRef{Name: "Admin"}}, ""},
		{"other role", UserPatch{Role: &RoleRef{ID: 7}}, "role"},
	} {
		if got := forbiddenSelfChange(u, tc.p); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// BenchmarkArgon2id measures one hash at the parameters Roster uses; the
// figure is in docs/DECISIONS.md, and sign-in throughput is bounded by it.
func BenchmarkArgon2id(b *testing.B) {
	for b.Loop() {
		hashPassword("Correct-Horse-Battery-9")
	}
}
