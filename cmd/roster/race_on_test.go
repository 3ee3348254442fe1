//go:build race

package main

// raceEnabled says the tests run under the race detector; the roster
// binary they start is then built with it too, so that a race in the
// server under the load of the process tests shows as well.
const raceEnabled = true
