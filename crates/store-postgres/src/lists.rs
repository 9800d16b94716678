//! Restricted-party list snapshots and their status in PostgreSQL; the rules live in
//! `cloudkyc_store::lists`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::lists::{
    ImportedList, ListAttempt, ListSnapshotInfo, ListStatus, ListStore, NewListSnapshot,
    StoredListSnapshot, activate_event, attempt_event, count, parse_published, require_provider,
    to_i64, validate_new,
};
use cloudkyc_store::{StoreResult, TenantScope};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Executor, Postgres, Row};
use uuid::Uuid;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::notify::{Change, announce};
use crate::rows::{get, time};

const INFO_COLUMNS: &str = "s.list_id, s.content_sha256, s.format, s.published, s.version, \
     s.entity_count, s.size_bytes, s.loaded_at";

fn info(row: &PgRow) -> StoreResult<ListSnapshotInfo> {
    Ok(ListSnapshotInfo {
        list: get(row, "list_id")?,
        format: get(row, "format")?,
        content_sha256: get(row, "content_sha256")?,
        published: parse_published(row.try_get("published").map_err(db)?)?,
        version: get(row, "version")?,
        entity_count: count("entity_count", row.try_get("entity_count").map_err(db)?)?,
        size_bytes: count("size_bytes", row.try_get("size_bytes").map_err(db)?)?,
        loaded_at: time(row, "loaded_at")?,
    })
}

fn status(row: &PgRow) -> StoreResult<ListStatus> {
    let active: Option<String> = row.try_get("content_sha256").map_err(db)?;
    Ok(ListStatus {
        list: get(row, "status_list")?,
        active: active.map(|_| info(row)).transpose()?,
        activated_at: get(row, "activated_at")?,
        last_attempt_at: get(row, "last_attempt_at")?,
        last_success_at: get(row, "last_success_at")?,
        last_error: row.try_get("last_error").map_err(db)?,
        failures: count("failures", row.try_get("failures").map_err(db)?)?,
    })
}

/// Status rows joined with their active snapshot; `{filter}` is a `WHERE` clause or nothing.
fn status_query(filter: &str) -> String {
    format!(
        "SELECT t.list_id AS status_list, t.activated_at, t.last_attempt_at, t.last_success_at, \
         t.last_error, t.failures, {INFO_COLUMNS} FROM list_status t \
         LEFT JOIN list_snapshots s ON s.list_id = t.list_id \
         AND s.content_sha256 = t.active_sha256 {filter} ORDER BY t.list_id"
    )
}

async fn status_of<'e>(
    executor: impl Executor<'e, Database = Postgres>,
    list: &str,
) -> StoreResult<Option<ListStatus>> {
    sqlx::query(&status_query("WHERE t.list_id = $1"))
        .bind(list)
        .fetch_optional(executor)
        .await
        .map_err(db)?
        .map(|row| status(&row))
        .transpose()
}

async fn check_provider(conn: &mut PgConnection, scope: &TenantScope) -> StoreResult<()> {
    // List writes are rare: one transaction-scoped lock serialises them, so two imports of the
    // same list cannot race between reading the status and writing it.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('cloudkyc.lists'))")
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let provider: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM tenants WHERE parent_id IS NULL")
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
    require_provider(scope, provider.map(TenantId::from_uuid))
}

