-- Console users and sessions (issue 8). The password is an Argon2id PHC string made by the
-- application; a session is found by the SHA-256 of its random token, which only the browser
-- holds. Emails are stored lower-case and are unique across the database, since a person signs
-- in with the email alone.

CREATE TABLE console_users (
    id               UUID        PRIMARY KEY,
    tenant_id        UUID        NOT NULL REFERENCES tenants (id),
    email            TEXT        NOT NULL UNIQUE CHECK (length(email) > 0 AND email = lower(email)),
    role             TEXT        NOT NULL,
    password_hash    TEXT        NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    created_at       TIMESTAMPTZ NOT NULL,
    failed_attempts  INTEGER     NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until     TIMESTAMPTZ,
    disabled_at      TIMESTAMPTZ
);
CREATE INDEX console_users_by_tenant ON console_users (tenant_id);

CREATE TABLE console_sessions (
    id             UUID        PRIMARY KEY,
    user_id        UUID        NOT NULL REFERENCES console_users (id),
    tenant_id      UUID        NOT NULL REFERENCES tenants (id),
    token_sha256   TEXT        NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    created_at     TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ
);
CREATE INDEX console_sessions_by_user ON console_sessions (user_id);
