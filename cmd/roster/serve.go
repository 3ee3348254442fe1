package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/apidoc"
	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/httpapi/aam"
	"github.com/roster-dev/roster/internal/httpapi/oauth"
	"github.com/roster-dev/roster/internal/httpapi/panther"
	"github.com/roster-dev/roster/internal/mail"
	"github.com/roster-dev/roster/internal/metrics"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// serveConfig is everything `roster serve` needs.
type serveConfig struct {
	addr     string
	db       string
	smtp     string
	mailFrom string
	// smtpTLS overrides the TLS settings for STARTTLS (tests trust their
	// own in-process server's certificate through it).
	smtpTLS *tls.Config
	// pprof, if set, is where net/http/pprof listens, apart from the API.
	pprof string
	// authCache is how long a checked credential is trusted without the
	// database; 0 turns the cache off.
	authCache time.Duration
	// logFormat is text or json; logLevel debug, info, warn or error.
	logFormat, logLevel string
	// accessLog writes one line per request.
	accessLog bool
	// maxInFlight bounds the requests served at once; 0 is no bound.
	maxInFlight int
	// memoryLimitMB is the Go runtime's soft memory limit, in MiB, unless
	// GOMEMLIMIT is set; 0 leaves the runtime's default (none).
	memoryLimitMB int
	timeouts      httpapi.Timeouts
	// Sign-in rate limits per client address and per username, in token
	// requests a minute (0: off) and bursts.
	signinAddrRate, signinUserRate   float64
	signinAddrBurst, signinUserBurst int
	// metricsAddr, if set, is where /metrics listens instead of the API's
	// port.
	metricsAddr string
	// tlsCert and tlsKey, if set, are the PEM files to serve HTTPS with.
	tlsCert, tlsKey string
	// configFile is the YAML file of settings (config.go).
	configFile string
	// ready, if set, is called with the bound address once the server
	// accepts connections; pprofReady and metricsReady likewise with
	// pprof's and metrics' listeners.
	ready, pprofReady, metricsReady func(addr string)
	// now, if set, is the service's clock (tests move it to see tokens
	// expire); nil is time.Now.
	now func() time.Time
}

