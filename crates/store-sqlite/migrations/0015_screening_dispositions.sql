-- Screening dispositions (issue 4, continuous screening): an officer's decision that a customer
-- is not a list entity, one per (customer, list, entity), made against the hash of the entity's
-- record so a changed record is raised again. The officer's note is a ciphertext.

CREATE TABLE screening_dispositions (
    customer_id  TEXT    NOT NULL REFERENCES customers (id),
    tenant_id    TEXT    NOT NULL REFERENCES tenants (id),
    list         TEXT    NOT NULL CHECK (length(list) > 0),
    entity_id    TEXT    NOT NULL CHECK (length(entity_id) > 0),
    entity_hash  TEXT    NOT NULL CHECK (length(entity_hash) > 0),
    decision     TEXT    NOT NULL CHECK (decision IN ('not_this_entity')),
    note_ct      BLOB    NOT NULL,
    decided_by   TEXT    NOT NULL,
    decided_at   INTEGER NOT NULL,
    PRIMARY KEY (customer_id, list, entity_id)
) STRICT;
