-- Trigram indexes for the substring searches: UserFilter.Contains and
-- UserFilter.Search, GroupFilter.Search. instr() over every row of a
-- partner costs seconds at a million users; a trigram index answers a
-- needle of three characters or more in about a millisecond. Shorter
-- needles have no trigram to look up and stay on instr() alone. The store's
-- search.go says how the queries use these tables.
--
-- Each index is a contentless FTS5 table (content=''): it keeps the trigrams
-- and their positions but not the text, and its rowid is the id of the user
-- or group. contentless_delete=1 lets the triggers forget a row by its rowid
-- alone, so the index cannot drift from its table because an old value was
-- passed wrong; the triggers below make every write, whichever path makes
-- it, keep the index in step.
--
-- partner holds '#' || partner_id || '#'. A query asks for the phrase
-- "#<id>#" in it, which only that partner's rows contain, so a partner's
-- search walks its own matches, not those of every partner.
--
-- case_sensitive 1: the store lower-cases the text and the needle in Go
-- (strings.ToLower), as it does for instr(). FTS5's own case folding would
-- fold further what Go leaves alone (ς to σ, ſ to s, µ to μ), and the index
-- would then find rows that instr() does not.
--
-- detail=full (the default) keeps the trigrams' positions: a phrase then
-- matches only where its trigrams follow each other, that is where the
-- needle is a substring of the text.

-- +goose Up
CREATE VIRTUAL TABLE users_fts USING fts5 (
    partner,       -- '#' || users.partner_id || '#'
    search,        -- users.search: full name and e-mail (Contains, Search)
    username_norm, -- users.username_norm (Search only)
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram case_sensitive 1'
);
INSERT INTO users_fts (rowid, partner, search, username_norm)
SELECT id, '#' || partner_id || '#', search, username_norm FROM users;

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

-- Only writes to the indexed columns touch the index: a sign-in that sets
-- last_login_at leaves it alone.
-- +goose StatementBegin
CREATE TRIGGER users_fts_update AFTER UPDATE OF id, partner_id, search, username_norm ON users BEGIN
    DELETE FROM users_fts WHERE rowid = old.id;
    INSERT INTO users_fts (rowid, partner, search, username_norm)
    VALUES (new.id, '#' || new.partner_id || '#', new.search, new.username_norm);
END;
-- +goose StatementEnd

CREATE VIRTUAL TABLE groups_fts USING fts5 (
    partner, -- '#' || groups.partner_id || '#'
    search,  -- groups.search: name and description
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram case_sensitive 1'
);
INSERT INTO groups_fts (rowid, partner, search)
SELECT id, '#' || partner_id || '#', search FROM groups;

-- +goose StatementBegin
CREATE TRIGGER groups_fts_insert AFTER INSERT ON groups BEGIN
    INSERT INTO groups_fts (rowid, partner, search)
    VALUES (new.id, '#' || new.partner_id || '#', new.search);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER groups_fts_delete AFTER DELETE ON groups BEGIN
    DELETE FROM groups_fts WHERE rowid = old.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER groups_fts_update AFTER UPDATE OF id, partner_id, search ON groups BEGIN
    DELETE FROM groups_fts WHERE rowid = old.id;
    INSERT INTO groups_fts (rowid, partner, search)
    VALUES (new.id, '#' || new.partner_id || '#', new.search);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER groups_fts_update;
DROP TRIGGER groups_fts_delete;
DROP TRIGGER groups_fts_insert;
DROP TABLE groups_fts;
DROP TRIGGER users_fts_update;
DROP TRIGGER users_fts_delete;
DROP TRIGGER users_fts_insert;
DROP TABLE users_fts;
