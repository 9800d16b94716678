//! A terminated reseller's suspension outlives later decisions. Termination under the pack's
//! `suspend` rule restricts the full access of the reseller's customers; without this cap the
//! next decision about one of them (a periodic re-verification, a resubmission, a
//! re-determination) would grant full access again as if the reseller were still in good
//! standing.

use cloudkyc_domain::TenantId;
use cloudkyc_domain::reseller::{ResellerStatus, StatusName};
use cloudkyc_domain::rule_pack::DownstreamAction;
use cloudkyc_store::resellers::ResellerRecord;

use crate::{App, AppResult};

impl App {
    /// Why the customers of `tenant` stay restricted, when it is the tenant of a reseller
    /// terminated under the `suspend` rule; `None` otherwise. The registry is the provider's,
    /// so it is read with the provider's system scope whoever asked for the decision.
    pub(crate) async fn reseller_suspension(&self, tenant: TenantId) -> AppResult<Option<String>> {
        let provider = self.system_scope(None, "resellers.suspension").await?;
        let registry = self.store().resellers(&provider).await?;
        Ok(registry
            .into_iter()
            .find(|r| r.reseller_tenant == tenant)
            .and_then(|r| match r.status {
                ResellerStatus::Terminated {
                    downstream: DownstreamAction::Suspend,
                    on,
                    ..
                } => Some(format!(
                    "access restricted: reseller {} was terminated on {on} and its customers \
                     stay suspended (the pack's downstream rule)",
                    r.name
                )),
                _ => None,
            }))
    }
}

impl App {
    /// The terminated reseller whose tenant is `tenant` or one of its ancestors, if any: such a
    /// tenant takes no new API keys (the relationship is over, and its keys were revoked at
    /// termination). Read with the provider's system scope, as the registry is the provider's.
    pub(crate) async fn terminated_reseller_over(
        &self,
        tenant: TenantId,
    ) -> AppResult<Option<ResellerRecord>> {
        let provider = self.system_scope(None, "resellers.keys").await?;
        for reseller in self.store().resellers(&provider).await? {
            if reseller.status.name() != StatusName::Terminated {
                continue;
            }
            let subtree = self.store().subtree(reseller.reseller_tenant).await?;
            if subtree.contains(&tenant) {
                return Ok(Some(reseller));
            }
        }
        Ok(None)
    }
}
