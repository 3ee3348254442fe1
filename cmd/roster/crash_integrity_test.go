package main

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// The database's own integrity checks, run by the crash test after each
// kill with the process dead. They go around the store, in SQL, because
// they look at what the store never reads: the engine's pages and indexes,
// rows no query of the store would find, columns derived from others.

// integrityQueries each count rows that must not exist, on either engine.
// Foreign keys should already prevent the orphans; a crash is when one
// would show that they did not.
var integrityQueries = []struct{ what, query string }{
	{"users of no partner", `SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM partners p WHERE p.id = u.partner_id)`},
	{"users whose role is missing or another partner's", `SELECT count(*) FROM users u
		WHERE NOT EXISTS (SELECT 1 FROM roles r WHERE r.id = u.role_id AND r.partner_id = u.partner_id)`},
	{"roles of no partner", `SELECT count(*) FROM roles r WHERE NOT EXISTS (SELECT 1 FROM partners p WHERE p.id = r.partner_id)`},
	{"groups of no partner", `SELECT count(*) FROM groups g WHERE NOT EXISTS (SELECT 1 FROM partners p WHERE p.id = g.partner_id)`},
	{"API keys of no partner", `SELECT count(*) FROM api_keys k WHERE NOT EXISTS (SELECT 1 FROM partners p WHERE p.id = k.partner_id)`},
	{"memberships of a missing user or group", `SELECT count(*) FROM user_groups m
		WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id AND u.partner_id = m.partner_id)
		   OR NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = m.group_id AND g.partner_id = m.partner_id)`},
	{"tokens of a missing user", `SELECT count(*) FROM tokens t
		WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id AND u.partner_id = t.partner_id)`},
	{"password history of a missing user", `SELECT count(*) FROM password_history h
		WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = h.user_id AND u.partner_id = h.partner_id)`},
	// The derived columns are written with the row in one statement; one
	// out of step with its source would be half a write. The test's data
	// is ASCII, where SQL's lower() and Go's strings.ToLower agree.
	{"users whose lower-cased or search columns disagree with their fields", `SELECT count(*) FROM users
		WHERE email_norm <> lower(email) OR username_norm <> lower(username)
		   OR given_norm <> lower(given_name) OR family_norm <> lower(family_name)
		   OR search <> lower(given_name || ' ' || family_name || '` + "\n" + `' || email)`},
}

// sqliteIntegrity is SQLite's part: its own page-level check, its foreign
// key check, and the FTS5 index holding exactly the users' rows.
var sqliteIntegrity = []struct{ what, query string }{
	{"users missing from the search index", `SELECT count(*) FROM users WHERE id NOT IN (SELECT rowid FROM users_fts)`},
	{"search index rows of no user", `SELECT count(*) FROM users_fts WHERE rowid NOT IN (SELECT id FROM users)`},
}

// checkIntegrity runs the engine's checks on the rig's database.
func (r *crashRig) checkIntegrity(ctx context.Context) {
	driver, dsn := "sqlite", r.db
	if isPostgres(r.db) {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		r.t.Fatal(err)
	}
	defer db.Close()
	queries := integrityQueries
	if driver == "sqlite" {
		r.sqlitePragmas(ctx, db)
		queries = append(queries, sqliteIntegrity...)
	} else {
		r.postgresIndexes(ctx, db)
	}
	for _, q := range queries {
		var n int
		if err := db.QueryRowContext(ctx, q.query).Scan(&n); err != nil {
			r.t.Fatalf("integrity query %q: %v", q.what, err)
		}
		if n != 0 {
			r.t.Errorf("integrity: %d %s", n, q.what)
		}
	}
}

// sqlitePragmas runs PRAGMA integrity_check (every page, index and
// constraint), PRAGMA foreign_key_check and FTS5's own integrity check.
func (r *crashRig) sqlitePragmas(ctx context.Context, db *sql.DB) {
	if got := r.column(ctx, db, `PRAGMA integrity_check`); strings.Join(got, "\n") != "ok" {
		r.t.Errorf("PRAGMA integrity_check: %s", strings.Join(got, "\n"))
	}
	if got := r.column(ctx, db, `PRAGMA foreign_key_check`); len(got) != 0 {
		r.t.Errorf("PRAGMA foreign_key_check: rows in violation in tables %v", got)
	}
	for _, fts := range []string{"users_fts", "groups_fts"} {
		if _, err := db.ExecContext(ctx, `INSERT INTO `+fts+` (`+fts+`) VALUES ('integrity-check')`); err != nil {
			r.t.Errorf("FTS5 integrity-check of %s: %v", fts, err)
		}
	}
}

// waitForOrphanedBackends waits until the killed process's PostgreSQL
// sessions are gone. Killing Roster does not stop the server-side work it
// started: a session whose COMMIT was on the wire commits after the
// process died, and only then notices its client is gone. Until every
// such session has ended, the database is not yet the state to check.
func (r *crashRig) waitForOrphanedBackends(ctx context.Context) {
	db, err := sql.Open("pgx", r.db)
	if err != nil {
		r.t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n)
		if err != nil {
			r.t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%d sessions of the killed process still open after 20s", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// postgresIndexes checks every B-tree index of the schema against its
// table with amcheck's bt_index_check (heapallindexed: every row is in the
// index).
func (r *crashRig) postgresIndexes(ctx context.Context, db *sql.DB) {
	if _, err := db.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS amcheck`); err != nil {
		r.t.Fatalf("amcheck (PostgreSQL's contrib) is needed to check the indexes: %v", err)
	}
	got := r.column(ctx, db, `SELECT c.relname || ': ' || bt_index_check(c.oid, true)::text
		FROM pg_index i
		JOIN pg_class c ON c.oid = i.indexrelid
		JOIN pg_am a ON a.oid = c.relam
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE a.amname = 'btree' AND n.nspname = 'public'`)
	if len(got) < 10 {
		r.t.Errorf("amcheck checked only %d indexes: %v", len(got), got)
	}
}

// column runs a query and returns the first column of its rows as text.
func (r *crashRig) column(ctx context.Context, db *sql.DB, query string) []string {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		r.t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		r.t.Fatal(err)
	}
	dest := make([]any, len(cols))
	for i := range dest {
		dest[i] = new(any)
	}
	var out []string
	for rows.Next() {
		var v sql.NullString
		dest[0] = &v
		if err := rows.Scan(dest...); err != nil {
			r.t.Fatalf("%s: %v", query, err)
		}
		out = append(out, v.String)
	}
	if err := rows.Err(); err != nil {
		r.t.Fatalf("%s: %v", query, err)
	}
	return out
}
