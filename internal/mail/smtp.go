package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPConfig says where and as whom an SMTPSender delivers.
type SMTPConfig struct {
	// URL is smtp://[user:pass@]host:port. With a user, the sender
	// authenticates with AUTH PLAIN.
	URL string
	// From is the sender address, bare or with a display name.
	From string
	// TLS configures STARTTLS. Nil means the system roots, with ServerName
	// taken from the URL's host.
	TLS *tls.Config
	// Timeout bounds dialing and each SMTP command; zero means 30 seconds.
	Timeout time.Duration
}

// defaultTimeout is used when SMTPConfig.Timeout is zero.
const defaultTimeout = 30 * time.Second

// SMTPSender delivers each message over its own SMTP connection to one relay.
// It upgrades the connection with STARTTLS whenever the relay offers it.
type SMTPSender struct {
	addr    string // host:port
	host    string
	user    *url.Userinfo // nil: no AUTH
	from    *mail.Address
	tls     *tls.Config
	timeout time.Duration
	hello   string           // our name in EHLO
	now     func() time.Time // for the Date header

	// startTLS remembers that the relay once offered STARTTLS. From then on
	// the sender demands it, so a relay that stops offering it (or an
	// attacker stripping it from the EHLO reply) makes sending fail rather
	// than fall back to plaintext.
	startTLS atomic.Bool
}

// NewSMTP validates cfg and returns a sender for it. Its errors wrap
// ErrInvalidConfig and never contain the password.
func NewSMTP(cfg SMTPConfig) (*SMTPSender, error) {
	u, err := parseSMTPURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(cfg.From, "\r\n") {
		return nil, fmt.Errorf("%w: sender address contains a line break", ErrInvalidConfig)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("%w: sender address %q: %w", ErrInvalidConfig, cfg.From, err)
	}

	s := &SMTPSender{
		addr:    u.Host,
		host:    u.Hostname(),
		user:    u.User,
		from:    from,
		timeout: cfg.Timeout,
		hello:   helloName(),
		now:     time.Now,
	}
	if s.timeout <= 0 {
		s.timeout = defaultTimeout
	}
	if cfg.TLS != nil {
		s.tls = cfg.TLS.Clone()
	} else {
		s.tls = &tls.Config{}
	}
	if s.tls.ServerName == "" {
		s.tls.ServerName = s.host
	}
	return s, nil
}

// parseSMTPURL checks raw against smtp://[user:pass@]host:port. Its errors
// name only the part at fault, never the URL, which may hold a password.
func parseSMTPURL(raw string) (*url.URL, error) {
	const want = "want smtp://[user:pass@]host:port"
	if raw == "" {
		return nil, fmt.Errorf("%w: SMTP URL is empty, %s", ErrInvalidConfig, want)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse quotes the URL, and its reason can quote pieces of it:
		// "smtp://user:secret" fails on the "port" secret. Say nothing more.
		return nil, fmt.Errorf("%w: SMTP URL is malformed, %s", ErrInvalidConfig, want)
	}
	switch {
	case u.Scheme != "smtp":
		return nil, fmt.Errorf("%w: SMTP URL scheme %q not supported, %s", ErrInvalidConfig, u.Scheme, want)
	case u.Opaque != "":
		return nil, fmt.Errorf("%w: SMTP URL is malformed, %s", ErrInvalidConfig, want)
	case u.Hostname() == "":
		return nil, fmt.Errorf("%w: SMTP URL has no host, %s", ErrInvalidConfig, want)
	case u.Port() == "":
		return nil, fmt.Errorf("%w: SMTP URL for host %q has no port, %s", ErrInvalidConfig, u.Hostname(), want)
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("%w: SMTP URL for host %q has a path, query or fragment, %s", ErrInvalidConfig, u.Hostname(), want)
	case u.User != nil && u.User.Username() == "":
		return nil, fmt.Errorf("%w: SMTP URL for host %q has a password but no user", ErrInvalidConfig, u.Hostname())
	}
	if p, err := strconv.Atoi(u.Port()); err != nil || p < 1 || p > 65535 {
		return nil, fmt.Errorf("%w: SMTP URL port %q out of range", ErrInvalidConfig, u.Port())
	}
	return u, nil
}

// helloName is the name we give in EHLO. Relays want our host name; there is
// nothing better to say if the system has none.
func helloName() string {
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}

