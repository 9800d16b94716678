//! PostgreSQL rows into domain types. The conversions themselves live in
//! `cloudkyc_store::backend`; this file only knows the column types (UUID, TIMESTAMPTZ, JSONB).

use chrono::{DateTime, Utc};
use cloudkyc_domain::{ApiKeyId, JobId, Tenant, TenantId};
use cloudkyc_store::StoreResult;
use cloudkyc_store::api_key::{ApiKey, StoredKey};
use cloudkyc_store::audit::AuditEntry;
use cloudkyc_store::backend::{parse_role, parse_tenant_kind, to_u32};
use cloudkyc_store::jobs::Job;
use sqlx::Row;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::error::db;

pub(crate) fn get<'r, T>(row: &'r PgRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column).map_err(db)
}

pub(crate) fn time(row: &PgRow, column: &str) -> StoreResult<DateTime<Utc>> {
    get(row, column)
}

pub(crate) fn uuids(ids: &[TenantId]) -> Vec<Uuid> {
    ids.iter().map(|id| *id.as_uuid()).collect()
}

pub(crate) const TENANT_COLUMNS: &str = "id, parent_id, name, kind, created_at";

pub(crate) fn tenant(row: &PgRow) -> StoreResult<Tenant> {
    let parent: Option<Uuid> = get(row, "parent_id")?;
    Ok(Tenant {
        id: TenantId::from_uuid(get(row, "id")?),
        parent: parent.map(TenantId::from_uuid),
        name: get(row, "name")?,
        kind: parse_tenant_kind(&get::<String>(row, "kind")?)?,
        created_at: time(row, "created_at")?,
    })
}

pub(crate) const KEY_COLUMNS: &str =
    "id, tenant_id, role, name, created_at, expires_at, revoked_at, secret_sha256";

pub(crate) fn stored_key(row: &PgRow) -> StoreResult<StoredKey> {
    Ok(StoredKey {
        key: ApiKey {
            id: ApiKeyId::from_uuid(get(row, "id")?),
            tenant: TenantId::from_uuid(get(row, "tenant_id")?),
            role: parse_role(&get::<String>(row, "role")?)?,
            name: get(row, "name")?,
            created_at: time(row, "created_at")?,
            expires_at: get(row, "expires_at")?,
            revoked_at: get(row, "revoked_at")?,
        },
        secret_sha256: get(row, "secret_sha256")?,
    })
}

pub(crate) const AUDIT_COLUMNS: &str = "tenant_id, seq, at, actor, action, subject_kind, subject_id, before_digest, after_digest, prev_hash, hash";

pub(crate) fn audit_entry(row: &PgRow) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        tenant: TenantId::from_uuid(get(row, "tenant_id")?),
        seq: get(row, "seq")?,
        at: time(row, "at")?,
        actor: get(row, "actor")?,
        action: get(row, "action")?,
        subject_kind: get(row, "subject_kind")?,
        subject_id: get(row, "subject_id")?,
        before_digest: get(row, "before_digest")?,
        after_digest: get(row, "after_digest")?,
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}

/// A claimed job; `attempts` in the row already counts this claim.
pub(crate) fn claimed_job(row: &PgRow) -> StoreResult<Job> {
    let claims = to_u32("attempts", i64::from(get::<i32>(row, "attempts")?))?;
    Ok(Job {
        id: JobId::from_uuid(get(row, "id")?),
        tenant: TenantId::from_uuid(get(row, "tenant_id")?),
        kind: get(row, "kind")?,
        payload: get(row, "payload")?,
        run_at: time(row, "run_at")?,
        attempts: claims.saturating_sub(1),
    })
}
