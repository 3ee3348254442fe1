package sqlite

import (
	"context"
	"fmt"
)

// PasswordHistory returns the user's last n password hashes, newest first;
// none for n below 1, and none for a user the partner does not have.
func (s *Store) PasswordHistory(ctx context.Context, partnerID, userID int64, n int) ([]string, error) {
	if n < 1 {
		return nil, nil
	}
	rows, err := s.reader().QueryContext(ctx, `
		SELECT hash FROM password_history WHERE partner_id = ? AND user_id = ?
		ORDER BY id DESC LIMIT ?`, partnerID, userID, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: password history of user %d: %w", userID, err)
	}
	defer rows.Close()
	var hashes []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("sqlite: password history of user %d: %w", userID, err)
		}
		hashes = append(hashes, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: password history of user %d: %w", userID, err)
	}
	return hashes, nil
}

// AddPasswordHistory records a password hash the user has had. ENotFound if
// the partner has no such user. The entry is taken from the user's own row
// (INSERT … SELECT), so the check and the insert are one statement. The
// store keeps every entry; PasswordHistory reads only the newest.
func (s *Store) AddPasswordHistory(ctx context.Context, partnerID, userID int64, hash string) error {
	res, err := s.writer().ExecContext(ctx, `
		INSERT INTO password_history (partner_id, user_id, hash, created_at)
		SELECT partner_id, id, ?, ? FROM users WHERE partner_id = ? AND id = ?`,
		hash, toDB(s.timestamp()), partnerID, userID)
	if err != nil {
		return fmt.Errorf("sqlite: add password history of user %d: %w", userID, err)
	}
	return oneRow(res, "user %d", userID)
}
