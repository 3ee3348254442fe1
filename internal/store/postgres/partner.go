package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster/internal/roster"
)

// CreatePartner inserts p and sets its ID and CreatedAt. It creates no
// roles: giving a partner its built-in roles is the caller's rule.
func (s *Store) CreatePartner(ctx context.Context, p *roster.Partner) error {
	now := s.timestamp()
	var id int64
	err := s.q().QueryRow(ctx,
		`INSERT INTO partners (name, created_at) VALUES ($1, $2) RETURNING id`, p.Name, now).Scan(&id)
	if err != nil {
		return writeError(err, "create partner", "partner")
	}
	p.ID, p.CreatedAt = id, now
	return nil
}

// Partner returns one partner. ENotFound.
func (s *Store) Partner(ctx context.Context, id int64) (roster.Partner, error) {
	var p roster.Partner
	err := s.q().QueryRow(ctx,
		`SELECT id, name, created_at FROM partners WHERE id = $1`, id).Scan(&p.ID, &p.Name, &p.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return roster.Partner{}, notFound("partner %d", id)
	}
	if err != nil {
		return roster.Partner{}, fmt.Errorf("postgres: partner %d: %w", id, err)
	}
	return p, nil
}

// Partners returns every partner in id order.
func (s *Store) Partners(ctx context.Context) ([]roster.Partner, error) {
	rows, err := s.q().Query(ctx, `SELECT id, name, created_at FROM partners ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: partners: %w", err)
	}
	ps, err := collectRows(rows, func(row pgx.Row) (roster.Partner, error) {
		var p roster.Partner
		err := row.Scan(&p.ID, &p.Name, &p.CreatedAt)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: partners: %w", err)
	}
	return ps, nil
}
