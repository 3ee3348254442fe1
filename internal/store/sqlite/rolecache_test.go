package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

// TestRoleCache_SeesEveryRoleWriteOfAnyProcess: one store lists users and
// so caches their roles; a second store on the same file, as the command
// line or a second process would be, renames a role, deletes one and adds
// one; the first store's next list shows each change at once.
func TestRoleCache_SeesEveryRoleWriteOfAnyProcess(t *testing.T) {
	p := filepath.Join(t.TempDir(), "roster.db")
	a, b := openPath(t, p), openPath(t, p)
	ctx := t.Context()
	const pid = roster.DefaultPartnerID
	role := roster.Role{PartnerID: pid, Name: "Auditor", Permissions: roster.NewPermissions(roster.PermUserRead)}
	if err := b.CreateRole(ctx, &role); err != nil {
		t.Fatal(err)
	}
	u := roster.User{PartnerID: pid, Username: "ada", Email: "ada@example.com", Role: roster.Role{ID: role.ID},
		State: roster.StateActive, SignIn: roster.SignInConfirmed}
	if err := b.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	roleOf := func() roster.Role {
		t.Helper()
		us, err := a.Users(ctx, pid, roster.UserFilter{})
		if err != nil || len(us) != 1 {
			t.Fatalf("Users = %v, %v", us, err)
		}
		return us[0].Role
	}
	if got := roleOf(); got.Name != "Auditor" || !got.Permissions.Has(roster.PermUserRead) {
		t.Fatalf("role %+v, want Auditor with UserRead", got)
	}

	role.Name, role.Permissions = "Inspector", roster.NewPermissions(roster.PermUserRead, roster.PermUserModify)
	if err := b.UpdateRole(ctx, &role); err != nil {
		t.Fatal(err)
	}
	if got := roleOf(); got.Name != "Inspector" || !got.Permissions.Has(roster.PermUserModify) {
		t.Fatalf("after the other store's update: role %+v, want Inspector with UserModify", got)
	}

	other := roster.Role{PartnerID: pid, Name: "Clerk"}
	if err := b.CreateRole(ctx, &other); err != nil {
		t.Fatal(err)
	}
	u.Role = roster.Role{ID: other.ID}
	if err := b.UpdateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteRole(ctx, pid, role.ID); err != nil {
		t.Fatal(err)
	}
	if got := roleOf(); got.ID != other.ID || got.Name != "Clerk" {
		t.Fatalf("after a new role and the old one's deletion: role %+v, want Clerk", got)
	}
}

// TestRoleCache_CopiesAreTheCallersOwn: changing a listed user's role in
// place does not change what the next list returns.
func TestRoleCache_CopiesAreTheCallersOwn(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	const pid = roster.DefaultPartnerID
	admin, err := s.RoleByName(ctx, pid, roster.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	u := roster.User{PartnerID: pid, Username: "ada", Email: "ada@example.com", Role: roster.Role{ID: admin.ID},
		State: roster.StateActive, SignIn: roster.SignInConfirmed}
	if err := s.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	us, err := s.Users(ctx, pid, roster.UserFilter{})
	if err != nil || len(us) != 1 || len(us[0].Role.Permissions) == 0 {
		t.Fatalf("Users = %v, %v", us, err)
	}
	us[0].Role.Permissions[0] = "Mangled"
	again, err := s.Users(ctx, pid, roster.UserFilter{})
	if err != nil || again[0].Role.Permissions[0] == "Mangled" {
		t.Fatalf("a caller's change reached the cache: %v, %v", again[0].Role.Permissions, err)
	}
}
