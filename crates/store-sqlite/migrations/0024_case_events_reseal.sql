-- A case about a customer moves with the customer when a terminated reseller's customers migrate
-- to its parent tenant (issue 6, item 8). Its timeline entries are sealed for their tenant, so
-- they must be sealed again for the new one: the same entries, under new associated data.
-- The append-only guard of 0010 therefore narrows to what makes the timeline history: which
-- case, which position, when and what type. Those still cannot change; the ciphertext can.

DROP TRIGGER case_events_no_update;

CREATE TRIGGER case_events_no_update BEFORE UPDATE OF case_id, seq, at, type ON case_events
BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END;
