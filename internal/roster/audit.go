package roster

import "time"

// AuditEvent records one change to a partner's data: who made it, what it
// did to which thing, and the names of the fields it changed. It never
// holds a value, so no secret (a password, a key, a token) can reach the
// log through it, and it outlives its target: deleting a user keeps the
// record of what was done to them.
type AuditEvent struct {
	ID         int64
	PartnerID  int64
	At         time.Time
	ActorKind  ActorKind
	ActorID    int64 // 0 for ActorSystem and ActorAnonymous
	Action     AuditAction
	TargetKind TargetKind
	TargetID   int64
	// Changes names the fields the change set or changed, in the wire
	// names both dialects share where they can (firstName, email, status,
	// groups, role, …); nil when the action says it all (a delete).
	Changes []string
}

// ActorKind says who made a change.
type ActorKind string

// The kinds of actor.
const (
	ActorUser      ActorKind = "user"      // a signed-in user; ActorID is the user's id
	ActorKey       ActorKind = "key"       // an API key; ActorID is the key's id
	ActorSystem    ActorKind = "system"    // the operator's command line
	ActorAnonymous ActorKind = "anonymous" // nobody authenticated, as in a failed sign-in
)

// ActorKinds lists every actor kind, for checking input against.
var ActorKinds = []ActorKind{ActorUser, ActorKey, ActorSystem, ActorAnonymous}

// TargetKind says what kind of thing a change was made to.
type TargetKind string

// The kinds of target.
const (
	TargetUser    TargetKind = "user"
	TargetGroup   TargetKind = "group"
	TargetRole    TargetKind = "role"
	TargetAPIKey  TargetKind = "apikey"
	TargetPartner TargetKind = "partner"
)

// TargetKinds lists every target kind, for checking input against.
var TargetKinds = []TargetKind{TargetUser, TargetGroup, TargetRole, TargetAPIKey, TargetPartner}

// AuditAction is what a change did. The set is closed: every action Roster
// records is one of these.
type AuditAction string

// The audited actions.
const (
	ActionUserCreate         AuditAction = "user.create"
	ActionUserUpdate         AuditAction = "user.update"
	ActionUserDelete         AuditAction = "user.delete"
	ActionUserRoleChange     AuditAction = "user.role_change"
	ActionUserPasswordChange AuditAction = "user.password_change"
	ActionUserPasswordReset  AuditAction = "user.password_reset"
	ActionUserLock           AuditAction = "user.lock"
	ActionUserUnlock         AuditAction = "user.unlock"
	ActionUserSignInFailure  AuditAction = "user.signin_failure"
	ActionGroupCreate        AuditAction = "group.create"
	ActionGroupUpdate        AuditAction = "group.update"
	ActionGroupDelete        AuditAction = "group.delete"
	ActionRoleCreate         AuditAction = "role.create"
	ActionRoleUpdate         AuditAction = "role.update"
	ActionRoleDelete         AuditAction = "role.delete"
	ActionAPIKeyCreate       AuditAction = "apikey.create"
	ActionPartnerCreate      AuditAction = "partner.create"
)

// AuditFilter selects a partner's audit events. Zero fields select
// everything; the result is in ascending id order, which is the order the
// events were written in.
type AuditFilter struct {
	TargetKind TargetKind
	TargetID   int64
	ActorKind  ActorKind
	ActorID    int64
	Since      time.Time // events at or after it; zero means no bound
	Until      time.Time // events before it; zero means no bound
	AfterID    int64     // events with a greater id: a keyset cursor
	Limit      int       // at most this many; 0 means all
}
