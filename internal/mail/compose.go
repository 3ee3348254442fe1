package mail

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// maxLine is RFC 5322's hard limit on a line, CRLF excluded.
const maxLine = 998

// compose renders m as an RFC 5322 message with CRLF line endings. The body
// is quoted-printable so that UTF-8 text and long lines survive relays that
// are not 8-bit clean.
func compose(now time.Time, from, to *mail.Address, m Message) ([]byte, error) {
	subject := encodeHeader("Subject", m.Subject)
	if longestLine(subject) > maxLine {
		return nil, fmt.Errorf("%w: subject longer than %d bytes", ErrInvalidMessage, maxLine)
	}

	var b bytes.Buffer
	for _, field := range []string{
		"Date: " + now.Format(time.RFC1123Z),
		"From: " + from.String(),
		"To: " + to.String(),
		subject,
		"Message-ID: " + messageID(from),
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: quoted-printable",
	} {
		b.WriteString(field)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")

	// In text mode the writer turns every line break, LF or CRLF, into CRLF.
	// A lone CR it mishandles (the fuzzer found it moving or dropping the
	// next LF), so line breaks are made LF first.
	text := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(m.Text)
	w := quotedprintable.NewWriter(&b)
	if _, err := w.Write([]byte(text)); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// encodeHeader renders the field "name: value", applying RFC 2047
// Q-encoding when value is not plain ASCII. Encoded words go one per line,
// each line within RFC 2047's 76 characters: the encoder keeps each word that
// short but puts them all on one line, after a name it does not count.
func encodeHeader(name, value string) string {
	enc := mime.QEncoding.Encode("utf-8", value)
	if enc == value {
		return name + ": " + value
	}
	// Inside an encoded word "?" and spaces are themselves encoded, so "?= =?"
	// only ever separates two words.
	enc = strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
	first, _, _ := strings.Cut(enc, "\r\n")
	if len(name)+2+len(first) > 76 {
		return name + ":\r\n " + enc
	}
	return name + ": " + enc
}

func longestLine(s string) int {
	n := 0
	for line := range strings.SplitSeq(s, "\r\n") {
		n = max(n, len(line))
	}
	return n
}

// messageID makes a globally unique Message-ID under the sender's domain, as
// RFC 5322 suggests, so that replies and bounces can be threaded.
func messageID(from *mail.Address) string {
	domain := "localhost"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 {
		domain = from.Address[i+1:]
	}
	return "<" + rand.Text() + "@" + domain + ">"
}
