-- The audit log: one row per change, written in the change's transaction.
--
-- Rows keep only ids and field names, never values. target_id and actor_id
-- refer to nothing: a record outlives the user, group or key it names
-- (deleting a user keeps the log of what was done to them), and actor_id
-- means a user or an API key depending on actor_kind. partner_id does refer
-- to its partner, which is never deleted.
--
-- Every read filters on partner_id and pages by id, so each index leads
-- with partner_id and ends with id: a filtered page is one index range.

-- +goose Up
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id  INTEGER NOT NULL REFERENCES partners (id),
    at          INTEGER NOT NULL, -- Unix nanoseconds, microsecond precision
    actor_kind  TEXT    NOT NULL, -- roster.ActorKind
    actor_id    INTEGER NOT NULL, -- 0 for system and anonymous
    action      TEXT    NOT NULL, -- roster.AuditAction
    target_kind TEXT    NOT NULL, -- roster.TargetKind
    target_id   INTEGER NOT NULL,
    changes     TEXT    NOT NULL  -- comma list of field names, '' for none
);
CREATE INDEX audit_events_partner ON audit_events (partner_id, id);
CREATE INDEX audit_events_target ON audit_events (partner_id, target_kind, target_id, id);
CREATE INDEX audit_events_actor ON audit_events (partner_id, actor_kind, actor_id, id);

-- +goose Down
DROP TABLE audit_events;
