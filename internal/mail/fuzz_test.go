package mail

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// composedFields are the header fields compose writes, in order.
var composedFields = []string{"Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"}

// FuzzCompose builds a message for any recipient, subject and text, as
// Send does before it speaks SMTP. Whatever the input, the message has
// exactly compose's header fields and no others: no CR or LF of the
// caller's reaches the header section or the RCPT TO address, the To and
// Subject fields decode back to what was given, and the body decodes back
// to the text.
func FuzzCompose(f *testing.F) {
	for _, s := range []struct{ to, subject, text string }{
		{"ada@example.com", "Welcome to Roster", "Your password is x.\nBye."},
		{"Ada Lovelace <ada@example.com>", "Wïllkommen — 你好", "ünïcödé\r\n\r\n.\r\nQUIT\r\n"},
		{"ada@example.com\r\nBcc: eve@evil.example", "Hi", ""},
		{"ada@example.com", "Hi\r\nBcc: eve@evil.example", ""},
		{"ada@example.com", "Hi\nBcc: eve@evil.example", ""},
		{"ada@example.com", "Hi\rX", ""},
		{`"Eve\r\nBcc: x" <eve@example.com>`, "Hi", ""},
		{"=?utf-8?q?Eve=0D=0ABcc:_x@evil.example?= <eve@example.com>", "=?utf-8?q?a=0D=0AB?=", ""},
		{`"quoted local"@example.com`, "Hi", ""},
		{"ada@example.com>\r\nRCPT TO:<eve@evil.example", "Hi", ""},
		{"a@b.c, d@e.f", "Hi", ""},
		{"", "", ""},
		{"ada@example.com", strings.Repeat("é", 400), strings.Repeat("x", 2000)},
		{"ada@example.com", strings.Repeat("a", 1200), "text"},
		{"ada@example.com", "nul\x00byte", "nul\x00body"},
		{"\xff@example.com", "\xfe", "\xfd"},
	} {
		f.Add(s.to, s.subject, s.text)
	}
	from := &mail.Address{Name: "Roster", Address: "roster@example.com"}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, to, subject, text string) {
		m := Message{To: to, Subject: subject, Text: text}
		rcpt, err := m.recipient()
		if err != nil {
			if !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("recipient error %v does not wrap ErrInvalidMessage", err)
			}
			return
		}
		if strings.ContainsAny(rcpt.Address, "\r\n") {
			t.Fatalf("RCPT TO address %q carries a line break", rcpt.Address)
		}
		msg, err := compose(now, from, rcpt, m)
		if err != nil {
			if !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("compose error %v does not wrap ErrInvalidMessage", err)
			}
			return
		}
		head, body, ok := bytes.Cut(msg, []byte("\r\n\r\n"))
		if !ok {
			t.Fatalf("no blank line after the header: %q", msg)
		}
		fields := checkHeader5322(t, string(head))
		if got := fields["To"]; got == "" {
			t.Fatalf("no To field in %q", head)
		} else if back, err := mail.ParseAddress(got); err != nil || back.Address != rcpt.Address || back.Name != rcpt.Name {
			t.Fatalf("To %q reads back as %+v, %v; want %+v", got, back, err, rcpt)
		}
		dec := new(mime.WordDecoder)
		if got, err := dec.DecodeHeader(fields["Subject"]); err != nil || got != subject {
			t.Fatalf("Subject %q decodes to %q, %v; want %q", fields["Subject"], got, err, subject)
		}
		decoded, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
		if err != nil {
			t.Fatalf("body does not decode: %v", err)
		}
		if norm(string(decoded)) != norm(text) {
			t.Fatalf("body decodes to %q, want %q", decoded, text)
		}
	})
}

// checkHeader5322 checks that head is exactly compose's fields, each once
// and in order, every line ended by CRLF and folded only with leading
// space, and returns the unfolded values by name.
func checkHeader5322(t *testing.T, head string) map[string]string {
	t.Helper()
	if strings.Count(head, "\r") != strings.Count(head, "\r\n") || strings.Count(head, "\n") != strings.Count(head, "\r\n") {
		t.Fatalf("bare CR or LF in the header: %q", head)
	}
	fields := map[string]string{}
	var names []string
	for line := range strings.SplitSeq(head, "\r\n") {
		if strings.HasPrefix(line, " ") && len(names) > 0 {
			last := names[len(names)-1]
			if fields[last] == "" {
				line = line[1:] // "Name:" CRLF SP value: the value starts after the space
			}
			fields[last] += line // unfold: CRLF removed, the space kept
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("header line %q is not a field", line)
		}
		names = append(names, name)
		fields[name] = strings.TrimPrefix(value, " ")
	}
	if strings.Join(names, ",") != strings.Join(composedFields, ",") {
		t.Fatalf("header fields %q, want %q", names, composedFields)
	}
	return fields
}

// norm makes line endings comparable: compose sends every line break,
// CR, LF or CRLF, as CRLF.
func norm(s string) string {
	return strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
}
