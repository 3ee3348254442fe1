package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Timeouts is how long the server waits on a client. Each bounds what a
// slow or idle client can hold: a connection, a goroutine, a slot of the
// in-flight limit.
type Timeouts struct {
	// ReadHeader bounds receiving a request's line and headers.
	ReadHeader time.Duration
	// Read bounds receiving a whole request, body included.
	Read time.Duration
	// Write bounds writing an answer, from the end of the request's
	// headers. A streamed answer extends it while it makes progress
	// (KeepStreaming), so a big list is not cut off.
	Write time.Duration
	// Idle bounds how long a kept-alive connection waits for its next
	// request.
	Idle time.Duration
}

// DefaultTimeouts are generous for real clients, short enough that a slow
// or idle client cannot hold a connection for long: headers come in one
// packet from anything but an attack; our bodies are at most 64 KiB.
var DefaultTimeouts = Timeouts{
	ReadHeader: 5 * time.Second,
	Read:       30 * time.Second,
	Write:      60 * time.Second,
	Idle:       120 * time.Second,
}

// maxHeaderBytes bounds a request's headers; ours need a key or a token,
// a few hundred bytes.
const maxHeaderBytes = 64 << 10

// ShutdownTimeout bounds how long Serve waits for requests in flight once
// its context ends.
const ShutdownTimeout = 20 * time.Second

// Serve answers requests on ln with h until ctx ends, then stops accepting,
// lets the requests in flight finish (up to ShutdownTimeout) and returns
// nil. Binding the listener is the caller's job, so that tests can use port
// 0 and learn the address before the first request. Zero timeouts take
// DefaultTimeouts' values.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, t Timeouts) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: orDefault(t.ReadHeader, DefaultTimeouts.ReadHeader),
		ReadTimeout:       orDefault(t.Read, DefaultTimeouts.Read),
		WriteTimeout:      orDefault(t.Write, DefaultTimeouts.Write),
		IdleTimeout:       orDefault(t.Idle, DefaultTimeouts.Idle),
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