// Send delivers m in one SMTP conversation: EHLO, STARTTLS when offered,
// AUTH when configured, MAIL, RCPT, DATA, QUIT. It gives up when ctx ends.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	to, err := m.recipient()
	if err != nil {
		return err
	}
	msg, err := compose(s.now(), s.from, to, m)
	if err != nil {
		return err
	}
	if err := s.send(ctx, to.Address, msg); err != nil {
		if ctx.Err() != nil {
			// The connection was closed under go-smtp; its error says only that.
			return fmt.Errorf("mail: smtp %s: %w", s.addr, context.Cause(ctx))
		}
		return fmt.Errorf("mail: smtp %s: %w", s.addr, err)
	}
	return nil
}

func (s *SMTPSender) send(ctx context.Context, to string, msg []byte) error {
	c, secure, err := s.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()

	if s.user != nil {
		// Without TLS the password would cross the network in clear; on the
		// loopback interface it never leaves the machine.
		if !secure && !isLoopback(s.host) {
			return errors.New("refusing AUTH over a connection without TLS: the server did not offer STARTTLS")
		}
		if !c.SupportsAuth(sasl.Plain) {
			return errors.New("server does not offer AUTH PLAIN")
		}
		pass, _ := s.user.Password()
		if err := c.Auth(sasl.NewPlainClient("", s.user.Username(), pass)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.SendMail(s.from.Address, []string{to}, bytes.NewReader(msg)); err != nil {
		return err
	}
	// The relay has accepted the message; a failed goodbye changes nothing.
	_ = c.Quit()
	return nil
}

// open connects and says EHLO, upgrading to TLS when the relay offers it.
// secure reports whether the connection is now encrypted.
func (s *SMTPSender) open(ctx context.Context) (c *smtp.Client, secure bool, err error) {
	if !s.startTLS.Load() {
		conn, err := s.dial(ctx)
		if err != nil {
			return nil, false, err
		}
		c = smtp.NewClient(conn)
		if err := c.Hello(s.hello); err != nil {
			c.Close()
			return nil, false, err
		}
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return c, false, nil
		}
		// go-smtp cannot upgrade a client that has already said EHLO; only a
		// fresh one can (NewClientStartTLS). So the first conversation costs
		// one extra connection, and startTLS spares the later ones the probe.
		s.startTLS.Store(true)
		_ = c.Quit()
		c.Close()
	}

	conn, err := s.dial(ctx)
	if err != nil {
		return nil, false, err
	}
	c, err = smtp.NewClientStartTLS(conn, s.tls) // closes conn on failure
	if err != nil {
		return nil, false, fmt.Errorf("starttls: %w", err)
	}
	// The handshake happens here, on the first write; so does EHLO again,
	// since STARTTLS forgets everything said before it.
	if err := c.Hello(s.hello); err != nil {
		c.Close()
		return nil, false, fmt.Errorf("starttls: %w", err)
	}
	return c, true, nil
}

// dial connects to the relay. The connection closes itself when ctx ends
// and caps every deadline at s.timeout.
func (s *SMTPSender) dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: s.timeout}
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return nil, err
	}
	c := &boundedConn{Conn: conn, timeout: s.timeout}
	// go-smtp sets its own deadlines (five minutes) and clears them after each
	// command, so closing the connection is the only way to interrupt it.
	c.stop = context.AfterFunc(ctx, func() { conn.Close() })
	if err := c.SetDeadline(time.Time{}); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// boundedConn is a connection whose deadlines are never further away than
// timeout, however generous or absent the deadline go-smtp asks for.
type boundedConn struct {
	net.Conn
	timeout time.Duration
	stop    func() bool
}

func (c *boundedConn) bound(t time.Time) time.Time {
	limit := time.Now().Add(c.timeout)
	if t.IsZero() || t.After(limit) {
		return limit
	}
	return t
}

func (c *boundedConn) SetDeadline(t time.Time) error { return c.Conn.SetDeadline(c.bound(t)) }

func (c *boundedConn) SetReadDeadline(t time.Time) error {
	return c.Conn.SetReadDeadline(c.bound(t))
}

func (c *boundedConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(c.bound(t))
}

func (c *boundedConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// isLoopback reports whether host names this machine's loopback interface.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
