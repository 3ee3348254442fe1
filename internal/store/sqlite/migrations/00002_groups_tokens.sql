-- Audience Manager: groups and their memberships, sign-in tokens, password
-- history, the failed sign-in count, and what user lists sort by.
--
-- The conventions of 00001 hold. In addition, every table that hangs off a
-- partner's user or group repeats partner_id and refers to the pair
-- (id, partner_id): the database itself then refuses a membership, token or
-- history row that crosses partners, whatever a bug in the store might try.

-- +goose Up
ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_since INTEGER;
-- Lower-cased given and family names, for sorting case-insensitively. The
-- store writes them with strings.ToLower; the backfill below can only use
-- SQLite's lower(), which folds ASCII alone, so a non-ASCII name written
-- before this migration sorts by its exact case until the user is next
-- saved.
ALTER TABLE users ADD COLUMN given_norm TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN family_norm TEXT NOT NULL DEFAULT '';
UPDATE users SET given_norm = lower(given_name), family_norm = lower(family_name);

-- The parent key of the (user_id, partner_id) foreign keys below.
CREATE UNIQUE INDEX users_id_partner ON users (id, partner_id);
-- Sign-in looks a login up across partners (UsersByLogin); the UNIQUE
-- indexes of 00001 lead with partner_id and cannot serve it.
CREATE INDEX users_username_norm ON users (username_norm);
CREATE INDEX users_email_norm ON users (email_norm);

CREATE TABLE groups (
    -- At most roster.MaxID, like users: Audience Manager shows group ids.
    id          INTEGER PRIMARY KEY AUTOINCREMENT CHECK (id <= 9007199254740991),
    partner_id  INTEGER NOT NULL REFERENCES partners (id),
    name        TEXT    NOT NULL,
    name_norm   TEXT    NOT NULL,
    description TEXT    NOT NULL,
    -- lower(name || char(10) || description): what GroupFilter.Search
    -- searches with instr().
    search      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (partner_id, name_norm),
    UNIQUE (id, partner_id)
);

CREATE TABLE user_groups (
    user_id    INTEGER NOT NULL,
    group_id   INTEGER NOT NULL,
    partner_id INTEGER NOT NULL,
    PRIMARY KEY (user_id, group_id),
    FOREIGN KEY (user_id, partner_id) REFERENCES users (id, partner_id) ON DELETE CASCADE,
    FOREIGN KEY (group_id, partner_id) REFERENCES groups (id, partner_id) ON DELETE CASCADE
) WITHOUT ROWID;

-- A group's members, and the cascade when a group is deleted.
CREATE INDEX user_groups_group_id ON user_groups (group_id, user_id);

CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    hash       BLOB    NOT NULL UNIQUE, -- SHA-256 of the token
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (user_id, partner_id) REFERENCES users (id, partner_id) ON DELETE CASCADE
);

-- DeleteUserTokens, and the cascade when a user is deleted.
CREATE INDEX tokens_user_id ON tokens (user_id);
-- DeleteExpiredTokens.
CREATE INDEX tokens_expires_at ON tokens (expires_at);

CREATE TABLE password_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    hash       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    FOREIGN KEY (user_id, partner_id) REFERENCES users (id, partner_id) ON DELETE CASCADE
);

-- A user's newest hashes first (ORDER BY id DESC), and the cascade.
CREATE INDEX password_history_user_id ON password_history (user_id, id);

-- +goose Down
DROP TABLE password_history;
DROP TABLE tokens;
DROP TABLE user_groups;
DROP TABLE groups;
DROP INDEX users_email_norm;
DROP INDEX users_username_norm;
DROP INDEX users_id_partner;
ALTER TABLE users DROP COLUMN family_norm;
ALTER TABLE users DROP COLUMN given_norm;
ALTER TABLE users DROP COLUMN failed_since;
ALTER TABLE users DROP COLUMN failed_sign_ins;
