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
