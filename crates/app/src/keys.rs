//! API keys: create (secret shown once), list, revoke.

use chrono::{DateTime, Utc};
use cloudkyc_domain::{ApiKeyId, Permission, Role, TenantId, TenantKind};
use cloudkyc_store::TenantScope;
use cloudkyc_store::api_key::{ApiKey, CreatedKey, NewKey};

use crate::{App, AppError, AppResult};

/// What the caller asks for; `tenant` defaults to the caller's own.
#[derive(Debug, Clone)]
pub struct CreateKey {
    pub role: Role,
    pub tenant: Option<TenantId>,
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
}

impl App {
    pub async fn create_key(&self, scope: &TenantScope, req: CreateKey) -> AppResult<CreatedKey> {
        Self::require(scope, Permission::ManageKeys)?;
        let tenant_id = req.tenant.unwrap_or(scope.tenant());
        let tenant = self.store().tenant(scope, tenant_id).await?;
        let name = req.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(AppError::invalid("/name", "must be 1 to 100 characters"));
        }
        if req.expires_at.is_some_and(|at| at <= self.now()) {
            return Err(AppError::invalid("/expires_at", "must be in the future"));
        }
        // A reseller key sits on a reseller tenant and nothing else; other roles sit anywhere.
        if (req.role == Role::Reseller) != (tenant.kind == TenantKind::Reseller) {
            return Err(AppError::invalid(
                "/role",
                "the reseller role is for keys of a reseller tenant, and a reseller tenant's keys take the reseller role",
            ));
        }
        if tenant.kind == TenantKind::Reseller
            && let Some(reseller) = self.terminated_reseller_over(tenant.id).await?
        {
            let on = match reseller.status {
                cloudkyc_domain::reseller::ResellerStatus::Terminated { on, .. } => on,
                _ => self.now().date_naive(),
            };
            return Err(AppError::Conflict(format!(
                "the reseller of this tenant was terminated on {on}: its tenant takes no new API keys"
            )));
        }
        let new = NewKey {
            tenant: tenant.id,
            role: req.role,
            name: name.to_owned(),
            expires_at: req.expires_at,
        };
        Ok(self.store().create_key(scope, new, self.now()).await?)
    }

    pub async fn list_keys(&self, scope: &TenantScope) -> AppResult<Vec<ApiKey>> {
        Self::require(scope, Permission::ManageKeys)?;
        Ok(self.store().keys(scope).await?)
    }

    pub async fn revoke_key(&self, scope: &TenantScope, id: ApiKeyId) -> AppResult<ApiKey> {
        Self::require(scope, Permission::ManageKeys)?;
        Ok(self.store().revoke_key(scope, id, self.now()).await?)
    }

    /// The scope of a presented API key, or `None` when it is not accepted (the reason is logged,
    /// never returned: every refusal looks the same to the caller).
    pub async fn authenticate(&self, presented: &str) -> AppResult<Option<TenantScope>> {
        match self.store().authenticate(presented, self.now()).await? {
            Ok(scope) => Ok(Some(scope)),
            Err(reason) => {
                tracing::info!(%reason, "API key refused");
                Ok(None)
            }
        }
    }
}
