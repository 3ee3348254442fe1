package mail_test

import (
	"context"
	"errors"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	roster "github.com/roster-dev/roster/internal/mail"
	"github.com/roster-dev/roster/internal/mail/mailtest"
)

const waitMail = 2 * time.Second

// withUser puts credentials into a mailtest URL.
func withUser(rawURL, user, pass string) string {
	return strings.Replace(rawURL, "smtp://", "smtp://"+user+":"+pass+"@", 1)
}

func newSMTP(t *testing.T, cfg roster.SMTPConfig) *roster.SMTPSender {
	t.Helper()
	if cfg.From == "" {
		cfg.From = "Roster <roster@example.com>"
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	s, err := roster.NewSMTP(cfg)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	return s
}

func TestSMTPSender_Send(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     []mailtest.Option
		user     string
		wantTLS  bool
		wantUser string
	}{
		{name: "Plain"},
		{name: "STARTTLS", opts: []mailtest.Option{mailtest.WithSTARTTLS()}, wantTLS: true},
		{name: "AuthOverLoopback", opts: []mailtest.Option{mailtest.WithAuth("ann", "hunter2")}, user: "ann", wantUser: "ann"},
		{
			name:    "AuthOverSTARTTLS",
			opts:    []mailtest.Option{mailtest.WithSTARTTLS(), mailtest.WithAuth("ann", "hunter2")},
			user:    "ann",
			wantTLS: true, wantUser: "ann",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := mailtest.NewServer(t, tt.opts...)
			url := srv.URL()
			if tt.user != "" {
				url = withUser(url, tt.user, "hunter2")
			}
			s := newSMTP(t, roster.SMTPConfig{URL: url, TLS: srv.ClientTLS()})

			// Twice: the second conversation goes straight to STARTTLS.
			for range 2 {
				err := s.Send(t.Context(), roster.Message{
					To:      "Bob <bob@example.org>",
					Subject: "Welcome",
					Text:    "Your temporary password is hunter3.\n",
					Secrets: []string{"hunter3"},
				})
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
			}
			for _, got := range srv.WaitFor(t, 2, waitMail) {
				if got.From != "roster@example.com" || len(got.To) != 1 || got.To[0] != "bob@example.org" {
					t.Errorf("envelope = %q → %q, want roster@example.com → [bob@example.org]", got.From, got.To)
				}
				if got.Subject != "Welcome" || got.Text != "Your temporary password is hunter3.\n" {
					t.Errorf("subject, text = %q, %q", got.Subject, got.Text)
				}
				if got.TLS != tt.wantTLS {
					t.Errorf("TLS = %v, want %v", got.TLS, tt.wantTLS)
				}
				if got.User != tt.wantUser {
					t.Errorf("User = %q, want %q", got.User, tt.wantUser)
				}
			}
		})
	}
}

func TestSMTPSender_Send_RoundTripsUTF8AndFormatsHeaders(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t)
	s := newSMTP(t, roster.SMTPConfig{URL: srv.URL(), From: "Rösti Roster <roster@example.com>"})
	subject := "Willkommen bei Roster, Jürgen — Ihr Zugang ist bereit ✓ (Einladung für das Team Zürich)"
	text := "Grüße!\r\nPasswort: ÄÖÜ-ß=€ \n" +
		".a line starting with a dot\n" +
		strings.Repeat("long line ", 20) + "\n"
	if err := s.Send(t.Context(), roster.Message{To: "Jürgen <j@example.org>", Subject: subject, Text: text}); err != nil {
		t.Fatalf("Send: %v", err)
	}

	got := srv.WaitFor(t, 1, waitMail)[0]
	if got.ParseErr != nil {
		t.Fatalf("message does not parse: %v", got.ParseErr)
	}
	if got.Subject != subject {
		t.Errorf("Subject = %q, want %q", got.Subject, subject)
	}
	if want := strings.ReplaceAll(text, "\r\n", "\n"); got.Text != want {
		t.Errorf("Text = %q, want %q", got.Text, want)
	}

	data := string(got.Data)
	if strings.Contains(strings.ReplaceAll(data, "\r\n", ""), "\n") {
		t.Error("message has a bare LF; want CRLF line endings only")
	}
	for line := range strings.SplitSeq(data, "\r\n") {
		if len(line) > 78 {
			t.Errorf("line of %d bytes: %q", len(line), line)
		}
	}
	msg, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if from, err := h.AddressList("From"); err != nil || from[0].Name != "Rösti Roster" {
		t.Errorf("From = %q (%v)", h.Get("From"), err)
	}
	if to, err := h.AddressList("To"); err != nil || to[0].Address != "j@example.org" {
		t.Errorf("To = %q (%v)", h.Get("To"), err)
	}
	if id := h.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
		t.Errorf("Message-ID = %q", id)
	}
	for name, want := range map[string]string{
		"MIME-Version":              "1.0",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestSMTPSender_Send_RejectsHeaderInjection(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t)
	s := newSMTP(t, roster.SMTPConfig{URL: srv.URL()})
	tests := map[string]roster.Message{
		"CRLFInTo":      {To: "bob@example.org\r\nBcc: eve@example.org", Subject: "Hi"},
		"LFInTo":        {To: "bob@example.org\nBcc: eve@example.org", Subject: "Hi"},
		"CRInSubject":   {To: "bob@example.org", Subject: "Hi\rBcc: eve@example.org"},
		"LFInSubject":   {To: "bob@example.org", Subject: "Hi\nBcc: eve@example.org"},
		"NotAnAddress":  {To: "bob", Subject: "Hi"},
		"SubjectTooBig": {To: "bob@example.org", Subject: strings.Repeat("x", 1000)},
	}
	for name, m := range tests {
		t.Run(name, func(t *testing.T) {
			if err := s.Send(t.Context(), m); !errors.Is(err, roster.ErrInvalidMessage) {
				t.Errorf("Send = %v, want ErrInvalidMessage", err)
			}
		})
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages, want none", n)
	}
}

