-- cloudkyc SQLite schema, version 11: special measures (issue 6, items 9-11).
-- A measure's record is sealed (its target may name a person); the columns a sweep reads stay in
-- clear. Dates are ISO `YYYY-MM-DD` text, which sorts as it compares. An action is what one
-- measure requires of one customer; its plan (the matches and the evidence) is sealed. A
-- customer has at most one live (scheduled or applied) action per measure.

CREATE TABLE special_measures (
    id              TEXT    PRIMARY KEY,
    tenant_id       TEXT    NOT NULL REFERENCES tenants (id),
    target_kind     TEXT    NOT NULL CHECK (target_kind IN ('jurisdiction', 'person')),
    kind            TEXT    NOT NULL CHECK (kind IN ('prohibit', 'condition')),
    effective_date  TEXT    NOT NULL,
    expiry_date     TEXT    NOT NULL,
    lifted_on       TEXT,
    record_ct       BLOB    NOT NULL,
    -- A JSON array of strings about the dates (no personal data).
    warnings        TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX special_measures_by_tenant ON special_measures (tenant_id, id);

CREATE TABLE special_measure_actions (
    id           TEXT    PRIMARY KEY,
    measure_id   TEXT    NOT NULL REFERENCES special_measures (id),
    customer_id  TEXT    NOT NULL REFERENCES customers (id),
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('refuse', 'close', 'restrict')),
    due          TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('scheduled', 'applied', 'lifted')),
    plan_ct      BLOB    NOT NULL,
    lift_reason  TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX special_measure_actions_live
    ON special_measure_actions (measure_id, customer_id) WHERE state <> 'lifted';
CREATE INDEX special_measure_actions_by_customer ON special_measure_actions (customer_id, id);
CREATE INDEX special_measure_actions_by_tenant ON special_measure_actions (tenant_id, id);
