package service

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// apiKeyPrefix marks Roster's keys so that secret scanners and people can
// recognise one in a log or a repository.
const apiKeyPrefix = "rst_"

// maxNameLen bounds free-text names (of users, roles, keys, partners).
const maxNameLen = 200

// CreateAPIKey makes a new key for the partner and returns it in clear, the
// only time it is ever seen; only its SHA-256 is stored. This is an
// operator's action (the command line), so it takes no Actor.
func (s *Service) CreateAPIKey(ctx context.Context, partnerID int64, name string, perms roster.Permissions) (string, roster.APIKey, error) {
	name = strings.TrimSpace(name)
	if err := checkText("name", name, maxNameLen, true); err != nil {
		return "", roster.APIKey{}, err
	}
	if len(perms) == 0 {
		return "", roster.APIKey{}, roster.Errorf(roster.EInvalid, "an API key needs at least one permission (UserRead, UserModify)")
	}
	key := newToken(apiKeyPrefix)
	k := roster.APIKey{PartnerID: partnerID, Name: name, Hash: sha256Sum(key), Permissions: perms}
	err := s.store.Tx(ctx, func(tx roster.Store) error {
		if _, err := tx.Partner(ctx, partnerID); err != nil {
			return err
		}
		if err := tx.CreateAPIKey(ctx, &k); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, system.event(partnerID, roster.ActionAPIKeyCreate, roster.TargetAPIKey, k.ID, "name", "permissions"))
	})
	if err != nil {
		return "", roster.APIKey{}, err
	}
	return key, k, nil
}

// APIKeys lists the partner's keys (their hashes, never the keys, which
// are not kept). An operator's action, like CreateAPIKey.
func (s *Service) APIKeys(ctx context.Context, partnerID int64) ([]roster.APIKey, error) {
	if _, err := s.store.Partner(ctx, partnerID); err != nil {
		return nil, err
	}
	return s.store.APIKeys(ctx, partnerID)
}

// RevokeAPIKey deletes one of the partner's keys. It stops working at once
// in this process, and within the credential cache's TTL (authCache) in
// any other: a server that checked the key less than a TTL ago still
// trusts it until then. An operator's action, like CreateAPIKey.
func (s *Service) RevokeAPIKey(ctx context.Context, partnerID, id int64) error {
	defer s.auth.drop()
	return s.store.DeleteAPIKey(ctx, partnerID, id)
}

// errBadKey is the one answer for every key that does not authenticate, so
// that a caller learns nothing about which part was wrong.
var errBadKey = roster.Errorf(roster.EUnauthorized, "invalid API key")

// AuthenticateAPIKey returns the actor for an X-API-Key value, or
// EUnauthorized.
func (s *Service) AuthenticateAPIKey(ctx context.Context, key string) (Actor, error) {
	if key == "" {
		return Actor{}, roster.Errorf(roster.EUnauthorized, "missing X-API-Key header")
	}
	if !strings.HasPrefix(key, apiKeyPrefix) || len(key) > 128 {
		return Actor{}, errBadKey
	}
	return s.auth.remember(sha256.Sum256([]byte(key)), s.now(), func(sum []byte) (Actor, time.Time, error) {
		k, err := s.store.APIKeyByHash(ctx, sum)
		if roster.ErrorCode(err) == roster.ENotFound {
			return Actor{}, time.Time{}, errBadKey
		}
		if err != nil {
			return Actor{}, time.Time{}, err
		}
		// The lookup matched on the hash already; comparing again in
		// constant time guards against an engine whose index comparison is
		// looser (such as a case-insensitive collation) ever letting a
		// near-miss through.
		if subtle.ConstantTimeCompare(k.Hash, sum) != 1 {
			return Actor{}, time.Time{}, errBadKey
		}
		return Actor{PartnerID: k.PartnerID, Permissions: k.Permissions, KeyID: k.ID}, time.Time{}, nil
	})
}
