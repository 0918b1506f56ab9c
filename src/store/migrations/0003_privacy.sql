-- Users, roles and sign-in sessions (src/privacy, include/folio/privacy.h).
-- Nothing here is deleted: a disabled user keeps their row (the audit trail names them); an
-- ended session keeps its row with ended_at and ended_reason. Times are canonical UTC text at
-- second precision ("2026-11-21T22:22:05Z"), so they compare as text; booleans are 0/1.

-- roles: bit set of enum folio_role. password_hash: libsodium crypto_pwhash_str (Argon2id,
-- "$argon2id$v=19$m=...,t=...,p=1$salt$hash"); the password itself is never stored.
-- failed_count: consecutive failed sign-ins; locked_until: set when it reaches the policy's
-- max_failures.
CREATE TABLE users (
    id @PK@,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT,
    roles @INT@ NOT NULL,
    password_hash TEXT NOT NULL,
    disabled @INT@ NOT NULL DEFAULT 0,
    failed_count @INT@ NOT NULL DEFAULT 0,
    locked_until TEXT,
    last_login_at TEXT,
    password_changed_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

-- token_sha256: lowercase hex SHA-256 of the 64-hex-character token handed to the client; the
-- token itself is never stored. csrf: for cookie sessions only (NULL for bearer sessions).
-- ended_reason: logout, disabled, password_reset.
CREATE TABLE sessions (
    id @PK@,
    token_sha256 TEXT NOT NULL UNIQUE,
    user_id @INT@ NOT NULL REFERENCES users(id),
    cookie @INT@ NOT NULL,
    csrf TEXT,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT,
    ended_reason TEXT,
    client TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);
