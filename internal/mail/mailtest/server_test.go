package mailtest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/roster-dev/roster/internal/mail/mailtest"
)

func send(t *testing.T, srv *mailtest.Server, auth sasl.Client) error {
	t.Helper()
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	msg := "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nhall=C3=B6=\r\n welt\r\n"
	return c.SendMail("a@example.com", []string{"b@example.org"}, strings.NewReader(msg))
}

func TestServer_RecordsAndDecodes(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t)
	if err := send(t, srv, nil); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	got := srv.WaitFor(t, 1, time.Second)[0]
	if got.From != "a@example.com" || got.To[0] != "b@example.org" || got.TLS || got.User != "" {
		t.Errorf("received %+v", got)
	}
	if got.Subject != "Grüße" || got.Text != "hallö welt\n" {
		t.Errorf("subject, text = %q, %q", got.Subject, got.Text)
	}
}

func TestServer_WithAuth(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t, mailtest.WithAuth("ann", "pw"))
	var se *smtp.SMTPError
	if err := send(t, srv, nil); !errors.As(err, &se) || se.Code != 502 {
		t.Errorf("unauthenticated SendMail = %v, want 502", err)
	}
	if err := send(t, srv, sasl.NewPlainClient("", "ann", "bad")); !errors.As(err, &se) || se.Code != 535 {
		t.Errorf("SendMail with a bad password = %v, want 535", err)
	}
	if err := send(t, srv, sasl.NewPlainClient("", "ann", "pw")); err != nil {
		t.Errorf("SendMail: %v", err)
	}
	if got := srv.WaitFor(t, 1, time.Second); len(got) != 1 || got[0].User != "ann" {
		t.Errorf("received %+v, want one message from ann", got)
	}
}

func TestServer_WithFailure(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t, mailtest.WithFailure())
	var se *smtp.SMTPError
	if err := send(t, srv, nil); !errors.As(err, &se) || se.Code != 550 {
		t.Errorf("SendMail = %v, want 550", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages recorded, want none", n)
	}
}

func TestServer_WithSTARTTLS(t *testing.T) {
	t.Parallel()
	srv := mailtest.NewServer(t, mailtest.WithSTARTTLS())
	c, err := smtp.DialStartTLS(srv.Addr(), srv.ClientTLS())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SendMail("a@example.com", []string{"b@example.org"}, strings.NewReader("Subject: x\r\n\r\ny\r\n")); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	if got := srv.WaitFor(t, 1, time.Second); !got[0].TLS {
		t.Error("TLS = false after STARTTLS")
	}
}
