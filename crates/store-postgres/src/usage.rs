//! Usage records and reservations in PostgreSQL: a batch is one `INSERT .. SELECT FROM
//! UNNEST(arrays) ON CONFLICT DO NOTHING RETURNING id` per 10,000 records, in one transaction with
//! its audit event, so it commits whole or not at all.
//!
//! Following other instances' writes (`compute_changes`, issue 9). Every row carries the id of
//! the transaction that wrote it (`ingest_xid`, migration 0025). A reader first takes the `xmin`
//! of a fresh snapshot: every transaction with a lower id had ended by then, so whatever it
//! committed is visible to the reads that follow. That `xmin` is the cursor. The next read takes
//! `ingest_xid >= cursor`: a row it skips was written by a transaction below the cursor, hence
//! visible to (and returned by) the previous read. A plain `seq > last seen` would not do: an
//! identity value is drawn when the row is inserted, so a writer that commits late makes a lower
//! `seq` visible after a higher one was read. The price is a window: rows of transactions at or
//! above the old `xmin` that had committed are returned again, as many as were written while the
//! oldest writing transaction in the cluster ran (a long one widens it; it never skips).
//! Callers apply records idempotently by id, and a process passes the transaction ids of its own
//! batches (`InsertOutcome::write`) to leave those out. A batch also announces itself
//! (`notify::Change::Usage`) so the other instances read it at once.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::usage::{
    ComputeChanges, ComputeCursor, ComputeRecord, ComputeRecordKind, InsertOutcome,
    StoredComputeRecord, UsageStore, batch_event, first_occurrences, table,
};
use cloudkyc_store::{StoreResult, TenantScope};
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::notify::{Change, announce};
use crate::rows::{self, get, uuids};

const COLUMNS: &str = "tenant_id, id, account, accelerator, accelerator_resolved, count, start_at, \
                       end_at, cluster, datacenter, fabric_gbps, details";

fn record(row: &PgRow) -> StoreResult<StoredComputeRecord> {
    let tenant: Uuid = get(row, "tenant_id")?;
    Ok(StoredComputeRecord {
        tenant: TenantId::from_uuid(tenant),
        record: ComputeRecord {
            id: get(row, "id")?,
            account: get(row, "account")?,
            accelerator: get(row, "accelerator")?,
            accelerator_resolved: get(row, "accelerator_resolved")?,
            count: get(row, "count")?,
            start: rows::time(row, "start_at")?,
            end: rows::time(row, "end_at")?,
            cluster: get(row, "cluster")?,
            datacenter: get(row, "datacenter")?,
            fabric_gbps: get(row, "fabric_gbps")?,
            details: get(row, "details")?,
        },
    })
}

#[async_trait]
impl UsageStore for PgStore {
    async fn insert_compute_records(
        &self,
        scope: &TenantScope,
        kind: ComputeRecordKind,
        records: &[ComputeRecord],
        now: DateTime<Utc>,
    ) -> StoreResult<InsertOutcome> {
        let sql = format!(
            "INSERT INTO {} ({COLUMNS}, created_at) \
             SELECT $1, u.*, $13 FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], \
                 $6::bigint[], $7::timestamptz[], $8::timestamptz[], $9::text[], $10::text[], \
                 $11::float8[], $12::jsonb[]) AS u \
             ON CONFLICT (tenant_id, id) DO NOTHING RETURNING id",
            table(kind)
        );
        let tenant = *scope.tenant().as_uuid();
        let unique = first_occurrences(records, |r| r.id.as_str());
        let mut inserted = HashSet::with_capacity(unique.len());
        let mut tx = self.pool.begin().await.map_err(db)?;
        // Arrays keep the parameter count fixed whatever the batch size; 10,000 rows is a few
        // megabytes per statement.
        for chunk in unique.chunks(10_000) {
            let column = |f: fn(&ComputeRecord) -> Option<&str>| -> Vec<Option<&str>> {
                chunk.iter().map(|r| f(r)).collect()
            };
            let returned: Vec<String> = sqlx::query_scalar(&sql)
                .bind(tenant)
                .bind(column(|r| Some(&r.id)))
                .bind(column(|r| Some(&r.account)))
                .bind(column(|r| Some(&r.accelerator)))
                .bind(column(|r| Some(&r.accelerator_resolved)))
                .bind(chunk.iter().map(|r| r.count).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| r.start).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| r.end).collect::<Vec<_>>())
                .bind(column(|r| r.cluster.as_deref()))
                .bind(column(|r| r.datacenter.as_deref()))
                .bind(chunk.iter().map(|r| r.fabric_gbps).collect::<Vec<_>>())
                .bind(chunk.iter().map(|r| r.details.clone()).collect::<Vec<_>>())
                .bind(now)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?;
            inserted.extend(returned);
        }
        let mut outcome =
            InsertOutcome::from_returned(records.iter().map(|r| r.id.as_str()), inserted);
        if !outcome.accepted.is_empty() {
            append(
                &mut tx,
                scope.tenant(),
                scope.actor(),
                now,
                batch_event(kind, &outcome.accepted),
            )
            .await?;
            // The id the rows' `ingest_xid` default took: this batch's mark.
            let xid: i64 = sqlx::query_scalar("SELECT pg_current_xact_id()::text::bigint")
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
            outcome.write = Some(xid);
            announce(&mut tx, Change::Usage).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(outcome)
    }

    async fn compute_records(
        &self,
        scope: &TenantScope,
        kind: ComputeRecordKind,
    ) -> StoreResult<Vec<StoredComputeRecord>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {} WHERE tenant_id = ANY($1) ORDER BY seq",
            table(kind)
        ))
        .bind(uuids(scope.visible()))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(record)
        .collect()
    }

    async fn compute_changes(
        &self,
        scope: &TenantScope,
        since: Option<ComputeCursor>,
        skip: &[i64],
    ) -> StoreResult<ComputeChanges> {
        // Before the reads, in a snapshot of its own: an earlier `xmin` only widens the window.
        let xmin: i64 =
            sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
                .fetch_one(&self.pool)
                .await
                .map_err(db)?;
        let usage = self
            .changes_of(
                ComputeRecordKind::Usage,
                scope,
                since.map(|c| c.usage),
                skip,
            )
            .await?;
        let reservations = self
            .changes_of(
                ComputeRecordKind::Reservation,
                scope,
                since.map(|c| c.reservation),
                skip,
            )
            .await?;
        let cursor = ComputeCursor {
            usage: xmin,
            reservation: xmin,
        };
        // A cursor never goes back (`xmin` does not), whatever the caller passed.
        let cursor = since.map_or(cursor, |s| s.latest(cursor));
        Ok(ComputeChanges {
            usage,
            reservations,
            cursor,
        })
    }
}

impl PgStore {
    /// The records of `kind` of the scope's tenants written by transactions from `since` on
    /// (all of them without it), except those of the transactions in `skip`.
    async fn changes_of(
        &self,
        kind: ComputeRecordKind,
        scope: &TenantScope,
        since: Option<i64>,
        skip: &[i64],
    ) -> StoreResult<Vec<StoredComputeRecord>> {
        let Some(since) = since else {
            return self.compute_records(scope, kind).await;
        };
        // Its own statement rather than `$2 IS NULL OR ..`, which a generic plan would scan.
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {} WHERE tenant_id = ANY($1) \
             AND ingest_xid >= $2::text::xid8 \
             AND ingest_xid::text::bigint <> ALL($3) ORDER BY seq",
            table(kind)
        ))
        .bind(uuids(scope.visible()))
        .bind(since.to_string())
        .bind(skip)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(record)
        .collect()
    }
}
