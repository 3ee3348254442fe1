package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/roster-dev/roster/internal/roster"
)

// AppendAudit records e in the partner's audit log. EInvalid if the partner
// does not exist.
func (s *Store) AppendAudit(ctx context.Context, e roster.AuditEvent) error {
	at := e.At
	if at.IsZero() {
		at = s.timestamp()
	}
	_, err := s.writer().ExecContext(ctx, `
		INSERT INTO audit_events (partner_id, at, actor_kind, actor_id, action, target_kind, target_id, changes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.PartnerID, toDB(at), e.ActorKind, e.ActorID, e.Action, e.TargetKind, e.TargetID, strings.Join(e.Changes, ","))
	if err != nil {
		return writeError(err, "append audit event", "audit event")
	}
	return nil
}

// AuditEvents returns the partner's audit events matching f, in ascending
// id order.
func (s *Store) AuditEvents(ctx context.Context, partnerID int64, f roster.AuditFilter) ([]roster.AuditEvent, error) {
	query := `SELECT id, partner_id, at, actor_kind, actor_id, action, target_kind, target_id, changes
		FROM audit_events WHERE partner_id = ? AND id > ?`
	args := []any{partnerID, f.AfterID}
	add := func(cond string, v any) {
		query += ` AND ` + cond
		args = append(args, v)
	}
	if f.TargetKind != "" {
		add(`target_kind = ?`, f.TargetKind)
	}
	if f.TargetID != 0 {
		add(`target_id = ?`, f.TargetID)
	}
	if f.ActorKind != "" {
		add(`actor_kind = ?`, f.ActorKind)
	}
	if f.ActorID != 0 {
		add(`actor_id = ?`, f.ActorID)
	}
	if !f.Since.IsZero() {
		add(`at >= ?`, toDB(f.Since))
	}
	if !f.Until.IsZero() {
		add(`at < ?`, toDB(f.Until))
	}
	query += ` ORDER BY id`
	limit, limitArgs := limitOffset(f.Limit, 0)
	query += limit
	args = append(args, limitArgs...)

	rows, err := s.reader().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit events: %w", err)
	}
	defer rows.Close()
	var out []roster.AuditEvent
	for rows.Next() {
		var (
			e       roster.AuditEvent
			at      int64
			changes string
		)
		if err := rows.Scan(&e.ID, &e.PartnerID, &at, &e.ActorKind, &e.ActorID, &e.Action, &e.TargetKind, &e.TargetID, &changes); err != nil {
			return nil, fmt.Errorf("sqlite: audit events: %w", err)
		}
		e.At = fromDB(at)
		if changes != "" {
			e.Changes = strings.Split(changes, ",")
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: audit events: %w", err)
	}
	return out, nil
}
