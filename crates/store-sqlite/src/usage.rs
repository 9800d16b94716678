//! Usage records and reservations in SQLite: `INSERT .. ON CONFLICT DO NOTHING` per record inside
//! one write transaction, so a batch commits with its audit event or not at all.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_store::usage::{
    ComputeRecord, ComputeRecordKind, InsertOutcome, StoredComputeRecord, UsageStore, batch_event,
    table,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, id_list};

const COLUMNS: &str = "tenant_id, id, account, accelerator, accelerator_resolved, count, start_at, \
                       end_at, cluster, datacenter, fabric_gbps, details";

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
        let sql = format!(
            "INSERT INTO {} ({COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (tenant_id, id) DO NOTHING",
            table(kind)
        );
        let tenant = scope.tenant().to_string();
        let mut outcome = InsertOutcome::default();
        let mut tx = self.begin_write().await?;
        for r in records {
            let inserted = sqlx::query(&sql)
                .bind(&tenant)
                .bind(&r.id)
                .bind(&r.account)
                .bind(&r.accelerator)
                .bind(&r.accelerator_resolved)
                .bind(r.count)
                .bind(r.start.timestamp_micros())
                .bind(r.end.timestamp_micros())
                .bind(&r.cluster)
                .bind(&r.datacenter)
                .bind(r.fabric_gbps)
                .bind(r.details.as_ref().map(ToString::to_string))
                .bind(now.timestamp_micros())
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected();
            if inserted == 1 {
                outcome.accepted.push(r.id.clone());
            } else {
                outcome.duplicate.push(r.id.clone());
            }
        }
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
            "SELECT {COLUMNS} FROM {} WHERE tenant_id IN (SELECT value FROM json_each(?)) ORDER BY seq",
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
}
