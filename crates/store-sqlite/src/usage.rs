//! Usage records and reservations in SQLite: the batch's duplicates are found first under the
//! write lock, then the new records go in with multi-row `INSERT`s, in one write transaction with
//! the audit event, so a batch commits whole or not at all. Rows name their tenant by its integer
//! key (`tenant_keys`), not its UUID text: see migration 0021.
//!
//! Following the records other processes write (`compute_changes`; a `cloudkyc usage import`
//! beside a server): SQLite has one writer at a time and `seq` (AUTOINCREMENT) is drawn inside
//! the write transaction, so records become visible in `seq` order and "every `seq` up to the
//! largest read" is an exact cursor, one per table. Writes carry no mark to skip: a process reads
//! its own records back once and applies them idempotently.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_store::usage::{
    ComputeChanges, ComputeCursor, ComputeRecord, ComputeRecordKind, InsertOutcome,
    StoredComputeRecord, UsageStore, batch_event, first_occurrences, table,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, id_list};
use crate::tenant_keys::tenant_key;

const COLUMNS: &str = "id, account, accelerator, accelerator_resolved, count, start_at, end_at, \
                       cluster, datacenter, fabric_gbps, details";

/// Rows per statement: 13 parameters each stays far below SQLite's 32,766 bound parameters.
const ROWS_PER_STATEMENT: usize = 500;

/// `OR FAIL` and no conflict clause, as the access log's insert: no statement journal (migration
/// 0027), and a duplicate here (they were filtered out under the write lock) is an error.
fn insert_sql(kind: ComputeRecordKind, rows: usize) -> String {
    let mut sql = format!(
        "INSERT OR FAIL INTO {} (tenant_key, {COLUMNS}, created_at) VALUES ",
        table(kind)
    );
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str("(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    }
    sql
}

fn record(row: &SqliteRow) -> StoreResult<StoredComputeRecord> {
    let details: Option<String> = row.try_get("details").map_err(db)?;
    let details = details
        .map(|text| {
            serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("column details: {e}")))
        })
        .transpose()?;
    Ok(StoredComputeRecord {
        tenant: rows::id(row, "tenant_id")?,
        record: ComputeRecord {
            id: rows::text(row, "id")?,
            account: rows::text(row, "account")?,
            accelerator: rows::text(row, "accelerator")?,
            accelerator_resolved: rows::text(row, "accelerator_resolved")?,
            count: row.try_get("count").map_err(db)?,
            start: rows::time(row, "start_at")?,
            end: rows::time(row, "end_at")?,
            cluster: row.try_get("cluster").map_err(db)?,
            datacenter: row.try_get("datacenter").map_err(db)?,
            fabric_gbps: row.try_get("fabric_gbps").map_err(db)?,
            details,
        },
    })
}

#[async_trait]
impl UsageStore for SqliteStore {
    async fn insert_compute_records(
        &self,
        scope: &TenantScope,
        kind: ComputeRecordKind,
        records: &[ComputeRecord],
        now: DateTime<Utc>,
    ) -> StoreResult<InsertOutcome> {
        let unique = first_occurrences(records, |r| r.id.as_str());
        let ids: Vec<&str> = unique.iter().map(|r| r.id.as_str()).collect();
        let mut tx = self.begin_write().await?;
        let key = tenant_key(&mut tx, scope.tenant()).await?;
        // The write lock is held from here to the commit, so the ids found now are exactly the
        // duplicates, and the inserts need not return their rows.
        let existing: HashSet<String> = sqlx::query_scalar(&format!(
            "SELECT id FROM {} WHERE tenant_key = ? AND id IN (SELECT value FROM json_each(?))",
            table(kind)
        ))
        .bind(key)
        .bind(serde_json::Value::from(ids).to_string())
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .into_iter()
        .collect();
        let fresh: Vec<&ComputeRecord> = unique
            .into_iter()
            .filter(|r| !existing.contains(&r.id))
            .collect();
        for chunk in fresh.chunks(ROWS_PER_STATEMENT) {
            let sql = insert_sql(kind, chunk.len());
            let mut query = sqlx::query(&sql);
            for r in chunk {
                query = query
                    .bind(key)
                    .bind(r.id.as_str())
                    .bind(r.account.as_str())
                    .bind(r.accelerator.as_str())
                    .bind(r.accelerator_resolved.as_str())
                    .bind(r.count)
                    .bind(r.start.timestamp_micros())
                    .bind(r.end.timestamp_micros())
                    .bind(r.cluster.as_deref())
                    .bind(r.datacenter.as_deref())
                    .bind(r.fabric_gbps)
                    .bind(r.details.as_ref().map(ToString::to_string))
                    .bind(now.timestamp_micros());
            }
            query.execute(&mut *tx).await.map_err(db)?;
        }
        let inserted = fresh.iter().map(|r| r.id.clone()).collect();
        let outcome = InsertOutcome::from_returned(records.iter().map(|r| r.id.as_str()), inserted);
        if !outcome.accepted.is_empty() {
            append(
                &mut tx,
                scope.tenant(),
                scope.actor(),
                now,
                batch_event(kind, &outcome.accepted),
            )
            .await?;
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
            "SELECT k.tenant_id, {COLUMNS} FROM {} JOIN tenant_keys k ON k.key = tenant_key \
             WHERE k.tenant_id IN (SELECT value FROM json_each(?)) ORDER BY seq",
            table(kind)
        ))
        .bind(id_list(scope.visible()))
        .fetch_all(&self.reader)
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
        _skip: &[i64],
    ) -> StoreResult<ComputeChanges> {
        let since = since.unwrap_or_default();
        let (usage, usage_seq) = self
            .changes_of(ComputeRecordKind::Usage, scope, since.usage)
            .await?;
        let (reservations, reservation_seq) = self
            .changes_of(ComputeRecordKind::Reservation, scope, since.reservation)
            .await?;
        Ok(ComputeChanges {
            usage,
            reservations,
            cursor: ComputeCursor {
                usage: usage_seq,
                reservation: reservation_seq,
            },
        })
    }
}

impl SqliteStore {
    /// The records of `kind` of the scope's tenants after `seq` `since`, and the last `seq`
    /// read (`since` when there is none).
    async fn changes_of(
        &self,
        kind: ComputeRecordKind,
        scope: &TenantScope,
        since: i64,
    ) -> StoreResult<(Vec<StoredComputeRecord>, i64)> {
        let rows = sqlx::query(&format!(
            "SELECT seq, k.tenant_id, {COLUMNS} FROM {} JOIN tenant_keys k ON k.key = tenant_key \
             WHERE seq > ? AND k.tenant_id IN (SELECT value FROM json_each(?)) ORDER BY seq",
            table(kind)
        ))
        .bind(since)
        .bind(id_list(scope.visible()))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        let mut last = since;
        let mut records = Vec::with_capacity(rows.len());
        for row in &rows {
            last = last.max(row.try_get("seq").map_err(db)?);
            records.push(record(row)?);
        }
        Ok((records, last))
    }
}
