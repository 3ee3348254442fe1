package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Secret returns the installation-wide secret of that name, creating it from
// newSecret the first time. Whoever inserts first wins (ON CONFLICT DO
// NOTHING, which waits for a concurrent inserter to commit or roll back),
// and everyone, on this node or another, reads the winner's bytes back:
// at READ COMMITTED the read after the insert sees every committed row.
func (s *Store) Secret(ctx context.Context, name string, newSecret func() ([]byte, error)) ([]byte, error) {
	q := s.q()
	v, err := secret(ctx, q, name)
	if !errors.Is(err, pgx.ErrNoRows) {
		return v, err // found, or a failure
	}
	fresh, err := newSecret()
	if err != nil {
		return nil, fmt.Errorf("postgres: new secret %q: %w", name, err)
	}
	if len(fresh) == 0 {
		return nil, fmt.Errorf("postgres: new secret %q is empty", name)
	}
	if _, err := q.Exec(ctx,
		`INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
		name, fresh); err != nil {
		return nil, fmt.Errorf("postgres: store secret %q: %w", name, err)
	}
	v, err = secret(ctx, q, name)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: secret %q vanished after insert: %w", name, err)
	}
	return v, err
}

// secret reads one secret on q; pgx.ErrNoRows, unwrapped, if there is none.
func secret(ctx context.Context, q queryer, name string) ([]byte, error) {
	var v []byte
	err := q.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: secret %q: %w", name, err)
	}
	return v, nil
}
