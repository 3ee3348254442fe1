package service

import (
	"context"
	"crypto/sha256"
	"slices"
	"strconv"
	"time"

	"github.com/roster-dev/roster/internal/roster"
)

// Every change the service makes is recorded in the partner's audit log by
// the same transaction that makes it (see appendAudit), so that no change
// exists without its record and no record without its change. Records name
// fields, never values: no password, key or token can reach the log.

// system is the actor of the operator's command line: no user, no key.
var system = Actor{}

// auditActor says who a recorded change is by.
func (a Actor) auditActor() (roster.ActorKind, int64) {
	switch {
	case a.UserID != 0:
		return roster.ActorUser, a.UserID
	case a.KeyID != 0:
		return roster.ActorKey, a.KeyID
	}
	return roster.ActorSystem, 0
}

// event returns the audit event of a's action on a target of the partner.
func (a Actor) event(partnerID int64, action roster.AuditAction, kind roster.TargetKind, id int64, changes ...string) roster.AuditEvent {
	ak, aid := a.auditActor()
	return roster.AuditEvent{PartnerID: partnerID, ActorKind: ak, ActorID: aid, Action: action,
		TargetKind: kind, TargetID: id, Changes: changes}
}

// appendAudit writes events in tx, which must be the transaction of the
// change they describe, stamped with the service's clock.
func (s *Service) appendAudit(ctx context.Context, tx roster.Store, events ...roster.AuditEvent) error {
	now := s.now().UTC()
	stamped := make([]roster.AuditEvent, len(events))
	for i, e := range events {
		e.At = now
		stamped[i] = e
	}
	return tx.AppendAudit(ctx, stamped...)
}

// userFields names the fields of a new user that were set.
func userFields(u roster.User) []string {
	f := []string{"email", "username", "firstName", "lastName"}
	if u.Title != nil {
		f = append(f, "title")
	}
	if u.Phone != nil {
		f = append(f, "phoneNumber")
	}
	f = append(f, "role", "status")
	if len(u.Groups) > 0 {
		f = append(f, "groups")
	}
	return f
}

// userEvents are the events of a's update of old into u: user.role_change
// for a new role, user.lock and user.unlock for a lock set or lifted by
// hand, and user.update for the other fields that changed — or alone, with
// no fields, when nothing did.
func userEvents(a Actor, old, u roster.User) []roster.AuditEvent {
	var out []roster.AuditEvent
	add := func(action roster.AuditAction, fields ...string) {
		out = append(out, a.event(u.PartnerID, action, roster.TargetUser, u.ID, fields...))
	}
	if old.Role.ID != u.Role.ID {
		add(roster.ActionUserRoleChange, "role")
	}
	statusAlone := false
	switch {
	case old.State != roster.StateLocked && u.State == roster.StateLocked:
		add(roster.ActionUserLock, "status")
		statusAlone = true
	case old.State == roster.StateLocked && u.State == roster.StateActive:
		add(roster.ActionUserUnlock, "status")
		statusAlone = true
	}
	var changed []string
	for _, f := range []struct {
		name string
		diff bool
	}{
		{"email", old.Email != u.Email},
		{"username", old.Username != u.Username},
		{"firstName", old.GivenName != u.GivenName},
		{"lastName", old.FamilyName != u.FamilyName},
		{"title", !equalPtr(old.Title, u.Title)},
		{"phoneNumber", !equalPtr(old.Phone, u.Phone)},
		{"status", old.State != u.State && !statusAlone},
		{"groups", !slices.Equal(dedupe(old.Groups), dedupe(u.Groups))},
	} {
		if f.diff {
			changed = append(changed, f.name)
		}
	}
	if len(changed) > 0 || len(out) == 0 {
		add(roster.ActionUserUpdate, changed...)
	}
	return out
}

func equalPtr(a, b *string) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// Audit log pages.
const (
	DefaultAuditPageSize = 100
	MaxAuditPageSize     = 1000
)

// AuditQuery asks for one page of audit events. Cursor, when set, continues
// a previous page of the same query.
type AuditQuery struct {
	Filter roster.AuditFilter // AfterID and Limit are ignored: Cursor and Limit rule
	Cursor string
	Limit  int // 1..MaxAuditPageSize; 0 means DefaultAuditPageSize
}

