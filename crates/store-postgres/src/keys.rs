//! API keys: the secret is stored only as its SHA-256.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::{ApiKeyId, TenantId};
use cloudkyc_store::api_key::{self, ApiKey, CreatedKey, NewKey, StoredKey};
use cloudkyc_store::audit::{NewAuditEvent, truncate_to_micros};
use cloudkyc_store::backend::{actions, subjects};
use cloudkyc_store::{AuthError, KeyStore, StoreError, StoreResult, TenantScope, TenantStore};

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, KEY_COLUMNS, uuids};

/// The key; `lock` takes its row lock, so that a revocation reads the state it replaces.
async fn find<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    id: ApiKeyId,
    lock: bool,
) -> StoreResult<Option<StoredKey>> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    sqlx::query(&format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE id = $1{lock}"
    ))
    .bind(id.as_uuid())
    .fetch_optional(executor)
    .await
    .map_err(db)?
    .map(|row| rows::stored_key(&row))
    .transpose()
}

async fn tenant_exists<'e>(executor: impl sqlx::PgExecutor<'e>, id: TenantId) -> StoreResult<bool> {
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM tenants WHERE id = $1")
        .bind(id.as_uuid())
        .fetch_optional(executor)
        .await
        .map_err(db)?;
    Ok(found.is_some())
}

#[async_trait]
impl KeyStore for PgStore {
    async fn create_key(
        &self,
        scope: &TenantScope,
        new: NewKey,
        now: DateTime<Utc>,
    ) -> StoreResult<CreatedKey> {
        if !scope.can_see(new.tenant) {
            return Err(StoreError::not_found("tenant"));
        }
        let mut tx = self.pool.begin().await.map_err(db)?;
        if !tenant_exists(&mut *tx, new.tenant).await? {
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
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(key.id.as_uuid())
        .bind(key.tenant.as_uuid())
        .bind(key.role.as_str())
        .bind(&key.name)
        .bind(&secret_sha256)
        .bind(key.created_at)
        .bind(key.expires_at)
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
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant_id = ANY($1) ORDER BY created_at DESC, id DESC"
        ))
        .bind(uuids(scope.visible()))
        .fetch_all(&self.pool)
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        let before = match find(&mut *tx, id, true).await? {
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
        sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2")
            .bind(after.revoked_at)
            .bind(id.as_uuid())
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
        let Some(stored) = find(&self.pool, id, false).await? else {
            return Ok(Err(AuthError::Unknown));
        };
        let verified = match api_key::verify(presented, &stored, now) {
            Ok(verified) => verified,
            Err(refused) => return Ok(Err(refused)),
        };
        let subtree = self.subtree(verified.tenant()).await?;
        Ok(Ok(TenantScope::from_verified_key(verified, subtree)))
    }
}
