package sqlite

import (
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

// migrateTo creates the database at p and migrates it up to version v only.
func migrateTo(t *testing.T, p string, v int64) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(p))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	prov, err := newProvider(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prov.UpTo(t.Context(), v); err != nil {
		t.Fatalf("migrate up to %d: %v", v, err)
	}
	return db
}

func TestMigrate_00002KeepsTheUsersOfVersion1(t *testing.T) {
	p := filepath.Join(t.TempDir(), "roster.db")
	ctx := t.Context()
	db := migrateTo(t, p, 1)
	// A user as version 1 wrote it, with a name whose case matters for order.
	res, err := db.ExecContext(ctx, `
		INSERT INTO users (partner_id, username, username_norm, email, email_norm, given_name,
		                   family_name, role_id, state, sign_in, password_hash, created_at,
		                   updated_at, search)
		VALUES (1, 'Zoe', 'zoe', 'Zoe@Example.com', 'zoe@example.com', 'Zoe', 'Old',
		        (SELECT id FROM roles WHERE partner_id = 1 AND name = 'Analyst'),
		        'ACTIVE', 'CONFIRMED', 'hash', 1000, 1000, 'zoe old' || char(10) || 'zoe@example.com')`)
	if err != nil {
		t.Fatal(err)
	}
	oldID, err := res.LastInsertId()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openPath(t, p)
	if v := schemaVersion(t, s); v != latestVersion(t) {
		t.Fatalf("schema version %d, want %d", v, latestVersion(t))
	}
	old, err := s.User(ctx, roster.DefaultPartnerID, oldID)
	if err != nil {
		t.Fatalf("user of version 1 after migrating: %v", err)
	}
	if old.Username != "Zoe" || old.Email != "Zoe@Example.com" || old.PasswordHash != "hash" {
		t.Errorf("user of version 1 came back as %+v", old)
	}
	if old.Groups != nil || old.FailedSignIns != 0 || old.FailedSince != nil {
		t.Errorf("new fields of an old user: Groups %v, FailedSignIns %d, FailedSince %v; want none",
			old.Groups, old.FailedSignIns, old.FailedSince)
	}

	// The backfilled given_norm sorts the old user among new ones, and the
	// old row takes memberships (its (id, partner_id) key was indexed).
	role := old.Role
	for _, given := range []string{"adam", "Bob"} {
		u := &roster.User{PartnerID: roster.DefaultPartnerID, Username: given, Email: given + "@example.com",
			GivenName: given, Role: role, State: roster.StateActive, SignIn: roster.SignInConfirmed}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	us, err := s.Users(ctx, roster.DefaultPartnerID, roster.UserFilter{SortBy: roster.SortByGivenName})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range us {
		names = append(names, u.GivenName)
	}
	if want := []string{"adam", "Bob", "Zoe"}; !slices.Equal(names, want) {
		t.Errorf("by given name: %v, want %v", names, want)
	}
	g := roster.Group{PartnerID: roster.DefaultPartnerID, Name: "Old timers", Users: []int64{oldID}}
	if err := s.CreateGroup(ctx, &g); err != nil {
		t.Fatalf("group with the user of version 1: %v", err)
	}
	if old, err = s.User(ctx, roster.DefaultPartnerID, oldID); err != nil || !slices.Equal(old.Groups, []int64{g.ID}) {
		t.Errorf("old user's groups = %v, %v; want [%d]", old.Groups, err, g.ID)
	}
}

func TestMigrate_00002GoesDownAndUpAgain(t *testing.T) {
	p := filepath.Join(t.TempDir(), "roster.db")
	ctx := t.Context()
	db := migrateTo(t, p, latestVersion(t))
	prov, err := newProvider(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prov.DownTo(ctx, 1); err != nil {
		t.Fatalf("down to 1: %v", err)
	}
	if _, err := prov.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