func TestNewSMTP_RejectsBadConfigWithoutLeakingPassword(t *testing.T) {
	t.Parallel()
	const pass = "hunter2"
	tests := map[string]roster.SMTPConfig{
		"EmptyURL":          {URL: ""},
		"SchemeSMTPS":       {URL: "smtps://ann:hunter2@mail.example.com:465"},
		"SchemeHTTP":        {URL: "http://ann:hunter2@mail.example.com:25"},
		"NoScheme":          {URL: "ann:hunter2@mail.example.com:25"},
		"NoHost":            {URL: "smtp://ann:hunter2@:25"},
		"NoPort":            {URL: "smtp://ann:hunter2@mail.example.com"},
		"PortZero":          {URL: "smtp://ann:hunter2@mail.example.com:0"},
		"PortTooBig":        {URL: "smtp://ann:hunter2@mail.example.com:70000"},
		"PasswordAsPort":    {URL: "smtp://ann:hunter2"},
		"BadEscape":         {URL: "smtp://ann:hunter2%zz@mail.example.com:25"},
		"Path":              {URL: "smtp://ann:hunter2@mail.example.com:25/inbox"},
		"Query":             {URL: "smtp://ann:hunter2@mail.example.com:25?tls=no"},
		"PasswordNoUser":    {URL: "smtp://:hunter2@mail.example.com:25"},
		"EmptyFrom":         {URL: "smtp://ann:hunter2@mail.example.com:25", From: ""},
		"FromNotAnAddress":  {URL: "smtp://ann:hunter2@mail.example.com:25", From: "roster"},
		"FromWithInjection": {URL: "smtp://ann:hunter2@mail.example.com:25", From: "roster@example.com\r\nBcc: eve@example.org"},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			if cfg.From == "" && name != "EmptyFrom" {
				cfg.From = "roster@example.com"
			}
			_, err := roster.NewSMTP(cfg)
			if !errors.Is(err, roster.ErrInvalidConfig) {
				t.Fatalf("NewSMTP = %v, want ErrInvalidConfig", err)
			}
			if strings.Contains(err.Error(), pass) {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestSMTPSender_Send_Fails(t *testing.T) {
	t.Parallel()

	t.Run("WrongPasswordWithoutLeakingIt", func(t *testing.T) {
		t.Parallel()
		srv := mailtest.NewServer(t, mailtest.WithAuth("ann", "right"))
		s := newSMTP(t, roster.SMTPConfig{URL: withUser(srv.URL(), "ann", "wrong-pass")})
		err := s.Send(t.Context(), roster.Message{To: "bob@example.org", Subject: "Hi"})
		if err == nil || strings.Contains(err.Error(), "wrong-pass") {
			t.Errorf("Send = %v, want an error without the password", err)
		}
	})

	t.Run("RejectedWithPermanentError", func(t *testing.T) {
		t.Parallel()
		srv := mailtest.NewServer(t, mailtest.WithFailure())
		s := newSMTP(t, roster.SMTPConfig{URL: srv.URL()})
		err := s.Send(t.Context(), roster.Message{To: "bob@example.org", Subject: "Hi"})
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code/100 != 5 {
			t.Errorf("Send = %v, want a 5xx *smtp.SMTPError", err)
		}
	})

	t.Run("UntrustedCertificate", func(t *testing.T) {
		t.Parallel()
		// Nil TLS means the system roots, which do not know mailtest's CA:
		// the sender must give up rather than fall back to plaintext.
		srv := mailtest.NewServer(t, mailtest.WithSTARTTLS())
		s := newSMTP(t, roster.SMTPConfig{URL: srv.URL()})
		if err := s.Send(t.Context(), roster.Message{To: "bob@example.org", Subject: "Hi"}); err == nil {
			t.Error("Send succeeded with an untrusted certificate")
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("server received %d messages, want none", n)
		}
	})

	// A server that accepts connections and never greets: only the timeout
	// or the context can end the wait.
	silent := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() })
			}
		}()
		return "smtp://" + l.Addr().String()
	}

	t.Run("TimeoutOnSilentServer", func(t *testing.T) {
		t.Parallel()
		s := newSMTP(t, roster.SMTPConfig{URL: silent(t), Timeout: 100 * time.Millisecond})
		start := time.Now()
		err := s.Send(t.Context(), roster.Message{To: "bob@example.org", Subject: "Hi"})
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("Send = %v, want a timeout", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("Send took %v, want about the 100ms timeout", d)
		}
	})

	t.Run("ContextEnds", func(t *testing.T) {
		t.Parallel()
		s := newSMTP(t, roster.SMTPConfig{URL: silent(t), Timeout: time.Minute})
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		if err := s.Send(ctx, roster.Message{To: "bob@example.org", Subject: "Hi"}); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Send = %v, want context.DeadlineExceeded", err)
		}
	})
}
