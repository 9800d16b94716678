//! The audit chain in PostgreSQL: appending inside a write transaction, reading, verifying.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::{AuditEntry, ChainVerifier, GENESIS_HASH, NewAuditEvent, VerifyReport};
use cloudkyc_store::{Actor, AuditStore, StoreError, StoreResult, TenantScope};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Executor, Postgres};
use uuid::Uuid;

use crate::PgStore;
use crate::error::db;
use crate::rows::{self, AUDIT_COLUMNS};

const VERIFY_PAGE: u32 = 1000;

/// Appends `event` to `tenant`'s chain inside the caller's transaction, so the change and its
/// event commit or vanish together. Every state-changing method calls this. The head row is
/// created if missing and then locked, so concurrent writers to one chain take turns while
/// writers to other chains do not wait.
pub(crate) async fn append(
    conn: &mut PgConnection,
    tenant: TenantId,
    actor: &Actor,
    at: DateTime<Utc>,
    event: NewAuditEvent,
) -> StoreResult<AuditEntry> {
    sqlx::query("INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO NOTHING")
        .bind(tenant.as_uuid())
        .bind(GENESIS_HASH)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let row = sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = $1 FOR UPDATE")
        .bind(tenant.as_uuid())
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    let seq: i64 = rows::get(&row, "seq")?;
    let head = (seq > 0)
        .then(|| rows::get::<String>(&row, "hash").map(|hash| (seq, hash)))
        .transpose()?;
    let entry = AuditEntry::next(tenant, head, at, actor.audit_name(), event);
    sqlx::query(
        "INSERT INTO audit_events (tenant_id, seq, at, actor, action, subject_kind, subject_id, \
         before_digest, after_digest, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(entry.tenant.as_uuid())
    .bind(entry.seq)
    .bind(entry.at)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.subject_kind)
    .bind(&entry.subject_id)
    .bind(&entry.before_digest)
    .bind(&entry.after_digest)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    sqlx::query("UPDATE audit_heads SET seq = $2, hash = $3 WHERE tenant_id = $1")
        .bind(entry.tenant.as_uuid())
        .bind(entry.seq)
        .bind(&entry.hash)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(entry)
}

async fn page<'e>(
    executor: impl Executor<'e, Database = Postgres>,
    tenant: TenantId,
    after_seq: i64,
    limit: u32,
) -> StoreResult<Vec<AuditEntry>> {
    let rows: Vec<PgRow> = sqlx::query(&format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
    ))
    .bind(tenant.as_uuid())
    .bind(after_seq)
    .bind(i64::from(limit))
    .fetch_all(executor)
    .await
    .map_err(db)?;
    rows.iter().map(rows::audit_entry).collect()
}

#[async_trait]
impl AuditStore for PgStore {
    async fn audit_events(
        &self,
        scope: &TenantScope,
        tenant: TenantId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>> {
        if !scope.can_see(tenant) {
            return Err(StoreError::not_found("tenant"));
        }
        page(&self.pool, tenant, after_seq, limit).await
    }

    async fn verify_audit(&self) -> StoreResult<VerifyReport> {
        // One snapshot for the whole walk, whatever is written meanwhile.
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let tenants: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM tenants UNION SELECT tenant_id FROM audit_heads \
             UNION SELECT tenant_id FROM audit_events ORDER BY 1",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut chains = Vec::with_capacity(tenants.len());
        for tenant in tenants.into_iter().map(TenantId::from_uuid) {
            let mut verifier = ChainVerifier::new(tenant);
            let mut after = i64::MIN;
            loop {
                let entries = page(&mut *tx, tenant, after, VERIFY_PAGE).await?;
                entries.iter().for_each(|e| verifier.push(e));
                match entries.last() {
                    Some(last) if entries.len() == VERIFY_PAGE as usize => after = last.seq,
                    _ => break,
                }
            }
            let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = $1")
                .bind(tenant.as_uuid())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .map(|row| Ok::<_, StoreError>((rows::get(&row, "seq")?, rows::get(&row, "hash")?)))
                .transpose()?;
            chains.push(verifier.finish(head));
        }
        tx.commit().await.map_err(db)?;
        Ok(VerifyReport { chains })
    }
}
