package aam

import (
	"net/http"
	"time"

	"github.com/roster-dev/roster/internal/httpapi"
	"github.com/roster-dev/roster/internal/roster"
	"github.com/roster-dev/roster/internal/service"
)

// AuditEventJSON is one entry of the audit log, as GET /api/v1/audit and
// `roster audit --json` print it. Audience Manager has no
// audit API, so the shape is Roster's own, in the dialect's style: camelCase
// names, integer ids, pid for the partner.
type AuditEventJSON struct {
	EventID    int64    `json:"eventId"`
	PID        int64    `json:"pid"`
	Time       string   `json:"time"`
	ActorType  string   `json:"actorType"`
	ActorID    *int64   `json:"actorId"` // null for system and anonymous
	Action     string   `json:"action"`
	TargetType string   `json:"targetType"`
	TargetID   int64    `json:"targetId"`
	Changes    []string `json:"changes"`
}

// auditPageJSON is one page of the log; next is the cursor of the
// following page, null on the last one.
type auditPageJSON struct {
	Events []AuditEventJSON `json:"events"`
	Next   *string          `json:"next"`
}

// ToAuditEventJSON is e in the audit API's shape.
func ToAuditEventJSON(e roster.AuditEvent) AuditEventJSON {
	out := AuditEventJSON{EventID: e.ID, PID: e.PartnerID, Time: e.At.UTC().Format(time.RFC3339Nano),
		ActorType: string(e.ActorKind), Action: string(e.Action), TargetType: string(e.TargetKind),
		TargetID: e.TargetID, Changes: e.Changes}
	if e.ActorID != 0 {
		out.ActorID = &e.ActorID
	}
	if out.Changes == nil {
		out.Changes = []string{}
	}
	return out
}

func (a *api) listAudit(w http.ResponseWriter, r *http.Request) error {
	qs, err := httpapi.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	q, err := parseAuditQuery(qs)
	if err != nil {
		return err
	}
	page, err := a.svc.AuditEvents(r.Context(), actor(r), q)
	if err != nil {
		return err
	}
	out := auditPageJSON{Events: make([]AuditEventJSON, len(page.Events))}
	for i, e := range page.Events {
		out.Events[i] = ToAuditEventJSON(e)
	}
	if page.Next != "" {
		out.Next = &page.Next
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// parseAuditQuery reads targetType, targetId, actorType, actorId, since,
// until (RFC 3339), limit and cursor. The service checks the kinds and the
// limit's range.
func parseAuditQuery(qs httpapi.Query) (service.AuditQuery, error) {
	var q service.AuditQuery
	f := &q.Filter
	for _, p := range []struct {
		name string
		dst  *string
	}{{"targetType", (*string)(&f.TargetKind)}, {"actorType", (*string)(&f.ActorKind)}, {"cursor", &q.Cursor}} {
		v, err := qs.String(p.name)
		if err != nil {
			return q, err
		}
		*p.dst = v
	}
	var err error
	if f.TargetID, err = optionalID(qs, "targetId"); err != nil {
		return q, err
	}
	if f.ActorID, err = optionalID(qs, "actorId"); err != nil {
		return q, err
	}
	if f.Since, err = optionalTime(qs, "since"); err != nil {
		return q, err
	}
	if f.Until, err = optionalTime(qs, "until"); err != nil {
		return q, err
	}
	limit, given, err := qs.Int("limit")
	if err != nil {
		return q, err
	}
	if given && (limit < 1 || limit > service.MaxAuditPageSize) {
		return q, roster.Errorf(roster.EInvalid, "limit must be between 1 and %d, not %d", service.MaxAuditPageSize, limit)
	}
	q.Limit = int(limit)
	return q, nil
}

// optionalID reads an id parameter; 0 when it is not given.
func optionalID(qs httpapi.Query, name string) (int64, error) {
	v, err := qs.String(name)
	if err != nil || v == "" {
		return 0, err
	}
	id, err := httpapi.ParseID(v)
	if err != nil {
		return 0, roster.Errorf(roster.EInvalid, "query parameter %s: %s", name, roster.ErrorMessage(err))
	}
	return id, nil
}

// optionalTime reads an RFC 3339 time parameter; zero when it is not given.
func optionalTime(qs httpapi.Query, name string) (time.Time, error) {
	v, err := qs.String(name)
	if err != nil || v == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, roster.Errorf(roster.EInvalid, "query parameter %s must be an RFC 3339 time such as 2026-01-02T15:04:05Z, not %q", name, v)
	}
	return t, nil
}
