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
	k, err := scanAPIKey(s.lookup(ctx, selectAPIKeys+` WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return roster.APIKey{}, notFound("API key") // never echo a credential
	}
	if err != nil {
		return roster.APIKey{}, fmt.Errorf("sqlite: API key by hash: %w", err)
	}
	return k, nil
}

// APIKeys returns the partner's keys in id order.
func (s *Store) APIKeys(ctx context.Context, partnerID int64) ([]roster.APIKey, error) {
	rows, err := s.reader().QueryContext(ctx, selectAPIKeys+` WHERE partner_id = ? ORDER BY id`, partnerID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: API keys: %w", err)
	}
	defer rows.Close()
	var keys []roster.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: API keys: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: API keys: %w", err)
	}
	return keys, nil
}

// DeleteAPIKey removes one of the partner's keys. ENotFound.
func (s *Store) DeleteAPIKey(ctx context.Context, partnerID, id int64) error {
	res, err := s.writer().ExecContext(ctx,
		`DELETE FROM api_keys WHERE partner_id = ? AND id = ?`, partnerID, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete API key %d: %w", id, err)
	}
	return oneRow(res, "API key %d", id)
}

const selectAPIKeys = `SELECT id, partner_id, name, hash, permissions, created_at FROM api_keys`

// scanAPIKey reads a row of selectAPIKeys.
func scanAPIKey(sc scanner) (roster.APIKey, error) {
	var (
		k       roster.APIKey
		perms   string
		created int64
	)
	if err := sc.Scan(&k.ID, &k.PartnerID, &k.Name, &k.Hash, &perms, &created); err != nil {
		return roster.APIKey{}, err
	}
	var err error
	if k.Permissions, err = roster.ParsePermissions(perms); err != nil {
		// Not %w: a bad stored value is internal, not the caller's EInvalid.
		return roster.APIKey{}, fmt.Errorf("API key %d: stored permissions %q: %s", k.ID, perms, err)
	}
	k.CreatedAt = fromDB(created)
	return k, nil
}
