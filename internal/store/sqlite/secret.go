package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Secret returns the installation-wide secret of that name, creating it from
// newSecret the first time. Whoever inserts first wins (INSERT OR IGNORE) and
// everyone, in this process or another on the same file, reads the winner's
// bytes back. It runs on the write pool, not a reader, so that the read after
// the insert cannot come from an older snapshot.
func (s *Store) Secret(ctx context.Context, name string, newSecret func() ([]byte, error)) ([]byte, error) {
	q := s.writer()
	v, err := secret(ctx, q, name)
	if !errors.Is(err, sql.ErrNoRows) {
		return v, err // found, or a failure
	}
	fresh, err := newSecret()
	if err != nil {
		return nil, fmt.Errorf("sqlite: new secret %q: %w", name, err)
	}
	if len(fresh) == 0 {
		return nil, fmt.Errorf("sqlite: new secret %q is empty", name)
	}
	if _, err := q.ExecContext(ctx,
		`INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)`, name, fresh); err != nil {
		return nil, fmt.Errorf("sqlite: store secret %q: %w", name, err)
	}
	v, err = secret(ctx, q, name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: secret %q vanished after insert: %w", name, err)
	}
	return v, err
}

// secret reads one secret on q; sql.ErrNoRows, unwrapped, if there is none.
func secret(ctx context.Context, q queryer, name string) ([]byte, error) {
	var v []byte
	err := q.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: secret %q: %w", name, err)
	}
	return v, nil
}
