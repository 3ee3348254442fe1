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
//
// The server has no write timeout, since a CPU profile or a trace streams
// for as many seconds as asked (30 by default). /debug/pprof/cmdline is
// left out: the command line may hold --smtp's or --db's password.
// Importing net/http/pprof also registers its handlers on
// http.DefaultServeMux, which Roster never serves.
func startPprof(addr string, ready func(addr string), log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	url := "http://" + ln.Addr().String() + "/debug/pprof/"
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		log.Warn("pprof serving beyond this host: profiles show the process's code and memory", "url", url)
	} else {
		log.Info("pprof serving", "url", url)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("pprof server stopped", "err", err)
		}
	}()
	return func() {
		_ = srv.Close() // closes the listener and every connection; nothing to drain
		<-done
	}, nil
}
