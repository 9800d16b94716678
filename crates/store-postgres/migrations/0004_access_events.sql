-- The access and administration IP log (issue 3 item 6), idempotent on (tenant, id).
-- The address is personal data: sealed (`ip_ct`, AES-256-GCM bound to tenant/table/id/column)
-- with a keyed blind index (`ip_bidx`) for counting and finding distinct addresses. The country
-- was attached at ingestion and stays plaintext.

CREATE TABLE access_events (
    tenant_id   UUID        NOT NULL REFERENCES tenants (id),
    id          TEXT        NOT NULL,
    account     TEXT        NOT NULL,
    ip_ct       BYTEA       NOT NULL,
    ip_bidx     TEXT        NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    action      TEXT        NOT NULL CHECK (action IN ('login', 'logout', 'api', 'console', 'admin', 'ssh')),
    country     TEXT        CHECK (country IS NULL OR length(country) = 2),
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX access_events_by_account ON access_events (tenant_id, account, at);
