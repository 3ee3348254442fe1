package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestServeHelp_ListsEveryFlagWithItsEnvironmentVariable(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"serve", "--help"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	help := out.String()
	n := 0
	newServeCmd(io.Discard).Flags().VisitAll(func(f *pflag.Flag) {
		n++
		if !strings.Contains(help, "--"+f.Name) {
			t.Errorf("serve --help does not list --%s", f.Name)
		}
		if want := "[$" + envName(f.Name) + "]"; !strings.Contains(f.Usage, want) {
			t.Errorf("--%s: usage %q does not name its variable %s", f.Name, f.Usage, want)
		}
	})
	if n < 8 {
		t.Errorf("only %d flags seen", n)
	}
}

// writeFile writes content to name in a temp dir and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigFile_FlagBeatsEnvironmentBeatsFileBeatsDefault(t *testing.T) {
	file := writeFile(t, "roster.yaml", `
# every layer sets pprof; all but the flag set metrics-addr; ...
pprof: 127.0.0.1:1001
metrics-addr: 127.0.0.1:1002
mail-from: file@example.com
addr: 127.0.0.1:1004
`)
	t.Setenv("ROSTER_PPROF", "127.0.0.1:2001")
	t.Setenv("ROSTER_METRICS_ADDR", "127.0.0.1:2002")
	t.Setenv("ROSTER_MAIL_FROM", "")
	t.Setenv("ROSTER_ADDR", "")
	t.Setenv("ROSTER_TLS_CERT", "")
	cmd := newServeCmd(io.Discard)
	if err := cmd.ParseFlags([]string{"--pprof", "127.0.0.1:3001", "--config", file}); err != nil {
		t.Fatal(err)
	}
	if err := applyConfigFile(cmd.Flags(), file); err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{
		"pprof":        "127.0.0.1:3001",   // flag
		"metrics-addr": "127.0.0.1:2002",   // environment
		"mail-from":    "file@example.com", // file (its variable is empty: unset)
		"addr":         "127.0.0.1:1004",   // file
		"tls-cert":     "",                 // default
	} {
		if got := cmd.Flags().Lookup(flag).Value.String(); got != want {
			t.Errorf("--%s = %q, want %q", flag, got, want)
		}
	}
}

func TestConfigFile_RefusesToStartNamingTheSetting(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"UnknownKey", "adress: :8080\n", `unknown setting "adress"`},
		{"ConfigInsideConfig", "config: other.yaml\n", `unknown setting "config"`},
		{"NotAMapping", "- addr\n", "want a mapping"},
		{"ListValue", "addr: [a, b]\n", `setting "addr": want a single value`},
		{"Duplicate", "addr: a:1\naddr: b:2\n", `setting "addr" given twice`},
		{"BadYAML", "addr: \"unterminated\n", "config "},
		{"InvalidValue", "addr: nonsense\n", "--addr:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("ROSTER_ADDR", "")
			file := writeFile(t, "roster.yaml", tc.yaml)
			db := filepath.Join(t.TempDir(), "roster.db")
			err := run(context.Background(), []string{"serve", "--config", file, "--db", db}, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if _, serr := os.Stat(db); !os.IsNotExist(serr) {
				t.Errorf("the database was created before the configuration was refused (%v)", serr)
			}
		})
	}
	t.Run("MissingFile", func(t *testing.T) {
		err := run(context.Background(), []string{"serve", "--config", filepath.Join(t.TempDir(), "nope.yaml")}, io.Discard, io.Discard)
		if err == nil || !strings.HasPrefix(err.Error(), "--config:") {
			t.Fatalf("error %v, want one naming --config", err)
		}
	})
}

func TestServe_RefusesInvalidSettingsBeforeOpeningAnything(t *testing.T) {
	garbage := writeFile(t, "garbage.pem", "not a certificate")
	cert, key := selfSignedFiles(t)
	for _, tc := range []struct {
		name   string
		change func(*serveConfig)
		want   string
	}{
		{"AddrWithoutPort", func(c *serveConfig) { c.addr = "localhost" }, "--addr:"},
		{"EmptyDB", func(c *serveConfig) { c.db = " " }, "--db:"},
		{"SMTPScheme", func(c *serveConfig) { c.smtp = "http://mail:25" }, "--smtp:"},
		{"MailFrom", func(c *serveConfig) { c.smtp, c.mailFrom = "smtp://mail:25", "not an address" }, "--mail-from:"},
		{"PprofAddr", func(c *serveConfig) { c.pprof = "6060" }, "--pprof:"},
		{"MetricsAddr", func(c *serveConfig) { c.metricsAddr = "9090" }, "--metrics-addr:"},
		{"CertWithoutKey", func(c *serveConfig) { c.tlsCert = cert }, "--tls-key:"},
		{"KeyWithoutCert", func(c *serveConfig) { c.tlsKey = key }, "--tls-cert:"},
		{"CertNotPEM", func(c *serveConfig) { c.tlsCert, c.tlsKey = garbage, key }, "--tls-cert, --tls-key:"},
		{"KeyOfAnotherCert", func(c *serveConfig) { _, other := selfSignedFiles(t); c.tlsCert, c.tlsKey = cert, other }, "--tls-cert, --tls-key:"},
		{"CertUnreadable", func(c *serveConfig) { c.tlsCert, c.tlsKey = cert+".missing", key }, "--tls-cert, --tls-key:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "roster.db")
			cfg := defaultServeConfig()
			cfg.addr, cfg.db = "127.0.0.1:0", db
			tc.change(&cfg)
			err := serve(context.Background(), cfg, io.Discard)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %v, want one starting %q", err, tc.want)
			}
			if _, serr := os.Stat(db); !os.IsNotExist(serr) {
				t.Errorf("the database was created before the configuration was refused (%v)", serr)
			}
		})
	}
}

// selfSignedFiles writes a new self-signed certificate for 127.0.0.1 and
// its key as PEM files, and returns their paths.
func selfSignedFiles(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(now.UnixNano()),
		Subject:               pkix.Name{CommonName: "roster test"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for path, block := range map[string]*pem.Block{
		certFile: {Type: "CERTIFICATE", Bytes: der},
		keyFile:  {Type: "PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

func TestServe_TLSCertAndKeyServeHTTPS(t *testing.T) {
	certFile, keyFile := selfSignedFiles(t)
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)

	ready := make(chan string, 1)
	logs := &syncBuffer{}
	cfg := defaultServeConfig()
	cfg.addr, cfg.db, cfg.tlsCert, cfg.tlsKey = "127.0.0.1:0", testDB(t), certFile, keyFile
	cfg.ready = func(a string) { ready <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, logs) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve returned %v\n%s", err, logs)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("server did not start within 10s\n%s", logs)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v", err)
		}
	}()

	if !strings.Contains(logs.String(), "addr=https://"+addr) {
		t.Errorf("the log does not announce https://%s:\n%s", addr, logs)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("HTTPS request: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ok"`) {
		t.Errorf("GET https://…/healthz: %d %s", resp.StatusCode, body)
	}
	if resp.TLS == nil || resp.ProtoMajor != 2 {
		t.Errorf("answered over %s (TLS %v), want HTTP/2 over TLS", resp.Proto, resp.TLS != nil)
	}

	// Plain HTTP on the HTTPS port is refused, not served.
	plain := &http.Client{Timeout: 10 * time.Second}
	if resp, err := plain.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP on the HTTPS port: %d, want 400", resp.StatusCode)
		}
	}
}
