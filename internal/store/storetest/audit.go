package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

var auditTests = []subtest{
	{"AppendAndReadBack", auditRoundTrip},
	{"Filters", auditFilters},
	{"PagesByID", auditPaging},
	{"PartnerIsolation", auditIsolation},
	{"FailedTxLeavesNoEvent", auditRollback},
	{"UnknownPartnerIsInvalid", auditUnknownPartner},
}

// auditBase is a fixed instant, so that time filters have known answers.
var auditBase = time.Date(2031, 5, 6, 7, 8, 9, 123456000, time.UTC)

// mustAppendAudit appends e and returns it as the store should give it back.
func mustAppendAudit(t *testing.T, s roster.Store, e roster.AuditEvent) {
	t.Helper()
	must(t, fmt.Sprintf("AppendAudit %s %d", e.Action, e.TargetID), s.AppendAudit(t.Context(), e))
}

// mustAuditEvents reads events and fails the test on an error.
func mustAuditEvents(t *testing.T, s roster.Store, partnerID int64, f roster.AuditFilter) []roster.AuditEvent {
	t.Helper()
	es, err := s.AuditEvents(t.Context(), partnerID, f)
	must(t, "AuditEvents", err)
	return es
}

func auditIDs(es []roster.AuditEvent) []int64 {
	ids := make([]int64, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return ids
}

// seedAudit writes five events to the default partner, a minute apart, and
// returns them as read back.
func seedAudit(t *testing.T, s roster.Store) []roster.AuditEvent {
	t.Helper()
	for i, e := range []roster.AuditEvent{
		{ActorKind: roster.ActorSystem, Action: roster.ActionAPIKeyCreate, TargetKind: roster.TargetAPIKey, TargetID: 1, Changes: []string{"name", "permissions"}},
		{ActorKind: roster.ActorKey, ActorID: 1, Action: roster.ActionUserCreate, TargetKind: roster.TargetUser, TargetID: 10, Changes: []string{"email", "role"}},
		{ActorKind: roster.ActorUser, ActorID: 10, Action: roster.ActionUserUpdate, TargetKind: roster.TargetUser, TargetID: 11, Changes: []string{"firstName"}},
		{ActorKind: roster.ActorAnonymous, Action: roster.ActionUserSignInFailure, TargetKind: roster.TargetUser, TargetID: 10},
		{ActorKind: roster.ActorKey, ActorID: 1, Action: roster.ActionGroupDelete, TargetKind: roster.TargetGroup, TargetID: 10},
	} {
		e.PartnerID, e.At = roster.DefaultPartnerID, auditBase.Add(time.Duration(i)*time.Minute)
		mustAppendAudit(t, s, e)
	}
	es := mustAuditEvents(t, s, roster.DefaultPartnerID, roster.AuditFilter{})
	if len(es) != 5 {
		t.Fatalf("AuditEvents after 5 appends: %d events", len(es))
	}
	return es
}

func auditRoundTrip(t *testing.T, s roster.Store) {
	es := seedAudit(t, s)
	if !slices.IsSorted(auditIDs(es)) || es[0].ID <= 0 {
		t.Errorf("ids %v, want positive and ascending", auditIDs(es))
	}
	got, want := es[1], roster.AuditEvent{
		ID: es[1].ID, PartnerID: roster.DefaultPartnerID, At: auditBase.Add(time.Minute),
		ActorKind: roster.ActorKey, ActorID: 1, Action: roster.ActionUserCreate,
		TargetKind: roster.TargetUser, TargetID: 10, Changes: []string{"email", "role"},
	}
	var d []string
	d = append(d, diffField("PartnerID", got.PartnerID, want.PartnerID)...)
	d = append(d, diffTime("At", got.At, want.At)...)
	d = append(d, diffField("ActorKind", got.ActorKind, want.ActorKind)...)
	d = append(d, diffField("ActorID", got.ActorID, want.ActorID)...)
	d = append(d, diffField("Action", got.Action, want.Action)...)
	d = append(d, diffField("TargetKind", got.TargetKind, want.TargetKind)...)
	d = append(d, diffField("TargetID", got.TargetID, want.TargetID)...)
	d = append(d, diffStrings("Changes", got.Changes, want.Changes)...)
	for _, s := range d {
		t.Errorf("event 2: %s", s)
	}
	if got.At.Location() != time.UTC {
		t.Errorf("At in %v, want UTC", got.At.Location())
	}
	if es[3].Changes != nil {
		t.Errorf("event without changes came back with %q, want nil", es[3].Changes)
	}
	// Without a time, the store stamps the event itself.
	mustAppendAudit(t, s, roster.AuditEvent{PartnerID: roster.DefaultPartnerID, ActorKind: roster.ActorSystem,
		Action: roster.ActionPartnerCreate, TargetKind: roster.TargetPartner, TargetID: 1})
	all := mustAuditEvents(t, s, roster.DefaultPartnerID, roster.AuditFilter{})
	checkRecent(t, "stamped At", all[len(all)-1].At)
}

func auditFilters(t *testing.T, s roster.Store) {
	es := seedAudit(t, s)
	id := func(is ...int) []int64 {
		var out []int64
		for _, i := range is {
			out = append(out, es[i].ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    roster.AuditFilter
		want []int64
	}{
		{"none", roster.AuditFilter{}, id(0, 1, 2, 3, 4)},
		{"target kind", roster.AuditFilter{TargetKind: roster.TargetUser}, id(1, 2, 3)},
		{"target", roster.AuditFilter{TargetKind: roster.TargetUser, TargetID: 10}, id(1, 3)},
		{"target id of any kind", roster.AuditFilter{TargetID: 10}, id(1, 3, 4)},
		{"actor kind", roster.AuditFilter{ActorKind: roster.ActorKey}, id(1, 4)},
		{"actor", roster.AuditFilter{ActorKind: roster.ActorUser, ActorID: 10}, id(2)},
		{"actor and target", roster.AuditFilter{ActorKind: roster.ActorKey, TargetKind: roster.TargetUser}, id(1)},
		{"since is inclusive", roster.AuditFilter{Since: auditBase.Add(3 * time.Minute)}, id(3, 4)},
		{"until is exclusive", roster.AuditFilter{Until: auditBase.Add(2 * time.Minute)}, id(0, 1)},
		{"window", roster.AuditFilter{Since: auditBase.Add(time.Minute), Until: auditBase.Add(3 * time.Minute)}, id(1, 2)},
		{"nothing matches", roster.AuditFilter{TargetKind: roster.TargetRole}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := auditIDs(mustAuditEvents(t, s, roster.DefaultPartnerID, tc.f)); !slices.Equal(got, tc.want) {
				t.Errorf("ids %v, want %v", got, tc.want)
			}
		})
	}
}

func auditPaging(t *testing.T, s roster.Store) {
	es := seedAudit(t, s)
	var got []int64
	f := roster.AuditFilter{TargetKind: roster.TargetUser, Limit: 2}
	for range 10 {
		page := mustAuditEvents(t, s, roster.DefaultPartnerID, f)
		if len(page) > 2 {
			t.Fatalf("page of %d events with Limit 2", len(page))
		}
		if len(page) == 0 {
			break
		}
		got = append(got, auditIDs(page)...)
		f.AfterID = page[len(page)-1].ID
	}
	if want := []int64{es[1].ID, es[2].ID, es[3].ID}; !slices.Equal(got, want) {
		t.Errorf("paged ids %v, want %v", got, want)
	}
}

func auditIsolation(t *testing.T, s roster.Store) {
	es := seedAudit(t, s)
	p2 := mustCreatePartner(t, s, "Other")
	mustAppendAudit(t, s, roster.AuditEvent{PartnerID: p2.ID, ActorKind: roster.ActorKey, ActorID: 1,
		Action: roster.ActionUserCreate, TargetKind: roster.TargetUser, TargetID: 10})
	for _, f := range []roster.AuditFilter{
		{}, {TargetKind: roster.TargetUser, TargetID: 10}, {ActorKind: roster.ActorKey, ActorID: 1}, {AfterID: es[0].ID},
	} {
		got := mustAuditEvents(t, s, p2.ID, f)
		if len(got) != 1 || got[0].PartnerID != p2.ID {
			t.Errorf("partner 2 with %+v: %d events (%+v), want only its own one", f, len(got), got)
		}
	}
	if got := mustAuditEvents(t, s, roster.DefaultPartnerID, roster.AuditFilter{}); !slices.Equal(auditIDs(got), auditIDs(es)) {
		t.Errorf("default partner sees %v, want %v", auditIDs(got), auditIDs(es))
	}
	if got := mustAuditEvents(t, s, unknownID, roster.AuditFilter{}); len(got) != 0 {
		t.Errorf("unknown partner sees %d events", len(got))
	}
}

// auditRollback: an event appended in a transaction that fails is gone with
// the rest of the transaction.
func auditRollback(t *testing.T, s roster.Store) {
	ctx := t.Context()
	err := s.Tx(ctx, func(tx roster.Store) error {
		if err := tx.AppendAudit(ctx, roster.AuditEvent{PartnerID: roster.DefaultPartnerID, ActorKind: roster.ActorSystem,
			Action: roster.ActionGroupCreate, TargetKind: roster.TargetGroup, TargetID: 1}); err != nil {
			return err
		}
		if got := mustAuditEvents(t, tx, roster.DefaultPartnerID, roster.AuditFilter{}); len(got) != 1 {
			t.Errorf("inside the transaction: %d events, want 1", len(got))
		}
		return errAbort
	})
	if err != errAbort {
		t.Fatalf("Tx = %v, want errAbort", err)
	}
	if got := mustAuditEvents(t, s, roster.DefaultPartnerID, roster.AuditFilter{}); len(got) != 0 {
		t.Errorf("after rollback: %d events, want none", len(got))
	}
}

func auditUnknownPartner(t *testing.T, s roster.Store) {
	err := s.AppendAudit(t.Context(), roster.AuditEvent{PartnerID: unknownID, ActorKind: roster.ActorSystem,
		Action: roster.ActionUserCreate, TargetKind: roster.TargetUser, TargetID: 1})
	wantCode(t, "AppendAudit to an unknown partner", err, roster.EInvalid)
}
