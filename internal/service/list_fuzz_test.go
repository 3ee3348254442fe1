package service

import (
	"bytes"
	"encoding/base64"
	"net/mail"
	"strings"
	"testing"
	"unicode"

	"github.com/roster-dev/roster/internal/roster"
)

// FuzzOpenCursor opens any string as a cursor. Without the key no string
// but a sealed one opens, so a fuzzed cursor is refused with EInvalid; a
// cursor sealed for any id and filter opens to that id under that filter
// only; and a tampered sealed cursor is refused.
func FuzzOpenCursor(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	fp := fingerprint(roster.UserFilter{Contains: "a"})
	sealed := sealCursor(key, 42, fp)
	for _, s := range []string{"", "AAAA", "garbage!!", sealed, sealed + "A", sealed[:len(sealed)-1],
		strings.ToUpper(sealed), sealed[:10] + "\n" + sealed[10:], sealed[:10] + "\r\n" + sealed[10:], sealed + "=",
		base64.RawURLEncoding.EncodeToString(make([]byte, cursorLen)), strings.Repeat("A", 44), "%00", "' OR 1=1 --"} {
		f.Add(s, int64(42), "a")
	}
	f.Add("", int64(0), "")
	f.Add("", int64(-1), "")
	f.Add("", int64(1)<<62, "%_\\")
	f.Fuzz(func(t *testing.T, c string, afterID int64, contains string) {
		id, err := openCursor(key, c, fp)
		if err != nil {
			if roster.ErrorCode(err) != roster.EInvalid {
				t.Fatalf("openCursor(%q) = %v, want EInvalid", c, err)
			}
		} else {
			// Only a sealed cursor opens, and it seals back to itself: base64
			// skips CR and LF, nothing else.
			clean := strings.NewReplacer("\r", "", "\n", "").Replace(c)
			if resealed := sealCursor(key, id, fp); resealed != clean {
				t.Fatalf("openCursor(%q) = %d, which seals to %q", c, id, resealed)
			}
		}

		ffp := fingerprint(roster.UserFilter{Contains: contains})
		s := sealCursor(key, afterID, ffp)
		got, err := openCursor(key, s, ffp)
		switch {
		case afterID < 0:
			if err == nil {
				t.Fatalf("a cursor after %d opened to %d", afterID, got)
			}
		case err != nil || got != afterID:
			t.Fatalf("cursor after %d opened to %d, %v", afterID, got, err)
		}
		if contains != "a" {
			if _, err := openCursor(key, s, fp); roster.ErrorCode(err) != roster.EInvalid {
				t.Fatalf("a cursor of contains=%q opened under contains=a: %v", contains, err)
			}
		}
		// Flip one bit of the decoded cursor: the MAC must catch it.
		b, _ := base64.RawURLEncoding.DecodeString(s)
		b[int(uint64(afterID)%uint64(len(b)))] ^= 1 << (len(contains) % 8)
		if _, err := openCursor(key, base64.RawURLEncoding.EncodeToString(b), ffp); roster.ErrorCode(err) != roster.EInvalid {
			t.Fatalf("a tampered cursor opened: %v", err)
		}
	})
}

// FuzzCheckEmail validates any string as a user's e-mail address. An
// accepted address is one bare addr-spec that parses back to itself, with
// nothing in it that could break an SMTP command or a mail header.
func FuzzCheckEmail(f *testing.F) {
	for _, s := range []string{"ada@example.com", "A <a@b.c>", "<a@b.c>", "a@b.c\r\nBcc: x@evil.example",
		"a@b.c\nRCPT TO:<x@evil>", `"quoted local"@example.com`, `"a\"b"@example.com`, "a@[127.0.0.1]",
		"pct_50%@example.com", "' OR 1=1 --@example.com", "a@b.c (comment)", "=?utf-8?q?a=0D=0A?=@b.c",
		"a@b", "@b.c", "a@", "a\x00@b.c", "ü@example.com", strings.Repeat("l", 250) + "@b.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if err := checkEmail(v); err != nil {
			if roster.ErrorCode(err) != roster.EInvalid {
				t.Fatalf("checkEmail(%q) = %v, want EInvalid", v, err)
			}
			return
		}
		if strings.ContainsAny(v, "\r\n\x00<>") || strings.IndexFunc(v, unicode.IsControl) >= 0 {
			t.Fatalf("checkEmail accepted %q", v)
		}
		a, err := mail.ParseAddress(v)
		if err != nil || a.Address != v || a.Name != "" {
			t.Fatalf("accepted %q parses to %+v, %v", v, a, err)
		}
	})
}
