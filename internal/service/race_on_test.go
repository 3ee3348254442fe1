//go:build race

package service

// raceEnabled says the tests run under the race detector, which slows the
// pure-Go SQLite driver many times over but argon2id far less, so that
// timings measure the instrumentation rather than Roster.
const raceEnabled = true
