package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	netmail "net/mail"
	"os"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// The settings of `roster serve` come from four places; the first that
// gives one wins:
//
//  1. its flag on the command line (--addr),
//  2. its environment variable (ROSTER_ADDR), when set and not empty,
//  3. the config file (--config or ROSTER_CONFIG), a YAML mapping whose
//     keys are the flag names (addr: 127.0.0.1:8080),
//  4. the built-in default.
//
// Environment variables become the flags' defaults when the command is
// built (env(...) in serve.go), so applyConfigFile only has to fill in the
// flags that neither the command line nor the environment set.

// envName is the environment variable that stands in for a flag:
// ROSTER_ and the flag's name in upper case, dashes as underscores.
func envName(flag string) string {
	return "ROSTER_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// configFlag is the flag that names the config file; the file cannot set it.
const configFlag = "config"

// applyConfigFile reads the YAML config file at path, if path is not
// empty, and sets each flag it names that was not given on the command
// line or through its environment variable. An unreadable file, a key that
// is not a flag, or a value the flag refuses is an error that names the
// file and the setting.
func applyConfigFile(flags *pflag.FlagSet, path string) error {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	settings, err := parseConfig(b)
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	for _, key := range sortedKeys(settings) {
		f := flags.Lookup(key)
		if f == nil || key == configFlag || key == "help" {
			return fmt.Errorf("config %s: unknown setting %q", path, key)
		}
		if f.Changed || os.Getenv(envName(key)) != "" {
			continue // the command line and the environment come first
		}
		if err := flags.Set(key, settings[key]); err != nil {
			return fmt.Errorf("config %s: %s: %w", path, key, err)
		}
	}
	return nil
}

// parseConfig reads a YAML mapping of setting names to single values. An
// empty file sets nothing.
func parseConfig(b []byte) (map[string]string, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: want a mapping of setting: value", root.Line)
	}
	settings := make(map[string]string, len(root.Content)/2)
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if _, dup := settings[k.Value]; dup {
			return nil, fmt.Errorf("line %d: setting %q given twice", k.Line, k.Value)
		}
		if v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: setting %q: want a single value", v.Line, k.Value)
		}
		settings[k.Value] = v.Value
	}
	return settings, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// validate checks every setting of cfg before serve opens anything, and
// names the setting at fault. It returns the TLS configuration to serve
// with, nil for plain HTTP.
func (cfg serveConfig) validate() (*tls.Config, error) {
	for _, a := range []struct{ flag, addr string }{
		{"addr", cfg.addr}, {"pprof", cfg.pprof}, {"metrics-addr", cfg.metricsAddr},
	} {
		if a.addr == "" && a.flag != "addr" {
			continue
		}
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			return nil, fmt.Errorf("--%s: %q is not host:port: %w", a.flag, a.addr, err)
		}
	}
	if err := cfg.checkLimits(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.db) == "" {
		return nil, errors.New("--db: empty; give a SQLite file path or a postgres:// URL")
	}
	// The sender address matters only to SMTP; mail to the log has none.
	if _, err := netmail.ParseAddress(cfg.mailFrom); cfg.smtp != "" && err != nil {
		return nil, fmt.Errorf("--mail-from: %q is not an e-mail address: %w", cfg.mailFrom, err)
	}
	return cfg.serverTLS()
}

// serverTLS loads --tls-cert and --tls-key, which come together or not at
// all.
func (cfg serveConfig) serverTLS() (*tls.Config, error) {
	switch {
	case cfg.tlsCert == "" && cfg.tlsKey == "":
		return nil, nil
	case cfg.tlsKey == "":
		return nil, errors.New("--tls-key: not set, but --tls-cert is; give both or neither")
	case cfg.tlsCert == "":
		return nil, errors.New("--tls-cert: not set, but --tls-key is; give both or neither")
	}
	cert, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert, --tls-key: %w", err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		// net/http speaks HTTP/2 on a listener it did not set up only when
		// the TLS configuration offers it.
		NextProtos: []string{"h2", "http/1.1"},
	}, nil
}
