package mail

import (
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/mail/mailtest"
)

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"localhost":        true,
		"LOCALHOST":        true,
		"127.0.0.1":        true,
		"127.3.2.1":        true,
		"::1":              true,
		"10.0.0.1":         false,
		"mail.example.com": false,
		"localhost.evil":   false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestSMTPSender_Send_RefusesAuthWithoutTLSToRemoteHost(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t, mailtest.WithAuth("ann", "hunter2"))
	s, err := NewSMTP(SMTPConfig{URL: strings.Replace(srv.URL(), "smtp://", "smtp://ann:hunter2@", 1), From: "roster@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	// Pretend the relay is remote: the connection still goes to mailtest,
	// which offers no STARTTLS.
	s.host = "mail.example.com"
	err = s.Send(t.Context(), Message{To: "bob@example.org", Subject: "Hi"})
	if err == nil || !strings.Contains(err.Error(), "refusing AUTH") {
		t.Errorf("Send = %v, want a refusal to authenticate in clear", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages, want none", n)
	}
}

func TestCompose_DateFromClock(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 30, 0, 0, time.FixedZone("CET", 3600))
	from := &mail.Address{Address: "roster@example.com"}
	to := &mail.Address{Address: "bob@example.org"}
	b, err := compose(now, from, to, Message{Subject: "Hi", Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Date: Sun, 01 Mar 2026 12:30:00 +0100\r\n"; !strings.HasPrefix(string(b), want) {
		t.Errorf("message starts %q, want %q", string(b)[:40], want)
	}
}
