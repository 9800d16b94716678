//! Usage records and reservations in PostgreSQL: `INSERT .. ON CONFLICT DO NOTHING` per record
//! inside one transaction, so a batch commits with its audit event or not at all.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::usage::{
    ComputeRecord, ComputeRecordKind, InsertOutcome, StoredComputeRecord, UsageStore, batch_event,
    table,
};
use cloudkyc_store::{StoreResult, TenantScope};
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (tenant_id, id) DO NOTHING",
            table(kind)
        );
        let tenant = *scope.tenant().as_uuid();
        let mut outcome = InsertOutcome::default();
        let mut tx = self.pool.begin().await.map_err(db)?;
        for r in records {
            let inserted = sqlx::query(&sql)
                .bind(tenant)
                .bind(&r.id)
                .bind(&r.account)
                .bind(&r.accelerator)
                .bind(&r.accelerator_resolved)
                .bind(r.count)
                .bind(r.start)
                .bind(r.end)
                .bind(&r.cluster)
                .bind(&r.datacenter)
                .bind(r.fabric_gbps)
                .bind(&r.details)
                .bind(now)
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
}
