package service

import (
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/roster-dev/roster/internal/roster"
)

// Bounds on imported password hashes. A hash from another system is
// verified with its own parameters on every sign-in until it is upgraded,
// so a file could otherwise plant hashes that cost seconds or gigabytes
// each and turn sign-in into a denial of service. The bounds admit every
// common deployment: OWASP's argon2id settings top out at 46 MiB, and
// bcrypt's usual costs are 10 to 12.
const (
	minBcryptCost = bcrypt.MinCost // 4
	maxBcryptCost = 14             // about 1 s per check on this machine's cores
	// maxArgon2MemoryKiB is 256 MiB; maxArgon2Work bounds memory × passes
	// to what 256 MiB × 4 passes costs, so neither can max out with the other.
	maxArgon2MemoryKiB = 256 * 1024
	maxArgon2Time      = 16
	maxArgon2Threads   = 16
	maxArgon2Work      = maxArgon2MemoryKiB * 4
	minArgon2SaltLen   = 8
	maxArgon2SaltLen   = 64
	minArgon2KeyLen    = 16
	maxArgon2KeyLen    = 64
	bcryptHashLen      = 60
)

// argon2Hash is a decoded PHC argon2id string.
type argon2Hash struct {
	params    argon2Params
	salt, key []byte
}

// parseArgon2id decodes $argon2id$v=19$m=…,t=…,p=…$salt$hash and checks
// its parameters against the bounds; it says what is wrong in an EInvalid.
func parseArgon2id(encoded string) (argon2Hash, error) {
	bad := func(why string) (argon2Hash, error) {
		return argon2Hash{}, roster.Errorf(roster.EInvalid, "argon2id hash: %s", why)
	}
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return bad("want $argon2id$v=19$m=…,t=…,p=…$salt$hash")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("only version 19 is supported")
	}
	var h argon2Hash
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return bad("parameters must be m=…,t=…,p=…")
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(fields[i], name)
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return bad("parameters must be m=…,t=…,p=… in that order")
		}
		vals[i] = n
	}
	m, t, p := vals[0], vals[1], vals[2]
	switch {
	case p < 1 || p > maxArgon2Threads:
		return bad("p must be 1 to " + strconv.Itoa(maxArgon2Threads))
	case t < 1 || t > maxArgon2Time:
		return bad("t must be 1 to " + strconv.Itoa(maxArgon2Time))
	case m < 8*p || m > maxArgon2MemoryKiB:
		return bad("m must be 8×p to " + strconv.Itoa(maxArgon2MemoryKiB) + " KiB")
	case m*t > maxArgon2Work:
		return bad("m×t may be at most " + strconv.Itoa(maxArgon2Work) + " (256 MiB × 4 passes)")
	}
	h.params = argon2Params{memoryKiB: uint32(m), time: uint32(t), threads: uint8(p)}
	var err error
	if h.salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil ||
		len(h.salt) < minArgon2SaltLen || len(h.salt) > maxArgon2SaltLen {
		return bad("the salt must be 8 to 64 bytes in unpadded base64")
	}
	if h.key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5]); err != nil ||
		len(h.key) < minArgon2KeyLen || len(h.key) > maxArgon2KeyLen {
		return bad("the hash must be 16 to 64 bytes in unpadded base64")
	}
	return h, nil
}

// verifyArgon2id checks pw against a PHC-encoded argon2id hash.
func verifyArgon2id(encoded, pw string) bool {
	h, err := parseArgon2id(encoded)
	if err != nil {
		return false
	}
	got := argon2Key([]byte(pw), h.salt, h.params, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(got, h.key) == 1
}

// isBcrypt reports whether encoded claims to be a bcrypt hash.
func isBcrypt(encoded string) bool {
	return strings.HasPrefix(encoded, "$2a$") || strings.HasPrefix(encoded, "$2b$") || strings.HasPrefix(encoded, "$2y$")
}

// bcryptAlphabet is bcrypt's own base64 alphabet.
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// checkBcrypt validates a bcrypt hash's shape and cost.
func checkBcrypt(encoded string) error {
	if len(encoded) != bcryptHashLen || encoded[6] != '$' ||
		strings.Trim(encoded[7:], bcryptAlphabet) != "" {
		return roster.Errorf(roster.EInvalid, "bcrypt hash: want $2a$, $2b$ or $2y$, a two-digit cost and 53 characters of salt and hash")
	}
	cost, err := strconv.Atoi(encoded[4:6])
	if err != nil || cost < minBcryptCost || cost > maxBcryptCost {
		return roster.Errorf(roster.EInvalid, "bcrypt hash: the cost must be %d to %d", minBcryptCost, maxBcryptCost)
	}
	return nil
}

// verifyBcrypt checks pw against a bcrypt hash, within the KDF slots like
// argon2id so that imported hashes cannot crowd out the cores either.
func verifyBcrypt(encoded, pw string) bool {
	if checkBcrypt(encoded) != nil {
		return false
	}
	kdfSlots <- struct{}{}
	defer func() { <-kdfSlots }()
	return bcrypt.CompareHashAndPassword([]byte(encoded), []byte(pw)) == nil
}

// CheckPasswordHash validates a password hash brought from another system
// (by import): a bcrypt hash ($2a$, $2b$, $2y$) or a PHC argon2id string,
// with parameters within the bounds above. Anything else, plaintext
// included, is EInvalid: Roster never stores a password it did not hash.
func CheckPasswordHash(encoded string) error {
	switch {
	case strings.HasPrefix(encoded, schemeArgon2id):
		_, err := parseArgon2id(encoded)
		return err
	case isBcrypt(encoded):
		return checkBcrypt(encoded)
	}
	return roster.Errorf(roster.EInvalid, "passwordHash must be a bcrypt ($2a$, $2b$, $2y$) or argon2id ($argon2id$v=19$…) hash")
}

// needsRehash reports whether a hash the user just signed in with is not
// in Roster's own scheme and parameters: an imported bcrypt hash, or an
// argon2id one made with other parameters. Generated (SHA-256) passwords
// are temporary and are replaced when the user chooses one.
func needsRehash(encoded string) bool {
	if isBcrypt(encoded) {
		return true
	}
	h, err := parseArgon2id(encoded)
	return err == nil && (h.params != defaultArgon2 || len(h.salt) != argon2SaltLen || len(h.key) != argon2KeyLen)
}
