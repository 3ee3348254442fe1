package main

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
)

// The sign-in scenario's yardstick is not a bare handler but the rate at
// which this machine computes argon2id hashes, since every sign-in costs
// exactly one. The parameters are the service's (OWASP's minimum: 19 MiB,
// two passes, one lane); internal/service keeps its own copy.
const (
	argon2MemoryKiB = 19 * 1024
	argon2Time      = 2
	argon2Threads   = 1
	argon2KeyLen    = 32
)

// argon2Rate measures how many argon2id hashes per second GOMAXPROCS
// goroutines compute in d: the most sign-ins per second the machine could
// serve if a sign-in cost nothing else.
func argon2Rate(d time.Duration) float64 {
	var n atomic.Int64
	salt := make([]byte, 16)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				argon2.IDKey([]byte("correct horse battery"), salt, argon2Time, argon2MemoryKiB, argon2Threads, argon2KeyLen)
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}
