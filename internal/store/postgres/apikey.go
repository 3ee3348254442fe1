package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster/internal/roster"
)

// CreateAPIKey inserts k and sets its ID and CreatedAt. EConflict if the hash
// exists already; EInvalid if the partner does not exist.
func (s *Store) CreateAPIKey(ctx context.Context, k *roster.APIKey) error {
	now := s.timestamp()
	var id int64
	err := s.q().QueryRow(ctx, `
		INSERT INTO api_keys (partner_id, name, hash, permissions, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		k.PartnerID, k.Name, k.Hash, permissions(k.Permissions), now).Scan(&id)
	if err != nil {
		return writeError(err, "create API key", "API key")
	}
	k.ID, k.CreatedAt = id, now
	return nil
}

// APIKeyByHash returns the key with that hash, of whichever partner.
// ENotFound.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (roster.APIKey, error) {
	var (
		k     roster.APIKey
		perms string
	)
	err := s.q().QueryRow(ctx, `
		SELECT id, partner_id, name, hash, permissions, created_at
		FROM api_keys WHERE hash = $1`, hash).
		Scan(&k.ID, &k.PartnerID, &k.Name, &k.Hash, &perms, &k.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return roster.APIKey{}, notFound("API key") // never echo a credential
	}
	if err != nil {
		return roster.APIKey{}, fmt.Errorf("postgres: API key by hash: %w", err)
	}
	if k.Permissions, err = roster.ParsePermissions(perms); err != nil {
		// Not %w: a bad stored value is internal, not the caller's EInvalid.
		return roster.APIKey{}, fmt.Errorf("postgres: API key %d: stored permissions %q: %s", k.ID, perms, err)
	}
	return k, nil
}
