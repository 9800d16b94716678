-- Ownership structures (issue 6): per customer, the parties above it and the dated edges between
-- them, sealed as one document (`structure_ct`) because individuals' identifying data is in it.
-- `version` counts replacements: a write names the version it read, so two submitters cannot
-- overwrite each other unknowingly.

CREATE TABLE ownership_structures (
    customer_id   UUID        PRIMARY KEY REFERENCES customers (id),
    tenant_id     UUID        NOT NULL REFERENCES tenants (id),
    version       BIGINT      NOT NULL CHECK (version > 0),
    structure_ct  BYTEA       NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    updated_by    TEXT        NOT NULL
);
CREATE INDEX ownership_structures_by_tenant ON ownership_structures (tenant_id, customer_id);
