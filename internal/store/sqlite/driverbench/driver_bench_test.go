//go:build driverbench

package driverbench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/mattn/go-sqlite3" // registers "sqlite3" (cgo)
	_ "modernc.org/sqlite"          // registers "sqlite" (pure Go)
)

const (
	seedRows     = 100_000 // users in the seeded database
	seedPartners = 10      // users are spread evenly over these partners
	readPool     = 4       // connections in the parallel readers' pool
	busyTimeout  = 5000    // ms
)

// driver is one SQLite driver under test. dsn must turn on WAL,
// synchronous=NORMAL, foreign keys and the busy timeout on every connection;
// open checks that it did.
type driver struct {
	name string // sub-benchmark name
	sql  string // database/sql driver name
	dsn  func(path string) string
}

var drivers = []driver{
	{
		name: "modernc",
		sql:  "sqlite",
		dsn: func(path string) string {
			return "file:" + path +
				"?_pragma=busy_timeout(" + strconv.Itoa(busyTimeout) + ")" +
				"&_pragma=journal_mode(WAL)" +
				"&_pragma=synchronous(NORMAL)" +
				"&_pragma=foreign_keys(1)"
		},
	},
	{
		name: "mattn",
		sql:  "sqlite3",
		dsn: func(path string) string {
			return "file:" + path +
				"?_busy_timeout=" + strconv.Itoa(busyTimeout) +
				"&_journal_mode=WAL" +
				"&_synchronous=NORMAL" +
				"&_foreign_keys=1"
		},
	},
}

// The schema mirrors roster.User. Times are INTEGER unix milliseconds so
// that neither driver's own time.Time conversion is part of the comparison.
const schema = `
CREATE TABLE partners (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE users (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	partner_id          INTEGER NOT NULL REFERENCES partners(id),
	username            TEXT    NOT NULL,
	username_norm       TEXT    NOT NULL,
	email               TEXT    NOT NULL,
	email_norm          TEXT    NOT NULL,
	given_name          TEXT    NOT NULL,
	family_name         TEXT    NOT NULL,
	title               TEXT,
	phone               TEXT,
	role_id             INTEGER NOT NULL,
	state               TEXT    NOT NULL,
	sign_in             TEXT    NOT NULL,
	password_hash       TEXT    NOT NULL,
	password_expires_at INTEGER,
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL,
	last_login_at       INTEGER,
	UNIQUE (partner_id, email_norm),
	UNIQUE (partner_id, username_norm)
);`

const userColumns = `partner_id, username, username_norm, email, email_norm,
	given_name, family_name, title, phone, role_id, state, sign_in,
	password_hash, password_expires_at, created_at, updated_at, last_login_at`

const (
	insertUserSQL = `INSERT INTO users (` + userColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	selectUserSQL = `SELECT id, ` + userColumns + ` FROM users WHERE id = ?`
)

// passwordHash has the shape and length of an argon2id PHC string.
var passwordHash = "$argon2id$v=19$m=65536,t=3,p=2$" +
	strings.Repeat("c2FsdHNhbHQ", 2) + "$" + strings.Repeat("aGFzaGhhc2g", 4)

// user is one scanned row.
type user struct {
	ID, PartnerID               int64
	Username, UsernameNorm      string
	Email, EmailNorm            string
	GivenName, FamilyName       string
	Title, Phone                sql.NullString
	RoleID                      int64
	State, SignIn, PasswordHash string
	PasswordExpiresAt           sql.NullInt64
	CreatedAt, UpdatedAt        int64
	LastLoginAt                 sql.NullInt64
}

func scanUser(row *sql.Row, u *user) error {
	return row.Scan(&u.ID, &u.PartnerID, &u.Username, &u.UsernameNorm,
		&u.Email, &u.EmailNorm, &u.GivenName, &u.FamilyName, &u.Title,
		&u.Phone, &u.RoleID, &u.State, &u.SignIn, &u.PasswordHash,
		&u.PasswordExpiresAt, &u.CreatedAt, &u.UpdatedAt, &u.LastLoginAt)
}