func newServeCmd(stderr io.Writer) *cobra.Command {
	cfg := defaultServeConfig()
	def := defaultServeConfig()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Roster server",
		Example: "  roster serve\n" +
			"  roster serve --addr :8080 --db /var/lib/roster/roster.db --smtp smtp://mail:587 --mail-from roster@example.com",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyConfigFile(cmd.Flags(), cfg.configFile); err != nil {
				return err
			}
			return serve(cmd.Context(), cfg, stderr)
		},
	}
	// Every flag has an environment variable; string flags read theirs
	// in their default, the others through envFlags below.
	f := cmd.Flags()
	f.StringVar(&cfg.addr, "addr", env("ROSTER_ADDR", def.addr), "address to listen on [$ROSTER_ADDR]")
	addDBFlag(cmd, &cfg.db)
	f.StringVar(&cfg.smtp, "smtp", env("ROSTER_SMTP", ""), "SMTP relay for invitations, smtp://[user:pass@]host:port; unset: mail goes to the log, passwords masked [$ROSTER_SMTP]")
	f.StringVar(&cfg.mailFrom, "mail-from", env("ROSTER_MAIL_FROM", def.mailFrom), "sender address of Roster's mail [$ROSTER_MAIL_FROM]")
	f.StringVar(&cfg.pprof, "pprof", env("ROSTER_PPROF", ""), "also serve net/http/pprof on this address, apart from the API, such as 127.0.0.1:6060; unset: off [$ROSTER_PPROF]")
	f.StringVar(&cfg.logFormat, "log-format", env("ROSTER_LOG_FORMAT", def.logFormat), "log format: text or json [$ROSTER_LOG_FORMAT]")
	f.StringVar(&cfg.logLevel, "log-level", env("ROSTER_LOG_LEVEL", def.logLevel), "least severe level logged: debug, info, warn or error [$ROSTER_LOG_LEVEL]")
	f.BoolVar(&cfg.accessLog, "access-log", def.accessLog, "log one line per request (at info) [$ROSTER_ACCESS_LOG]")
	f.IntVar(&cfg.maxInFlight, "max-in-flight", def.maxInFlight, "most requests served at once; more are answered 503 with Retry-After; 0: no limit [$ROSTER_MAX_IN_FLIGHT]")
	f.IntVar(&cfg.memoryLimitMB, "memory-limit-mb", def.memoryLimitMB, "soft limit of the Go heap in MiB: the garbage collector works harder near it rather than let the heap double (each sign-in's argon2id leaves 19 MiB behind); GOMEMLIMIT, if set, wins; 0: none [$ROSTER_MEMORY_LIMIT_MB]")
	f.DurationVar(&cfg.timeouts.ReadHeader, "read-header-timeout", def.timeouts.ReadHeader, "longest wait for a request's headers [$ROSTER_READ_HEADER_TIMEOUT]")
	f.DurationVar(&cfg.timeouts.Read, "read-timeout", def.timeouts.Read, "longest wait for a whole request, body included [$ROSTER_READ_TIMEOUT]")
	f.DurationVar(&cfg.timeouts.Write, "write-timeout", def.timeouts.Write, "longest time to write an answer; a streamed list gets this long per stretch of progress [$ROSTER_WRITE_TIMEOUT]")
	f.DurationVar(&cfg.timeouts.Idle, "idle-timeout", def.timeouts.Idle, "how long a kept-alive connection may wait for its next request [$ROSTER_IDLE_TIMEOUT]")
	f.Float64Var(&cfg.signinAddrRate, "signin-addr-rate", def.signinAddrRate, "token requests a minute from one client address (IPv6: one /64); 0: no limit [$ROSTER_SIGNIN_ADDR_RATE]")
	f.IntVar(&cfg.signinAddrBurst, "signin-addr-burst", def.signinAddrBurst, "token requests one client address may make at once [$ROSTER_SIGNIN_ADDR_BURST]")
	f.Float64Var(&cfg.signinUserRate, "signin-user-rate", def.signinUserRate, "password sign-ins a minute for one username; 0: no limit [$ROSTER_SIGNIN_USER_RATE]")
	f.IntVar(&cfg.signinUserBurst, "signin-user-burst", def.signinUserBurst, "password sign-ins one username may make at once [$ROSTER_SIGNIN_USER_BURST]")
	f.DurationVar(&cfg.authCache, "auth-cache", def.authCache,
		"how long a checked API key or token is trusted without asking the database; a revocation made through another node or the command line takes effect within it (this node's own at once); 0: off [$ROSTER_AUTH_CACHE]")
	f.StringVar(&cfg.metricsAddr, "metrics-addr", env("ROSTER_METRICS_ADDR", ""), "serve /metrics on this address instead of the API's, such as 127.0.0.1:9090; unset: on the API's [$ROSTER_METRICS_ADDR]")
	f.StringVar(&cfg.tlsCert, "tls-cert", env("ROSTER_TLS_CERT", ""), "PEM certificate (chain) file to serve HTTPS with; needs --tls-key; unset: plain HTTP [$ROSTER_TLS_CERT]")
	f.StringVar(&cfg.tlsKey, "tls-key", env("ROSTER_TLS_KEY", ""), "PEM private key file of --tls-cert [$ROSTER_TLS_KEY]")
	f.StringVar(&cfg.configFile, configFlag, env("ROSTER_CONFIG", ""), "YAML file of settings, keys named as these flags (addr: :8080); flags and environment variables win over it [$ROSTER_CONFIG]")
	envErr := envFlags(f)
	cmd.PreRunE = func(*cobra.Command, []string) error { return envErr }
	return cmd
}

// defaultServeConfig is `roster serve` without flags or environment; tests
// start from it too. docs/DECISIONS.md says why these limits.
func defaultServeConfig() serveConfig {
	return serveConfig{
		addr: defaultAddr, db: defaultDB, mailFrom: "roster@localhost",
		logFormat: "text", logLevel: "info", accessLog: true,
		maxInFlight:    512,
		memoryLimitMB:  defaultMemoryLimitMB,
		timeouts:       httpapi.DefaultTimeouts,
		signinAddrRate: 60, signinAddrBurst: 30,
		signinUserRate: 10, signinUserBurst: 10,
		authCache: defaultAuthCache,
	}
}

