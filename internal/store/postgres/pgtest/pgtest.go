// Package pgtest gives tests a database of their own on the PostgreSQL
// server named by the ROSTER_TEST_POSTGRES environment variable, and skips
// them when it is not set.
//
// Each database is a clone of a migrated template (CREATE DATABASE …
// TEMPLATE, as exposure-notifications' tests do): the template is built
// once, by the first test binary that needs it, and cloning it takes a few
// milliseconds, so tests stay parallel and isolated without migrating each
// database. The template is named after a hash of the embedded migrations,
// so a changed schema gets a new one. Databases are dropped when their test
// ends; templates stay for the next run.
//
// It knows how to reach the server and the store's migrations, through
// package postgres; it knows nothing of what the tests do with the data.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster/internal/store/postgres"
)

// EnvURL is the environment variable that holds the server's URL, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. The user must
// be allowed to create databases. The database in the URL is only
// connected to, to create and drop the others; nothing is written in it.
const EnvURL = "ROSTER_TEST_POSTGRES"

// skipMessage is why a test is skipped without a server.
const skipMessage = EnvURL + " is not set: set it to a PostgreSQL URL, e.g. " +
	"postgres://postgres@127.0.0.1:5432/test?sslmode=disable, to run the PostgreSQL tests"

// adminTimeout bounds each statement on the server's own database: creating
// a database, dropping one, waiting for another binary to build the
// template.
const adminTimeout = 2 * time.Minute

// templateLockKey is the advisory lock that keeps two test binaries (go
// test ./... runs packages in parallel) from building the same template at
// once. It is any constant; this one spells "rostrtpl".
const templateLockKey int64 = 0x726f73747274706c

// template is the template database of this test binary, built or found
// by the first NewDatabase.
var template struct {
	once sync.Once
	name string
	err  error
}

// NewDatabase creates a database cloned from the migrated template and
// returns its URL, ready for postgres.Open, which finds nothing left to
// migrate. The database is dropped when t ends; close what uses it first
// (cleanups registered after NewDatabase run before its own). The test is
// skipped when ROSTER_TEST_POSTGRES is not set.
func NewDatabase(t testing.TB) (url string) {
	t.Helper()
	base := serverURL(t)
	template.once.Do(func() {
		template.name, template.err = buildTemplate(base)
	})
	if template.err != nil {
		t.Fatalf("pgtest: template database: %v", template.err)
	}
	return createDatabase(t, base, template.name)
}

// NewEmptyDatabase creates an empty database, without Roster's schema, and
// returns its URL, for tests of the migrations themselves. It is dropped
// when t ends. The test is skipped when ROSTER_TEST_POSTGRES is not set.
func NewEmptyDatabase(t testing.TB) (url string) {
	t.Helper()
	return createDatabase(t, serverURL(t), "template0")
}

// serverURL returns the parsed ROSTER_TEST_POSTGRES, or skips t.
func serverURL(t testing.TB) *url.URL {
	t.Helper()
	raw := os.Getenv(EnvURL)
	if raw == "" {
		t.Skip(skipMessage)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("pgtest: %s is not a postgres:// URL", EnvURL)
	}
	return u
}

// withDatabase returns base with its database replaced by name.
func withDatabase(base *url.URL, name string) string {
	u := *base
	u.Path, u.RawPath = "/"+name, ""
	return u.String()
}

// createDatabase clones tpl into a database of a random name, returns its
// URL and drops it with t's cleanup.
func createDatabase(t testing.TB, base *url.URL, tpl string) string {
	t.Helper()
	suffix := make([]byte, 8)
	_, _ = rand.Read(suffix) // crypto/rand.Read never fails
	name := "roster_t_" + hex.EncodeToString(suffix)

	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	err := admin(ctx, base, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "CREATE DATABASE "+ident(name)+" TEMPLATE "+ident(tpl))
		return err
	})
	if err != nil {
		t.Fatalf("pgtest: create database %s from %s: %v", name, tpl, err)
	}
	t.Cleanup(func() {
		// t.Context() has ended by now: the drop gets its own deadline.
		ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
		defer cancel()
		if err := dropDatabase(ctx, base, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return withDatabase(base, name)
}

// buildTemplate returns the name of the migrated template database for the
// embedded migrations, creating it if no test binary has yet. It holds an
// advisory lock meanwhile, so that of binaries starting together one builds
// and the others wait and find it built. The template is migrated under
// another name and renamed when complete, so that a build that dies half
// way leaves nothing that looks finished.
func buildTemplate(base *url.URL) (string, error) {
	name := "roster_tpl_" + postgres.MigrationsHash()[:8]
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	err := admin(ctx, base, func(c *pgx.Conn) (err error) {
		if _, err := c.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		defer func() {
			if _, uerr := c.Exec(ctx, "SELECT pg_advisory_unlock($1)", templateLockKey); uerr != nil {
				err = errors.Join(err, fmt.Errorf("unlock: %w", uerr))
			}
		}()
		var exists bool
		if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return nil
		}
		build := name + "_build"
		for _, stmt := range []string{
			"DROP DATABASE IF EXISTS " + ident(build) + " WITH (FORCE)", // left by a build that died
			"CREATE DATABASE " + ident(build) + " TEMPLATE template0",
		} {
			if _, err := c.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		s, err := postgres.Open(ctx, withDatabase(base, build))
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if err := s.Close(); err != nil {
			return err
		}
		// ALLOW_CONNECTIONS false: a stray connection to a template makes
		// every CREATE DATABASE from it fail.
		for _, stmt := range []string{
			"ALTER DATABASE " + ident(build) + " RENAME TO " + ident(name),
			"ALTER DATABASE " + ident(name) + " WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
		} {
			if _, err := c.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("build %s: %w", name, err)
	}
	return name, nil
}

// dropDatabase drops a test's database, ending any session still on it.
func dropDatabase(ctx context.Context, base *url.URL, name string) error {
	err := admin(ctx, base, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)")
		return err
	})
	if err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// admin runs fn on a connection of its own to the server's database in
// base: CREATE and DROP DATABASE cannot run inside a database they affect,
// nor in a transaction.
func admin(ctx context.Context, base *url.URL, fn func(c *pgx.Conn) error) (err error) {
	c, err := pgx.Connect(ctx, base.String())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		if cerr := c.Close(context.WithoutCancel(ctx)); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()
	return fn(c)
}

// ident quotes a database name as an SQL identifier. The names here are
// the package's own, but quoting keeps them from ever being read as SQL.
func ident(name string) string {
	return pgx.Identifier{name}.Sanitize()
}