// insertArgs returns the arguments of insertUserSQL for the n-th user.
func insertArgs(n int64, partnerID int64) []any {
	name := "user" + strconv.FormatInt(n, 10)
	email := name + "@Example.com"
	var title, phone, lastLogin any
	if n%2 == 0 {
		title = "Engineer"
	}
	if n%3 == 0 {
		phone = "+1 555 0100"
	}
	if n%4 == 0 {
		lastLogin = int64(1_700_000_000_000) + n
	}
	now := int64(1_700_000_000_000) + n
	return []any{partnerID, name, name, email, strings.ToLower(email),
		"Given" + name, "Family" + name, title, phone, partnerID,
		"ACTIVE", "CONFIRMED", passwordHash, nil, now, now, lastLogin}
}

// fakeUser fills u with the row insertArgs makes for user id, without a
// database, so the bare handler writes the same JSON as the others.
func fakeUser(id int64, u *user) {
	a := insertArgs(id, id%seedPartners+1)
	nullStr := func(v any) sql.NullString {
		s, ok := v.(string)
		return sql.NullString{String: s, Valid: ok}
	}
	nullInt := func(v any) sql.NullInt64 {
		n, ok := v.(int64)
		return sql.NullInt64{Int64: n, Valid: ok}
	}
	*u = user{
		ID: id, PartnerID: a[0].(int64), Username: a[1].(string),
		UsernameNorm: a[2].(string), Email: a[3].(string), EmailNorm: a[4].(string),
		GivenName: a[5].(string), FamilyName: a[6].(string), Title: nullStr(a[7]),
		Phone: nullStr(a[8]), RoleID: a[9].(int64), State: a[10].(string),
		SignIn: a[11].(string), PasswordHash: a[12].(string),
		PasswordExpiresAt: nullInt(a[13]), CreatedAt: a[14].(int64),
		UpdatedAt: a[15].(int64), LastLoginAt: nullInt(a[16]),
	}
}

var (
	tmpRoot   string // removed by TestMain
	templMu   sync.Mutex
	templates = map[string]string{} // driver name -> seeded, closed database file
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "driverbench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tmpRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// open opens path with d and a pool of n connections, all opened up front,
// and checks that each has the pragmas the DSN asks for. It skips the
// benchmark when d cannot work in this build (mattn without cgo).
func open(b *testing.B, d driver, path string, n int) *sql.DB {
	b.Helper()
	db, err := sql.Open(d.sql, d.dsn(path))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	ctx := context.Background()
	conns := make([]*sql.Conn, n)
	for i := range conns {
		c, err := db.Conn(ctx)
		if err != nil {
			if strings.Contains(err.Error(), "CGO_ENABLED=0") {
				b.Skipf("%s: %v", d.name, err)
			}
			b.Fatal(err)
		}
		conns[i] = c
		var mode string
		var syncMode, fk, busy int
		if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			b.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncMode); err != nil {
			b.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			b.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			b.Fatal(err)
		}
		if mode != "wal" || syncMode != 1 || fk != 1 || busy != busyTimeout {
			b.Fatalf("%s: journal_mode=%s synchronous=%d foreign_keys=%d busy_timeout=%d, want wal 1 1 %d",
				d.name, mode, syncMode, fk, busy, busyTimeout)
		}
	}
	for _, c := range conns {
		c.Close() // back to the idle pool
	}
	return db
}

// seeded returns the path of a closed database file that d created and
// filled with seedRows users, making it on first use. Readers open it in
// place; writers copy it first.
func seeded(b *testing.B, d driver) string {
	b.Helper()
	templMu.Lock()
	defer templMu.Unlock()
	if p, ok := templates[d.name]; ok {
		return p
	}
	path := filepath.Join(tmpRoot, d.name+".db")
	db := open(b, d, path, 1)
	if _, err := db.Exec(schema); err != nil {
		b.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for p := 1; p <= seedPartners; p++ {
		if _, err := tx.Exec(`INSERT INTO partners (name, created_at) VALUES (?, ?)`,
			"partner"+strconv.Itoa(p), 1_700_000_000_000); err != nil {
			b.Fatal(err)
		}
	}
	stmt, err := tx.Prepare(insertUserSQL)
	if err != nil {
		b.Fatal(err)
	}
	for n := int64(1); n <= seedRows; n++ {
		if _, err := stmt.Exec(insertArgs(n, n%seedPartners+1)...); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	templates[d.name] = path
	return path
}

// copyFile copies the closed database src to a new file in dir.
func copyFile(b *testing.B, src, dir string) string {
	b.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		b.Fatal(err)
	}
	return dst
}

func prepare(b *testing.B, db *sql.DB, query string) *sql.Stmt {
	b.Helper()
	stmt, err := db.Prepare(query)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stmt.Close() })
	return stmt
}

