package mail_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	roster "github.com/roster-dev/roster/internal/mail"
)

// syncBuffer is a log destination that tests may read while workers write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func newLog() (*slog.Logger, *syncBuffer) {
	var buf syncBuffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

func TestLogSender_Send_MasksSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		m       roster.Message
		absent  []string
		present []string
	}{
		{
			name: "TemporaryPassword",
			m: roster.Message{
				To: "bob@example.org", Subject: "Welcome",
				Text:    "Your temporary password is Xk3#tQ9p. Change it soon: Xk3#tQ9p.",
				Secrets: []string{"Xk3#tQ9p"},
			},
			absent:  []string{"Xk3#tQ9p"},
			present: []string{"********", "bob@example.org", "Welcome", "Change it soon"},
		},
		{
			name: "OverlappingSecrets",
			m: roster.Message{
				To: "bob@example.org", Text: "token abc and abcdef",
				Secrets: []string{"abc", "abcdef"},
			},
			absent:  []string{"abc", "def"},
			present: []string{"token ******** and ********"},
		},
		{
			name: "EmptySecretIgnored",
			m: roster.Message{
				To: "bob@example.org", Text: "hello s3cret",
				Secrets: []string{"", "s3cret"},
			},
			absent:  []string{"s3cret"},
			present: []string{"hello ********"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log, buf := newLog()
			if err := (roster.LogSender{Log: log}).Send(t.Context(), tt.m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			out := buf.String()
			if !strings.Contains(out, "level=INFO") {
				t.Errorf("log = %q, want an Info record", out)
			}
			for _, s := range tt.absent {
				if strings.Contains(out, s) {
					t.Errorf("log contains %q: %s", s, out)
				}
			}
			for _, s := range tt.present {
				if !strings.Contains(out, s) {
					t.Errorf("log lacks %q: %s", s, out)
				}
			}
		})
	}
}

func TestMessage_LogValue_MasksSecrets(t *testing.T) {
	t.Parallel()
	log, buf := newLog()
	log.Info("oops", "mail", roster.Message{To: "bob@example.org", Text: "pw Xk3#tQ9p", Secrets: []string{"Xk3#tQ9p"}})
	if out := buf.String(); strings.Contains(out, "Xk3#tQ9p") || !strings.Contains(out, "********") {
		t.Errorf("log = %s, want the secret masked", out)
	}
}
