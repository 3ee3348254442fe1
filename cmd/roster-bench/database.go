package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/store/postgres"
	"github.com/roster-dev/roster/internal/store/sqlite"
)

// defaultPostgresURL is the server -engine postgres creates its database on.
const defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// database is the fresh database one run seeds and serves: a SQLite file,
// or a PostgreSQL database made for the run on the -db server.
type database struct {
	engine string
	dsn    string // what roster --db and the stores take
	path   string // SQLite: the file
	admin  string // PostgreSQL: the URL the database was created through
	name   string // PostgreSQL: the database's name
}

// createDatabase makes the run's database. A SQLite -db must not exist
// yet; by default the file goes in tmp.
func createDatabase(ctx context.Context, engine, db, tmp string) (*database, error) {
	switch engine {
	case "sqlite":
		path := db
		if path == "" {
			path = filepath.Join(tmp, "roster.db")
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("-db %s: the bench needs a database of its own; remove it or name another", path)
		}
		return &database{engine: engine, dsn: path, path: path}, nil
	case "postgres":
		return createPostgres(ctx, db)
	}
	return nil, fmt.Errorf("-engine %q: want sqlite or postgres", engine)
}

// createPostgres creates roster_bench_<pid> on the server admin names.
func createPostgres(ctx context.Context, admin string) (*database, error) {
	if admin == "" {
		admin = defaultPostgresURL
	}
	u, err := url.Parse(admin)
	if err != nil {
		return nil, errors.New("-db: the PostgreSQL URL does not parse")
	}
	d := &database{engine: "postgres", admin: admin, name: fmt.Sprintf("roster_bench_%d", os.Getpid())}
	u.Path = "/" + d.name
	d.dsn = u.String()
	err = d.onAdmin(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "CREATE DATABASE "+d.name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("creating database %s: %w", d.name, err)
	}
	return d, nil
}

// onAdmin runs fn on a connection to the admin database.
func (d *database) onAdmin(ctx context.Context, fn func(*pgx.Conn) error) error {
	c, err := pgx.Connect(ctx, d.admin)
	if err != nil {
		return fmt.Errorf("connecting to -db: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	return fn(c)
}

// label names the database for the report.
func (d *database) label() string {
	if d.engine == "postgres" {
		return d.name
	}
	return d.path
}

// open opens the database as Roster does.
func (d *database) open(ctx context.Context) (roster.Store, error) {
	if d.engine == "postgres" {
		return postgres.Open(ctx, d.dsn)
	}
	return sqlite.Open(ctx, d.path)
}

// analyze refreshes PostgreSQL's planner statistics after seeding, as
// autovacuum would soon after any bulk load; SQLite gets nothing, as
// Roster runs no ANALYZE of its own.
func (d *database) analyze(ctx context.Context) error {
	if d.engine != "postgres" {
		return nil
	}
	c, err := pgx.Connect(ctx, d.dsn)
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	_, err = c.Exec(ctx, "ANALYZE")
	return err
}

// size returns the database's size in bytes: the SQLite file and its WAL,
// or pg_database_size.
func (d *database) size(ctx context.Context) (int64, error) {
	if d.engine == "postgres" {
		var n int64
		err := d.onAdmin(ctx, func(c *pgx.Conn) error {
			return c.QueryRow(ctx, "SELECT pg_database_size($1)", d.name).Scan(&n)
		})
		return n, err
	}
	var n int64
	for _, p := range []string{d.path, d.path + "-wal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, err
		}
		n += fi.Size()
	}
	return n, nil
}

// drop removes the database: the SQLite file with its WAL, shared memory
// and migration lock, or the PostgreSQL database, closing its connections.
func (d *database) drop(ctx context.Context) error {
	if d.engine == "postgres" {
		return d.onAdmin(ctx, func(c *pgx.Conn) error {
			_, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+d.name+" WITH (FORCE)")
			return err
		})
	}
	var errs []error
	for _, p := range []string{d.path, d.path + "-wal", d.path + "-shm", d.path + ".migrate.lock"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
