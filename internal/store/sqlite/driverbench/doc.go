// Package driverbench compares the SQLite drivers Roster could use —
// modernc.org/sqlite (pure Go) and github.com/mattn/go-sqlite3 (cgo) — on
// the queries Roster's user store makes: a point lookup of one user by id,
// alone and from a pool of readers, and a single-row autocommit insert.
//
// The benchmarks sit behind the driverbench build tag, so a plain
// `go test ./...` neither compiles cgo nor spends time on them. Run them with
//
//	go test -tags driverbench -run '^$' -bench . -benchmem -count 3 ./internal/store/sqlite/driverbench/
//
// The figures and the decision they led to are in docs/DECISIONS.md.
package driverbench
