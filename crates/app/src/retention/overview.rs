//! What retention has due and held, listed for an operator (`cloudkyc retention status` and the
//! dry run of `cloudkyc retention purge`): ids, instants and hold reasons, no personal data of
//! the customers themselves.

use cloudkyc_domain::Permission;
use cloudkyc_store::TenantScope;
use cloudkyc_store::retention::{ExpiredCustomer, LegalHold};
use serde::Serialize;

use super::{PAGE, RetentionStatus};
use crate::{App, AppError, AppResult};

/// Most customers or holds one listing returns.
pub const MAX_LISTED: u32 = 10_000;

/// The status with the customers it counts as due and the holds in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionOverview {
    #[serde(flatten)]
    pub status: RetentionStatus,
    /// Expired, unheld customers: what the next run purges (at most the limit asked for).
    pub due_customers: Vec<ExpiredCustomer>,
    /// Holds in force, oldest first (at most the limit asked for).
    pub holds: Vec<LegalHold>,
}

fn check_limit(limit: u32) -> AppResult<()> {
    if (1..=MAX_LISTED).contains(&limit) {
        Ok(())
    } else {
        Err(AppError::invalid(
            "limit",
            format!("must be 1 to {MAX_LISTED}"),
        ))
    }
}

impl App {
    /// The expired, unheld customers of the scope's tenants as of now, in id order, at most
    /// `limit`: exactly what [`App::purge_expired_records`] would purge now.
    pub async fn expired_records(
        &self,
        scope: &TenantScope,
        limit: u32,
    ) -> AppResult<Vec<ExpiredCustomer>> {
        Self::require(scope, Permission::ReadCustomers)?;
        check_limit(limit)?;
        let query = self.retention_query(self.now());
        let mut out: Vec<ExpiredCustomer> = Vec::new();
        loop {
            let want = (limit - out.len() as u32).min(PAGE);
            let after = out.last().map(|c| c.id);
            let page = self
                .store()
                .expired_customers(scope, query, after, want)
                .await?;
            let full = page.len() == want as usize;
            out.extend(page);
            if !full || out.len() as u32 >= limit {
                return Ok(out);
            }
        }
    }

    /// The legal holds in force over the scope's tenants, oldest first, at most `limit`.
    pub async fn legal_holds(&self, scope: &TenantScope, limit: u32) -> AppResult<Vec<LegalHold>> {
        Self::require(scope, Permission::ReadCustomers)?;
        check_limit(limit)?;
        Ok(self.store().legal_holds(scope, limit).await?)
    }

    /// The status, the customers due and the holds in force, each list at most `limit` long.
    pub async fn retention_overview(
        &self,
        scope: &TenantScope,
        limit: u32,
    ) -> AppResult<RetentionOverview> {
        Ok(RetentionOverview {
            status: self.retention_status(scope).await?,
            due_customers: self.expired_records(scope, limit).await?,
            holds: self.legal_holds(scope, limit).await?,
        })
    }
}
