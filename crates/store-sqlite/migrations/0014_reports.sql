-- cloudkyc SQLite schema, version 14: generated regulator reports (issue 7, items 4-9).
-- A report keeps the files it was filed as (JSON, PDF, a production's archive); they are AES-GCM
-- ciphertexts when the report carries personal data (`personal` = 1), plain bytes otherwise. The
-- SHA-256 of the JSON is in clear: the audit chain records it. Every read of a file is a
-- disclosure, logged in `report_disclosures` (and the audit chain).

CREATE TABLE reports (
    id             TEXT    PRIMARY KEY,
    tenant_id      TEXT    NOT NULL REFERENCES tenants (id),
    kind           TEXT    NOT NULL,
    sha256         TEXT    NOT NULL CHECK (length(sha256) = 64),
    parameters     TEXT    NOT NULL,
    personal       INTEGER NOT NULL CHECK (personal IN (0, 1)),
    json_doc       BLOB    NOT NULL,
    pdf_doc        BLOB    NOT NULL,
    archive_doc    BLOB,
    json_bytes     INTEGER NOT NULL,
    pdf_bytes      INTEGER NOT NULL,
    archive_bytes  INTEGER,
    created_by     TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX reports_by_tenant ON reports (tenant_id, id);

CREATE TABLE report_disclosures (
    id            TEXT    PRIMARY KEY,
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    report_id     TEXT    NOT NULL REFERENCES reports (id),
    file          TEXT    NOT NULL CHECK (file IN ('json', 'pdf', 'archive')),
    disclosed_by  TEXT    NOT NULL,
    disclosed_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX report_disclosures_by_report ON report_disclosures (report_id, id);
