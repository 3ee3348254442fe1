package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/roster-dev/roster/internal/apidoc"
	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/httpapi/aam"
	"github.com/roster-dev/roster/internal/httpapi/oauth"
	"github.com/roster-dev/roster/internal/httpapi/panther"
	"github.com/roster-dev/roster/internal/mail"
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
}

func newServeCmd(stderr io.Writer) *cobra.Command {
	var cfg serveConfig
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
	f := cmd.Flags()
	f.StringVar(&cfg.addr, "addr", env("ROSTER_ADDR", defaultAddr), "address to listen on [$ROSTER_ADDR]")
	addDBFlag(cmd, &cfg.db)
	f.StringVar(&cfg.smtp, "smtp", env("ROSTER_SMTP", ""), "SMTP relay for invitations, smtp://[user:pass@]host:port; unset: mail goes to the log, passwords masked [$ROSTER_SMTP]")
	f.StringVar(&cfg.mailFrom, "mail-from", env("ROSTER_MAIL_FROM", "roster@localhost"), "sender address of Roster's mail [$ROSTER_MAIL_FROM]")
	f.StringVar(&cfg.pprof, "pprof", env("ROSTER_PPROF", ""), "also serve net/http/pprof on this address, apart from the API, such as 127.0.0.1:6060; unset: off [$ROSTER_PPROF]")
	f.StringVar(&cfg.metricsAddr, "metrics-addr", env("ROSTER_METRICS_ADDR", ""), "serve /metrics on this address instead of the API's, such as 127.0.0.1:9090; unset: on the API's [$ROSTER_METRICS_ADDR]")
	f.StringVar(&cfg.tlsCert, "tls-cert", env("ROSTER_TLS_CERT", ""), "PEM certificate (chain) file to serve HTTPS with; needs --tls-key; unset: plain HTTP [$ROSTER_TLS_CERT]")
	f.StringVar(&cfg.tlsKey, "tls-key", env("ROSTER_TLS_KEY", ""), "PEM private key file of --tls-cert [$ROSTER_TLS_KEY]")
	f.StringVar(&cfg.configFile, configFlag, env("ROSTER_CONFIG", ""), "YAML file of settings, keys named as these flags (addr: :8080); flags and environment variables win over it [$ROSTER_CONFIG]")
	return cmd
}

// mailDrainTimeout bounds how long shutdown waits for queued mail.
const mailDrainTimeout = 10 * time.Second

// serve runs the server until ctx ends, then shuts down in order: stop
// accepting and drain requests, close pprof's server, deliver queued mail,
// close the database.
func serve(ctx context.Context, cfg serveConfig, stderr io.Writer) error {
	log := newLogger(stderr)
	tlsCfg, err := cfg.validate()
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
	svc := service.New(service.Config{Store: st, Mail: queue, Log: log, Metrics: m})
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
	h := newHandler(svc, log)
	return httpapi.Serve(ctx, ln, withOperatorRoutes(h, st, m, cfg.metricsAddr == "", log), log)
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

// newHandler mounts every route of the API on one mux.
func newHandler(svc *service.Service, log *slog.Logger) *http.ServeMux {
	mux := http.NewServeMux()
	panther.Mount(mux, svc, log)
	aam.Mount(mux, svc, log)
	oauth.Mount(mux, svc, log)
	mux.Handle("GET /openapi.json", apidoc.Handler())
	return mux
}
