//! Reading and verifying the audit chains.

use cloudkyc_domain::{Permission, TenantId};
use cloudkyc_store::TenantScope;
use cloudkyc_store::audit::{AuditEntry, VerifyReport};

use crate::{App, AppError, AppResult};

pub const MAX_PAGE: u32 = 1000;

impl App {
    pub async fn audit_events(
        &self,
        scope: &TenantScope,
        tenant: Option<TenantId>,
        after_seq: i64,
        limit: u32,
    ) -> AppResult<Vec<AuditEntry>> {
        Self::require(scope, Permission::ReadAudit)?;
        if limit == 0 || limit > MAX_PAGE {
            return Err(AppError::invalid(
                "/limit",
                format!("must be 1 to {MAX_PAGE}"),
            ));
        }
        let tenant = tenant.unwrap_or(scope.tenant());
        Ok(self
            .store()
            .audit_events(scope, tenant, after_seq, limit)
            .await?)
    }

    /// Walks the chains of the tenants the scope can see (`POST /v1/audit/verify`).
    pub async fn verify_audit_in_scope(&self, scope: &TenantScope) -> AppResult<VerifyReport> {
        Self::require(scope, Permission::ReadAudit)?;
        let mut report = self.store().verify_audit().await?;
        report.chains.retain(|chain| scope.can_see(chain.tenant));
        Ok(report)
    }

    /// Walks every chain in the database. Operator and background-job use only.
    pub async fn verify_audit(&self) -> AppResult<VerifyReport> {
        Ok(self.store().verify_audit().await?)
    }
}
