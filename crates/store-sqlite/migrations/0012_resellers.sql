-- Foreign resellers (issue 6, items 6-8). The registry row belongs to the tenant that registered
-- the reseller; `reseller_tenant_id` is the reseller's own child tenant, created in the same
-- transaction. Name, screening and attestations are AES-GCM ciphertexts (`*_ct`); the status,
-- its history, the reviews and the termination due date stay in clear as the oversight record.
-- Dates are `YYYY-MM-DD` text; `state`, `history`, `reviews` and `agreement_document` are JSON.

CREATE TABLE resellers (
    id                  TEXT    PRIMARY KEY,
    tenant_id           TEXT    NOT NULL REFERENCES tenants (id),
    reseller_tenant_id  TEXT    NOT NULL UNIQUE REFERENCES tenants (id),
    name_ct             BLOB    NOT NULL,
    country             TEXT    NOT NULL CHECK (length(country) = 2),
    agreement_kind      TEXT    NOT NULL CHECK (agreement_kind IN ('own_cip', 'adopts_provider_cip')),
    agreement_document  TEXT,
    registered_on       TEXT    NOT NULL,
    screening_ct        BLOB    NOT NULL,
    attestations_ct     BLOB    NOT NULL,
    reviews             TEXT    NOT NULL,
    status              TEXT    NOT NULL CHECK (status IN ('active', 'under_review', 'non_compliant',
                                                           'terminating', 'terminated')),
    state               TEXT    NOT NULL,
    history             TEXT    NOT NULL,
    termination_due     TEXT,
    reminded_through    TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
) STRICT;
CREATE INDEX resellers_by_tenant ON resellers (tenant_id, id);
CREATE INDEX resellers_by_due ON resellers (termination_due) WHERE termination_due IS NOT NULL;

-- Every agreement document ever uploaded (the row's `agreement_document` names the one in force).
CREATE TABLE reseller_agreements (
    reseller_id  TEXT    NOT NULL REFERENCES resellers (id),
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id),
    sha256       TEXT    NOT NULL CHECK (length(sha256) = 64),
    content_ct   BLOB    NOT NULL,
    uploaded_at  INTEGER NOT NULL,
    PRIMARY KEY (reseller_id, sha256)
) STRICT;