#[async_trait]
impl ListStore for PgStore {
    async fn import_list_snapshot(
        &self,
        scope: &TenantScope,
        new: NewListSnapshot,
        now: DateTime<Utc>,
    ) -> StoreResult<ImportedList> {
        validate_new(&new)?;
        let mut tx = self.pool.begin().await.map_err(db)?;
        check_provider(&mut tx, scope).await?;
        let existing = sqlx::query(&format!(
            "SELECT {INFO_COLUMNS} FROM list_snapshots s \
             WHERE s.list_id = $1 AND s.content_sha256 = $2"
        ))
        .bind(&new.list)
        .bind(&new.content_sha256)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .map(|row| info(&row))
        .transpose()?;
        let created = existing.is_none();
        let snapshot = match existing {
            Some(found) => found,
            None => {
                let snapshot = ListSnapshotInfo {
                    list: new.list.clone(),
                    format: new.format.clone(),
                    content_sha256: new.content_sha256.clone(),
                    published: new.published,
                    version: new.version.clone(),
                    entity_count: new.entity_count,
                    size_bytes: new.content.len() as u64,
                    loaded_at: truncate_to_micros(now),
                };
                sqlx::query(
                    "INSERT INTO list_snapshots (list_id, content_sha256, format, published, \
                     version, entity_count, size_bytes, content, loaded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&snapshot.list)
                .bind(&snapshot.content_sha256)
                .bind(&snapshot.format)
                .bind(snapshot.published.map(|d| d.to_string()))
                .bind(&snapshot.version)
                .bind(to_i64(snapshot.entity_count)?)
                .bind(to_i64(snapshot.size_bytes)?)
                .bind(&new.content)
                .bind(snapshot.loaded_at)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                snapshot
            }
        };
        let before = status_of(&mut *tx, &new.list).await?;
        let before_active = before.as_ref().and_then(|s| s.active.as_ref());
        let activated = before_active.map(|a| &a.content_sha256) != Some(&snapshot.content_sha256);
        if activated {
            sqlx::query(
                "INSERT INTO list_status (list_id, active_sha256, activated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (list_id) DO UPDATE SET active_sha256 = excluded.active_sha256, \
                 activated_at = excluded.activated_at",
            )
            .bind(&snapshot.list)
            .bind(&snapshot.content_sha256)
            .bind(truncate_to_micros(now))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            append(
                &mut tx,
                scope.tenant(),
                scope.actor(),
                now,
                activate_event(before_active, &snapshot),
            )
            .await?;
            announce(&mut tx, Change::Lists).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(ImportedList {
            snapshot,
            created,
            activated,
        })
    }

    async fn record_list_attempt(
        &self,
        scope: &TenantScope,
        list: &str,
        attempt: ListAttempt,
        now: DateTime<Utc>,
    ) -> StoreResult<ListStatus> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        check_provider(&mut tx, scope).await?;
        let before = status_of(&mut *tx, list).await?;
        let (success, error, failed) = match &attempt {
            ListAttempt::Succeeded => (Some(truncate_to_micros(now)), None, 0_i64),
            ListAttempt::Failed(e) => (None, Some(e.as_str()), 1),
        };
        sqlx::query(
            "INSERT INTO list_status (list_id, last_attempt_at, last_success_at, last_error, \
             failures) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (list_id) DO UPDATE SET \
             last_attempt_at = excluded.last_attempt_at, \
             last_success_at = COALESCE(excluded.last_success_at, list_status.last_success_at), \
             last_error = excluded.last_error, failures = list_status.failures + excluded.failures",
        )
        .bind(list)
        .bind(truncate_to_micros(now))
        .bind(success)
        .bind(error)
        .bind(failed)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let after = status_of(&mut *tx, list)
            .await?
            .ok_or_else(|| cloudkyc_store::StoreError::Corrupt("list status vanished".into()))?;
        append(
            &mut tx,
            scope.tenant(),
            scope.actor(),
            now,
            attempt_event(before.as_ref(), &after),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn list_statuses(&self, _scope: &TenantScope) -> StoreResult<Vec<ListStatus>> {
        // Lists are public, provider-level data: every scope reads the same statuses.
        sqlx::query(&status_query(""))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(status)
            .collect()
    }

    async fn active_list_snapshots(
        &self,
        _scope: &TenantScope,
    ) -> StoreResult<Vec<StoredListSnapshot>> {
        sqlx::query(&format!(
            "SELECT {INFO_COLUMNS}, s.content FROM list_status t JOIN list_snapshots s \
             ON s.list_id = t.list_id AND s.content_sha256 = t.active_sha256 ORDER BY t.list_id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            Ok(StoredListSnapshot {
                info: info(row)?,
                content: row.try_get("content").map_err(db)?,
            })
        })
        .collect()
    }
}
