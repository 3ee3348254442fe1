package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster/internal/roster"
)

// CreateToken inserts t and sets its ID and CreatedAt. EInvalid if t.UserID
// is not a user of t.PartnerID (the (user_id, partner_id) foreign key
// decides); EConflict if the hash exists already.
func (s *Store) CreateToken(ctx context.Context, t *roster.Token) error {
	now := s.timestamp()
	var id int64
	err := s.q().QueryRow(ctx, `
		INSERT INTO tokens (partner_id, user_id, kind, hash, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		t.PartnerID, t.UserID, t.Kind, t.Hash, toDB(t.ExpiresAt), now).Scan(&id)
	if err != nil {
		return writeError(err, "create token", "token")
	}
	t.ID, t.CreatedAt = id, now
	return nil
}

// TokenByHash returns the token with that hash, expired or not, of
// whichever partner: the hash is the credential and names its partner.
// ENotFound.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (roster.Token, error) {
	var t roster.Token
	err := s.q().QueryRow(ctx, `
		SELECT id, partner_id, user_id, kind, hash, expires_at, created_at
		FROM tokens WHERE hash = $1`, hash).
		Scan(&t.ID, &t.PartnerID, &t.UserID, &t.Kind, &t.Hash, &t.ExpiresAt, &t.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return roster.Token{}, notFound("token") // never echo a credential
	}
	if err != nil {
		return roster.Token{}, fmt.Errorf("postgres: token by hash: %w", err)
	}
	return t, nil
}

// DeleteToken removes one token. ENotFound if it is gone already: of two
// transactions deleting the same row, the second waits for the first and
// then finds nothing to delete, so of callers racing to spend the same
// refresh token exactly one sees a row deleted.
func (s *Store) DeleteToken(ctx context.Context, partnerID, id int64) error {
	tag, err := s.q().Exec(ctx,
		`DELETE FROM tokens WHERE partner_id = $1 AND id = $2`, partnerID, id)
	if err != nil {
		return fmt.Errorf("postgres: delete token %d: %w", id, err)
	}
	return oneRow(tag, "token %d", id)
}

// DeleteUserTokens removes every token of the user; none is no error.
func (s *Store) DeleteUserTokens(ctx context.Context, partnerID, userID int64) error {
	_, err := s.q().Exec(ctx,
		`DELETE FROM tokens WHERE partner_id = $1 AND user_id = $2`, partnerID, userID)
	if err != nil {
		return fmt.Errorf("postgres: delete tokens of user %d: %w", userID, err)
	}
	return nil
}

// DeleteExpiredTokens removes every token, of every partner, that expired
// strictly before before, and returns how many.
func (s *Store) DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.q().Exec(ctx, `DELETE FROM tokens WHERE expires_at < $1`, toDB(before))
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired tokens: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
