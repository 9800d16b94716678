-- cloudkyc PostgreSQL schema, version 5: a customer's verification history after onboarding.
-- Vendor verdicts, officer overrides (applied, or pending until a second officer decides) and
-- the checks of each decision. The evidence (an officer's reason, a vendor's reference, check
-- details) is an AES-GCM ciphertext; the vendor's event id is plaintext and unique so a replayed
-- webhook is recognised.

CREATE TABLE customer_verifications (
    id            UUID        PRIMARY KEY,
    tenant_id     UUID        NOT NULL REFERENCES tenants (id),
    customer_id   UUID        NOT NULL REFERENCES customers (id),
    kind          TEXT        NOT NULL CHECK (kind IN ('vendor', 'override', 'decision')),
    state         TEXT        NOT NULL CHECK (state IN ('recorded', 'pending', 'applied', 'rejected')),
    event_id      TEXT,
    evidence_ct   BYTEA       NOT NULL,
    requested_by  TEXT        NOT NULL,
    decided_by    TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    decided_at    TIMESTAMPTZ
);
CREATE INDEX customer_verifications_by_customer ON customer_verifications (customer_id, id);
CREATE UNIQUE INDEX customer_verifications_by_event ON customer_verifications (event_id)
    WHERE event_id IS NOT NULL;
