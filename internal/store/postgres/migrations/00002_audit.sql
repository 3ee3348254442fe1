-- The audit log: one row per change, written in the change's transaction.
-- The same table as SQLite's 00004, under 00001's conventions.
--
-- Rows keep only ids and field names, never values. target_id and actor_id
-- refer to nothing: a record outlives the user, group or key it names, and
-- actor_id means a user or an API key depending on actor_kind.
--
-- Every read filters on partner_id and pages by id, so each index leads
-- with partner_id and ends with id: a filtered page is one index range.

-- +goose Up
CREATE TABLE audit_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id  BIGINT      NOT NULL REFERENCES partners (id),
    at          TIMESTAMPTZ NOT NULL,
    actor_kind  TEXT        NOT NULL,
    actor_id    BIGINT      NOT NULL,
    action      TEXT        NOT NULL,
    target_kind TEXT        NOT NULL,
    target_id   BIGINT      NOT NULL,
    changes     TEXT[]      NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_partner ON audit_events (partner_id, id);
CREATE INDEX audit_events_target ON audit_events (partner_id, target_kind, target_id, id);
CREATE INDEX audit_events_actor ON audit_events (partner_id, actor_kind, actor_id, id);

-- +goose Down
DROP TABLE audit_events;
