-- Instances follow each other's compute records (issue 9): each keeps an engine per tenant in
-- memory and reads back only the records written since its last read. `seq` cannot say which:
-- an identity value is taken when a row is inserted, not when it commits, so with concurrent
-- writers a lower `seq` can become visible after a higher one was read. `ingest_xid` is the id of
-- the transaction that wrote the row; a reader remembers the `xmin` of a snapshot taken before
-- its read (every transaction below it had ended, so its rows, if committed, were visible) and
-- next reads `ingest_xid >= xmin` (see `src/usage.rs`). Needs PostgreSQL 13 or newer (`xid8`).
--
-- The default fills the column for every writer, an older binary's included. Rows written before
-- this migration keep NULL: they were committed before any reader's cursor, and a first read
-- takes every row. Adding the column without a default and setting it afterwards keeps this
-- migration from rewriting the tables.
ALTER TABLE usage_records ADD COLUMN ingest_xid xid8;
ALTER TABLE usage_records ALTER COLUMN ingest_xid SET DEFAULT pg_current_xact_id();
CREATE INDEX usage_records_by_ingest_xid ON usage_records (ingest_xid);

ALTER TABLE reservations ADD COLUMN ingest_xid xid8;
ALTER TABLE reservations ALTER COLUMN ingest_xid SET DEFAULT pg_current_xact_id();
CREATE INDEX reservations_by_ingest_xid ON reservations (ingest_xid);
