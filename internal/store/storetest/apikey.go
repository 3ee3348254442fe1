package storetest

import (
	"crypto/sha256"
	"testing"

	"github.com/roster-dev/roster/internal/roster"
)

var apiKeyTests = []subtest{
	{"CreateAndLookUpByHash", apiKeyRoundTrip},
	{"UnknownHashIsNotFound", apiKeyUnknownHash},
	{"ConflictOnDuplicateHash", apiKeyDuplicateHash},
	{"ListIsThePartnersInIDOrder", apiKeyList},
	{"DeleteStopsTheKeyAndOnlyIt", apiKeyDelete},
}

// keyHash hashes a key as the service does.
func keyHash(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

func mustCreateAPIKey(t *testing.T, s roster.Store, partnerID int64, name string, perms ...roster.Permission) roster.APIKey {
	t.Helper()
	k := roster.APIKey{PartnerID: partnerID, Name: name, Hash: keyHash(name), Permissions: roster.NewPermissions(perms...)}
	must(t, "CreateAPIKey "+name, s.CreateAPIKey(t.Context(), &k))
	return k
}

// checkAPIKey fails the test if got differs from want.
func checkAPIKey(t *testing.T, what string, got, want roster.APIKey) {
	t.Helper()
	var d []string
	d = append(d, diffField("ID", got.ID, want.ID)...)
	d = append(d, diffField("PartnerID", got.PartnerID, want.PartnerID)...)
	d = append(d, diffField("Name", got.Name, want.Name)...)
	d = append(d, diffStrings("Hash", got.Hash, want.Hash)...)
	d = append(d, diffStrings("Permissions", got.Permissions, want.Permissions)...)
	d = append(d, diffTime("CreatedAt", got.CreatedAt, want.CreatedAt)...)
	for _, s := range d {
		t.Errorf("%s: %s", what, s)
	}
}

func apiKeyRoundTrip(t *testing.T, s roster.Store) {
	p2 := mustCreatePartner(t, s, "Other")
	keys := []roster.APIKey{
		mustCreateAPIKey(t, s, roster.DefaultPartnerID, "ci", roster.PermUserRead),
		mustCreateAPIKey(t, s, roster.DefaultPartnerID, "admin", roster.PermUserModify, roster.PermUserRead),
		mustCreateAPIKey(t, s, p2.ID, "other", roster.PermUserModify),
		mustCreateAPIKey(t, s, p2.ID, "powerless"),
	}
	for _, k := range keys {
		if k.ID <= 0 {
			t.Errorf("key %s: ID = %d, want > 0", k.Name, k.ID)
		}
		checkRecent(t, "key "+k.Name+" CreatedAt", k.CreatedAt)
		got, err := s.APIKeyByHash(t.Context(), keyHash(k.Name))
		must(t, "APIKeyByHash "+k.Name, err)
		checkAPIKey(t, "key "+k.Name, got, k)
	}
}

func apiKeyUnknownHash(t *testing.T, s roster.Store) {
	k := mustCreateAPIKey(t, s, roster.DefaultPartnerID, "ci", roster.PermUserRead)
	for _, tt := range []struct {
		name string
		hash []byte
	}{
		{"another key", keyHash("not-a-key")},
		{"prefix", k.Hash[:16]},
		{"longer", append(keyHash("ci"), 0)},
		{"empty", []byte{}},
		{"nil", nil},
	} {
		_, err := s.APIKeyByHash(t.Context(), tt.hash)
		wantCode(t, "APIKeyByHash("+tt.name+")", err, roster.ENotFound)
	}
}

func apiKeyDuplicateHash(t *testing.T, s roster.Store) {
	p2 := mustCreatePartner(t, s, "Other")
	k := mustCreateAPIKey(t, s, roster.DefaultPartnerID, "ci", roster.PermUserRead)
	for _, partnerID := range []int64{roster.DefaultPartnerID, p2.ID} {
		dup := roster.APIKey{PartnerID: partnerID, Name: "copy", Hash: keyHash("ci"), Permissions: roster.NewPermissions(roster.PermUserModify)}
		wantCode(t, "CreateAPIKey with a taken hash", s.CreateAPIKey(t.Context(), &dup), roster.EConflict)
	}
	got, err := s.APIKeyByHash(t.Context(), k.Hash)
	must(t, "APIKeyByHash", err)
	checkAPIKey(t, "key after refused duplicates", got, k)
}

func apiKeyList(t *testing.T, s roster.Store) {
	p2 := mustCreatePartner(t, s, "Other")
	got, err := s.APIKeys(t.Context(), roster.DefaultPartnerID)
	must(t, "APIKeys of a partner without keys", err)
	if len(got) != 0 {
		t.Fatalf("APIKeys of a fresh store = %d keys, want none", len(got))
	}
	ci := mustCreateAPIKey(t, s, roster.DefaultPartnerID, "ci", roster.PermUserRead)
	other := mustCreateAPIKey(t, s, p2.ID, "other", roster.PermUserModify)
	admin := mustCreateAPIKey(t, s, roster.DefaultPartnerID, "admin", roster.PermUserModify, roster.PermUserRead)
	for _, tt := range []struct {
		partnerID int64
		want      []roster.APIKey
	}{
		{roster.DefaultPartnerID, []roster.APIKey{ci, admin}},
		{p2.ID, []roster.APIKey{other}},
		{unknownID, nil},
	} {
		got, err := s.APIKeys(t.Context(), tt.partnerID)
		must(t, "APIKeys", err)
		if len(got) != len(tt.want) {
			t.Fatalf("APIKeys(%d) = %d keys, want %d", tt.partnerID, len(got), len(tt.want))
		}
		for i := range got {
			checkAPIKey(t, "listed key "+tt.want[i].Name, got[i], tt.want[i])
		}
	}
}

func apiKeyDelete(t *testing.T, s roster.Store) {
	p2 := mustCreatePartner(t, s, "Other")
	gone := mustCreateAPIKey(t, s, roster.DefaultPartnerID, "gone", roster.PermUserRead)
	kept := mustCreateAPIKey(t, s, roster.DefaultPartnerID, "kept", roster.PermUserRead)
	theirs := mustCreateAPIKey(t, s, p2.ID, "theirs", roster.PermUserRead)

	// Another partner's id names no key of this partner.
	wantCode(t, "DeleteAPIKey of another partner's key", s.DeleteAPIKey(t.Context(), roster.DefaultPartnerID, theirs.ID), roster.ENotFound)
	must(t, "DeleteAPIKey", s.DeleteAPIKey(t.Context(), roster.DefaultPartnerID, gone.ID))
	wantCode(t, "DeleteAPIKey again", s.DeleteAPIKey(t.Context(), roster.DefaultPartnerID, gone.ID), roster.ENotFound)
	wantCode(t, "DeleteAPIKey of an unknown id", s.DeleteAPIKey(t.Context(), roster.DefaultPartnerID, unknownID), roster.ENotFound)

	_, err := s.APIKeyByHash(t.Context(), gone.Hash)
	wantCode(t, "APIKeyByHash of a deleted key", err, roster.ENotFound)
	for _, k := range []roster.APIKey{kept, theirs} {
		got, err := s.APIKeyByHash(t.Context(), k.Hash)
		must(t, "APIKeyByHash "+k.Name, err)
		checkAPIKey(t, "key "+k.Name+" after another's deletion", got, k)
	}
	left, err := s.APIKeys(t.Context(), roster.DefaultPartnerID)
	must(t, "APIKeys", err)
	if len(left) != 1 || left[0].ID != kept.ID {
		t.Errorf("APIKeys after deletion = %+v, want only %q", left, kept.Name)
	}
}
