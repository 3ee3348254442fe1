package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startPprof serves the runtime's profiles (net/http/pprof) on addr, on a
// listener and server of their own, never on the API's mux: an API client
// cannot reach them, and an operator chooses where they listen. It returns
// stop, which closes the server, ending any profile in progress.
// /debug/pprof/cmdline is left out: the command line may hold --smtp's or
// --db's password. Importing net/http/pprof also registers its handlers on
// http.DefaultServeMux, which Roster never serves.
func startPprof(addr string, ready func(addr string), log *slog.Logger) (stop func(), err error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return serveApart("pprof", addr, mux, ready, func(a string) {
		url := "http://" + a + "/debug/pprof/"
		if isLoopback(a) {
			log.Info("pprof serving", "url", url)
		} else {
			log.Warn("pprof serving beyond this host: profiles show the process's code and memory", "url", url)
		}
	}, log)
}

// serveApart serves h on addr, the value of --flag, on a listener and
// server of its own, apart from the API. announce and ready, if not nil,
// are called with the bound address before the first request. It returns
// stop, which closes the server and every connection: nothing served
// apart needs draining.
//
// The server has no write timeout, since a CPU profile or a trace streams
// for as many seconds as asked (30 by default).
func serveApart(flag, addr string, h http.Handler, ready, announce func(addr string), log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flag, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if announce != nil {
		announce(ln.Addr().String())
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("server apart from the API stopped", "flag", flag, "err", err)
		}
	}()
	return func() {
		_ = srv.Close()
		<-done
	}, nil
}

// isLoopback reports whether a bound address is on the loopback interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback()
}
