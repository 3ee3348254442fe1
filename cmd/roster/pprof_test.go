package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServe_PprofListensApartFromTheAPI(t *testing.T) {
	apiAddr, pprofAddr := make(chan string, 1), make(chan string, 1)
	logs := &syncBuffer{}
	cfg := defaultServeConfig()
	cfg.addr, cfg.db, cfg.pprof = "127.0.0.1:0", testDB(t), "127.0.0.1:0"
	cfg.ready = func(a string) { apiAddr <- a }
	cfg.pprofReady = func(a string) { pprofAddr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, logs) }()
	var api, prof string
	for api == "" || prof == "" {
		select {
		case api = <-apiAddr:
		case prof = <-pprofAddr:
		case err := <-done:
			t.Fatalf("serve returned %v\n%s", err, logs)
		case <-time.After(10 * time.Second):
			t.Fatalf("server did not start within 10s\n%s", logs)
		}
	}
	if !strings.Contains(logs.String(), "url=http://"+prof+"/debug/pprof/") {
		t.Errorf("the log does not give pprof's address %s:\n%s", prof, logs)
	}

	client := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range []struct {
		addr, path string
		want       int
	}{
		{prof, "/debug/pprof/", http.StatusOK},
		{prof, "/debug/pprof/goroutine?debug=1", http.StatusOK},
		{prof, "/debug/pprof/cmdline", http.StatusNotFound}, // may hold passwords
		{api, "/debug/pprof/", http.StatusNotFound},
		{api, "/debug/pprof/goroutine", http.StatusNotFound},
	} {
		resp, err := client.Get("http://" + tc.addr + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s on %s: %d, want %d", tc.path, tc.addr, resp.StatusCode, tc.want)
		}
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
	if c, err := net.DialTimeout("tcp", prof, time.Second); err == nil {
		c.Close()
		t.Error("pprof still accepts connections after serve returned")
	}
}

func TestServe_PprofIsOffUnlessAsked(t *testing.T) {
	t.Setenv("ROSTER_PPROF", "")
	if f := newServeCmd(&syncBuffer{}).Flags().Lookup("pprof"); f.DefValue != "" {
		t.Errorf("--pprof defaults to %q, want off", f.DefValue)
	}
	t.Setenv("ROSTER_PPROF", "127.0.0.1:6060")
	if f := newServeCmd(&syncBuffer{}).Flags().Lookup("pprof"); f.DefValue != "127.0.0.1:6060" {
		t.Errorf("$ROSTER_PPROF gives --pprof %q", f.DefValue)
	}
}
