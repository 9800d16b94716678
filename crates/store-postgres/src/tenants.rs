//! Tenants: the provider at the root and its descendants.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::{Tenant, TenantId, TenantKind};
use cloudkyc_store::audit::{NewAuditEvent, truncate_to_micros};
use cloudkyc_store::backend::{actions, subjects};
use cloudkyc_store::{Actor, StoreError, StoreResult, TenantScope, TenantStore};
use sqlx::postgres::PgConnection;
use uuid::Uuid;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, TENANT_COLUMNS, uuids};

async fn find<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    id: TenantId,
) -> StoreResult<Option<Tenant>> {
    sqlx::query(&format!(
        "SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1"
    ))
    .bind(id.as_uuid())
    .fetch_optional(executor)
    .await
    .map_err(db)?
    .map(|row| rows::tenant(&row))
    .transpose()
}

/// Inserts `tenant`; `false` when it is a second provider (the unique root index refused it).
pub(crate) async fn insert(conn: &mut PgConnection, tenant: &Tenant) -> StoreResult<bool> {
    let inserted = sqlx::query(
        "INSERT INTO tenants (id, parent_id, name, kind, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (kind) WHERE parent_id IS NULL DO NOTHING",
    )
    .bind(tenant.id.as_uuid())
    .bind(tenant.parent.map(|p| *p.as_uuid()))
    .bind(&tenant.name)
    .bind(tenant.kind.as_str())
    .bind(tenant.created_at)
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(inserted.rows_affected() == 1)
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

async fn provider_in<'e>(executor: impl sqlx::PgExecutor<'e>) -> StoreResult<Option<Tenant>> {
    sqlx::query(&format!(
        "SELECT {TENANT_COLUMNS} FROM tenants WHERE parent_id IS NULL"
    ))
    .fetch_optional(executor)
    .await
    .map_err(db)?
    .map(|row| rows::tenant(&row))
    .transpose()
}

#[async_trait]
impl TenantStore for PgStore {
    async fn ensure_provider(&self, name: &str, now: DateTime<Utc>) -> StoreResult<Tenant> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let provider = Tenant {
            id: TenantId::new(),
            parent: None,
            name: name.to_owned(),
            kind: TenantKind::Provider,
            created_at: truncate_to_micros(now),
        };
        // A concurrent first call waits on the unique root index and then inserts nothing.
        if !insert(&mut tx, &provider).await? {
            let existing = provider_in(&mut *tx).await?;
            tx.commit().await.map_err(db)?;
            return existing
                .ok_or_else(|| StoreError::Database("the provider tenant vanished".into()));
        }
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
        provider_in(&self.pool).await
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        if find(&mut *tx, parent).await?.is_none() {
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
        find(&self.pool, id)
            .await?
            .ok_or_else(|| StoreError::not_found("tenant"))
    }

    async fn tenants(&self, scope: &TenantScope) -> StoreResult<Vec<Tenant>> {
        sqlx::query(&format!(
            "SELECT {TENANT_COLUMNS} FROM tenants WHERE id = ANY($1) ORDER BY created_at, id"
        ))
        .bind(uuids(scope.visible()))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(rows::tenant)
        .collect()
    }

    async fn subtree(&self, id: TenantId) -> StoreResult<Vec<TenantId>> {
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "WITH RECURSIVE sub (id, depth) AS ( \
                 SELECT id, 0 FROM tenants WHERE id = $1 \
                 UNION ALL \
                 SELECT t.id, sub.depth + 1 FROM tenants t JOIN sub ON t.parent_id = sub.id \
             ) SELECT id FROM sub ORDER BY depth, id",
        )
        .bind(id.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        if ids.is_empty() {
            return Err(StoreError::not_found("tenant"));
        }
        Ok(ids.into_iter().map(TenantId::from_uuid).collect())
    }
}
