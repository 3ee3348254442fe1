package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// auditRows is how many events one INSERT writes (8 parameters each).
const auditRows = 1000

// AppendAudit records events in their partners' audit logs, many to a
// statement, all or nothing. EInvalid if a partner does not exist.
func (s *Store) AppendAudit(ctx context.Context, events ...roster.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	now := s.timestamp()
	if len(events) == 1 {
		// The common case, a statement the pool prepares once.
		return insertAudit(ctx, s.writer(), events, now)
	}
	return s.transact(ctx, func(tx *Store) error {
		for lo := 0; lo < len(events); lo += auditRows {
			if err := insertAudit(ctx, tx.writer(), events[lo:min(lo+auditRows, len(events))], now); err != nil {
				return err
			}
		}
		return nil
	})
}

// insertAudit writes events in one statement; now stands for a zero At.
func insertAudit(ctx context.Context, q queryer, events []roster.AuditEvent, now time.Time) error {
	args := make([]any, 0, 8*len(events))
	for _, e := range events {
		at := e.At
		if at.IsZero() {
			at = now
		}
		args = append(args, e.PartnerID, toDB(at), e.ActorKind, e.ActorID, e.Action, e.TargetKind,
			e.TargetID, strings.Join(e.Changes, ","))
	}
	_, err := q.ExecContext(ctx, `
		INSERT INTO audit_events (partner_id, at, actor_kind, actor_id, action, target_kind, target_id, changes)
		VALUES `+valuesOf(8, len(events)), args...)
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
