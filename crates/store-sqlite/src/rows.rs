//! SQLite rows into domain types. The conversions themselves live in `cloudkyc_store::backend`;
//! this file only knows how SQLite stores each column (UUIDs as text, instants as microseconds).

use chrono::{DateTime, Utc};
use cloudkyc_domain::{Tenant, TenantId};
use cloudkyc_store::StoreResult;
use cloudkyc_store::api_key::{ApiKey, StoredKey};
use cloudkyc_store::audit::AuditEntry;
use cloudkyc_store::backend::{from_micros, parse_id, parse_role, parse_tenant_kind, to_u32};
use cloudkyc_store::jobs::Job;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::error::db;

pub(crate) fn text(row: &SqliteRow, column: &str) -> StoreResult<String> {
    row.try_get(column).map_err(db)
}

pub(crate) fn id<T: std::str::FromStr>(row: &SqliteRow, column: &str) -> StoreResult<T> {
    parse_id(column, &text(row, column)?)
}

pub(crate) fn time(row: &SqliteRow, column: &str) -> StoreResult<DateTime<Utc>> {
    from_micros(column, row.try_get(column).map_err(db)?)
}

pub(crate) fn optional_time(row: &SqliteRow, column: &str) -> StoreResult<Option<DateTime<Utc>>> {
    let micros: Option<i64> = row.try_get(column).map_err(db)?;
    micros.map(|m| from_micros(column, m)).transpose()
}

/// Visible tenant ids as a JSON array, for `IN (SELECT value FROM json_each(?))`: one bound
/// parameter whatever the size of the subtree.
pub(crate) fn id_list(ids: &[TenantId]) -> String {
    let texts: Vec<String> = ids.iter().map(ToString::to_string).collect();
    serde_json::Value::from(texts).to_string()
}

pub(crate) const TENANT_COLUMNS: &str = "id, parent_id, name, kind, created_at";

pub(crate) fn tenant(row: &SqliteRow) -> StoreResult<Tenant> {
    let parent: Option<String> = row.try_get("parent_id").map_err(db)?;
    Ok(Tenant {
        id: id(row, "id")?,
        parent: parent.map(|p| parse_id("parent_id", &p)).transpose()?,
        name: text(row, "name")?,
        kind: parse_tenant_kind(&text(row, "kind")?)?,
        created_at: time(row, "created_at")?,
    })
}

pub(crate) const KEY_COLUMNS: &str =
    "id, tenant_id, role, name, created_at, expires_at, revoked_at, secret_sha256";

pub(crate) fn stored_key(row: &SqliteRow) -> StoreResult<StoredKey> {
    Ok(StoredKey {
        key: ApiKey {
            id: id(row, "id")?,
            tenant: id(row, "tenant_id")?,
            role: parse_role(&text(row, "role")?)?,
            name: text(row, "name")?,
            created_at: time(row, "created_at")?,
            expires_at: optional_time(row, "expires_at")?,
            revoked_at: optional_time(row, "revoked_at")?,
        },
        secret_sha256: text(row, "secret_sha256")?,
    })
}

pub(crate) const AUDIT_COLUMNS: &str = "tenant_id, seq, at, actor, action, subject_kind, subject_id, before_digest, after_digest, prev_hash, hash";

pub(crate) fn audit_entry(row: &SqliteRow) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        tenant: id(row, "tenant_id")?,
        seq: row.try_get("seq").map_err(db)?,
        at: time(row, "at")?,
        actor: text(row, "actor")?,
        action: text(row, "action")?,
        subject_kind: text(row, "subject_kind")?,
        subject_id: text(row, "subject_id")?,
        before_digest: row.try_get("before_digest").map_err(db)?,
        after_digest: row.try_get("after_digest").map_err(db)?,
        prev_hash: text(row, "prev_hash")?,
        hash: text(row, "hash")?,
    })
}

/// A claimed job; `attempts` in the row already counts this claim.
pub(crate) fn claimed_job(row: &SqliteRow) -> StoreResult<Job> {
    let payload = text(row, "payload")?;
    let claims = to_u32("attempts", row.try_get("attempts").map_err(db)?)?;
    Ok(Job {
        id: id(row, "id")?,
        tenant: id(row, "tenant_id")?,
        kind: text(row, "kind")?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| cloudkyc_store::StoreError::Corrupt(format!("column payload: {e}")))?,
        run_at: time(row, "run_at")?,
        attempts: claims.saturating_sub(1),
    })
}
