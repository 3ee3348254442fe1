package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/roster-dev/roster/internal/roster"
)

// auditColumns are the columns AppendAudit writes.
var auditColumns = []string{"partner_id", "at", "actor_kind", "actor_id", "action", "target_kind", "target_id", "changes"}

// AppendAudit records events in their partners' audit logs, all or
// nothing: one INSERT for one event, COPY for more. EInvalid if a partner
// does not exist.
func (s *Store) AppendAudit(ctx context.Context, events ...roster.AuditEvent) error {
	now := s.timestamp()
	row := func(e roster.AuditEvent) []any {
		at := e.At
		if at.IsZero() {
			at = now
		}
		changes := e.Changes
		if changes == nil {
			changes = []string{} // the column is NOT NULL; nil would be sent as NULL
		}
		return []any{e.PartnerID, toDB(at), string(e.ActorKind), e.ActorID, string(e.Action),
			string(e.TargetKind), e.TargetID, changes}
	}
	switch len(events) {
	case 0:
		return nil
	case 1:
		_, err := s.q().Exec(ctx, `
			INSERT INTO audit_events (partner_id, at, actor_kind, actor_id, action, target_kind, target_id, changes)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, row(events[0])...)
		if err != nil {
			return writeError(err, "append audit event", "audit event")
		}
		return nil
	}
	return s.transact(ctx, func(tx *Store) error {
		_, err := tx.tx.CopyFrom(ctx, pgx.Identifier{"audit_events"}, auditColumns,
			pgx.CopyFromSlice(len(events), func(i int) ([]any, error) { return row(events[i]), nil }))
		if err != nil {
			return writeError(err, "append audit events", "audit event")
		}
		return nil
	})
}

// AuditEvents returns the partner's audit events matching f, in ascending
// id order.
func (s *Store) AuditEvents(ctx context.Context, partnerID int64, f roster.AuditFilter) ([]roster.AuditEvent, error) {
	var p params
	query := `SELECT id, partner_id, at, actor_kind, actor_id, action, target_kind, target_id, changes
		FROM audit_events WHERE partner_id = ` + p.add(partnerID) + ` AND id > ` + p.add(f.AfterID)
	if f.TargetKind != "" {
		query += ` AND target_kind = ` + p.add(string(f.TargetKind))
	}
	if f.TargetID != 0 {
		query += ` AND target_id = ` + p.add(f.TargetID)
	}
	if f.ActorKind != "" {
		query += ` AND actor_kind = ` + p.add(string(f.ActorKind))
	}
	if f.ActorID != 0 {
		query += ` AND actor_id = ` + p.add(f.ActorID)
	}
	if !f.Since.IsZero() {
		query += ` AND at >= ` + p.add(toDB(f.Since))
	}
	if !f.Until.IsZero() {
		query += ` AND at < ` + p.add(toDB(f.Until))
	}
	query += ` ORDER BY id` + limitOffset(&p, f.Limit, 0)

	rows, err := s.q().Query(ctx, query, append([]any{planEach}, p...)...)
	if err != nil {
		return nil, fmt.Errorf("postgres: audit events: %w", err)
	}
	events, err := collectRows(rows, func(row pgx.Row) (roster.AuditEvent, error) {
		var e roster.AuditEvent
		err := row.Scan(&e.ID, &e.PartnerID, &e.At, &e.ActorKind, &e.ActorID, &e.Action, &e.TargetKind, &e.TargetID, &e.Changes)
		if len(e.Changes) == 0 {
			e.Changes = nil // as the SQLite store gives back no changes
		}
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: audit events: %w", err)
	}
	return events, nil
}
