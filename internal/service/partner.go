package service

import (
	"context"
	"strings"

	"github.com/roster-dev/roster/internal/roster"
)

// CreatePartner makes a new partner with its built-in roles, atomically. This
// is an operator's action (the command line), so it takes no Actor.
func (s *Service) CreatePartner(ctx context.Context, name string) (roster.Partner, error) {
	name = strings.TrimSpace(name)
	if err := checkText("name", name, maxNameLen, true); err != nil {
		return roster.Partner{}, err
	}
	p := roster.Partner{Name: name}
	err := s.store.Tx(ctx, func(tx roster.Store) error {
		if err := tx.CreatePartner(ctx, &p); err != nil {
			return err
		}
		for _, r := range roster.BuiltInRoles {
			r.PartnerID = p.ID
			if err := tx.CreateRole(ctx, &r); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, system.event(p.ID, roster.ActionPartnerCreate, roster.TargetPartner, p.ID, "name"))
	})
	return p, err
}

// Partners lists every partner in id order. An operator's action.
func (s *Service) Partners(ctx context.Context) ([]roster.Partner, error) {
	return s.store.Partners(ctx)
}
