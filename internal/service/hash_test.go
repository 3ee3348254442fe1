package service

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/roster-dev/roster/internal/roster"
)

// foreignArgon2id hashes pw as another system might: other parameters,
// another salt and key length.
func foreignArgon2id(pw string, m, t uint32, p uint8) string {
	salt := []byte("another-systems-salt")
	key := argon2.IDKey([]byte(pw), salt, t, m, p, 24)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", m, t, p,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

func TestCheckPasswordHash_AcceptsForeignHashesWithinBounds(t *testing.T) {
	bc, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	b := string(bc)
	salt := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	argon := func(params string) string { return "$argon2id$v=19$" + params + "$" + salt + "$" + key }
	for _, tc := range []struct {
		name, hash string
		ok         bool
	}{
		{"bcrypt 2a", b, true},
		{"bcrypt 2b", "$2b$" + b[4:], true},
		{"bcrypt 2y", "$2y$" + b[4:], true},
		{"bcrypt cost 15 is too slow", b[:4] + "15" + b[6:], false},
		{"bcrypt cost 03", b[:4] + "03" + b[6:], false},
		{"bcrypt truncated", b[:50], false},
		{"bcrypt bad alphabet", b[:59] + "!", false},
		{"bcrypt 2x", "$2x$" + b[4:], false},
		{"argon2id Roster's own", hashPassword("pw"), true},
		{"argon2id 64 MiB t=3 p=4", argon("m=65536,t=3,p=4"), true},
		{"argon2id 256 MiB t=4", argon("m=262144,t=4,p=1"), true},
		{"argon2id 512 MiB", argon("m=524288,t=1,p=1"), false},
		{"argon2id 256 MiB t=5 is too much work", argon("m=262144,t=5,p=1"), false},
		{"argon2id t=0", argon("m=19456,t=0,p=1"), false},
		{"argon2id p=17", argon("m=19456,t=2,p=17"), false},
		{"argon2id m below 8p", argon("m=8,t=2,p=2"), false},
		{"argon2id params out of order", argon("t=2,m=19456,p=1"), false},
		{"argon2id version 16", strings.Replace(argon("m=19456,t=2,p=1"), "v=19", "v=16", 1), false},
		{"argon2id short salt", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key, false},
		{"argon2id padded base64", argon("m=19456,t=2,p=1") + "=", false},
		{"argon2i", strings.Replace(argon("m=19456,t=2,p=1"), "argon2id", "argon2i", 1), false},
		{"plaintext", "Str0ng&Secret!", false},
		{"Roster's generated sha256", hashGenerated("x"), false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPasswordHash(tc.hash)
			if tc.ok && err != nil || !tc.ok && roster.ErrorCode(err) != roster.EInvalid {
				t.Fatalf("CheckPasswordHash(%q) = %v, want ok=%t", tc.hash, err, tc.ok)
			}
		})
	}
}

func TestSignIn_ImportedHashSignsInAndIsUpgraded(t *testing.T) {
	bc, err := bcrypt.GenerateFromPassword([]byte(goodPw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for name, hash := range map[string]string{
		"bcrypt":                 string(bc),
		"argon2id, foreign":      foreignArgon2id(goodPw, 8*1024, 3, 2),
		"argon2id, Roster's own": hashPassword(goodPw),
	} {
		t.Run(name, func(t *testing.T) {
			s := newTestService(t)
			ctx := context.Background()
			u := importOne(t, s, ImportUser{Email: "moved@example.com", GivenName: "Mo", FamilyName: "Ved",
				Role: RoleRef{Name: "Analyst"}, PasswordHash: hash})
			if u.SignIn != roster.SignInConfirmed {
				t.Errorf("imported with a hash: sign-in state %s, want CONFIRMED", u.SignIn)
			}
			if _, err := s.SignIn(ctx, "moved@example.com", "Wr0ng&Secret!", 0); roster.ErrorCode(err) != roster.EUnauthorized {
				t.Fatalf("wrong password: %v", err)
			}
			if got := state(t, s, u); got.PasswordHash != hash {
				t.Fatal("a failed sign-in changed the hash")
			}
			if _, err := s.SignIn(ctx, "moved@example.com", goodPw, 0); err != nil {
				t.Fatalf("the old password: %v", err)
			}
			got := state(t, s, u)
			if own := strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$"); own != (got.PasswordHash == hash) {
				t.Fatalf("after sign-in the hash is %q (from %q)", got.PasswordHash[:32], hash[:16])
			}
			if !strings.HasPrefix(got.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") || needsRehash(got.PasswordHash) {
				t.Fatalf("after sign-in the hash is %q, want Roster's own argon2id", got.PasswordHash)
			}
			if _, err := s.SignIn(ctx, "moved@example.com", goodPw, 0); err != nil {
				t.Fatalf("signing in again with the upgraded hash: %v", err)
			}
		})
	}
}

// importOne imports one user through the batch path and returns it stored.
func importOne(t *testing.T, s *Service, in ImportUser) roster.User {
	t.Helper()
	ctx := context.Background()
	im, err := s.NewImporter(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Check(&in); err != nil {
		t.Fatal(err)
	}
	res, err := im.Write(ctx, []ImportUser{in})
	if err != nil || res[0].Outcome != ImportCreated {
		t.Fatalf("Write = %v, %v", res, err)
	}
	u, err := s.store.UserByEmail(ctx, 1, in.Email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
