-- Ownership structures (issue 6): per customer, the parties above it and the dated edges between
-- them, sealed as one document (`structure_ct`) because individuals' identifying data is in it.
-- `version` counts replacements: a write names the version it read, so two submitters cannot
-- overwrite each other unknowingly.

CREATE TABLE ownership_structures (
    customer_id   TEXT    PRIMARY KEY REFERENCES customers (id),
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    version       INTEGER NOT NULL CHECK (version > 0),
    structure_ct  BLOB    NOT NULL,
    updated_at    INTEGER NOT NULL,
    updated_by    TEXT    NOT NULL
) STRICT;
CREATE INDEX ownership_structures_by_tenant ON ownership_structures (tenant_id, customer_id);
