package service

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/roster-dev/roster/internal/roster"
)

// maxEmailLen is the longest address SMTP can carry (RFC 5321's path limit
// less the angle brackets).
const maxEmailLen = 254

// checkText validates a free-text field: valid UTF-8, no control characters,
// at most max characters, and not empty when required.
func checkText(field, v string, max int, required bool) error {
	switch {
	case required && v == "":
		return roster.Errorf(roster.EInvalid, "%s is required and may not be empty", field)
	case !utf8.ValidString(v):
		return roster.Errorf(roster.EInvalid, "%s is not valid UTF-8", field)
	case utf8.RuneCountInString(v) > max:
		return roster.Errorf(roster.EInvalid, "%s is longer than %d characters", field, max)
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return roster.Errorf(roster.EInvalid, "%s may not contain control characters", field)
	}
	return nil
}

// checkEmail validates an e-mail address as one bare addr-spec: no display
// name, no comments, no surrounding spaces, a domain part present.
func checkEmail(v string) error {
	if err := checkText("email", v, maxEmailLen, true); err != nil {
		return err
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v || strings.ContainsAny(v, " \t") {
		return roster.Errorf(roster.EInvalid, "email %q is not a valid e-mail address", v)
	}
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 {
		return roster.Errorf(roster.EInvalid, "email %q is not a valid e-mail address", v)
	}
	return nil
}

// checkUsername validates a login name: printable, no spaces.
func checkUsername(v string) error {
	if err := checkText("username", v, maxEmailLen, true); err != nil {
		return err
	}
	if strings.IndexFunc(v, unicode.IsSpace) >= 0 {
		return roster.Errorf(roster.EInvalid, "username may not contain spaces")
	}
	return nil
}
