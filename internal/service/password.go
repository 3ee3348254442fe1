package service

import (
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/roster-dev/roster/internal/roster"
)

// schemeArgon2id prefixes hashes of passwords people choose, in the PHC
// string format: $argon2id$v=19$m=…,t=…,p=…$salt$hash.
const schemeArgon2id = "$argon2id$"

// argon2Params are the cost of one hash. They are stored with every hash,
// so raising them later leaves existing hashes verifiable.
type argon2Params struct {
	memoryKiB uint32
	time      uint32
	threads   uint8
}

// defaultArgon2 is OWASP's recommended minimum for argon2id: 19 MiB, two
// passes, one lane. docs/DECISIONS.md has its measured cost.
var defaultArgon2 = argon2Params{memoryKiB: 19 * 1024, time: 2, threads: 1}

const (
	argon2SaltLen = 16
	argon2KeyLen  = 32
)

// kdfSlots bounds how many argon2id computations run at once: one per
// core. Each takes 19 MiB; without a bound, a burst of sign-ins multiplies
// the memory (measured: 250–410 MiB peak at 10 concurrent sign-ins) and
// the cores thrash between hashes instead of finishing them. Every
// computation waits its turn in the same queue, so the bound changes no
// timing difference between kinds of attempt.
var kdfSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// argon2Key is argon2.IDKey within kdfSlots.
func argon2Key(pw, salt []byte, p argon2Params, keyLen uint32) []byte {
	kdfSlots <- struct{}{}
	defer func() { <-kdfSlots }()
	return argon2.IDKey(pw, salt, p.time, p.memoryKiB, p.threads, keyLen)
}

// hashPassword hashes a password a person chose, with argon2id.
func hashPassword(pw string) string {
	p := defaultArgon2
	salt := randomBytes(argon2SaltLen)
	key := argon2Key([]byte(pw), salt, p, argon2KeyLen)
	return fmt.Sprintf("%sv=%d$m=%d,t=%d,p=%d$%s$%s", schemeArgon2id, argon2.Version,
		p.memoryKiB, p.time, p.threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// checkPassword reports whether pw matches the encoded hash. Every call
// costs one KDF computation, whatever the hash (even none): for Roster's
// own hashes one argon2id, and a fast hash of a generated password is
// checked beside a dummy argon2id, so that the time of a sign-in tells
// nothing about the account. An imported hash costs what its own scheme
// and parameters cost, until the first sign-in upgrades it.
func checkPassword(encoded, pw string) bool {
	switch {
	case strings.HasPrefix(encoded, schemeArgon2id):
		return verifyArgon2id(encoded, pw)
	case isBcrypt(encoded):
		return verifyBcrypt(encoded, pw)
	}
	verifyArgon2id(dummyHash(), pw)
	if !strings.HasPrefix(encoded, schemeSHA256) {
		return false
	}
	return sameSecret(hashGenerated(pw), encoded)
}

var (
	dummyOnce sync.Once
	dummy     string
)

// dummyHash is an argon2id hash of a random password, to spend the same
// time on unknown users as on known ones.
func dummyHash() string {
	dummyOnce.Do(func() { dummy = hashPassword(newPassword()) })
	return dummy
}

// Password policy: Audience Manager's, by default.
const (
	minPasswordLen  = 12
	maxPasswordLen  = 40
	passwordHistory = 12 // a new password may not be one of the last this many
	minNameInPw     = 3  // names shorter than this are too common to forbid
)

// checkPolicy tells why pw may not be u's password, or returns nil. It does
// not check the history; see notRecent.
func checkPolicy(u roster.User, pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < minPasswordLen || n > maxPasswordLen {
		return roster.Errorf(roster.EInvalid, "the new password must be %d to %d characters long", minPasswordLen, maxPasswordLen)
	}
	var upper, lower, digit, special bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsControl(r):
			return roster.Errorf(roster.EInvalid, "the new password may not contain control characters")
		default:
			special = true
		}
	}
	if !upper || !lower || !digit || !special {
		return roster.Errorf(roster.EInvalid, "the new password needs an upper-case letter, a lower-case letter, a digit and a special character")
	}
	lpw := strings.ToLower(pw)
	local, _, _ := strings.Cut(u.Email, "@")
	for _, name := range []string{u.Username, u.GivenName, u.FamilyName, u.Email, local} {
		if utf8.RuneCountInString(name) >= minNameInPw && strings.Contains(lpw, strings.ToLower(name)) {
			return roster.Errorf(roster.EInvalid, "the new password may not contain your name, username or e-mail")
		}
	}
	return nil
}
