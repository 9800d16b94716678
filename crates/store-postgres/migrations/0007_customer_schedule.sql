-- cloudkyc PostgreSQL schema, version 7: the schedule of the ongoing CIP duties (issue 3, item 7).
-- Two plaintext instants say when a customer's CIP status last changed state, so that the daily
-- sweep finds customers due for re-verification, or pending too long, without opening a sealed
-- column. The trigger keeps them from the row's own `cip_status` and `updated_at` (the
-- application's clock), whoever writes the row. NULL means "since `created_at`": a row never
-- updated needs no write, so onboarding pays nothing for the schedule.
--   verified_at:   when the last decision that said `verified` was made (NULL unless verified);
--   pending_since: when the current run of `pending` decisions began (NULL unless pending).

ALTER TABLE customers
    ADD COLUMN verified_at TIMESTAMPTZ,
    ADD COLUMN pending_since TIMESTAMPTZ;

-- Rows changed before this migration: their last change is the best instant known.
UPDATE customers SET verified_at = updated_at
    WHERE cip_status = 'verified' AND updated_at > created_at;
UPDATE customers SET pending_since = updated_at
    WHERE cip_status = 'pending' AND updated_at > created_at;

CREATE FUNCTION customers_schedule() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.verified_at := CASE WHEN NEW.cip_status = 'verified' THEN NEW.updated_at END;
    NEW.pending_since := CASE
        WHEN NEW.cip_status <> 'pending' THEN NULL
        WHEN OLD.cip_status = 'pending' THEN COALESCE(OLD.pending_since, OLD.created_at)
        ELSE NEW.updated_at
    END;
    RETURN NEW;
END
$$;

CREATE TRIGGER customers_schedule BEFORE UPDATE OF cip_status, updated_at ON customers
    FOR EACH ROW EXECUTE FUNCTION customers_schedule();

-- The sweep's two questions, each answered from a partial index of the rows it concerns.
CREATE INDEX customers_reverify ON customers (risk_tier, (COALESCE(verified_at, created_at)))
    WHERE cip_status = 'verified';
CREATE INDEX customers_pending ON customers ((COALESCE(pending_since, created_at)))
    WHERE cip_status = 'pending';
