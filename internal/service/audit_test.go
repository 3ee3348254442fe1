package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

// ev is an expected audit event, written compactly.
type ev struct {
	action  roster.AuditAction
	actor   string // "kind:id", e.g. "key:1", "anonymous:0"
	target  string // "kind:id"
	changes string // comma list
}

func (e ev) String() string {
	return fmt.Sprintf("%s by %s on %s [%s]", e.action, e.actor, e.target, e.changes)
}

func asEv(e roster.AuditEvent) ev {
	return ev{e.Action, fmt.Sprintf("%s:%d", e.ActorKind, e.ActorID), fmt.Sprintf("%s:%d", e.TargetKind, e.TargetID), strings.Join(e.Changes, ",")}
}

// newEvents returns the partner's events after *mark and moves the mark.
func newEvents(t *testing.T, s *Service, partnerID int64, mark *int64) []ev {
	t.Helper()
	es, err := s.store.AuditEvents(context.Background(), partnerID, roster.AuditFilter{AfterID: *mark})
	if err != nil {
		t.Fatal(err)
	}
	var out []ev
	for _, e := range es {
		out = append(out, asEv(e))
		*mark = max(*mark, e.ID)
		if e.At.IsZero() || e.PartnerID != partnerID {
			t.Errorf("event %v: At %v, partner %d", asEv(e), e.At, e.PartnerID)
		}
	}
	return out
}

