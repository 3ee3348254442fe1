// Package mailtest runs a real SMTP server in-process for tests: it listens
// on a loopback port, speaks SMTP over TCP (optionally with STARTTLS and
// AUTH PLAIN) and keeps every message it accepts for the test to inspect.
//
// It knows nothing of Roster or of package mail, so any SMTP client can be
// tested against it. It is not a mail server: it delivers nothing.
package mailtest

import (
	"crypto/tls"
	"io"
	"log"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message the server accepted.
type Received struct {
	// From and To are the envelope: the MAIL FROM and RCPT TO addresses.
	From string
	To   []string
	// Data is the message exactly as sent after DATA, headers included.
	Data []byte
	// Subject is the decoded Subject header.
	Subject string
	// Text is the decoded body with CRLF line endings turned into LF.
	Text string
	// ParseErr says why Subject or Text could not be decoded, if so.
	ParseErr error
	// TLS reports whether the message arrived over an encrypted connection.
	TLS bool
	// User is the name the client authenticated as, or empty.
	User string
}

// Server is an SMTP server listening on 127.0.0.1, closed when its test ends.
type Server struct {
	srv  *smtp.Server
	addr string

	user, pass string // AUTH PLAIN credentials; empty: no AUTH offered
	fail       bool
	startTLS   bool
	clientTLS  *tls.Config

	mu      sync.Mutex
	msgs    []Received
	arrived chan struct{} // closed and replaced whenever a message arrives
}

// Option configures a Server.
type Option func(*Server)

// WithSTARTTLS makes the server offer STARTTLS with a self-signed
// certificate made for 127.0.0.1 and localhost. ClientTLS trusts it.
func WithSTARTTLS() Option {
	return func(s *Server) { s.startTLS = true }
}

// WithAuth makes the server offer AUTH PLAIN and refuse mail from clients
// that have not authenticated as user with pass.
func WithAuth(user, pass string) Option {
	return func(s *Server) { s.user, s.pass = user, pass }
}

// WithFailure makes the server reject every MAIL and DATA command with a
// permanent (5xx) error, to exercise a client's failure paths.
func WithFailure() Option {
	return func(s *Server) { s.fail = true }
}

// NewServer starts a server on 127.0.0.1 with a free port. It is closed by
// t.Cleanup.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{})}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "mailtest.localhost"
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 1 << 20
	// Tests connect over loopback; requiring TLS for AUTH is the client's
	// business to get right, which the client's own tests check.
	s.srv.AllowInsecureAuth = true
	for _, opt := range opts {
		opt(s)
	}
	if s.startTLS {
		server, client, err := selfSigned()
		if err != nil {
			t.Fatalf("mailtest: certificate: %v", err)
		}
		s.srv.TLSConfig, s.clientTLS = server, client
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.addr = l.Addr().String()
	errLog := &testLog{t: t}
	s.srv.ErrorLog = log.New(errLog, "mailtest: ", 0)

	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = s.srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = s.srv.Close()
		// Close forgets a listener that Serve has not registered yet; closing
		// it here too ends Serve however early the test finished.
		_ = l.Close()
		<-served
		// Connection handlers may still be unwinding; t must not hear from
		// them once the test is over.
		errLog.stop()
	})
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL is smtp://host:port, without credentials.
func (s *Server) URL() string { return "smtp://" + s.addr }

// ClientTLS returns a client configuration that trusts the server's
// certificate, or nil without WithSTARTTLS.
func (s *Server) ClientTLS() *tls.Config {
	if s.clientTLS == nil {
		return nil
	}
	return s.clientTLS.Clone()
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// WaitFor waits until at least n messages have arrived and returns them all;
// it fails t if that takes longer than timeout. Call it from the test's own
// goroutine.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		msgs, arrived := append([]Received(nil), s.msgs...), s.arrived
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("mailtest: %d of %d messages arrived within %v", len(msgs), n, timeout)
		}
	}
}

func (s *Server) add(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, r)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{server: s, conn: c}, nil
}

// session is one client's transaction state. go-smtp starts a new one after
// STARTTLS, so conn's TLS state is current when Data runs.
type session struct {
	server *Server
	conn   *smtp.Conn
	user   string
	from   string
	to     []string
}

var errRejected = &smtp.SMTPError{
	Code:         550,
	EnhancedCode: smtp.EnhancedCode{5, 7, 1},
	Message:      "mailtest: rejected as configured",
}

func (s *session) AuthMechanisms() []string {
	if s.server.user == "" {
		return nil // no AUTH in the EHLO reply
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if s.server.user == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.server.user || pass != s.server.pass {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.server.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	if s.server.fail {
		return errRejected
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.server.fail {
		return errRejected
	}
	_, isTLS := s.conn.TLSConnectionState()
	rec := Received{
		From: s.from,
		To:   append([]string(nil), s.to...),
		Data: data,
		TLS:  isTLS,
		User: s.user,
	}
	rec.Subject, rec.Text, rec.ParseErr = parse(data)
	s.server.add(rec)
	return nil
}

func (s *session) Reset() { s.from, s.to = "", nil }

func (s *session) Logout() error { return nil }

// parse decodes the subject and a single-part text body.
func parse(data []byte) (subject, text string, err error) {
	msg, err := mail.ReadMessage(strings.NewReader(string(data)))
	if err != nil {
		return "", "", err
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return "", "", err
	}
	body := msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return subject, "", err
	}
	return subject, strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}

// testLog passes go-smtp's error log to t until the test ends.
type testLog struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (l *testLog) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
}
