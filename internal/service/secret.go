package service

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// randomBytes returns n bytes from the system's CSPRNG.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never fails on supported platforms (Go 1.24+ crashes
	// the program rather than return an error), so there is nothing to handle.
	_, _ = rand.Read(b)
	return b
}

// newToken returns a random URL-safe string carrying 256 bits, with prefix.
func newToken(prefix string) string {
	return prefix + base64.RawURLEncoding.EncodeToString(randomBytes(32))
}

// sha256Sum hashes a high-entropy secret (an API key, a token). A fast hash
// is right here: with 256 random bits there is nothing to brute-force, and a
// slow KDF would only cost every request.
func sha256Sum(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// sameSecret reports whether two secrets, or two encoded hashes of one,
// are equal, in time that does not depend on where they differ. Some of
// its callers compare only values the caller already knows (a stored hash
// with itself re-read); every comparison of secrets goes through it anyway,
// so that none needs a case-by-case argument that its timing is harmless.
func sameSecret(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Characters of generated passwords: no look-alikes (0/O, 1/l/I), and every
// class the password policy asks for.
const (
	pwUpper   = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	pwLower   = "abcdefghijkmnopqrstuvwxyz"
	pwDigit   = "23456789"
	pwSpecial = "!#%+-=?@^_"
	pwAll     = pwUpper + pwLower + pwDigit + pwSpecial
)

// generatedPasswordLen gives 24 characters of a 67-symbol alphabet: about
// 145 bits, comfortably above the 128 that lets a fast hash stand in for a KDF.
const generatedPasswordLen = 24

// newPassword returns a random password that satisfies the password policy:
// at least one upper-case letter, lower-case letter, digit and special
// character, placed at random positions.
func newPassword() string {
	classes := []string{pwUpper, pwLower, pwDigit, pwSpecial}
	out := make([]byte, generatedPasswordLen)
	for i := range out {
		alphabet := pwAll
		if i < len(classes) {
			alphabet = classes[i]
		}
		out[i] = alphabet[uniform(len(alphabet))]
	}
	// Shuffle so the guaranteed classes are not always first.
	for i := len(out) - 1; i > 0; i-- {
		j := uniform(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// uniform returns a uniformly random int in [0, n) for small n, by
// rejection sampling one byte at a time (no modulo bias).
func uniform(n int) int {
	limit := 256 - 256%n
	for {
		b := randomBytes(1)[0]
		if int(b) < limit {
			return int(b) % n
		}
	}
}

// Encoded password hashes carry their scheme as a prefix, so that the
// scheme can change without breaking stored hashes.
const schemeSHA256 = "sha256$"

// hashGenerated hashes a password Roster generated itself (≥128 random
// bits): a fast hash suffices, so that creating users is not bound by a KDF.
func hashGenerated(pw string) string {
	return schemeSHA256 + base64.RawStdEncoding.EncodeToString(sha256Sum(pw))
}
