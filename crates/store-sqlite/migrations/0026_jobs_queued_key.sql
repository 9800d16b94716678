-- A job deduped only while it is queued (issue 5): an owner group's assessment is queued by any
-- process that ingests records for it. One waiting job per group is enough, but a job queued
-- while the previous one runs must be kept, or the records that arrived meanwhile would go
-- unassessed. `dedupe_key` (queued or running) cannot say that; `queued_key` does.
ALTER TABLE jobs ADD COLUMN queued_key TEXT;

CREATE UNIQUE INDEX jobs_queued_dedupe ON jobs (tenant_id, kind, queued_key)
    WHERE queued_key IS NOT NULL AND state = 'queued';
