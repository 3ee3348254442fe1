// Package mail delivers Roster's plain-text e-mails: invitations and password
// resets that carry a temporary password.
//
// It offers three Senders: SMTPSender speaks SMTP to a relay, LogSender writes
// the mail to the server log when no relay is configured, and Queue wraps
// either so that an HTTP request never waits on a mail server. Every one of
// them keeps a Message's Secrets out of logs and errors.
//
// The package knows nothing of users, invitations or HTTP: callers hand it a
// finished Message and say which parts of it are secret.
package mail

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
)

// Message is one plain-text e-mail. Secrets lists substrings of Text (e.g. a
// temporary password) that must never be logged.
type Message struct {
	To, Subject, Text string
	Secrets           []string
}

// Sender delivers a message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

var (
	// ErrInvalidConfig is wrapped by NewSMTP's errors: the SMTP URL or the
	// sender address cannot be used.
	ErrInvalidConfig = errors.New("mail: invalid configuration")
	// ErrInvalidMessage is wrapped by Send when a Message cannot be sent as
	// it is: a malformed recipient, or a header value carrying CR or LF,
	// which would let its author inject headers of their own.
	ErrInvalidMessage = errors.New("mail: invalid message")
)

// mask is the text that stands in for a secret wherever a message is shown.
const mask = "********"

// masked returns s with every secret of m replaced by mask.
func (m Message) masked(s string) string {
	secrets := make([]string, 0, len(m.Secrets))
	for _, x := range m.Secrets {
		// An empty "secret" would make the replacer insert the mask between
		// every byte.
		if x != "" {
			secrets = append(secrets, x)
		}
	}
	// Longest first, so that a secret containing a shorter one is masked
	// whole rather than leaving its remainder visible.
	slices.SortFunc(secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	pairs := make([]string, 0, 2*len(secrets))
	for _, x := range secrets {
		pairs = append(pairs, x, mask)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// LogValue shows the message with its secrets masked, so that a Message
// handed to slog by mistake still does not leak them.
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("to", m.To),
		slog.String("subject", m.masked(m.Subject)),
		slog.String("text", m.masked(m.Text)),
	)
}

// recipient checks the header fields a caller controls and parses To.
func (m Message) recipient() (*mail.Address, error) {
	if err := checkHeader("To", m.To); err != nil {
		return nil, err
	}
	if err := checkHeader("Subject", m.Subject); err != nil {
		return nil, err
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("%w: recipient %q: %w", ErrInvalidMessage, m.To, err)
	}
	return to, nil
}

// checkHeader refuses line breaks in a header value: a "\r\nBcc: …" in a
// subject would otherwise become a header of its own.
func checkHeader(name, value string) error {
	if strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("%w: %s contains a line break", ErrInvalidMessage, name)
	}
	return nil
}
