package service

import (
	"context"
	"slices"
	"strings"

	"github.com/roster-dev/roster/internal/roster"
)

// GroupInput is a group as a client writes it; nil fields stay as they are
// on update (and are empty on create).
type GroupInput struct {
	Name        *string
	Description *string
	Users       *[]int64
}

// maxDescriptionLen bounds a group's description.
const maxDescriptionLen = 2000

// maxGroupMembers bounds the members set in one write.
const maxGroupMembers = 10000

// apply sets in's fields on g and validates the result.
func (in GroupInput) apply(g *roster.Group) error {
	if in.Name != nil {
		g.Name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		g.Description = *in.Description
	}
	if in.Users != nil {
		g.Users = dedupe(*in.Users)
	}
	if err := checkText("name", g.Name, maxNameLen, true); err != nil {
		return err
	}
	if err := checkText("description", strings.ReplaceAll(g.Description, "\n", " "), maxDescriptionLen, false); err != nil {
		return err
	}
	if len(g.Users) > maxGroupMembers {
		return roster.Errorf(roster.EInvalid, "a group may be given at most %d users at once", maxGroupMembers)
	}
	return nil
}

// groupConflict names the clash of a group write.
func groupConflict(err error, name string) error {
	if roster.ErrorCode(err) == roster.EConflict {
		return roster.Errorf(roster.EConflict, "a group named %q already exists", name)
	}
	return err
}

// CreateGroup adds a group, with members if given, to the actor's partner.
func (s *Service) CreateGroup(ctx context.Context, a Actor, in GroupInput) (roster.Group, error) {
	if err := require(a, roster.PermUserModify); err != nil {
		return roster.Group{}, err
	}
	if in.Name == nil {
		return roster.Group{}, roster.Errorf(roster.EInvalid, "name is required")
	}
	g := roster.Group{PartnerID: a.PartnerID}
	if err := in.apply(&g); err != nil {
		return roster.Group{}, err
	}
	err := s.store.Tx(ctx, func(tx roster.Store) error {
		if err := tx.CreateGroup(ctx, &g); err != nil {
			return groupConflict(err, g.Name)
		}
		return s.appendAudit(ctx, tx, a.event(g.PartnerID, roster.ActionGroupCreate, roster.TargetGroup, g.ID, groupFields(roster.Group{}, g)...))
	})
	return g, err
}

// groupFields names the fields that differ between old and g: on create,
// old is the zero group, so these are the fields that were set.
func groupFields(old, g roster.Group) []string {
	var f []string
	if old.Name != g.Name {
		f = append(f, "name")
	}
	if old.Description != g.Description {
		f = append(f, "description")
	}
	if !slices.Equal(dedupe(old.Users), dedupe(g.Users)) {
		f = append(f, "users")
	}
	return f
}

// Group returns one group of the actor's partner.
func (s *Service) Group(ctx context.Context, a Actor, id int64) (roster.Group, error) {
	if err := require(a, roster.PermUserRead); err != nil {
		return roster.Group{}, err
	}
	return s.store.Group(ctx, a.PartnerID, id)
}

// Groups returns a page of the actor's partner's groups and how many match
// in all.
func (s *Service) Groups(ctx context.Context, a Actor, f roster.GroupFilter) ([]roster.Group, int, error) {
	if err := require(a, roster.PermUserRead); err != nil {
		return nil, 0, err
	}
	groups, err := s.store.Groups(ctx, a.PartnerID, f)
	if err != nil {
		return nil, 0, err
	}
	total, err := s.store.CountGroups(ctx, a.PartnerID, f)
	return groups, total, err
}

// UpdateGroup changes a group of the actor's partner.
func (s *Service) UpdateGroup(ctx context.Context, a Actor, id int64, in GroupInput) (roster.Group, error) {
	if err := require(a, roster.PermUserModify); err != nil {
		return roster.Group{}, err
	}
	var g roster.Group
	err := s.store.Tx(ctx, func(tx roster.Store) error {
		old, err := tx.Group(ctx, a.PartnerID, id)
		if err != nil {
			return err
		}
		g = old
		if err := in.apply(&g); err != nil {
			return err
		}
		if err := tx.UpdateGroup(ctx, &g); err != nil {
			return groupConflict(err, g.Name)
		}
		return s.appendAudit(ctx, tx, a.event(g.PartnerID, roster.ActionGroupUpdate, roster.TargetGroup, g.ID, groupFields(old, g)...))
	})
	return g, err
}

// DeleteGroups removes groups of the actor's partner, all or none. Their
// members stay, without the memberships.
func (s *Service) DeleteGroups(ctx context.Context, a Actor, ids []int64) error {
	if err := require(a, roster.PermUserModify); err != nil {
		return err
	}
	if len(ids) > maxBulk {
		return roster.Errorf(roster.EInvalid, "at most %d ids may be deleted at once", maxBulk)
	}
	return s.store.Tx(ctx, func(tx roster.Store) error {
		for _, id := range dedupe(ids) {
			if err := tx.DeleteGroup(ctx, a.PartnerID, id); err != nil {
				return err
			}
			if err := s.appendAudit(ctx, tx, a.event(a.PartnerID, roster.ActionGroupDelete, roster.TargetGroup, id)); err != nil {
				return err
			}
		}
		return nil
	})
}
