package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/roster-dev/roster/internal/roster"
)

// CreateAPIKey inserts k and sets its ID and CreatedAt. EConflict if the hash
// exists already; EInvalid if the partner does not exist.
func (s *Store) CreateAPIKey(ctx context.Context, k *roster.APIKey) error {
	now := s.timestamp()
	res, err := s.writer().ExecContext(ctx, `
		INSERT INTO api_keys (partner_id, name, hash, permissions, created_at)
		VALUES (?, ?, ?, ?, ?)`,
		k.PartnerID, k.Name, k.Hash, permissions(k.Permissions), toDB(now))
	if err != nil {
		return writeError(err, "create API key", "API key")
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("sqlite: create API key: %w", err)
	}
	k.ID, k.CreatedAt = id, now
	return nil
}

// APIKeyByHash returns the key with that hash, of whichever partner.
// ENotFound.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (roster.APIKey, error) {
	var (
		k       roster.APIKey
		perms   string
		created int64
	)
	err := s.reader().QueryRowContext(ctx, `
		SELECT id, partner_id, name, hash, permissions, created_at
		FROM api_keys WHERE hash = ?`, hash).
		Scan(&k.ID, &k.PartnerID, &k.Name, &k.Hash, &perms, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return roster.APIKey{}, notFound("API key") // never echo a credential
	}
	if err != nil {
		return roster.APIKey{}, fmt.Errorf("sqlite: API key by hash: %w", err)
	}
	if k.Permissions, err = roster.ParsePermissions(perms); err != nil {
		// Not %w: a bad stored value is internal, not the caller's EInvalid.
		return roster.APIKey{}, fmt.Errorf("sqlite: API key %d: stored permissions %q: %s", k.ID, perms, err)
	}
	k.CreatedAt = fromDB(created)
	return k, nil
}