// BenchmarkPointLookup reads one full user row by a random primary key
// through a prepared statement on a single connection.
func BenchmarkPointLookup(b *testing.B) {
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) {
			db := open(b, d, seeded(b, d), 1)
			stmt := prepare(b, db, selectUserSQL)
			rng := rand.New(rand.NewPCG(1, 2))
			var u user
			b.ReportAllocs()
			for b.Loop() {
				id := rng.Int64N(seedRows) + 1
				if err := scanUser(stmt.QueryRow(id), &u); err != nil {
					b.Fatal(err)
				}
				if u.ID != id {
					b.Fatalf("got user %d, want %d", u.ID, id)
				}
			}
		})
	}
}

// BenchmarkPointLookupParallel is BenchmarkPointLookup from readPool
// goroutines sharing a pool of readPool connections (on GOMAXPROCS=2,
// SetParallelism(2) gives 4 goroutines).
func BenchmarkPointLookupParallel(b *testing.B) {
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) {
			db := open(b, d, seeded(b, d), readPool)
			stmt := prepare(b, db, selectUserSQL)
			var seq atomic.Uint64
			b.SetParallelism(max(1, readPool/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(seq.Add(1), 2))
				var u user
				for pb.Next() {
					id := rng.Int64N(seedRows) + 1
					if err := scanUser(stmt.QueryRow(id), &u); err != nil {
						b.Error(err)
						return
					}
					if u.ID != id {
						b.Errorf("got user %d, want %d", u.ID, id)
						return
					}
				}
			})
		})
	}
}

// BenchmarkInsert inserts one user per autocommit transaction on a single
// connection into a copy of the seeded database, as the create path does:
// each op is a WAL append plus the unique-index and foreign-key checks.
func BenchmarkInsert(b *testing.B) {
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) {
			path := copyFile(b, seeded(b, d), b.TempDir())
			db := open(b, d, path, 1)
			stmt := prepare(b, db, insertUserSQL)
			n := int64(seedRows)
			b.ReportAllocs()
			for b.Loop() {
				n++
				res, err := stmt.Exec(insertArgs(n, n%seedPartners+1)...)
				if err != nil {
					b.Fatal(err)
				}
				if id, err := res.LastInsertId(); err != nil || id != n {
					b.Fatalf("LastInsertId = %d, %v; want %d", id, err, n)
				}
			}
		})
	}
}

// BenchmarkHTTP puts the lookup in context: GET /users/{id} over loopback
// keep-alive connections from readPool client goroutines, against a bare
// handler that only writes JSON ("bare") and against one that first reads
// the user with each driver. The ratio driver/bare is what a throughput
// target stated relative to a bare net/http handler would see.
func BenchmarkHTTP(b *testing.B) {
	b.Run("bare", func(b *testing.B) {
		benchHTTP(b, func(id int64, u *user) error {
			fakeUser(id, u)
			return nil
		})
	})
	for _, d := range drivers {
		b.Run(d.name, func(b *testing.B) {
			db := open(b, d, seeded(b, d), readPool)
			stmt := prepare(b, db, selectUserSQL)
			benchHTTP(b, func(id int64, u *user) error {
				return scanUser(stmt.QueryRow(id), u)
			})
		})
	}
}

func benchHTTP(b *testing.B, load func(id int64, u *user) error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var u user
		if err := load(id, &u); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(&u)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * readPool}}
	defer client.CloseIdleConnections()

	var seq atomic.Uint64
	b.SetParallelism(max(1, readPool/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(seq.Add(1), 3))
		for pb.Next() {
			url := srv.URL + "/users/" + strconv.FormatInt(rng.Int64N(seedRows)+1, 10)
			resp, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Errorf("GET %s: %d %v", url, resp.StatusCode, err)
				return
			}
		}
	})
}
