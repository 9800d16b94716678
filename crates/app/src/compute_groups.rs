//! The owner groups the compute monitor has seen usage or reservations of: the index the
//! console's compute page lists before one group's assessment is opened.

use cloudkyc_domain::{Permission, TenantId};
use cloudkyc_store::TenantScope;

use crate::{App, AppResult};

/// One owner group with usage or reservations, named by its smallest account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerGroupSummary {
    pub tenant: TenantId,
    pub group: String,
    /// Every account linked into the group, sorted.
    pub accounts: Vec<String>,
}

impl App {
    /// The owner groups of the scope's tenants that hold at least one account with usage or
    /// reservations, tenant by tenant (the scope's order), by group within each. Accounts linked from CIP records alone (no
    /// compute at all) are left out: they have nothing to assess.
    pub async fn compute_owner_groups(
        &self,
        scope: &TenantScope,
    ) -> AppResult<Vec<OwnerGroupSummary>> {
        Self::require(scope, Permission::ReadCustomers)?;
        let mut map = self.compute_engines().inner.lock().await;
        self.load_engines(&mut map, scope).await?;
        let mut groups = Vec::new();
        for tenant in scope.visible() {
            let Some(engine) = map.by_tenant.get(tenant) else {
                continue;
            };
            let mut found = Vec::new();
            for accounts in engine.engine.owners().groups() {
                if let Some(first) = accounts.iter().find(|a| engine.accounts.contains(*a)) {
                    found.push(OwnerGroupSummary {
                        tenant: *tenant,
                        group: engine.engine.owners().group_of(first),
                        accounts,
                    });
                }
            }
            found.sort_by(|a, b| a.group.cmp(&b.group));
            groups.extend(found);
        }
        Ok(groups)
    }
}