// defaultMemoryLimitMB keeps a busy server's footprint small: the live
// heap is a few tens of MiB, but every sign-in's argon2id allocates 19 MiB
// that becomes garbage at once, and with the default pacing the heap grew
// to twice its live size before the collector caught up (peak RSS 152 MiB
// in the million-user benchmark's sign-in scenario). Too tight a limit
// costs sign-ins instead: at 80 MiB, two hashes in flight and the garbage
// of the last ones left no room, so the runtime returned pages to the
// kernel and faulted them back in for the next hash, and sign-in fell to
// 0.67-0.70 of the rate argon2id alone allows. At 96 it measured
// 0.88-1.22 (median 1.02 over three full runs), with a peak RSS of
// 119-136 MiB at a million users (docs/BENCHMARKS.md).
const defaultMemoryLimitMB = 96

// setMemoryLimit sets the runtime's soft memory limit to mb MiB, unless
// GOMEMLIMIT set one, which the runtime has already applied.
func setMemoryLimit(mb int) {
	if mb > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(mb) << 20)
	}
}

// defaultAuthCache is short enough that a key revoked elsewhere stops
// working within a second, and long enough to save the credential lookup
// on nearly every request of a busy client.
const defaultAuthCache = time.Second

// checkLimits refuses limits that would quietly mean something else;
// validate (config.go) runs it with the other checks.
func (cfg serveConfig) checkLimits() error {
	for name, d := range map[string]time.Duration{
		"--read-header-timeout": cfg.timeouts.ReadHeader, "--read-timeout": cfg.timeouts.Read,
		"--write-timeout": cfg.timeouts.Write, "--idle-timeout": cfg.timeouts.Idle,
	} {
		if d <= 0 {
			return fmt.Errorf("%s must be positive, not %s", name, d)
		}
	}
	switch {
	case cfg.memoryLimitMB < 0:
		return fmt.Errorf("--memory-limit-mb must be 0 (none) or more, not %d", cfg.memoryLimitMB)
	case cfg.maxInFlight < 0:
		return fmt.Errorf("--max-in-flight must be 0 (no limit) or more, not %d", cfg.maxInFlight)
	case cfg.signinAddrRate < 0 || cfg.signinUserRate < 0:
		return fmt.Errorf("--signin-addr-rate and --signin-user-rate must be 0 (no limit) or more")
	case cfg.signinAddrBurst < 1 || cfg.signinUserBurst < 1:
		return fmt.Errorf("--signin-addr-burst and --signin-user-burst must be at least 1")
	}
	if cfg.authCache < 0 {
		return fmt.Errorf("--auth-cache must be 0 (off) or more, not %s", cfg.authCache)
	}
	return nil
}

// mailDrainTimeout bounds how long shutdown waits for queued mail.
const mailDrainTimeout = 10 * time.Second

