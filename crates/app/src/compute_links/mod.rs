//! Compute monitoring meets CIP (issue 5, items 5, 7, 8): the accounts the compute engine sees
//! are linked into owner groups from the customers holding them, the owner group's facts (U.S. or
//! foreign, countries, payments) come from those customers' CIP records, and the red flags that
//! fire after ingestion open AI-training report and compute-review cases.
//!
//! - [`keys`]: what accounts can share (customer, entity, beneficial owner, payment instrument,
//!   contact details), as blind-indexed keys with the evidence text of each link.
//! - [`facts`]: the owner group's [`cloudkyc_compute::OwnerFacts`] from the holders' CIP data.
//! - [`assess`]: the `compute.assess` job (after ingestion) that assesses an owner group and
//!   raises its cases with the assessment as evidence.
//! - [`sync`]: the `compute.customers` job that follows customer creations and changes.
//!
//! Linking is incremental: an account's holder is looked up once, when its first usage or
//! reservation reaches this process's engine (or when the engine is loaded), and a customer is
//! indexed once per stored version. Links are only ever added: a merge, with its evidence,
//! stays until the engine is rebuilt from the store (a restart), which links from the current
//! CIP data.

pub mod assess;
pub mod evidence;
pub mod facts;
pub mod keys;
pub mod sync;

#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use cloudkyc_compute::{ComputeEngine, Link, LinkKind};
use cloudkyc_domain::TenantId;
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;

use crate::customers::{CustomerRecord, record};
use crate::{App, AppResult};

pub use assess::{ASSESS_JOB, AssessOwnerGroup};
pub use keys::{LinkKey, customer_keys};
pub use sync::{SYNC_JOB, SyncCustomers};

/// A weak key shared by many accounts (a reception desk's phone) links each new account to at
/// most this many of the others: weak links only matter in pairs, and a crowd is not an owner.
const MAX_WEAK_PARTNERS: usize = 32;

/// One tenant's index of what its accounts share.
#[derive(Debug, Default)]
pub struct LinkIndex {
    /// Accounts whose holder was looked up (found or not).
    looked_up: HashSet<String>,
    /// Indexed customers and the version (`updated_at`) indexed.
    customers: HashMap<CustomerId, DateTime<Utc>>,
    /// Key -> the accounts that have it.
    by_key: HashMap<String, BTreeSet<String>>,
    /// The tenant's audit sequence the customer sync has read up to.
    pub(crate) audit_seq: i64,
    /// This engine's customer-sync chain (see [`sync`]).
    pub(crate) chain: String,
}

impl LinkIndex {
    pub(crate) fn with_chain(chain: String) -> Self {
        Self {
            chain,
            ..Self::default()
        }
    }

    /// Adds keys; returns the links they make with accounts indexed before.
    pub fn index(&mut self, keys: Vec<LinkKey>) -> Vec<Link> {
        let mut links = Vec::new();
        for k in keys {
            let accounts = self.by_key.entry(k.key).or_default();
            if accounts.contains(&k.account) {
                continue;
            }
            // A strong link to one member joins the group; weak ones count per pair.
            let partners = if k.kind.is_strong() {
                1
            } else {
                MAX_WEAK_PARTNERS
            };
            links.extend(accounts.iter().take(partners).map(|other| Link {
                a: other.clone(),
                b: k.account.clone(),
                kind: k.kind,
                detail: k.detail.clone(),
            }));
            accounts.insert(k.account);
        }
        links
    }

    /// Whether the customer was indexed at this version already.
    fn is_current(&self, customer: &CustomerRecord) -> bool {
        self.customers.get(&customer.id) == Some(&customer.updated_at)
    }

    pub(crate) fn is_indexed(&self, id: CustomerId) -> bool {
        self.customers.contains_key(&id)
    }

    /// The accounts among `accounts` whose holder was never looked up.
    pub(crate) fn not_looked_up<'a>(
        &self,
        accounts: impl IntoIterator<Item = &'a str>,
    ) -> Vec<String> {
        let mut out: Vec<String> = accounts
            .into_iter()
            .filter(|a| !self.looked_up.contains(*a))
            .map(str::to_owned)
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// The scope the linker reads a tenant's customers with (never a caller's: a reseller's
/// accounts are linked from the reseller's own customers).
pub(crate) fn link_scope(tenant: TenantId, component: &str) -> TenantScope {
    TenantScope::system(tenant, vec![tenant], component)
}

/// What a link kind means, for summaries.
pub fn kind_name(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::BeneficialOwner => "beneficial_owner",
        LinkKind::ParentEntity => "parent_entity",
        LinkKind::PaymentInstrument => "payment_instrument",
        LinkKind::OrgTrust => "org_trust",
        LinkKind::AdminIpRange => "admin_ip_range",
        LinkKind::ContactDetails => "contact_details",
        LinkKind::SshKey => "ssh_key",
        LinkKind::StoragePrefix => "storage_prefix",
        LinkKind::CrossAccountTransfer => "cross_account_transfer",
    }
}

impl App {
    /// Indexes one customer (once per stored version) and records the links it makes.
    pub(crate) fn index_customer(
        &self,
        index: &mut LinkIndex,
        engine: &mut ComputeEngine,
        customer: &CustomerRecord,
    ) -> usize {
        if index.is_current(customer) {
            return 0;
        }
        index.customers.insert(customer.id, customer.updated_at);
        index.looked_up.extend(customer.accounts.iter().cloned());
        let keys = customer_keys(customer, self.policy().terms(), self.store().key_ring());
        let mut merges = 0;
        for link in index.index(keys) {
            merges += usize::from(engine.link(link).is_some());
        }
        merges
    }

    /// Looks up the holders of `accounts` (of `tenant`) once and indexes each new holder.
    /// Returns the number of merges made.
    pub(crate) async fn link_accounts(
        &self,
        tenant: TenantId,
        index: &mut LinkIndex,
        engine: &mut ComputeEngine,
        accounts: Vec<String>,
    ) -> AppResult<usize> {
        if accounts.is_empty() {
            return Ok(0);
        }
        let scope = link_scope(tenant, "compute.links");
        let holders = self.store().account_holders(&scope, &accounts).await?;
        index.looked_up.extend(accounts);
        let mut customers: Vec<CustomerId> = holders.iter().map(|h| h.customer).collect();
        customers.sort();
        customers.dedup();
        let mut merges = 0;
        for id in customers {
            if index.is_indexed(id) {
                continue;
            }
            let customer = record(self.store().customer(&scope, id).await?)?;
            merges += self.index_customer(index, engine, &customer);
        }
        Ok(merges)
    }
}
