//! What every check starts from.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use cloudkyc_domain::{Role, Tenant, TenantId, TenantKind};

use super::ContractDatabase;
use crate::api_key::{CreatedKey, NewKey};
use crate::crypto::MasterKey;
use crate::{Store, TenantScope};

pub(super) const PROVIDER: &str = "Contract Cloud";

/// A fixed instant with nanoseconds, so every check also proves that times read back exactly as
/// the store returned them (both databases keep microseconds).
pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 15, 9, 26)
        .single()
        .map(|t| t + chrono::Duration::nanoseconds(535_897_932))
        .expect("a valid date")
}

pub(super) struct Setup {
    pub store: Arc<dyn Store>,
    pub master: MasterKey,
    pub provider: Tenant,
    pub operator: TenantScope,
}

pub(super) async fn open(db: &dyn ContractDatabase, master: &MasterKey) -> Arc<dyn Store> {
    db.open(master).await.expect("the database opens")
}

/// An opened store with its provider tenant and the operator's scope over it.
pub(super) async fn setup(db: &dyn ContractDatabase) -> Setup {
    let master = MasterKey::generate();
    let store = open(db, &master).await;
    let provider = store
        .ensure_provider(PROVIDER, t0())
        .await
        .expect("provider");
    let operator = scope_of(&store, provider.id).await;
    Setup {
        store,
        master,
        provider,
        operator,
    }
}

/// The operator's scope over `tenant` and its descendants as they are now.
pub(super) async fn scope_of(store: &Arc<dyn Store>, tenant: TenantId) -> TenantScope {
    let subtree = store.subtree(tenant).await.expect("subtree");
    TenantScope::operator(tenant, subtree)
}

pub(super) async fn reseller(
    store: &Arc<dyn Store>,
    scope: &TenantScope,
    parent: TenantId,
    name: &str,
) -> Tenant {
    store
        .create_tenant(scope, parent, name, TenantKind::Reseller, t0())
        .await
        .expect("reseller created")
}

pub(super) async fn key(
    store: &Arc<dyn Store>,
    scope: &TenantScope,
    tenant: TenantId,
    role: Role,
    name: &str,
) -> CreatedKey {
    let new = NewKey {
        tenant,
        role,
        name: name.to_owned(),
        expires_at: None,
    };
    store
        .create_key(scope, new, t0())
        .await
        .expect("key created")
}

pub(super) fn ids(tenants: &[Tenant]) -> Vec<TenantId> {
    let mut ids: Vec<TenantId> = tenants.iter().map(|t| t.id).collect();
    ids.sort();
    ids
}

pub(super) fn sorted(mut ids: Vec<TenantId>) -> Vec<TenantId> {
    ids.sort();
    ids
}
