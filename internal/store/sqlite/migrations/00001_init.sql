-- Roster's first schema, and the default partner with its built-in roles.
--
-- Conventions (store/sqlite relies on them):
--   * Times are INTEGER Unix nanoseconds, UTC. The store writes them truncated
--     to the microsecond, the precision PostgreSQL keeps, so that a value
--     read back compares equal on either engine.
--   * *_norm and search columns are lower-cased in Go (strings.ToLower),
--     because SQLite's lower() folds ASCII only.
--   * AUTOINCREMENT everywhere: an id is never handed out twice, even after
--     the row with the highest id is deleted.

-- +goose Up
CREATE TABLE partners (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE roles (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id           INTEGER NOT NULL REFERENCES partners (id),
    name                 TEXT    NOT NULL,
    name_norm            TEXT    NOT NULL,
    -- Comma list, as roster.Permissions.String() writes it.
    permissions          TEXT    NOT NULL,
    -- Whether permissions grant UserModify (roster.Role.IsAdmin), kept beside
    -- them so that counting admins needs no parsing of the list in SQL.
    is_admin             INTEGER NOT NULL,
    log_type_access      TEXT    NOT NULL DEFAULT '[]', -- JSON array of strings
    log_type_access_kind TEXT    NOT NULL,
    built_in             INTEGER NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    UNIQUE (partner_id, name_norm)
);

CREATE TABLE users (
    -- At most roster.MaxID (2^53-1), so every id is exact in JSON.
    id                  INTEGER PRIMARY KEY AUTOINCREMENT CHECK (id <= 9007199254740991),
    partner_id          INTEGER NOT NULL REFERENCES partners (id),
    username            TEXT    NOT NULL,
    username_norm       TEXT    NOT NULL,
    email               TEXT    NOT NULL,
    email_norm          TEXT    NOT NULL,
    given_name          TEXT    NOT NULL,
    family_name         TEXT    NOT NULL,
    title               TEXT,
    phone               TEXT,
    role_id             INTEGER NOT NULL REFERENCES roles (id) ON DELETE RESTRICT,
    state               TEXT    NOT NULL,
    sign_in             TEXT    NOT NULL,
    password_hash       TEXT    NOT NULL,
    password_expires_at INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    last_login_at       INTEGER,
    -- lower("given family" || char(10) || email): what UserFilter.Contains
    -- searches with instr().
    search              TEXT    NOT NULL,
    UNIQUE (partner_id, email_norm),
    UNIQUE (partner_id, username_norm)
);

-- Listing a partner's users in id order (keyset pages).
CREATE INDEX users_partner_id ON users (partner_id, id);
-- Counting a role's users, and the RESTRICT check when a role is deleted.
CREATE INDEX users_role_id ON users (role_id);

CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id  INTEGER NOT NULL REFERENCES partners (id),
    name        TEXT    NOT NULL,
    hash        BLOB    NOT NULL UNIQUE,
    permissions TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE INDEX api_keys_partner_id ON api_keys (partner_id);

CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- Partner 1 and the roles of roster.BuiltInRoles. A test compares the two,
-- so a change to BuiltInRoles that this seed misses fails the build.
INSERT INTO partners (id, name, created_at)
VALUES (1, 'Default', unixepoch() * 1000000000);

INSERT INTO roles (partner_id, name, name_norm, permissions, is_admin, log_type_access,
                   log_type_access_kind, built_in, created_at, updated_at)
VALUES (1, 'Admin',           'admin',           'UserModify,UserRead', 1, '[]', 'ALLOW_ALL', 1,
        unixepoch() * 1000000000, unixepoch() * 1000000000),
       (1, 'Analyst',         'analyst',         'UserRead',            0, '[]', 'ALLOW_ALL', 1,
        unixepoch() * 1000000000, unixepoch() * 1000000000),
       (1, 'AnalystReadOnly', 'analystreadonly', 'UserRead',            0, '[]', 'ALLOW_ALL', 1,
        unixepoch() * 1000000000, unixepoch() * 1000000000);

-- +goose Down
DROP TABLE secrets;
DROP TABLE api_keys;
DROP TABLE users;
DROP TABLE roles;
DROP TABLE partners;
