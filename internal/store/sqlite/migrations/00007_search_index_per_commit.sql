-- The users' trigram index (users_fts, migration 00003) is now written
-- once per commit rather than once per write.
--
-- Why: the store commits writes in batches, each write inside a savepoint
-- of its own (groupcommit.go), and FTS5 writes out its pending rows as a
-- new index segment at every savepoint and release. A batch of ten creates
-- made ten one-row segments, and FTS5 then spent much of the single
-- writer's time merging them (profiled: 14-28% of a create at a million
-- users, with bursts). A delete from the index does the same: FTS5 writes
-- it out, and merges, at the next savepoint (59% of an update's CPU).
--
-- Now the triggers only note, in users_fts_pending, each user whose text
-- was inserted, changed or deleted, and whether the index holds its old
-- text (indexed = 1). The store's commit (flushSearchIndex) then takes the
-- old texts out of the index, indexes the users that still exist, and
-- empties the table, just before COMMIT: one segment per batch. A user
-- noted twice keeps its first note, which says what the index held before
-- the batch.
--
-- Nothing outside a write transaction ever sees a pending row: the rows
-- are indexed in the transaction that wrote them, so a reader sees a user
-- and its trigrams at once. A later migration that writes users must index
-- its rows itself, as the store's commit does.

-- +goose Up
CREATE TABLE users_fts_pending (
    id      INTEGER PRIMARY KEY,
    indexed INTEGER NOT NULL -- 1: users_fts holds the user's old text
);

DROP TRIGGER users_fts_insert;
DROP TRIGGER users_fts_delete;
DROP TRIGGER users_fts_update;

-- +goose StatementBegin
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT OR IGNORE INTO users_fts_pending (id, indexed) VALUES (new.id, 0);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    INSERT OR IGNORE INTO users_fts_pending (id, indexed) VALUES (old.id, 1);
END;
-- +goose StatementEnd

-- Only writes to the indexed columns touch the index: a sign-in that sets
-- last_login_at leaves it alone.
-- +goose StatementBegin
CREATE TRIGGER users_fts_update AFTER UPDATE OF id, partner_id, search, username_norm ON users BEGIN
    INSERT OR IGNORE INTO users_fts_pending (id, indexed) VALUES (old.id, 1);
    INSERT OR IGNORE INTO users_fts_pending (id, indexed) VALUES (new.id, 0);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER users_fts_insert;
DROP TRIGGER users_fts_delete;
DROP TRIGGER users_fts_update;

-- The table is empty outside a transaction, but carry out anything left in
-- it rather than lose it.
DELETE FROM users_fts WHERE rowid IN (SELECT id FROM users_fts_pending WHERE indexed);
INSERT INTO users_fts (rowid, partner, search, username_norm)
SELECT u.id, '#' || u.partner_id || '#', u.search, u.username_norm
FROM users_fts_pending p JOIN users u ON u.id = p.id;
DROP TABLE users_fts_pending;

-- +goose StatementBegin
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts (rowid, partner, search, username_norm)
    VALUES (new.id, '#' || new.partner_id || '#', new.search, new.username_norm);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER users_fts_update AFTER UPDATE OF id, partner_id, search, username_norm ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.id;
    INSERT INTO users_fts (rowid, partner, search, username_norm)
    VALUES (new.id, '#' || new.partner_id || '#', new.search, new.username_norm);
END;
-- +goose StatementEnd
