//! Tenants: the provider at the root and its reseller sub-tenants.

use cloudkyc_domain::{Permission, Tenant, TenantId, TenantKind};
use cloudkyc_store::TenantScope;

use crate::{App, AppError, AppResult};

impl App {
    /// The operator's scope over the whole database, creating the provider tenant on an empty
    /// database. Only the CLI calls this: it already holds the database and the master key.
    pub async fn operator_scope(&self, provider_name: &str) -> AppResult<TenantScope> {
        let provider = self
            .store()
            .ensure_provider(provider_name, self.now())
            .await?;
        let subtree = self.store().subtree(provider.id).await?;
        Ok(TenantScope::operator(provider.id, subtree))
    }

    /// The scope a background component (a job, a telemetry consumer) acts with for `tenant`,
    /// or for the provider when `tenant` is `None`; its audit events name `system:<component>`.
    pub async fn system_scope(
        &self,
        tenant: Option<TenantId>,
        component: &str,
    ) -> AppResult<TenantScope> {
        let tenant = match tenant {
            Some(tenant) => tenant,
            None => {
                self.store()
                    .provider()
                    .await?
                    .ok_or_else(|| AppError::NotFound("no provider tenant exists yet".into()))?
                    .id
            }
        };
        let subtree = self.store().subtree(tenant).await?;
        Ok(TenantScope::system(tenant, subtree, component))
    }

    /// The operator's scope narrowed to one tenant (for `--tenant`).
    pub async fn operator_scope_for(&self, tenant: TenantId) -> AppResult<TenantScope> {
        let subtree = self.store().subtree(tenant).await?;
        Ok(TenantScope::operator(tenant, subtree))
    }

    pub async fn create_reseller_tenant(
        &self,
        scope: &TenantScope,
        name: &str,
    ) -> AppResult<Tenant> {
        Self::require(scope, Permission::ManageTenants)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(AppError::invalid("/name", "must be 1 to 200 characters"));
        }
        Ok(self
            .store()
            .create_tenant(
                scope,
                scope.tenant(),
                name,
                TenantKind::Reseller,
                self.now(),
            )
            .await?)
    }

    pub async fn list_tenants(&self, scope: &TenantScope) -> AppResult<Vec<Tenant>> {
        Ok(self.store().tenants(scope).await?)
    }
}
