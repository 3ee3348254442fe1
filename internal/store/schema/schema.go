// Package schema holds what both stores' migrations share: knowing which
// embedded migration is the newest, which a store's readiness check
// compares with the database's.
package schema

import (
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// Latest is the version of the newest goose migration in fsys matching
// pattern: the number its file name starts with.
func Latest(fsys fs.FS, pattern string) (int64, error) {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	var latest int64
	for _, n := range names {
		v, err := goose.NumericComponent(n)
		if err != nil {
			return 0, fmt.Errorf("migration %s: %w", n, err)
		}
		latest = max(latest, v)
	}
	return latest, nil
}
