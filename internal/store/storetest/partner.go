package storetest

import (
	"testing"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

var partnerTests = []subtest{
	{"DefaultPartnerExists", partnerDefaultExists},
	{"CreateSetsIncreasingIDAndCreatedAt", partnerCreateSetsIDAndCreatedAt},
	{"UnknownIsNotFound", partnerUnknownIsNotFound},
	{"ListIsInIDOrder", partnerListIsInIDOrder},
}

func partnerDefaultExists(t *testing.T, s roster.Store) {
	p, err := s.Partner(t.Context(), roster.DefaultPartnerID)
	must(t, "Partner(1)", err)
	if p.ID != roster.DefaultPartnerID || p.Name != "Default" {
		t.Errorf("Partner(1) = {ID %d, Name %q}, want {1, Default}", p.ID, p.Name)
	}
	if p.CreatedAt.IsZero() || p.CreatedAt.Location() != time.UTC {
		t.Errorf("Partner(1).CreatedAt = %v, want a UTC time", p.CreatedAt)
	}
}

func partnerCreateSetsIDAndCreatedAt(t *testing.T, s roster.Store) {
	a := mustCreatePartner(t, s, "Acme")
	b := mustCreatePartner(t, s, "Bolt")
	if a.ID <= roster.DefaultPartnerID || b.ID <= a.ID {
		t.Errorf("ids %d then %d after partner 1, want increasing", a.ID, b.ID)
	}
	checkRecent(t, "CreatedAt", a.CreatedAt)
	checkRecent(t, "CreatedAt", b.CreatedAt)

	got, err := s.Partner(t.Context(), b.ID)
	must(t, "Partner", err)
	if got.ID != b.ID || got.Name != "Bolt" {
		t.Errorf("Partner(%d) = {ID %d, Name %q}, want Bolt", b.ID, got.ID, got.Name)
	}
	for _, d := range diffTime("CreatedAt", got.CreatedAt, b.CreatedAt) {
		t.Errorf("Partner(%d): %s", b.ID, d)
	}
}

func partnerUnknownIsNotFound(t *testing.T, s roster.Store) {
	for _, id := range []int64{0, -1, unknownID, roster.MaxID} {
		_, err := s.Partner(t.Context(), id)
		wantCode(t, "Partner(unknown)", err, roster.ENotFound)
	}
}

func partnerListIsInIDOrder(t *testing.T, s roster.Store) {
	// Names in reverse alphabetical order, so that a list sorted by name
	// would differ from one sorted by id.
	z := mustCreatePartner(t, s, "Zulu")
	m := mustCreatePartner(t, s, "Mike")
	ps, err := s.Partners(t.Context())
	must(t, "Partners", err)
	var ids []int64
	var names []string
	for _, p := range ps {
		ids = append(ids, p.ID)
		names = append(names, p.Name)
	}
	wantIDs := []int64{roster.DefaultPartnerID, z.ID, m.ID}
	wantNames := []string{"Default", "Zulu", "Mike"}
	if d := diffStrings("ids", ids, wantIDs); d != nil {
		t.Error(d[0])
	}
	if d := diffStrings("names", names, wantNames); d != nil {
		t.Error(d[0])
	}
}
