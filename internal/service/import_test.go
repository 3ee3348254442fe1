package service

import (
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

// One batch is decided row by row in file order, against the stored users
// and the rows before it, as when each row was written on its own; only
// the created rows are written, each with its user.create event.
func TestImport_BatchRowsAreDecidedInFileOrder(t *testing.T) {
	s := newTestService(t)
	ctx := t.Context()
	stored := mustCreate(t, s, "stored@example.com", "Analyst")
	row := func(email, username, given string) ImportUser {
		return ImportUser{Email: email, Username: username, GivenName: given, FamilyName: "F", Role: RoleRef{Name: "Analyst"}}
	}
	batch := []ImportUser{
		row("new@example.com", "alias@example.com", "N"),    // created
		row("NEW@example.com", "other", "N"),                // its e-mail now exists, other fields: differs
		row("new@example.com", "alias@example.com", "N"),    // exactly the first row: unchanged
		row("second@example.com", "", "B"),                  // created
		row("ALIAS@example.com", "z", "C"),                  // e-mail is the first row's username: conflict
		row("fresh@example.com", "Stored@example.com", "D"), // username is a stored e-mail: conflict
		row("third@example.com", "Second@example.com", "G"), // username is the fourth row's e-mail: conflict
		row(stored.Email, stored.Username, "E"),             // the stored user, changed: differs
		row("last@example.com", "", "L"),                    // created
	}
	want := []ImportOutcome{ImportCreated, ImportDiffers, ImportUnchanged, ImportCreated,
		ImportConflict, ImportConflict, ImportConflict, ImportDiffers, ImportCreated}

	im, err := s.NewImporter(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	for i := range batch {
		if err := im.Check(&batch[i]); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	res, err := im.Write(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Outcome != want[i] {
			t.Errorf("row %d (%s): outcome %d (%v), want %d", i, batch[i].Email, r.Outcome, r.Err, want[i])
		}
		if (r.Outcome == ImportConflict) != (roster.ErrorCode(r.Err) == roster.EConflict) {
			t.Errorf("row %d: outcome %d with error %v", i, r.Outcome, r.Err)
		}
	}
	users, err := s.store.Users(ctx, 1, roster.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 4 { // stored + three created
		t.Fatalf("%d users stored, want 4", len(users))
	}
	events, err := s.store.AuditEvents(ctx, 1, roster.AuditFilter{Since: users[1].CreatedAt.Add(-1), TargetKind: roster.TargetUser})
	if err != nil {
		t.Fatal(err)
	}
	var created []int64
	for _, e := range events {
		if e.Action == roster.ActionUserCreate && e.TargetID > stored.ID {
			created = append(created, e.TargetID)
		}
	}
	if len(created) != 3 || created[0] != users[1].ID || created[2] != users[3].ID {
		t.Errorf("user.create events for %v, want the three created users %d..%d", created, users[1].ID, users[3].ID)
	}
}