// AuditPage is one page of events, oldest first. Next is the cursor of the
// following page, "" on the last one.
type AuditPage struct {
	Events []roster.AuditEvent
	Next   string
}

// errAuditAdmins refuses the audit log to a signed-in user who is not an
// admin: it tells who did what to whom across the whole partner.
var errAuditAdmins = roster.Errorf(roster.EForbidden, "only partner admins may read the audit log")

// AuditEvents returns one page of the actor's partner's audit log: to an
// admin user, or to an API key that may read users. Pages are cut by id, as
// user lists are, with the same signed cursors.
func (s *Service) AuditEvents(ctx context.Context, a Actor, q AuditQuery) (AuditPage, error) {
	if err := require(a, roster.PermUserRead); err != nil {
		return AuditPage{}, err
	}
	if a.UserID != 0 && !a.Can(roster.PermUserModify) {
		return AuditPage{}, errAuditAdmins
	}
	f := q.Filter
	if err := checkAuditFilter(f); err != nil {
		return AuditPage{}, err
	}
	if q.Limit == 0 {
		q.Limit = DefaultAuditPageSize
	}
	if q.Limit < 1 || q.Limit > MaxAuditPageSize {
		return AuditPage{}, roster.Errorf(roster.EInvalid, "limit must be between 1 and %d", MaxAuditPageSize)
	}
	f.AfterID, f.Limit = 0, q.Limit+1
	key, err := s.cursorSecret(ctx)
	if err != nil {
		return AuditPage{}, err
	}
	fp := auditFingerprint(f)
	if q.Cursor != "" {
		if f.AfterID, err = openCursor(key, q.Cursor, fp); err != nil {
			return AuditPage{}, err
		}
	}
	events, err := s.store.AuditEvents(ctx, a.PartnerID, f)
	if err != nil {
		return AuditPage{}, err
	}
	page := AuditPage{Events: events}
	if len(events) > q.Limit {
		page.Events = events[:q.Limit]
		page.Next = sealCursor(key, page.Events[q.Limit-1].ID, fp)
	}
	return page, nil
}

// checkAuditFilter refuses kinds outside the closed sets and negative ids.
func checkAuditFilter(f roster.AuditFilter) error {
	if f.TargetKind != "" && !slices.Contains(roster.TargetKinds, f.TargetKind) {
		return roster.Errorf(roster.EInvalid, "target type must be one of %v, not %q", roster.TargetKinds, f.TargetKind)
	}
	if f.ActorKind != "" && !slices.Contains(roster.ActorKinds, f.ActorKind) {
		return roster.Errorf(roster.EInvalid, "actor type must be one of %v, not %q", roster.ActorKinds, f.ActorKind)
	}
	if f.TargetID < 0 || f.ActorID < 0 {
		return roster.Errorf(roster.EInvalid, "ids are positive integers")
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return roster.Errorf(roster.EInvalid, "until must be later than since")
	}
	return nil
}

// auditFingerprint digests the filter fields that shape an audit result
// set. Its leading tag keeps a user list's cursor from ever opening here.
func auditFingerprint(f roster.AuditFilter) []byte {
	h := sha256.New()
	for _, part := range []string{
		"audit", string(f.TargetKind), strconv.FormatInt(f.TargetID, 10),
		string(f.ActorKind), strconv.FormatInt(f.ActorID, 10), timeKey(f.Since), timeKey(f.Until),
	} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return h.Sum(nil)[:cursorFPLen]
}

func timeKey(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

// AuditLog returns the partner's audit events matching f, oldest first,
// at most f.Limit of them (all when 0). This is the operator's read (the
// command line), so it takes no Actor. ENotFound for an unknown partner.
func (s *Service) AuditLog(ctx context.Context, partnerID int64, f roster.AuditFilter) ([]roster.AuditEvent, error) {
	if err := checkAuditFilter(f); err != nil {
		return nil, err
	}
	if f.Limit < 0 {
		return nil, roster.Errorf(roster.EInvalid, "limit must be 0 (all) or more")
	}
	if _, err := s.store.Partner(ctx, partnerID); err != nil {
		return nil, err
	}
	return s.store.AuditEvents(ctx, partnerID, f)
}
