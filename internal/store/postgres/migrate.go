package postgres

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds the schema, one numbered file per change. A file, once
// released, is never edited: a change is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrate brings the database cfg points at to the latest schema.
//
// Several nodes may start on one database at once. goose's PostgreSQL
// session locker makes that safe: the whole run holds a session-level
// advisory lock (pg_advisory_lock, which ends with the session if a node
// dies), and whoever comes second finds nothing left to do. It polls for
// the lock every second, for at most five minutes.
//
// The run uses a database/sql handle of its own over pgx's stdlib driver,
// as goose needs one, closed at the end.
func migrate(ctx context.Context, cfg *pgx.ConnConfig) (err error) {
	p, err := newProvider(cfg)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := p.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("postgres: close migration db: %w", cerr))
		}
	}()
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// newProvider returns a goose provider for the embedded migrations on a
// new *sql.DB for cfg; closing the provider closes it. The global registry
// of Go migrations is off: every migration is one of the SQL files, and
// nothing registered elsewhere in the binary can slip in.
func newProvider(cfg *pgx.ConnConfig) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, fmt.Errorf("postgres: migration lock: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithDisableGlobalRegistry(true),
		goose.WithSessionLocker(locker))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("postgres: migrations: %w", err), db.Close())
	}
	return p, nil
}

// MigrationsHash returns a hex SHA-256 of the embedded migrations, their
// names and contents: it changes whenever the schema does. Test helpers
// (package pgtest) name their migrated template databases after it, so
// that a changed schema gets a new template rather than a stale one.
func MigrationsHash() string {
	h := sha256.New()
	err := fs.WalkDir(migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrations.ReadFile(path)
		if err != nil {
			return err
		}
		// Length-prefixed, so that no two sets of files hash alike.
		_, _ = fmt.Fprintf(h, "%d:%s%d:", len(path), path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		// The files are compiled in: failing to read them is a broken build.
		panic(fmt.Sprintf("postgres: read embedded migrations: %v", err))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// SchemaVersion returns the number of the newest migration applied to the
// database, for `roster migrate` to report. It is not part of roster.Store:
// a schema version means something only to the engine that has it.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.q().QueryRow(ctx,
		`SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("postgres: schema version: %w", err)
	}
	return v, nil
}
