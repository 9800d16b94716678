//! Compute monitoring meets CIP (issue 5, items 5, 7, 8): the accounts the compute engine sees
//! are linked into owner groups from the customers holding them, the owner group's facts (U.S. or
//! foreign, countries, payments) come from those customers' CIP records, and the red flags that
//! fire after ingestion open AI-training report and compute-review cases.
//!
//! - [`keys`]: what accounts can share (customer, entity, beneficial owner, payment instrument,
//!   contact details), as blind-indexed keys with the evidence text of each link.
//! - [`structure`]: what an ownership structure adds (a shared holding company or ultimate
//!   beneficial owner, with the ownership path as evidence; an unidentified owner for K1).
//! - [`facts`]: the owner group's [`cloudkyc_compute::OwnerFacts`] from the holders' CIP data.
//! - [`assess`]: the `compute.assess` job (after ingestion) that assesses an owner group and
//!   raises its cases with the assessment as evidence.
//! - [`sync`]: the `compute.customers` job that follows customer creations and changes.
//! - [`measures`]: special measures on jurisdictions that reach a group's holders, as facts,
//!   and the re-assessment of the groups a registry change may affect.
//!
//! Linking is incremental: an account's holder is looked up once, when its first usage or
//! reservation reaches this process's engine (or when the engine is loaded), and a customer is
//! indexed once per stored version. A new version's keys are compared with the last one's: the
//! links of a key that went (an owner removed, a card replaced, an account moved) are withdrawn
//! and the groups rebuilt from the links that remain (the merges undone stay in the engine's
//! history, shown with every assessment of the accounts). A customer purged under records
//! retention withdraws every key it gave the same way (`forget_customer`): its record no
//! longer exists to link anything, and a process started later never indexes it either.

pub mod assess;
pub mod evidence;
pub mod facts;
pub mod keys;
pub mod measures;
pub mod structure;
pub mod sync;

