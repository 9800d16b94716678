-- Document images (issue 3, documentary verification) and outbound webhooks (issue 3, item 5).
-- A document's bytes are an AES-GCM ciphertext (`content_ct`); its SHA-256 stays in clear as the
-- evidence fingerprint, unique per customer so a re-upload of the same bytes finds the first.
-- A webhook's URL and signing secret are ciphertexts; a deleted webhook keeps its row so its
-- deliveries stay readable. Deliveries hold event data without personal data (ids, statuses).

CREATE TABLE documents (
    id            TEXT    PRIMARY KEY,
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    customer_id   TEXT    NOT NULL REFERENCES customers (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('passport', 'national_id', 'driving_licence',
                                                   'residence_permit', 'selfie', 'proof_of_address')),
    media_type    TEXT    NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'application/pdf')),
    size          INTEGER NOT NULL CHECK (size > 0),
    sha256        TEXT    NOT NULL CHECK (length(sha256) = 64),
    content_ct    BLOB    NOT NULL,
    uploaded_at   INTEGER NOT NULL,
    uploaded_by   TEXT    NOT NULL,
    UNIQUE (customer_id, sha256)
) STRICT;
CREATE INDEX documents_by_customer ON documents (customer_id, id);

CREATE TABLE webhooks (
    id          TEXT    PRIMARY KEY,
    tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
    url_ct      BLOB    NOT NULL,
    secret_ct   BLOB    NOT NULL,
    -- A JSON array of event types.
    events      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    deleted_at  INTEGER
) STRICT;
CREATE INDEX webhooks_by_tenant ON webhooks (tenant_id, id) WHERE deleted_at IS NULL;

CREATE TABLE webhook_deliveries (
    id               TEXT    PRIMARY KEY,
    webhook_id       TEXT    NOT NULL REFERENCES webhooks (id),
    tenant_id        TEXT    NOT NULL REFERENCES tenants (id),
    event_id         TEXT    NOT NULL,
    event_type       TEXT    NOT NULL,
    event_created_at INTEGER NOT NULL,
    data             TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('pending', 'delivered', 'retrying', 'dead', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_status      INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    last_attempt_at  INTEGER,
    UNIQUE (webhook_id, event_id)
) STRICT;
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
