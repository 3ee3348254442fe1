package pgtest_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster/internal/store/postgres/pgtest"
)

// skipRecorder is a testing.TB whose Skip records its message and ends the
// goroutine, as the real one does, without skipping the calling test.
type skipRecorder struct {
	testing.TB
	skipped string
}

func (r *skipRecorder) Helper() {}

func (r *skipRecorder) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}

func TestNewDatabase_SkipsWithoutTheURL(t *testing.T) {
	t.Setenv(pgtest.EnvURL, "")
	for name, newDB := range map[string]func(testing.TB) string{
		"NewDatabase":      pgtest.NewDatabase,
		"NewEmptyDatabase": pgtest.NewEmptyDatabase,
	} {
		rec := &skipRecorder{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			newDB(rec)
			t.Errorf("%s returned without skipping", name)
		}()
		<-done
		const want = "ROSTER_TEST_POSTGRES is not set: set it to a PostgreSQL URL, e.g. " +
			"postgres://postgres@127.0.0.1:5432/test?sslmode=disable, to run the PostgreSQL tests"
		if rec.skipped != want {
			t.Errorf("%s skipped with %q, want %q", name, rec.skipped, want)
		}
	}
}

// tables lists the tables of the public schema of the database at url.
func tables(t *testing.T, dbURL string) []string {
	t.Helper()
	c, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close(context.Background()) }()
	rows, err := c.Query(t.Context(),
		`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestNewDatabase_GivesEachTestItsOwnMigratedDatabase(t *testing.T) {
	a, b := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	if a == b {
		t.Fatalf("two calls returned the same database %s", a)
	}
	for _, dbURL := range []string{a, b} {
		got := strings.Join(tables(t, dbURL), " ")
		if !strings.Contains(got, "users") || !strings.Contains(got, "goose_db_version") {
			t.Errorf("tables %q, want the migrated schema", got)
		}
	}
	if got := tables(t, pgtest.NewEmptyDatabase(t)); len(got) != 0 {
		t.Errorf("empty database has tables %q", got)
	}
}

func TestNewDatabase_DropsTheDatabaseWhenTheTestEnds(t *testing.T) {
	var dbURL string
	t.Run("user", func(t *testing.T) { dbURL = pgtest.NewDatabase(t) })
	if dbURL == "" {
		t.Skip("no database was made")
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(t.Context(), os.Getenv(pgtest.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close(context.Background()) }()
	var exists bool
	err = c.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`,
		strings.TrimPrefix(u.Path, "/")).Scan(&exists)
	if err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after its test ended", u.Path)
	}
}
