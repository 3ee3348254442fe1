package mail

import (
	"context"
	"log/slog"
)

// LogSender writes each message to a log instead of delivering it: the
// fallback when no SMTP relay is configured, so that an administrator can
// still see that an invitation went out. Secrets are replaced by "********";
// the temporary password itself never reaches the log.
type LogSender struct {
	// Log receives one Info record per message; nil means slog.Default().
	Log *slog.Logger
}

// Send logs m with its secrets masked. It never fails.
func (l LogSender) Send(ctx context.Context, m Message) error {
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "mail not sent: no SMTP server configured",
		slog.String("to", m.To),
		slog.String("subject", m.masked(m.Subject)),
		slog.String("text", m.masked(m.Text)),
	)
	return nil
}
