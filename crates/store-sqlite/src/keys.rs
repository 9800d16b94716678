//! API keys: the secret is stored only as its SHA-256.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::{ApiKeyId, TenantId};
use cloudkyc_store::api_key::{self, ApiKey, CreatedKey, NewKey, StoredKey};
use cloudkyc_store::audit::{NewAuditEvent, truncate_to_micros};
use cloudkyc_store::backend::{actions, subjects};
use cloudkyc_store::{AuthError, KeyStore, StoreError, StoreResult, TenantScope, TenantStore};
use sqlx::sqlite::SqliteConnection;

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, KEY_COLUMNS, id_list};

async fn find(conn: &mut SqliteConnection, id: ApiKeyId) -> StoreResult<Option<StoredKey>> {
    sqlx::query(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE id = ?"))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await
        .map_err(db)?
        .map(|row| rows::stored_key(&row))
        .transpose()
}

async fn tenant_exists(conn: &mut SqliteConnection, id: TenantId) -> StoreResult<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM tenants WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    Ok(found.is_some())
}

#[async_trait]
impl KeyStore for SqliteStore {
    async fn create_key(
        &self,
        scope: &TenantScope,
        new: NewKey,
        now: DateTime<Utc>,
    ) -> StoreResult<CreatedKey> {
        if !scope.can_see(new.tenant) {
            return Err(StoreError::not_found("tenant"));
        }
        let mut tx = self.begin_write().await?;
        if !tenant_exists(&mut tx, new.tenant).await? {
            return Err(StoreError::not_found("tenant"));
        }
        let (id, secret, secret_sha256) = api_key::generate();
        let key = ApiKey {
            id,
            tenant: new.tenant,
            role: new.role,
            name: new.name,
            created_at: truncate_to_micros(now),
            expires_at: new.expires_at.map(truncate_to_micros),
            revoked_at: None,
        };
        sqlx::query(
            "INSERT INTO api_keys (id, tenant_id, role, name, secret_sha256, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(key.id.to_string())
        .bind(key.tenant.to_string())
        .bind(key.role.as_str())
        .bind(&key.name)
        .bind(&secret_sha256)
        .bind(key.created_at.timestamp_micros())
        .bind(key.expires_at.map(|at| at.timestamp_micros()))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let event = NewAuditEvent::new(
            actions::KEY_CREATE,
            subjects::API_KEY,
            key.id,
            None::<&ApiKey>,
            Some(&key),
        );
        append(&mut tx, key.tenant, scope.actor(), now, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(CreatedKey { key, secret })
    }

    async fn keys(&self, scope: &TenantScope) -> StoreResult<Vec<ApiKey>> {
        sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant_id IN (SELECT value FROM json_each(?)) \
             ORDER BY created_at DESC, id DESC"
        ))
        .bind(id_list(scope.visible()))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?
        .iter()
        .map(|row| rows::stored_key(row).map(|stored| stored.key))
        .collect()
    }

    async fn revoke_key(
        &self,
        scope: &TenantScope,
        id: ApiKeyId,
        now: DateTime<Utc>,
    ) -> StoreResult<ApiKey> {
        let mut tx = self.begin_write().await?;
        let before = match find(&mut tx, id).await? {
            Some(stored) if scope.can_see(stored.key.tenant) => stored.key,
            _ => return Err(StoreError::not_found("API key")),
        };
        if before.revoked_at.is_some() {
            return Ok(before);
        }
        let after = ApiKey {
            revoked_at: Some(truncate_to_micros(now)),
            ..before.clone()
        };
        sqlx::query("UPDATE api_keys SET revoked_at = ? WHERE id = ?")
            .bind(after.revoked_at.map(|at| at.timestamp_micros()))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let event = NewAuditEvent::new(
            actions::KEY_REVOKE,
            subjects::API_KEY,
            id,
            Some(&before),
            Some(&after),
        );
        append(&mut tx, after.tenant, scope.actor(), now, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn authenticate(
        &self,
        presented: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Result<TenantScope, AuthError>> {
        let id = match api_key::parse_id(presented) {
            Ok(id) => id,
            Err(refused) => return Ok(Err(refused)),
        };
        let mut conn = self.reader.acquire().await.map_err(db)?;
        let Some(stored) = find(&mut conn, id).await? else {
            return Ok(Err(AuthError::Unknown));
        };
        drop(conn);
        let verified = match api_key::verify(presented, &stored, now) {
            Ok(verified) => verified,
            Err(refused) => return Ok(Err(refused)),
        };
        let subtree = self.subtree(verified.tenant()).await?;
        Ok(Ok(TenantScope::from_verified_key(verified, subtree)))
    }
}
