-- Generated regulator reports (issue 7, items 4-9).
-- A report keeps the files it was filed as (JSON, PDF, a production's archive); they are AES-GCM
-- ciphertexts when the report carries personal data (`personal`), plain bytes otherwise. The
-- SHA-256 of the JSON is in clear: the audit chain records it. Every read of a file is a
-- disclosure, logged in `report_disclosures` (and the audit chain).

CREATE TABLE reports (
    id             UUID        PRIMARY KEY,
    tenant_id      UUID        NOT NULL REFERENCES tenants (id),
    kind           TEXT        NOT NULL,
    sha256         TEXT        NOT NULL CHECK (length(sha256) = 64),
    parameters     JSONB       NOT NULL,
    personal       BOOLEAN     NOT NULL,
    json_doc       BYTEA       NOT NULL,
    pdf_doc        BYTEA       NOT NULL,
    archive_doc    BYTEA,
    json_bytes     BIGINT      NOT NULL,
    pdf_bytes      BIGINT      NOT NULL,
    archive_bytes  BIGINT,
    created_by     TEXT        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX reports_by_tenant ON reports (tenant_id, id);

CREATE TABLE report_disclosures (
    id            UUID        PRIMARY KEY,
    tenant_id     UUID        NOT NULL REFERENCES tenants (id),
    report_id     UUID        NOT NULL REFERENCES reports (id),
    file          TEXT        NOT NULL CHECK (file IN ('json', 'pdf', 'archive')),
    disclosed_by  TEXT        NOT NULL,
    disclosed_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX report_disclosures_by_report ON report_disclosures (report_id, id);
