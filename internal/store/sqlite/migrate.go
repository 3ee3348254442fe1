package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/gofrs/flock"
	"github.com/pressly/goose/v3"
)

// migrations holds the schema, one numbered file per change. A file, once
// released, is never edited: a change is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrate brings the database at path to the latest schema.
//
// Two processes may start on the same file at once (a server and `roster
// keys create`, or two servers). SQLite's own locks do not make goose safe
// then: both could read version 0 and both try to create the tables. So the
// whole run holds an exclusive lock on a file beside the database, and
// whoever comes second finds nothing left to do. The lock file stays behind:
// deleting it would let a third process lock a new file while the second
// still holds the old one.
//
// The run uses a *sql.DB of its own, closed at the end: goose holds one
// connection while it works on another, which would deadlock the
// single-connection write pool.
func migrate(ctx context.Context, path string) (err error) {
	lock := flock.New(path + ".migrate.lock")
	if _, err := lock.TryLockContext(ctx, 20*time.Millisecond); err != nil {
		return fmt.Errorf("sqlite: lock %s: %w", lock.Path(), err)
	}
	defer func() {
		if uerr := lock.Unlock(); uerr != nil {
			err = errors.Join(err, fmt.Errorf("sqlite: unlock %s: %w", lock.Path(), uerr))
		}
	}()

	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		return fmt.Errorf("sqlite: open for migration: %w", err)
	}
	p, err := newProvider(db)
	if err != nil {
		return errors.Join(err, db.Close())
	}
	defer func() {
		if cerr := p.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("sqlite: close migration db: %w", cerr))
		}
	}()
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}
	return nil
}

// newProvider returns a goose provider for the embedded migrations on db.
// The global registry of Go migrations is off: every migration is one of
// the SQL files, and nothing registered elsewhere in the binary can slip in.
func newProvider(db *sql.DB) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	return p, nil
}

// SchemaVersion returns the number of the newest migration applied to the
// database, for `roster migrate` to report. It is not part of roster.Store:
// a schema version means something only to the engine that has it.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.reader().QueryRowContext(ctx,
		`SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	return v, nil
}