#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use cloudkyc_compute::{ComputeEngine, Link, LinkKind, WithdrawnMerge};
use cloudkyc_domain::TenantId;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::{StoreError, TenantScope};

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
    /// The keys each indexed customer's current version gave.
    keys_of: HashMap<CustomerId, Vec<LinkKey>>,
    /// The links each key made, to withdraw them when the key goes.
    links_of: HashMap<String, Vec<Link>>,
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
            let accounts = self.by_key.entry(k.key.clone()).or_default();
            if accounts.contains(&k.account) {
                continue;
            }
            // A strong link to one member joins the group; weak ones count per pair.
            let partners = if k.kind.is_strong() {
                1
            } else {
                MAX_WEAK_PARTNERS
            };
            let made: Vec<Link> = accounts
                .iter()
                .take(partners)
                .map(|other| Link {
                    a: other.clone(),
                    b: k.account.clone(),
                    kind: k.kind,
                    detail: k.detail.clone(),
                })
                .collect();
            self.links_of
                .entry(k.key.clone())
                .or_default()
                .extend(made.iter().cloned());
            links.extend(made);
            accounts.insert(k.account);
        }
        links
    }

    /// Removes keys that no longer hold. Returns the links to withdraw (every link of a key
    /// that touched the account that lost it) and the links that keep the key's remaining
    /// accounts connected where the withdrawn ones did (a strong key joins all its accounts).
    pub fn remove(&mut self, gone: &[LinkKey]) -> (Vec<Link>, Vec<Link>) {
        let (mut withdraw, mut relink) = (Vec::new(), Vec::new());
        for k in gone {
            let Some(accounts) = self.by_key.get_mut(&k.key) else {
                continue;
            };
            accounts.remove(&k.account);
            let links = self.links_of.remove(&k.key).unwrap_or_default();
            let (touching, mut kept): (Vec<Link>, Vec<Link>) = links
                .into_iter()
                .partition(|l| l.a == k.account || l.b == k.account);
            withdraw.extend(touching);
            if k.kind.is_strong() {
                let fresh = reconnect(accounts, &kept, k);
                kept.extend(fresh.iter().cloned());
                relink.extend(fresh);
            }
            if accounts.is_empty() {
                self.by_key.remove(&k.key);
            } else {
                self.links_of.insert(k.key.clone(), kept);
            }
        }
        (withdraw, relink)
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

/// Links from the first of `accounts` to each account `kept` does not connect to it.
fn reconnect(accounts: &BTreeSet<String>, kept: &[Link], k: &LinkKey) -> Vec<Link> {
    let Some(first) = accounts.first() else {
        return Vec::new();
    };
    let mut reached: BTreeSet<&str> = BTreeSet::from([first.as_str()]);
    loop {
        let before = reached.len();
        for l in kept {
            if reached.contains(l.a.as_str()) || reached.contains(l.b.as_str()) {
                reached.insert(&l.a);
                reached.insert(&l.b);
            }
        }
        if reached.len() == before {
            break;
        }
    }
    accounts
        .iter()
        .filter(|a| !reached.contains(a.as_str()))
        .map(|a| Link {
            a: first.clone(),
            b: a.clone(),
            kind: k.kind,
            detail: k.detail.clone(),
        })
        .collect()
}

/// The keys of a customer: its structure's first (their evidence carries the ownership path),
/// then the record's; one key per account and key.
///
/// They are indexed in the order returned, and when several keys join the same two accounts
/// the first one's link is the merge's evidence (the others find them joined already). So the
/// order is by kind, then evidence text, then account: never by the key itself, which is a
/// blind index under the installation's key ring, so two shared holding companies would
/// otherwise take turns as the evidence from one database to the next.
pub(crate) fn merge_keys(structure: Vec<LinkKey>, record: Vec<LinkKey>) -> Vec<LinkKey> {
    let mut seen = HashSet::new();
    let mut out: Vec<LinkKey> = structure
        .into_iter()
        .chain(record)
        .filter(|k| seen.insert((k.key.clone(), k.account.clone())))
        .collect();
    out.sort_by(|x, y| {
        (x.kind, &x.detail, &x.account, &x.key).cmp(&(y.kind, &y.detail, &y.account, &y.key))
    });
    out
}

/// What indexing a customer version did.
#[derive(Debug, Default)]
pub(crate) struct Indexed {
    pub merges: usize,
    pub withdrawn: Vec<WithdrawnMerge>,
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
    /// Indexes one customer (once per stored version): records the links its keys make and
    /// withdraws those of the keys its previous version had and this one has not.
    pub(crate) async fn index_customer(
        &self,
        index: &mut LinkIndex,
        engine: &mut ComputeEngine,
        customer: &CustomerRecord,
    ) -> AppResult<Indexed> {
        if index.is_current(customer) {
            return Ok(Indexed::default());
        }
        let keys = self.customer_link_keys(customer).await?;
        index.customers.insert(customer.id, customer.updated_at);
        index.looked_up.extend(customer.accounts.iter().cloned());
        let old = index.keys_of.insert(customer.id, keys.clone());
        let current: HashSet<(&str, &str)> = keys
            .iter()
            .map(|k| (k.key.as_str(), k.account.as_str()))
            .collect();
        let gone: Vec<LinkKey> = old
            .unwrap_or_default()
            .into_iter()
            .filter(|k| !current.contains(&(k.key.as_str(), k.account.as_str())))
            .collect();
        let (withdrawn, relink) = self.withdraw_keys(index, engine, customer.id, &gone);
        let mut merges = 0;
        for link in relink.into_iter().chain(index.index(keys)) {
            merges += usize::from(engine.link(link).is_some());
        }
        Ok(Indexed { merges, withdrawn })
    }

    /// Withdraws every key of a customer that no longer exists (purged under records
    /// retention): the merges they made are undone and kept as history, the accounts its
    /// strong keys joined are reconnected. Returns what was undone and the accounts the
    /// customer's keys were on (to assess again with the other sides).
    pub(crate) fn forget_customer(
        &self,
        index: &mut LinkIndex,
        engine: &mut ComputeEngine,
        id: CustomerId,
    ) -> (Indexed, Vec<String>) {
        index.customers.remove(&id);
        let gone = index.keys_of.remove(&id).unwrap_or_default();
        let mut accounts: Vec<String> = gone.iter().map(|k| k.account.clone()).collect();
        accounts.sort();
        accounts.dedup();
        let (withdrawn, relink) = self.withdraw_keys(index, engine, id, &gone);
        let mut merges = 0;
        for link in relink {
            merges += usize::from(engine.link(link).is_some());
        }
        tracing::info!(customer = %id, keys = gone.len(), undone = withdrawn.len(),
            "compute links of a purged customer withdrawn");
        (Indexed { merges, withdrawn }, accounts)
    }

    /// Removes `gone` from the index and withdraws the links they made from the engine.
    /// Returns the merges undone and the links that keep the keys' other accounts joined.
    fn withdraw_keys(
        &self,
        index: &mut LinkIndex,
        engine: &mut ComputeEngine,
        customer: CustomerId,
        gone: &[LinkKey],
    ) -> (Vec<WithdrawnMerge>, Vec<Link>) {
        let (withdraw, relink) = index.remove(gone);
        let withdrawn = engine.withdraw_links(&withdraw, self.now().timestamp());
        for w in &withdrawn {
            let kinds: Vec<&str> = w.withdrawn.iter().map(|l| kind_name(l.kind)).collect();
            tracing::info!(customer = %customer, a = %w.merge.a, b = %w.merge.b, ?kinds,
                "compute owner-group merge withdrawn: its evidence no longer holds");
        }
        (withdrawn, relink)
    }

    /// The customer as stored, or `None` when it no longer exists for linking: purged under
    /// records retention (reading it answers a conflict; its retention state confirms the
    /// purge) or not found.
    pub(crate) async fn linkable_customer(
        &self,
        scope: &TenantScope,
        id: CustomerId,
    ) -> AppResult<Option<CustomerRecord>> {
        match self.store().customer(scope, id).await {
            Ok(stored) => Ok(Some(record(stored)?)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(StoreError::Conflict(why)) => {
                let retention = self.store().customer_retention(scope, id).await?;
                if retention.purged_at.is_some() {
                    Ok(None)
                } else {
                    Err(StoreError::Conflict(why).into())
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Every key of the customer's accounts: the record's and its ownership structure's.
    async fn customer_link_keys(&self, customer: &CustomerRecord) -> AppResult<Vec<LinkKey>> {
        let ring = self.store().key_ring();
        let record = customer_keys(customer, self.policy().terms(), ring);
        let structure = match self.customer_structure(customer).await? {
            Some(stored) => {
                structure::structure_facts(
                    &stored,
                    &customer.accounts,
                    self.policy(),
                    ring,
                    self.now().date_naive(),
                )
                .keys
            }
            None => Vec::new(),
        };
        Ok(merge_keys(structure, record))
    }

    /// The customer's stored ownership structure, if any.
    pub(crate) async fn customer_structure(
        &self,
        customer: &CustomerRecord,
    ) -> AppResult<Option<cloudkyc_store::ownership::StoredOwnership>> {
        let scope = link_scope(customer.tenant, "compute.links");
        Ok(self.store().ownership(&scope, customer.id).await?)
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
            // A purged holder gives no keys (see `forget_customer`).
            let Some(customer) = self.linkable_customer(&scope, id).await? else {
                continue;
            };
            merges += self.index_customer(index, engine, &customer).await?.merges;
        }
        Ok(merges)
    }
}
