-- Nothing to do in SQLite; the file keeps both backends' migration numbers in step.
-- PostgreSQL drops the tenant foreign key of the bulk telemetry tables here because its check is
-- a per-row trigger that locks the tenant row. SQLite checks a foreign key with one probe of the
-- tenants primary key per row, which costs little, and dropping a constraint would mean
-- rebuilding the table; the keys stay.
SELECT 1;
