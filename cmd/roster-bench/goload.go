package main

import (
	"context"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"time"
)

// goLoader is the fallback load generator, for machines without wrk: one
// goroutine per connection over a keep-alive client. It costs more CPU per
// request than wrk (net/http's client, a request per call, the runtime),
// and that CPU is taken from the server on the same machine, so its
// figures are a lower bound; the report shows its cost per request.
type goLoader struct{}

func (goLoader) name() string { return "go (fallback)" }

// workerResult is what one Go worker saw.
type workerResult struct {
	latencies []time.Duration
	errors    int64
}

func (goLoader) run(ctx context.Context, j job) (measure, error) {
	tr := &http.Transport{
		MaxIdleConnsPerHost: j.concurrency,
		MaxConnsPerHost:     j.concurrency,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	cpu0 := selfCPU()
	start := time.Now()
	deadline := start.Add(j.duration)
	results := make([]workerResult, j.concurrency)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { results[i] = drive(ctx, client, j, newWorker(i, j.concurrency), deadline) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := ctx.Err(); err != nil {
		return measure{}, err
	}
	m := measure{Elapsed: elapsed, LoadCPU: selfCPU() - cpu0}
	var all []time.Duration
	for _, r := range results {
		all = append(all, r.latencies...)
		m.Errors += r.errors
	}
	slices.Sort(all)
	m.Requests = int64(len(all))
	m.ReqPerSec = float64(m.Requests) / elapsed.Seconds()
	m.P50, m.P99 = percentile(all, 0.50), percentile(all, 0.99)
	return m, nil
}

// drive makes w's requests one after another until the deadline.
func drive(ctx context.Context, client *http.Client, j job, w *worker, deadline time.Time) workerResult {
	var r workerResult
	r.latencies = make([]time.Duration, 0, 1024)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		req, err := j.plan.request(ctx, j.base, j.sc, w)
		if err != nil {
			r.errors++
			continue
		}
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			r.latencies = append(r.latencies, time.Since(t0))
			r.errors++
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		r.latencies = append(r.latencies, time.Since(t0))
		switch {
		case err != nil || resp.StatusCode < 200 || resp.StatusCode >= 400:
			r.errors++
		case j.sc.respond != nil:
			j.sc.respond(w, body)
		}
	}
	return r
}

// percentile returns the p-th quantile of sorted durations, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// selfCPU is the user and system CPU this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
