-- cloudkyc SQLite schema, version 16: records retention (issue 7, item 10).
-- Records are kept for the pack's period after the later of account closure and last access,
-- then crypto-shredded: the sealed columns are emptied and the dependent sealed rows deleted,
-- while the customer row and its id stay so the audit chain and case references stay valid.
--   closed_at: when `account_access` last became `closed` (NULL unless closed), kept by the
--              trigger from the row's own `updated_at` (the application's clock);
--   purged_at: when the customer's personal data was shredded (NULL while it is kept).
-- Legal holds stop the purge; a released hold keeps its row as history. Reasons are sealed
-- (they may name people), bound to tenant/`legal_holds`/row/column.

ALTER TABLE customers ADD COLUMN closed_at INTEGER;
ALTER TABLE customers ADD COLUMN purged_at INTEGER;

-- Rows closed before this migration: their last change is the best instant known.
UPDATE customers SET closed_at = updated_at WHERE account_access = 'closed';

CREATE TRIGGER customers_closed AFTER UPDATE OF account_access, updated_at ON customers
FOR EACH ROW
BEGIN
    UPDATE customers SET closed_at = CASE
            WHEN NEW.account_access <> 'closed' THEN NULL
            WHEN OLD.account_access = 'closed' THEN COALESCE(OLD.closed_at, OLD.updated_at)
            ELSE NEW.updated_at
        END
    WHERE id = NEW.id;
END;

-- Customers created already closed (a failed CIP decision) close at creation.
CREATE TRIGGER customers_created_closed AFTER INSERT ON customers
FOR EACH ROW WHEN NEW.account_access = 'closed'
BEGIN
    UPDATE customers SET closed_at = NEW.created_at WHERE id = NEW.id;
END;

-- The daily job's question: closed, not yet purged customers, by closure.
CREATE INDEX customers_retention ON customers (closed_at)
    WHERE account_access = 'closed' AND purged_at IS NULL;

CREATE TABLE legal_holds (
    id                 TEXT    PRIMARY KEY,
    tenant_id          TEXT    NOT NULL REFERENCES tenants (id),
    customer_id        TEXT    NOT NULL REFERENCES customers (id),
    reason_ct          BLOB    NOT NULL,
    placed_by          TEXT    NOT NULL,
    placed_at          INTEGER NOT NULL,
    release_reason_ct  BLOB,
    released_by        TEXT,
    released_at        INTEGER,
    CHECK ((released_at IS NULL) = (released_by IS NULL))
) STRICT;
-- At most one hold in force per customer.
CREATE UNIQUE INDEX legal_holds_active ON legal_holds (customer_id) WHERE released_at IS NULL;
CREATE INDEX legal_holds_by_tenant ON legal_holds (tenant_id, customer_id);
