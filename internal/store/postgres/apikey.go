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
	k, err := scanAPIKey(s.q().QueryRow(ctx, selectAPIKeys+` WHERE hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return roster.APIKey{}, notFound("API key") // never echo a credential
	}
	if err != nil {
		return roster.APIKey{}, fmt.Errorf("postgres: API key by hash: %w", err)
	}
	return k, nil
}

// APIKeys returns the partner's keys in id order.
func (s *Store) APIKeys(ctx context.Context, partnerID int64) ([]roster.APIKey, error) {
	rows, err := s.q().Query(ctx, selectAPIKeys+` WHERE partner_id = $1 ORDER BY id`, partnerID)
	if err != nil {
		return nil, fmt.Errorf("postgres: API keys: %w", err)
	}
	keys, err := collectRows(rows, scanAPIKey)
	if err != nil {
		return nil, fmt.Errorf("postgres: API keys: %w", err)
	}
	return keys, nil
}

// DeleteAPIKey removes one of the partner's keys. ENotFound.
func (s *Store) DeleteAPIKey(ctx context.Context, partnerID, id int64) error {
	tag, err := s.q().Exec(ctx,
		`DELETE FROM api_keys WHERE partner_id = $1 AND id = $2`, partnerID, id)
	if err != nil {
		return fmt.Errorf("postgres: delete API key %d: %w", id, err)
	}
	return oneRow(tag, "API key %d", id)
}

const selectAPIKeys = `SELECT id, partner_id, name, hash, permissions, created_at FROM api_keys`

// scanAPIKey reads a row of selectAPIKeys.
func scanAPIKey(row pgx.Row) (roster.APIKey, error) {
	var (
		k     roster.APIKey
		perms string
	)
	if err := row.Scan(&k.ID, &k.PartnerID, &k.Name, &k.Hash, &perms, &k.CreatedAt); err != nil {
		return roster.APIKey{}, err
	}
	var err error
	if k.Permissions, err = roster.ParsePermissions(perms); err != nil {
		// Not %w: a bad stored value is internal, not the caller's EInvalid.
		return roster.APIKey{}, fmt.Errorf("API key %d: stored permissions %q: %s", k.ID, perms, err)
	}
	return k, nil
}
