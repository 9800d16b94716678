-- cloudkyc SQLite schema, version 1: key ring, tenants, API keys, audit chain, job queue.
-- Instants are INTEGER microseconds since the Unix epoch (UTC); identifiers are hyphenated UUID
-- text; every table is STRICT so a wrongly typed value is refused instead of coerced.

-- Marks the file as a cloudkyc database ('ckyc'), so `open` can refuse another program's file.
PRAGMA application_id = 1667987811;

CREATE TABLE data_keys (
    id          INTEGER PRIMARY KEY,
    purpose     TEXT    NOT NULL CHECK (purpose IN ('data', 'blind_index')),
    wrapped     BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE tenants (
    id          TEXT    PRIMARY KEY,
    parent_id   TEXT    REFERENCES tenants (id),
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('provider', 'reseller')),
    created_at  INTEGER NOT NULL,
    CHECK ((parent_id IS NULL) = (kind = 'provider'))
) STRICT;
-- One root: the provider.
CREATE UNIQUE INDEX tenants_one_provider ON tenants (kind) WHERE parent_id IS NULL;
CREATE INDEX tenants_by_parent ON tenants (parent_id);

CREATE TABLE api_keys (
    id             TEXT    PRIMARY KEY,
    tenant_id      TEXT    NOT NULL REFERENCES tenants (id),
    role           TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    secret_sha256  TEXT    NOT NULL CHECK (length(secret_sha256) = 64),
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER,
    revoked_at     INTEGER
) STRICT;
CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at);

CREATE TABLE audit_events (
    tenant_id      TEXT    NOT NULL REFERENCES tenants (id),
    seq            INTEGER NOT NULL,
    at             INTEGER NOT NULL,
    actor          TEXT    NOT NULL,
    action         TEXT    NOT NULL,
    subject_kind   TEXT    NOT NULL,
    subject_id     TEXT    NOT NULL,
    before_digest  TEXT,
    after_digest   TEXT,
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, seq)
) STRICT, WITHOUT ROWID;

-- The last event of each chain, written in the same transaction as the event: a removed tail
-- shows up as a head the chain no longer reaches.
CREATE TABLE audit_heads (
    tenant_id  TEXT    PRIMARY KEY REFERENCES tenants (id),
    seq        INTEGER NOT NULL,
    hash       TEXT    NOT NULL
) STRICT;

CREATE TRIGGER audit_events_refuse_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_events_refuse_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused');
END;

CREATE TABLE jobs (
    id            TEXT    PRIMARY KEY,
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    kind          TEXT    NOT NULL,
    payload       TEXT    NOT NULL,
    dedupe_key    TEXT,
    state         TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    run_at        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER,
    last_error    TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
-- Running jobs count as waiting too, so that a failed job put back in the queue can never collide
-- with a duplicate enqueued while it ran.
CREATE UNIQUE INDEX jobs_dedupe ON jobs (tenant_id, kind, dedupe_key)
    WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'queued';
CREATE INDEX jobs_leases ON jobs (locked_until) WHERE state = 'running';