func TestAudit_EveryActionWritesItsEvents(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	withClock(s)
	var mark int64
	u := userWithPassword(t, s, "ann@example.com")
	other := mustCreate(t, s, "bob@example.com", "Analyst")
	newEvents(t, s, 1, &mark)
	self := Actor{PartnerID: 1, Permissions: u.Role.Permissions, UserID: u.ID}
	ptr := func(s string) *string { return &s }
	st := func(s roster.AccountState) *roster.AccountState { return &s }
	yes := true
	uid, oid := fmt.Sprintf("user:%d", u.ID), fmt.Sprintf("user:%d", other.ID)
	var gid, rid int64

	for _, step := range []struct {
		name string
		do   func() error
		want []ev
	}{
		{"create user", func() error {
			_, err := s.CreateUser(ctx, admin, NewUser{Email: "cy@example.com", GivenName: "C", FamilyName: "Y", Title: ptr("Dr"), Role: RoleRef{Name: "Analyst"}, Groups: nil})
			return err
		}, []ev{{roster.ActionUserCreate, "key:1", fmt.Sprintf("user:%d", other.ID+1), "email,username,firstName,lastName,title,role,status"}}},
		{"update names", func() error {
			_, err := s.UpdateUser(ctx, admin, u.ID, UserPatch{GivenName: ptr("Annie"), Phone: Nullable{Set: true, Value: ptr("123")}})
			return err
		}, []ev{{roster.ActionUserUpdate, "key:1", uid, "firstName,phoneNumber"}}},
		{"make admin", func() error { _, err := s.UpdateUser(ctx, admin, u.ID, UserPatch{IsAdmin: &yes}); return err },
			[]ev{{roster.ActionUserRoleChange, "key:1", uid, "role"}}},
		{"lock by hand", func() error {
			_, err := s.UpdateUser(ctx, admin, other.ID, UserPatch{State: st(roster.StateLocked)})
			return err
		},
			[]ev{{roster.ActionUserLock, "key:1", oid, "status"}}},
		{"unlock", func() error {
			_, err := s.UpdateUser(ctx, admin, other.ID, UserPatch{State: st(roster.StateActive)})
			return err
		},
			[]ev{{roster.ActionUserUnlock, "key:1", oid, "status"}}},
		{"deactivate", func() error {
			_, err := s.UpdateUser(ctx, admin, other.ID, UserPatch{State: st(roster.StateInactive)})
			return err
		},
			[]ev{{roster.ActionUserUpdate, "key:1", oid, "status"}}},
		{"no-op update", func() error { _, err := s.UpdateUser(ctx, admin, other.ID, UserPatch{}); return err },
			[]ev{{roster.ActionUserUpdate, "key:1", oid, ""}}},
		{"update self", func() error { _, err := s.UpdateSelf(ctx, self, UserPatch{FamilyName: ptr("Smith")}); return err },
			[]ev{{roster.ActionUserUpdate, uid, uid, "lastName"}}},
		{"wrong old password", func() error { return s.ChangePassword(ctx, self, "Wr0ng&Password!", "N3w&Password!!") },
			[]ev{{roster.ActionUserSignInFailure, uid, uid, ""}}},
		{"change password", func() error { return s.ChangePassword(ctx, self, goodPw, "N3w&Password!!") },
			[]ev{{roster.ActionUserPasswordChange, uid, uid, "password"}}},
		{"reset password", func() error { return s.ResetPassword(ctx, self) },
			[]ev{{roster.ActionUserPasswordReset, uid, uid, "password"}}},
		{"unknown login", func() error { _, err := s.SignIn(ctx, "Secr3t-typed-in-the-wrong-box", "x", 0); return err }, nil},
		{"sign-in failures lock", func() error {
			for range MaxFailedSignIns - 1 { // one failure was counted above
				_, _ = s.SignIn(ctx, "ann@example.com", "Wr0ng&Password!", 0)
			}
			return nil
		}, []ev{
			{roster.ActionUserSignInFailure, "anonymous:0", uid, ""},
			{roster.ActionUserSignInFailure, "anonymous:0", uid, ""},
			{roster.ActionUserSignInFailure, "anonymous:0", uid, ""},
			{roster.ActionUserSignInFailure, "anonymous:0", uid, ""},
			{roster.ActionUserLock, "system:0", uid, "status"},
		}},
		{"create group", func() error {
			g, err := s.CreateGroup(ctx, admin, GroupInput{Name: ptr("Ops"), Users: &[]int64{u.ID}})
			gid = g.ID
			return err
		}, nil},
		{"update group", func() error {
			_, err := s.UpdateGroup(ctx, admin, gid, GroupInput{Description: ptr("on call")})
			return err
		}, nil},
		{"delete group", func() error { return s.DeleteGroups(ctx, admin, []int64{gid}) }, nil},
		{"create role", func() error {
			r, err := s.CreateRole(ctx, admin, RoleInput{Name: "Auditor", Permissions: roster.NewPermissions(roster.PermUserRead)})
			rid = r.ID
			return err
		}, nil},
		{"update role", func() error {
			_, err := s.UpdateRole(ctx, admin, rid, RoleInput{Name: "Auditors", Permissions: roster.NewPermissions(roster.PermUserRead)})
			return err
		}, nil},
		{"delete role", func() error { return s.DeleteRole(ctx, admin, rid) }, nil},
		{"bulk delete", func() error { return s.DeleteUsers(ctx, admin, []int64{other.ID, other.ID + 1}) }, []ev{
			{roster.ActionUserDelete, "key:1", oid, ""},
			{roster.ActionUserDelete, "key:1", fmt.Sprintf("user:%d", other.ID+1), ""},
		}},
		{"refused change writes nothing", func() error {
			_, err := s.UpdateUser(ctx, reader, u.ID, UserPatch{GivenName: ptr("X")})
			if roster.ErrorCode(err) != roster.EForbidden {
				return fmt.Errorf("reader's update: %v, want forbidden", err)
			}
			return nil
		}, nil},
	} {
		if err := step.do(); err != nil && !strings.Contains(step.name, "password") && step.name != "unknown login" {
			t.Fatalf("%s: %v", step.name, err)
		}
		got := newEvents(t, s, 1, &mark)
		want := step.want
		switch step.name { // ids known only once the step ran
		case "create group":
			want = []ev{{roster.ActionGroupCreate, "key:1", fmt.Sprintf("group:%d", gid), "name,users"}}
		case "update group":
			want = []ev{{roster.ActionGroupUpdate, "key:1", fmt.Sprintf("group:%d", gid), "description"}}
		case "delete group":
			want = []ev{{roster.ActionGroupDelete, "key:1", fmt.Sprintf("group:%d", gid), ""}}
		case "create role":
			want = []ev{{roster.ActionRoleCreate, "key:1", fmt.Sprintf("role:%d", rid), "name,permissions,logTypeAccessKind"}}
		case "update role":
			want = []ev{{roster.ActionRoleUpdate, "key:1", fmt.Sprintf("role:%d", rid), "name"}}
		case "delete role":
			want = []ev{{roster.ActionRoleDelete, "key:1", fmt.Sprintf("role:%d", rid), ""}}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: events\n  %v\nwant\n  %v", step.name, got, want)
		}
	}

	// The correct password of the now locked account is refused, and recorded.
	if _, err := s.SignIn(ctx, "ann@example.com", "N3w&Password!!", 0); roster.ErrorCode(err) != roster.EUnauthorized {
		t.Fatalf("sign-in to a locked account: %v", err)
	}
	if got := newEvents(t, s, 1, &mark); !slices.Equal(got, []ev{{roster.ActionUserSignInFailure, "anonymous:0", uid, ""}}) {
		t.Errorf("refused sign-in: events %v", got)
	}
}

