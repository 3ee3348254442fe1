package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/roster-dev/roster/internal/roster"
)

// CreatePartner inserts p and sets its ID and CreatedAt. It creates no
// roles: giving a partner its built-in roles is the caller's rule.
func (s *Store) CreatePartner(ctx context.Context, p *roster.Partner) error {
	now := s.timestamp()
	res, err := s.writer().ExecContext(ctx,
		`INSERT INTO partners (name, created_at) VALUES (?, ?)`, p.Name, toDB(now))
	if err != nil {
		return writeError(err, "create partner", "partner")
	}
	id, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("sqlite: create partner: %w", err)
	}
	p.ID, p.CreatedAt = id, now
	return nil
}

// Partner returns one partner. ENotFound.
func (s *Store) Partner(ctx context.Context, id int64) (roster.Partner, error) {
	row := s.lookup(ctx,
		`SELECT id, name, created_at FROM partners WHERE id = ?`, id)
	p, err := scanPartner(row)
	if errors.Is(err, sql.ErrNoRows) {
		return roster.Partner{}, notFound("partner %d", id)
	}
	if err != nil {
		return roster.Partner{}, fmt.Errorf("sqlite: partner %d: %w", id, err)
	}
	return p, nil
}

// Partners returns every partner in id order.
func (s *Store) Partners(ctx context.Context) ([]roster.Partner, error) {
	rows, err := s.reader().QueryContext(ctx,
		`SELECT id, name, created_at FROM partners ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: partners: %w", err)
	}
	defer rows.Close()
	var ps []roster.Partner
	for rows.Next() {
		p, err := scanPartner(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: partners: %w", err)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: partners: %w", err)
	}
	return ps, nil
}

func scanPartner(sc scanner) (roster.Partner, error) {
	var (
		p       roster.Partner
		created int64
	)
	if err := sc.Scan(&p.ID, &p.Name, &created); err != nil {
		return roster.Partner{}, err
	}
	p.CreatedAt = fromDB(created)
	return p, nil
}
