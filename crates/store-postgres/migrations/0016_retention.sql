-- cloudkyc PostgreSQL schema, version 16: records retention (issue 7, item 10).
-- Records are kept for the pack's period after the later of account closure and last access,
-- then crypto-shredded: the sealed columns are emptied and the dependent sealed rows deleted,
-- while the customer row and its id stay so the audit chain and case references stay valid.
--   closed_at: when `account_access` last became `closed` (NULL unless closed), kept by the
--              trigger from the row's own `updated_at` (the application's clock);
--   purged_at: when the customer's personal data was shredded (NULL while it is kept).
-- Legal holds stop the purge; a released hold keeps its row as history. Reasons are sealed
-- (they may name people), bound to tenant/`legal_holds`/row/column.

ALTER TABLE customers
    ADD COLUMN closed_at TIMESTAMPTZ,
    ADD COLUMN purged_at TIMESTAMPTZ;

-- Rows closed before this migration: their last change is the best instant known.
UPDATE customers SET closed_at = updated_at WHERE account_access = 'closed';

CREATE FUNCTION customers_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.closed_at := CASE WHEN NEW.account_access = 'closed' THEN NEW.created_at END;
    ELSE
        NEW.closed_at := CASE
            WHEN NEW.account_access <> 'closed' THEN NULL
            WHEN OLD.account_access = 'closed' THEN COALESCE(OLD.closed_at, OLD.updated_at)
            ELSE NEW.updated_at
        END;
    END IF;
    RETURN NEW;
END
$$;

-- Only rows that are or were closed run the function: onboarding an open account pays nothing.
CREATE TRIGGER customers_created_closed BEFORE INSERT ON customers
    FOR EACH ROW WHEN (NEW.account_access = 'closed') EXECUTE FUNCTION customers_closed();
CREATE TRIGGER customers_closed BEFORE UPDATE OF account_access, updated_at ON customers
    FOR EACH ROW WHEN (OLD.account_access = 'closed' OR NEW.account_access = 'closed')
    EXECUTE FUNCTION customers_closed();

-- The daily job's question: closed, not yet purged customers, by closure.
CREATE INDEX customers_retention ON customers (closed_at)
    WHERE account_access = 'closed' AND purged_at IS NULL;

CREATE TABLE legal_holds (
    id                 UUID        PRIMARY KEY,
    tenant_id          UUID        NOT NULL REFERENCES tenants (id),
    customer_id        UUID        NOT NULL REFERENCES customers (id),
    reason_ct          BYTEA       NOT NULL,
    placed_by          TEXT        NOT NULL,
    placed_at          TIMESTAMPTZ NOT NULL,
    release_reason_ct  BYTEA,
    released_by        TEXT,
    released_at        TIMESTAMPTZ,
    CHECK ((released_at IS NULL) = (released_by IS NULL))
);
-- At most one hold in force per customer.
CREATE UNIQUE INDEX legal_holds_active ON legal_holds (customer_id) WHERE released_at IS NULL;
CREATE INDEX legal_holds_by_tenant ON legal_holds (tenant_id, customer_id);
