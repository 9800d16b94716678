//! Tenants: the provider at the root and its descendants.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::{Tenant, TenantId, TenantKind};
use cloudkyc_store::audit::{NewAuditEvent, truncate_to_micros};
use cloudkyc_store::backend::{actions, parse_id, subjects};
use cloudkyc_store::{Actor, StoreError, StoreResult, TenantScope, TenantStore};
use sqlx::sqlite::SqliteConnection;

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, TENANT_COLUMNS, id_list};

async fn find(conn: &mut SqliteConnection, id: TenantId) -> StoreResult<Option<Tenant>> {
    sqlx::query(&format!(
        "SELECT {TENANT_COLUMNS} FROM tenants WHERE id = ?"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await
    .map_err(db)?
    .map(|row| rows::tenant(&row))
    .transpose()
}

pub(crate) async fn insert(conn: &mut SqliteConnection, tenant: &Tenant) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO tenants (id, parent_id, name, kind, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(tenant.id.to_string())
    .bind(tenant.parent.map(|p| p.to_string()))
    .bind(&tenant.name)
    .bind(tenant.kind.as_str())
    .bind(tenant.created_at.timestamp_micros())
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// The event of a tenant's creation. It goes to the parent's chain (the parent manages its
/// children); the provider's own creation opens the provider's chain.
pub(crate) fn created(tenant: &Tenant) -> NewAuditEvent {
    NewAuditEvent::new(
        actions::TENANT_CREATE,
        subjects::TENANT,
        tenant.id,
        None::<&Tenant>,
        Some(tenant),
    )
}

#[async_trait]
impl TenantStore for SqliteStore {
    async fn ensure_provider(&self, name: &str, now: DateTime<Utc>) -> StoreResult<Tenant> {
        let mut tx = self.begin_write().await?;
        if let Some(existing) = provider_in(&mut tx).await? {
            tx.commit().await.map_err(db)?;
            return Ok(existing);
        }
        let provider = Tenant {
            id: TenantId::new(),
            parent: None,
            name: name.to_owned(),
            kind: TenantKind::Provider,
            created_at: truncate_to_micros(now),
        };
        insert(&mut tx, &provider).await?;
        append(
            &mut tx,
            provider.id,
            &Actor::Operator,
            now,
            created(&provider),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(provider)
    }

    async fn provider(&self) -> StoreResult<Option<Tenant>> {
        let mut conn = self.reader.acquire().await.map_err(db)?;
        provider_in(&mut conn).await
    }

    async fn create_tenant(
        &self,
        scope: &TenantScope,
        parent: TenantId,
        name: &str,
        kind: TenantKind,
        now: DateTime<Utc>,
    ) -> StoreResult<Tenant> {
        if !scope.can_see(parent) {
            return Err(StoreError::not_found("tenant"));
        }
        if kind == TenantKind::Provider {
            return Err(StoreError::Conflict(
                "only the root tenant is a provider".into(),
            ));
        }
        let mut tx = self.begin_write().await?;
        if find(&mut tx, parent).await?.is_none() {
            return Err(StoreError::not_found("tenant"));
        }
        let tenant = Tenant {
            id: TenantId::new(),
            parent: Some(parent),
            name: name.to_owned(),
            kind,
            created_at: truncate_to_micros(now),
        };
        insert(&mut tx, &tenant).await?;
        append(&mut tx, parent, scope.actor(), now, created(&tenant)).await?;
        tx.commit().await.map_err(db)?;
        Ok(tenant)
    }

    async fn tenant(&self, scope: &TenantScope, id: TenantId) -> StoreResult<Tenant> {
        if !scope.can_see(id) {
            return Err(StoreError::not_found("tenant"));
        }
        let mut conn = self.reader.acquire().await.map_err(db)?;
        find(&mut conn, id)
            .await?
            .ok_or_else(|| StoreError::not_found("tenant"))
    }

    async fn tenants(&self, scope: &TenantScope) -> StoreResult<Vec<Tenant>> {
        sqlx::query(&format!(
            "SELECT {TENANT_COLUMNS} FROM tenants WHERE id IN (SELECT value FROM json_each(?)) \
             ORDER BY created_at, id"
        ))
        .bind(id_list(scope.visible()))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?
        .iter()
        .map(rows::tenant)
        .collect()
    }

    async fn subtree(&self, id: TenantId) -> StoreResult<Vec<TenantId>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "WITH RECURSIVE sub (id, depth) AS ( \
                 SELECT id, 0 FROM tenants WHERE id = ? \
                 UNION ALL \
                 SELECT t.id, sub.depth + 1 FROM tenants t JOIN sub ON t.parent_id = sub.id \
             ) SELECT id FROM sub ORDER BY depth, id",
        )
        .bind(id.to_string())
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        if ids.is_empty() {
            return Err(StoreError::not_found("tenant"));
        }
        ids.iter().map(|t| parse_id("id", t)).collect()
    }
}

async fn provider_in(conn: &mut SqliteConnection) -> StoreResult<Option<Tenant>> {
    sqlx::query(&format!(
        "SELECT {TENANT_COLUMNS} FROM tenants WHERE parent_id IS NULL"
    ))
    .fetch_optional(conn)
    .await
    .map_err(db)?
    .map(|row| rows::tenant(&row))
    .transpose()
}
