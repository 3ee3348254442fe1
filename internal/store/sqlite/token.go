package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// CreateToken inserts t and sets its ID and CreatedAt. EInvalid if t.UserID
// is not a user of t.PartnerID (the (user_id, partner_id) foreign key
// decides); EConflict if the hash exists already.
func (s *Store) CreateToken(ctx context.Context, t *roster.Token) error {
	now := s.timestamp()
	res, err := s.writer().ExecContext(ctx, `
		INSERT INTO tokens (partner_id, user_id, kind, hash, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		t.PartnerID, t.UserID, t.Kind, t.Hash, toDB(t.ExpiresAt), toDB(now))
	if err != nil {
		return writeError(err, "create token", "token")
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("sqlite: create token: %w", err)
	}
	t.ID, t.CreatedAt = id, now
	return nil
}

// TokenByHash returns the token with that hash, expired or not, of
// whichever partner: the hash is the credential and names its partner.
// ENotFound.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (roster.Token, error) {
	var (
		t                roster.Token
		expires, created int64
	)
	err := s.lookup(ctx, `
		SELECT id, partner_id, user_id, kind, hash, expires_at, created_at
		FROM tokens WHERE hash = ?`, hash).
		Scan(&t.ID, &t.PartnerID, &t.UserID, &t.Kind, &t.Hash, &expires, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return roster.Token{}, notFound("token") // never echo a credential
	}
	if err != nil {
		return roster.Token{}, fmt.Errorf("sqlite: token by hash: %w", err)
	}
	t.ExpiresAt, t.CreatedAt = fromDB(expires), fromDB(created)
	return t, nil
}

// DeleteToken removes one token. ENotFound if it is gone already: the
// delete is a single statement on the one write connection, so of two
// callers racing to spend the same refresh token exactly one sees a row
// deleted.
func (s *Store) DeleteToken(ctx context.Context, partnerID, id int64) error {
	res, err := s.writer().ExecContext(ctx,
		`DELETE FROM tokens WHERE partner_id = ? AND id = ?`, partnerID, id)
	if err != nil {
		return fmt.Errorf("sqlite: delete token %d: %w", id, err)
	}
	return oneRow(res, "token %d", id)
}

// DeleteUserTokens removes every token of the user; none is no error.
func (s *Store) DeleteUserTokens(ctx context.Context, partnerID, userID int64) error {
	_, err := s.writer().ExecContext(ctx,
		`DELETE FROM tokens WHERE partner_id = ? AND user_id = ?`, partnerID, userID)
	if err != nil {
		return fmt.Errorf("sqlite: delete tokens of user %d: %w", userID, err)
	}
	return nil
}

// DeleteExpiredTokens removes every token, of every partner, that expired
// strictly before before, and returns how many.
func (s *Store) DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error) {
	res, err := s.writer().ExecContext(ctx, `DELETE FROM tokens WHERE expires_at < ?`, toDB(before))
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired tokens: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired tokens: %w", err)
	}
	return int(n), nil
}
