-- cloudkyc SQLite schema, version 2: customers (CIP onboarding).
-- No personal data in plaintext: the validated customer and the decision reasons are AES-GCM
-- ciphertexts (`*_ct`); lookups by email, phone or document number go through keyed blind
-- indexes in `customer_lookups`; the idempotency key is kept only as a blind index.

CREATE TABLE customers (
    id                TEXT    PRIMARY KEY,
    tenant_id         TEXT    NOT NULL REFERENCES tenants (id),
    kind              TEXT    NOT NULL CHECK (kind IN ('individual', 'entity')),
    person_status     TEXT    NOT NULL CHECK (person_status IN ('us', 'foreign', 'undetermined')),
    cip_status        TEXT    NOT NULL CHECK (cip_status IN ('pending', 'verified', 'failed', 'not_required')),
    account_access    TEXT    NOT NULL CHECK (account_access IN ('none', 'restricted', 'full', 'closed')),
    risk_tier         TEXT    NOT NULL CHECK (risk_tier IN ('low', 'medium', 'high')),
    policy_id         TEXT    NOT NULL,
    policy_version    TEXT    NOT NULL,
    reasons_ct        BLOB    NOT NULL,
    personal_ct       BLOB    NOT NULL,
    idempotency_bidx  TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX customers_by_tenant ON customers (tenant_id, id);
CREATE UNIQUE INDEX customers_idempotency ON customers (tenant_id, idempotency_bidx)
    WHERE idempotency_bidx IS NOT NULL;

CREATE TABLE customer_lookups (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    bidx         TEXT NOT NULL,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    PRIMARY KEY (tenant_id, bidx, customer_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE customer_accounts (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    external_id  TEXT NOT NULL,
    customer_id  TEXT NOT NULL REFERENCES customers (id),
    position     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, external_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX customer_accounts_by_customer ON customer_accounts (customer_id, position);
