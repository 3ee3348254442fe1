package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// PasswordHistory returns the user's last n password hashes, newest first;
// none for n below 1, and none for a user the partner does not have.
func (s *Store) PasswordHistory(ctx context.Context, partnerID, userID int64, n int) ([]string, error) {
	if n < 1 {
		return nil, nil
	}
	rows, err := s.q().Query(ctx, `
		SELECT hash FROM password_history WHERE partner_id = $1 AND user_id = $2
		ORDER BY id DESC LIMIT $3`, partnerID, userID, n)
	if err != nil {
		return nil, fmt.Errorf("postgres: password history of user %d: %w", userID, err)
	}
	hashes, err := collectRows(rows, func(row pgx.Row) (h string, err error) {
		err = row.Scan(&h)
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: password history of user %d: %w", userID, err)
	}
	return hashes, nil
}

// AddPasswordHistory records a password hash the user has had. ENotFound if
// the partner has no such user. The entry is taken from the user's own row
// (INSERT … SELECT), so the check and the insert are one statement. The
// store keeps every entry; PasswordHistory reads only the newest.
func (s *Store) AddPasswordHistory(ctx context.Context, partnerID, userID int64, hash string) error {
	tag, err := s.q().Exec(ctx, `
		INSERT INTO password_history (partner_id, user_id, hash, created_at)
		SELECT partner_id, id, $1, $2 FROM users WHERE partner_id = $3 AND id = $4`,
		hash, s.timestamp(), partnerID, userID)
	if err != nil {
		return fmt.Errorf("postgres: add password history of user %d: %w", userID, err)
	}
	return oneRow(tag, "user %d", userID)
}
