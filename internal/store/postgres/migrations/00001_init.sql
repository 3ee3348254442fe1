-- Roster's schema on PostgreSQL: the tables of SQLite's 00001 and 00002 in
-- one file (PostgreSQL has no history to preserve yet), and the default
-- partner with its built-in roles.
--
-- Conventions (store/postgres relies on them):
--   * Ids are identities, GENERATED ALWAYS: a sequence never hands out a
--     value twice, even after the row with the highest id is deleted.
--   * Times are TIMESTAMPTZ (microseconds); the store truncates what it
--     writes to the microsecond, as the SQLite store does.
--   * *_norm and search columns are lower-cased in Go (strings.ToLower), so
--     that both engines fold case alike. The *_norm columns are COLLATE "C":
--     they sort in code-point order, as SQLite sorts, whatever the
--     database's locale.
--   * Every table that hangs off a partner's user or group repeats
--     partner_id and refers to the pair (id, partner_id): the database
--     itself refuses a membership, token or history row that crosses
--     partners, whatever a bug in the store might try.

-- +goose Up
-- Trigram indexes serve the substring searches (LIKE '%…%'). pg_trgm is a
-- trusted extension: a database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE partners (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE roles (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id           BIGINT      NOT NULL REFERENCES partners (id),
    name                 TEXT        NOT NULL,
    name_norm            TEXT        COLLATE "C" NOT NULL,
    -- Comma list, as roster.Permissions.String() writes it.
    permissions          TEXT        NOT NULL,
    -- Whether permissions grant UserModify (roster.Role.IsAdmin), kept beside
    -- them so that counting admins needs no parsing of the list in SQL.
    is_admin             BOOLEAN     NOT NULL,
    log_type_access      TEXT[]      NOT NULL DEFAULT '{}',
    log_type_access_kind TEXT        NOT NULL,
    built_in             BOOLEAN     NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    UNIQUE (partner_id, name_norm)
);

CREATE TABLE users (
    -- At most roster.MaxID (2^53-1), so every id is exact in JSON.
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY
                        CHECK (id <= 9007199254740991),
    partner_id          BIGINT      NOT NULL REFERENCES partners (id),
    username            TEXT        NOT NULL,
    username_norm       TEXT        COLLATE "C" NOT NULL,
    email               TEXT        NOT NULL,
    email_norm          TEXT        COLLATE "C" NOT NULL,
    given_name          TEXT        NOT NULL,
    given_norm          TEXT        COLLATE "C" NOT NULL,
    family_name         TEXT        NOT NULL,
    family_norm         TEXT        COLLATE "C" NOT NULL,
    title               TEXT,
    phone               TEXT,
    role_id             BIGINT      NOT NULL REFERENCES roles (id) ON DELETE RESTRICT,
    state               TEXT        NOT NULL,
    sign_in             TEXT        NOT NULL,
    password_hash       TEXT        NOT NULL,
    password_expires_at TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    last_login_at       TIMESTAMPTZ,
    failed_sign_ins     INTEGER     NOT NULL DEFAULT 0,
    failed_since        TIMESTAMPTZ,
    -- lower("given family" || E'\n' || email): what UserFilter.Contains
    -- searches with LIKE.
    search              TEXT        NOT NULL,
    UNIQUE (partner_id, email_norm),
    UNIQUE (partner_id, username_norm),
    -- The parent key of the (user_id, partner_id) foreign keys below.
    UNIQUE (id, partner_id)
);

-- Listing a partner's users in id order (keyset pages).
CREATE INDEX users_partner_id ON users (partner_id, id);
-- Counting a role's users, and the RESTRICT check when a role is deleted.
CREATE INDEX users_role_id ON users (role_id);
-- Sign-in looks a login up across partners (UsersByLogin); the UNIQUE
-- constraints lead with partner_id and cannot serve it.
CREATE INDEX users_username_norm ON users (username_norm);
CREATE INDEX users_email_norm ON users (email_norm);
-- UserFilter.Contains and Search: LIKE '%needle%' through trigrams.
-- fastupdate off: GIN would otherwise queue new entries in a pending list
-- that every search reads through until a vacuum merges it, and that the
-- planner prices so high that it scans the table instead. Roster writes
-- users one at a time and searches them often, so each write pays for its
-- own index update instead.
CREATE INDEX users_search_trgm ON users USING gin (search gin_trgm_ops)
    WITH (fastupdate = off);
CREATE INDEX users_username_norm_trgm ON users USING gin (username_norm gin_trgm_ops)
    WITH (fastupdate = off);

CREATE TABLE api_keys (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id  BIGINT      NOT NULL REFERENCES partners (id),
    name        TEXT        NOT NULL,
    hash        BYTEA       NOT NULL UNIQUE,
    permissions TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX api_keys_partner_id ON api_keys (partner_id);

CREATE TABLE secrets (
    name  TEXT  PRIMARY KEY,
    value BYTEA NOT NULL
);

CREATE TABLE groups (
    -- At most roster.MaxID, like users: Audience Manager shows group ids.
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY
                CHECK (id <= 9007199254740991),
    partner_id  BIGINT      NOT NULL REFERENCES partners (id),
    name        TEXT        NOT NULL,
    name_norm   TEXT        COLLATE "C" NOT NULL,
    description TEXT        NOT NULL,
    -- lower(name || E'\n' || description): what GroupFilter.Search
    -- searches with LIKE.
    search      TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (partner_id, name_norm),
    UNIQUE (id, partner_id)
);

-- GroupFilter.Search; fastupdate off as for users.
CREATE INDEX groups_search_trgm ON groups USING gin (search gin_trgm_ops)
    WITH (fastupdate = off);

CREATE TABLE user_groups (
    user_id    BIGINT NOT NULL,
    group_id   BIGINT NOT NULL,
    partner_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, group_id),
    FOREIGN KEY (user_id, partner_id) REFERENCES users (id, partner_id) ON DELETE CASCADE,
    FOREIGN KEY (group_id, partner_id) REFERENCES groups (id, partner_id) ON DELETE CASCADE
);

-- A group's members, and the cascade when a group is deleted.
CREATE INDEX user_groups_group_id ON user_groups (group_id, user_id);

CREATE TABLE tokens (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id BIGINT      NOT NULL,
    user_id    BIGINT      NOT NULL,
    kind       TEXT        NOT NULL,
    hash       BYTEA       NOT NULL UNIQUE, -- SHA-256 of the token
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (user_id, partner_id) REFERENCES users (id, partner_id) ON DELETE CASCADE
);

-- DeleteUserTokens, and the cascade when a user is deleted.
CREATE INDEX tokens_user_id ON tokens (user_id);
-- DeleteExpiredTokens.
CREATE INDEX tokens_expires_at ON tokens (expires_at);

CREATE TABLE password_history (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id BIGINT      NOT NULL,
    user_id    BIGINT      NOT NULL,
    hash       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (user_id, partner_id) REFERENCES users (id, partner_id) ON DELETE CASCADE
);

-- A user's newest hashes first (ORDER BY id DESC), and the cascade.
CREATE INDEX password_history_user_id ON password_history (user_id, id);

-- Partner 1 and the roles of roster.BuiltInRoles. A test compares the two,
-- so a change to BuiltInRoles that this seed misses fails the build. The
-- partner's id is given, so the identity is moved past it.
INSERT INTO partners (id, name, created_at) OVERRIDING SYSTEM VALUE
VALUES (1, 'Default', now());
SELECT setval(pg_get_serial_sequence('partners', 'id'), 1);

INSERT INTO roles (partner_id, name, name_norm, permissions, is_admin, log_type_access,
                   log_type_access_kind, built_in, created_at, updated_at)
VALUES (1, 'Admin',           'admin',           'UserModify,UserRead', TRUE,  '{}', 'ALLOW_ALL', TRUE,
        now(), now()),
       (1, 'Analyst',         'analyst',         'UserRead',            FALSE, '{}', 'ALLOW_ALL', TRUE,
        now(), now()),
       (1, 'AnalystReadOnly', 'analystreadonly', 'UserRead',            FALSE, '{}', 'ALLOW_ALL', TRUE,
        now(), now());

-- +goose Down
-- pg_trgm stays: other schemas of the database may use it.
DROP TABLE password_history;
DROP TABLE tokens;
DROP TABLE user_groups;
DROP TABLE groups;
DROP TABLE secrets;
DROP TABLE api_keys;
DROP TABLE users;
DROP TABLE roles;
DROP TABLE partners;