func TestAudit_OperatorActionsAreBySystem(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	p, err := s.CreatePartner(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	_, k, err := s.CreateAPIKey(ctx, p.ID, "ci", roster.NewPermissions(roster.PermUserRead))
	if err != nil {
		t.Fatal(err)
	}
	var mark int64
	want := []ev{
		{roster.ActionPartnerCreate, "system:0", fmt.Sprintf("partner:%d", p.ID), "name"},
		{roster.ActionAPIKeyCreate, "system:0", fmt.Sprintf("apikey:%d", k.ID), "name,permissions"},
	}
	if got := newEvents(t, s, p.ID, &mark); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	mark = 0
	if got := newEvents(t, s, 1, &mark); len(got) != 0 {
		t.Errorf("the default partner got %v", got)
	}
}

// failingAudit is the real store with AppendAudit broken, in and out of
// transactions: the one fault these tests need, injected over the real
// thing rather than mocked.
type failingAudit struct{ roster.Store }

var errAuditDown = errors.New("audit log unavailable")

func (f failingAudit) AppendAudit(context.Context, ...roster.AuditEvent) error { return errAuditDown }

func (f failingAudit) Tx(ctx context.Context, fn func(tx roster.Store) error) error {
	return f.Store.Tx(ctx, func(tx roster.Store) error { return fn(failingAudit{tx}) })
}

func TestAudit_NoChangeWithoutItsEvent(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	u := mustCreate(t, s, "keep@example.com", "Analyst")
	broken := New(Config{Store: failingAudit{s.store}, Mail: s.mail})
	name := "Changed"

	for name, call := range map[string]func() error{
		"CreateUser": func() error {
			_, err := broken.CreateUser(ctx, admin, NewUser{Email: "new@example.com", GivenName: "N", FamilyName: "U", Role: RoleRef{Name: "Analyst"}})
			return err
		},
		"UpdateUser":  func() error { _, err := broken.UpdateUser(ctx, admin, u.ID, UserPatch{GivenName: &name}); return err },
		"DeleteUser":  func() error { return broken.DeleteUser(ctx, admin, u.ID) },
		"CreateGroup": func() error { _, err := broken.CreateGroup(ctx, admin, GroupInput{Name: &name}); return err },
		"CreateRole":  func() error { _, err := broken.CreateRole(ctx, admin, RoleInput{Name: name}); return err },
		"CreateAPIKey": func() error {
			_, _, err := broken.CreateAPIKey(ctx, 1, "k", roster.NewPermissions(roster.PermUserRead))
			return err
		},
		"CreatePartner": func() error { _, err := broken.CreatePartner(ctx, "P"); return err },
	} {
		if err := call(); !errors.Is(err, errAuditDown) {
			t.Errorf("%s with the audit log down: %v, want its error", name, err)
		}
	}
	users, _ := s.store.Users(ctx, 1, roster.UserFilter{IncludeInactive: true})
	if len(users) != 1 || users[0].GivenName != u.GivenName {
		t.Errorf("users after failed audits: %+v, want only %q unchanged", users, u.Email)
	}
	groups, _ := s.store.Groups(ctx, 1, roster.GroupFilter{})
	role, err := s.store.RoleByName(ctx, 1, name)
	partners, _ := s.store.Partners(ctx)
	if len(groups) != 0 || roster.ErrorCode(err) != roster.ENotFound || len(partners) != 1 {
		t.Errorf("after failed audits: groups %v, role %v (%v), partners %v", groups, role, err, partners)
	}
}

func TestAudit_NoEventWithoutItsChange(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	only := mustCreate(t, s, "only-admin@example.com", "Admin")
	var mark int64
	newEvents(t, s, 1, &mark)
	// The last-admin check runs after the delete's event is appended and
	// refuses: the event must go with the delete.
	if err := s.DeleteUsers(ctx, admin, []int64{only.ID}); roster.ErrorCode(err) != roster.EConflict {
		t.Fatalf("deleting the last admin: %v, want conflict", err)
	}
	if got := newEvents(t, s, 1, &mark); len(got) != 0 {
		t.Errorf("refused delete left events %v", got)
	}
	if _, err := s.store.User(ctx, 1, only.ID); err != nil {
		t.Errorf("refused delete removed the user: %v", err)
	}
}

func TestAudit_Query(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	var ids []int64
	for i := range 5 {
		ids = append(ids, mustCreate(t, s, fmt.Sprintf("u%d@example.com", i), "Analyst").ID)
	}
	name := "Renamed"
	if _, err := s.UpdateUser(ctx, admin, ids[0], UserPatch{GivenName: &name}); err != nil {
		t.Fatal(err)
	}

	var got []int64
	q := AuditQuery{Limit: 2, Filter: roster.AuditFilter{ActorKind: roster.ActorKey, TargetKind: roster.TargetUser}}
	for range 10 {
		page, err := s.AuditEvents(ctx, reader, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			got = append(got, e.TargetID)
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	if want := append(slices.Clone(ids), ids[0]); !slices.Equal(got, want) {
		t.Errorf("paged targets %v, want %v", got, want)
	}

	page, err := s.AuditEvents(ctx, reader, AuditQuery{Filter: roster.AuditFilter{TargetKind: roster.TargetUser, TargetID: ids[0]}})
	if err != nil || len(page.Events) != 2 || page.Next != "" {
		t.Errorf("one user's events: %+v, %v; want its create and update on one page", page, err)
	}

	first, _ := s.AuditEvents(ctx, reader, AuditQuery{Limit: 1})
	now := s.now()
	adminUser := Actor{PartnerID: 1, Permissions: roster.NewPermissions(roster.PermUserModify, roster.PermUserRead), UserID: ids[1]}
	analyst := Actor{PartnerID: 1, Permissions: roster.NewPermissions(roster.PermUserRead), UserID: ids[2]}
	for _, tc := range []struct {
		name string
		a    Actor
		q    AuditQuery
		want roster.Code
	}{
		{"admin user", adminUser, AuditQuery{}, ""},
		{"modify key (modify implies read)", admin, AuditQuery{}, ""},
		{"user without UserModify", analyst, AuditQuery{}, roster.EForbidden},
		{"key without permissions", Actor{PartnerID: 1, KeyID: 9}, AuditQuery{}, roster.EForbidden},
		{"limit too large", reader, AuditQuery{Limit: MaxAuditPageSize + 1}, roster.EInvalid},
		{"negative limit", reader, AuditQuery{Limit: -1}, roster.EInvalid},
		{"unknown target kind", reader, AuditQuery{Filter: roster.AuditFilter{TargetKind: "users"}}, roster.EInvalid},
		{"unknown actor kind", reader, AuditQuery{Filter: roster.AuditFilter{ActorKind: "admin"}}, roster.EInvalid},
		{"until before since", reader, AuditQuery{Filter: roster.AuditFilter{Since: now, Until: now.Add(-1)}}, roster.EInvalid},
		{"forged cursor", reader, AuditQuery{Cursor: "AAAA"}, roster.EInvalid},
		{"cursor of another filter", reader, AuditQuery{Cursor: first.Next, Filter: roster.AuditFilter{ActorKind: roster.ActorKey}}, roster.EInvalid},
	} {
		if _, err := s.AuditEvents(ctx, tc.a, tc.q); roster.ErrorCode(err) != tc.want {
			t.Errorf("%s: %v, want code %q", tc.name, err, tc.want)
		}
	}
}
