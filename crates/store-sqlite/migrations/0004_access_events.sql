-- The access and administration IP log (issue 3 item 6), idempotent on (tenant, id).
-- The address is personal data: sealed (`ip_ct`, AES-256-GCM bound to tenant/table/id/column)
-- with a keyed blind index (`ip_bidx`) for counting and finding distinct addresses. The country
-- was attached at ingestion and stays plaintext. A rowid table on purpose: rows are ~250 bytes
-- (too large for WITHOUT ROWID to pay off), inserts append to the table b-tree, and the two
-- indexes (the idempotency key, and the per-account one summaries and purges read) hold small
-- entries that point at the rowid.

CREATE TABLE access_events (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
    id          TEXT    NOT NULL,
    account     TEXT    NOT NULL,
    ip_ct       BLOB    NOT NULL,
    ip_bidx     TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    action      TEXT    NOT NULL CHECK (action IN ('login', 'logout', 'api', 'console', 'admin', 'ssh')),
    country     TEXT    CHECK (country IS NULL OR length(country) = 2),
    created_at  INTEGER NOT NULL,
    UNIQUE (tenant_id, id)
) STRICT;
CREATE INDEX access_events_by_account ON access_events (tenant_id, account, at);
