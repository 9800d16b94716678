-- cloudkyc PostgreSQL schema, version 1: key ring, tenants, API keys, audit chain, job queue.

CREATE TABLE data_keys (
    id          INTEGER     PRIMARY KEY,
    purpose     TEXT        NOT NULL CHECK (purpose IN ('data', 'blind_index')),
    wrapped     BYTEA       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE tenants (
    id          UUID        PRIMARY KEY,
    parent_id   UUID        REFERENCES tenants (id),
    name        TEXT        NOT NULL,
    kind        TEXT        NOT NULL CHECK (kind IN ('provider', 'reseller')),
    created_at  TIMESTAMPTZ NOT NULL,
    CHECK ((parent_id IS NULL) = (kind = 'provider'))
);
-- One root: the provider. Also the conflict target of `ensure_provider`'s insert.
CREATE UNIQUE INDEX tenants_one_provider ON tenants (kind) WHERE parent_id IS NULL;
CREATE INDEX tenants_by_parent ON tenants (parent_id);

CREATE TABLE api_keys (
    id             UUID        PRIMARY KEY,
    tenant_id      UUID        NOT NULL REFERENCES tenants (id),
    role           TEXT        NOT NULL,
    name           TEXT        NOT NULL,
    secret_sha256  TEXT        NOT NULL CHECK (length(secret_sha256) = 64),
    created_at     TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ,
    revoked_at     TIMESTAMPTZ
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, created_at);

CREATE TABLE audit_events (
    tenant_id      UUID        NOT NULL REFERENCES tenants (id),
    seq            BIGINT      NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    actor          TEXT        NOT NULL,
    action         TEXT        NOT NULL,
    subject_kind   TEXT        NOT NULL,
    subject_id     TEXT        NOT NULL,
    before_digest  TEXT,
    after_digest   TEXT,
    prev_hash      TEXT        NOT NULL,
    hash           TEXT        NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

-- The last event of each chain. Writers lock their tenant's row (`SELECT … FOR UPDATE`) before
-- appending, which serialises appends per chain and nothing else; a removed tail shows up as a
-- head the chain no longer reaches. seq 0 is the empty chain.
CREATE TABLE audit_heads (
    tenant_id  UUID   PRIMARY KEY REFERENCES tenants (id),
    seq        BIGINT NOT NULL,
    hash       TEXT   NOT NULL
);

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_events_refuse_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();

CREATE TRIGGER audit_events_refuse_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

CREATE TABLE jobs (
    id            UUID        PRIMARY KEY,
    tenant_id     UUID        NOT NULL REFERENCES tenants (id),
    kind          TEXT        NOT NULL,
    payload       JSONB       NOT NULL,
    dedupe_key    TEXT,
    state         TEXT        NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    run_at        TIMESTAMPTZ NOT NULL,
    attempts      INTEGER     NOT NULL DEFAULT 0,
    locked_until  TIMESTAMPTZ,
    last_error    TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
-- Running jobs count as waiting too, so that a failed job put back in the queue can never collide
-- with a duplicate enqueued while it ran.
CREATE UNIQUE INDEX jobs_dedupe ON jobs (tenant_id, kind, dedupe_key)
    WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_due ON jobs (run_at) WHERE state = 'queued';
CREATE INDEX jobs_leases ON jobs (locked_until) WHERE state = 'running';
