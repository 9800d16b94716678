//! The audit chain in SQLite: appending inside a write transaction, reading, verifying.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::{AuditEntry, ChainVerifier, NewAuditEvent, VerifyReport};
use cloudkyc_store::{Actor, AuditStore, StoreError, StoreResult, TenantScope};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{Executor, Row, Sqlite};

use crate::SqliteStore;
use crate::error::db;
use crate::rows::{self, AUDIT_COLUMNS};

const VERIFY_PAGE: u32 = 1000;

/// Appends `event` to `tenant`'s chain inside the caller's write transaction, so the change and
/// its event commit or vanish together. Every state-changing method calls this. The chain head
/// needs no lock: all writes go through the one writer connection, which serialises them.
pub(crate) async fn append(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    actor: &Actor,
    at: DateTime<Utc>,
    event: NewAuditEvent,
) -> StoreResult<AuditEntry> {
    let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = ?")
        .bind(tenant.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .map(|row| {
            Ok::<_, StoreError>((row.try_get("seq").map_err(db)?, rows::text(&row, "hash")?))
        })
        .transpose()?;
    let entry = AuditEntry::next(tenant, head, at, actor.audit_name(), event);
    sqlx::query(
        "INSERT INTO audit_events (tenant_id, seq, at, actor, action, subject_kind, subject_id, \
         before_digest, after_digest, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(entry.tenant.to_string())
    .bind(entry.seq)
    .bind(entry.at.timestamp_micros())
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
    sqlx::query(
        "INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (?, ?, ?) \
         ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .bind(entry.tenant.to_string())
    .bind(entry.seq)
    .bind(&entry.hash)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(entry)
}

async fn page<'e>(
    executor: impl Executor<'e, Database = Sqlite>,
    tenant: TenantId,
    after_seq: i64,
    limit: u32,
) -> StoreResult<Vec<AuditEntry>> {
    let rows: Vec<SqliteRow> = sqlx::query(&format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?"
    ))
    .bind(tenant.to_string())
    .bind(after_seq)
    .bind(i64::from(limit))
    .fetch_all(executor)
    .await
    .map_err(db)?;
    rows.iter().map(rows::audit_entry).collect()
}

#[async_trait]
impl AuditStore for SqliteStore {
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
        page(&self.reader, tenant, after_seq, limit).await
    }

    async fn verify_audit(&self) -> StoreResult<VerifyReport> {
        // One read transaction: the whole walk sees one snapshot, however long it takes and
        // whatever is written meanwhile.
        let mut tx = self.reader.begin().await.map_err(db)?;
        let tenants: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM tenants UNION SELECT tenant_id FROM audit_heads \
             UNION SELECT tenant_id FROM audit_events ORDER BY 1",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut chains = Vec::with_capacity(tenants.len());
        for tenant in tenants {
            let tenant: TenantId = cloudkyc_store::backend::parse_id("tenant_id", &tenant)?;
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
            let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = ?")
                .bind(tenant.to_string())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .map(|row| {
                    Ok::<_, StoreError>((
                        row.try_get("seq").map_err(db)?,
                        rows::text(&row, "hash")?,
                    ))
                })
                .transpose()?;
            chains.push(verifier.finish(head));
        }
        tx.commit().await.map_err(db)?;
        Ok(VerifyReport { chains })
    }
}
