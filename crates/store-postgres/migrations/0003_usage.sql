-- Compute monitoring (issue 5): usage records and reservations, idempotent on (tenant, id).
-- No personal data: accounts are the provider's external ids. `seq` keeps insertion order, which
-- the in-memory engine is rebuilt in.

CREATE TABLE usage_records (
    seq                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id             UUID    NOT NULL REFERENCES tenants (id),
    id                    TEXT    NOT NULL,
    account               TEXT    NOT NULL,
    accelerator           TEXT    NOT NULL,
    accelerator_resolved  TEXT    NOT NULL,
    count                 BIGINT,
    start_at              TIMESTAMPTZ NOT NULL,
    end_at                TIMESTAMPTZ NOT NULL,
    cluster               TEXT,
    datacenter            TEXT,
    fabric_gbps           DOUBLE PRECISION,
    details               JSONB,
    created_at            TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX usage_records_by_account ON usage_records (tenant_id, account);

CREATE TABLE reservations (
    seq                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id             UUID    NOT NULL REFERENCES tenants (id),
    id                    TEXT    NOT NULL,
    account               TEXT    NOT NULL,
    accelerator           TEXT    NOT NULL,
    accelerator_resolved  TEXT    NOT NULL,
    count                 BIGINT,
    start_at              TIMESTAMPTZ NOT NULL,
    end_at                TIMESTAMPTZ NOT NULL,
    cluster               TEXT,
    datacenter            TEXT,
    fabric_gbps           DOUBLE PRECISION,
    details               JSONB,
    created_at            TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, id)
);
CREATE INDEX reservations_by_account ON reservations (tenant_id, account);
