-- Restricted-party lists (issue 4): every snapshot's published bytes (public data, not sealed,
-- not compressed), once per list and content hash, and per list the snapshot in force and how
-- its updates went. Provider-level: no tenant column; changes are audited on the provider chain.

CREATE TABLE list_snapshots (
    list_id         TEXT    NOT NULL CHECK (length(list_id) BETWEEN 1 AND 64),
    content_sha256  TEXT    NOT NULL CHECK (length(content_sha256) = 64),
    format          TEXT    NOT NULL,
    -- YYYY-MM-DD, when the file or its source says one.
    published       TEXT,
    version         TEXT    NOT NULL,
    entity_count    BIGINT  NOT NULL CHECK (entity_count >= 0),
    size_bytes      BIGINT  NOT NULL CHECK (size_bytes > 0),
    content         BYTEA   NOT NULL,
    loaded_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (list_id, content_sha256)
);

CREATE TABLE list_status (
    list_id          TEXT    PRIMARY KEY,
    active_sha256    TEXT,
    activated_at     TIMESTAMPTZ,
    last_attempt_at  TIMESTAMPTZ,
    last_success_at  TIMESTAMPTZ,
    last_error       TEXT,
    failures         BIGINT  NOT NULL DEFAULT 0 CHECK (failures >= 0),
    FOREIGN KEY (list_id, active_sha256) REFERENCES list_snapshots (list_id, content_sha256)
);