// serve runs the server until ctx ends, then shuts down in order: stop
// accepting and drain requests, close pprof's server, deliver queued mail,
// close the database.
func serve(ctx context.Context, cfg serveConfig, stderr io.Writer) error {
	tlsCfg, err := cfg.validate()
	if err != nil {
		return err
	}
	setMemoryLimit(cfg.memoryLimitMB)
	log, err := newLogger(stderr, cfg.logFormat, cfg.logLevel)
	if err != nil {
		return err
	}
	sender, err := newSender(cfg, log)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg.db)
	if err != nil {
		return err
	}
	defer st.Close()

	queue := mail.NewQueue(sender, log, 1024)
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), mailDrainTimeout)
		defer cancel()
		if err := queue.Close(dctx); err != nil {
			log.Error("mail queue not drained", "err", err)
		}
	}()

	m := newMetrics(st, queue)
	svc := service.New(service.Config{Store: st, Mail: queue, Log: log, Now: cfg.now,
		AuthCacheTTL: cfg.authCache, Metrics: m})
	go sweepTokens(ctx, svc, log)
	if cfg.pprof != "" {
		stop, err := startPprof(cfg.pprof, cfg.pprofReady, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	if cfg.metricsAddr != "" {
		stop, err := startMetrics(cfg.metricsAddr, m, cfg.metricsReady, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	scheme := "http://"
	if tlsCfg != nil {
		ln, scheme = tls.NewListener(ln, tlsCfg), "https://"
	}
	log.Info("roster serving", "addr", scheme+ln.Addr().String(), "db", dbLabel(cfg.db))
	if cfg.ready != nil {
		cfg.ready(ln.Addr().String())
	}
	h := newHandler(newRouter(svc, st, m, log, cfg), m, log, cfg)
	return httpapi.Serve(ctx, ln, h, log, cfg.timeouts)
}

// tokenSweepInterval is how often expired tokens are removed.
const tokenSweepInterval = 10 * time.Minute

// sweepTokens removes expired tokens until ctx ends.
func sweepTokens(ctx context.Context, svc *service.Service, log *slog.Logger) {
	t := time.NewTicker(tokenSweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := svc.SweepTokens(ctx); err != nil {
				log.Error("sweeping expired tokens", "err", err)
			} else if n > 0 {
				log.Info("swept expired tokens", "count", n)
			}
		}
	}
}

// newSender picks SMTP when --smtp is set, the log otherwise.
func newSender(cfg serveConfig, log *slog.Logger) (mail.Sender, error) {
	if cfg.smtp == "" {
		log.Warn("no --smtp set: invitation mail goes to this log with passwords masked")
		return mail.LogSender{Log: log}, nil
	}
	s, err := mail.NewSMTP(mail.SMTPConfig{URL: cfg.smtp, From: cfg.mailFrom, TLS: cfg.smtpTLS})
	if err != nil {
		return nil, fmt.Errorf("--smtp: %w", err)
	}
	return s, nil
}

// newHandler puts the middleware every answer goes through around the
// router. Outermost first: security headers (so that even a 503 carries
// them), the request id and access line (so that a refused or panicking
// request is logged), metrics (outside recovery, so that they count a
// recovered panic's 500; everything between them and the mux passes the
// request on unchanged, so the mux's r.Pattern reaches them), recovery from
// panics, the in-flight limit, then JSON for the mux's own 404 and 405.
func newHandler(mux *httpapi.Mux, m *metrics.Metrics, log *slog.Logger, cfg serveConfig) http.Handler {
	accessLog := log
	if !cfg.accessLog {
		accessLog = slog.New(slog.DiscardHandler)
	}
	// A load balancer's health check must get through when the server is
	// busy: it asks whether the process is alive, not whether it is idle.
	isHealth := func(r *http.Request) bool { return r.URL.Path == "/healthz" }
	h := httpapi.LimitInFlight(cfg.maxInFlight, isHealth, httpapi.JSONErrors(mux))
	return httpapi.SecurityHeaders(httpapi.AccessLog(accessLog, m.Middleware(httpapi.Recover(log, h))))
}

// newRouter mounts every route of Roster on one mux: both dialects, sign-in
// and the operator's routes (probes.go). The authorization matrix test
// enumerates its Routes, so a route added here or in a Mount function is
// covered by that test from the start.
func newRouter(svc *service.Service, st roster.Store, m *metrics.Metrics, log *slog.Logger, cfg serveConfig) *httpapi.Mux {
	mux := httpapi.NewMux()
	panther.Mount(mux, svc, log)
	aam.Mount(mux, svc, log)
	oauth.Mount(mux, svc, log, oauth.Limits{
		PerAddress:  httpapi.NewKeyedLimiter(cfg.signinAddrRate, cfg.signinAddrBurst, 0),
		PerUsername: httpapi.NewKeyedLimiter(cfg.signinUserRate, cfg.signinUserBurst, 0),
	})
	mux.Handle("GET /openapi.json", apidoc.Handler())
	mountOperatorRoutes(mux, st, m, cfg.metricsAddr == "", log)
	return mux
}
