//! Tenants: one provider, children below it, and scopes that see exactly their subtree.

use cloudkyc_domain::{TenantId, TenantKind};

use super::ContractDatabase;
use super::support::{PROVIDER, ids, open, reseller, scope_of, setup, sorted, t0};
use crate::crypto::MasterKey;
use crate::{StoreError, TenantScope};

pub async fn the_provider_is_created_once(db: &dyn ContractDatabase) {
    let store = open(db, &MasterKey::generate()).await;
    assert_eq!(store.provider().await.expect("provider"), None);
    let first = store
        .ensure_provider(PROVIDER, t0())
        .await
        .expect("created");
    assert_eq!(first.kind, TenantKind::Provider);
    assert_eq!(first.parent, None);
    assert_eq!(first.name, PROVIDER);
    let again = store
        .ensure_provider("Another Name", t0())
        .await
        .expect("found");
    assert_eq!(
        again, first,
        "the second call returns the first provider unchanged"
    );
    assert_eq!(
        store.provider().await.expect("provider"),
        Some(first.clone())
    );
    let scope = scope_of(&store, first.id).await;
    assert_eq!(
        store.tenants(&scope).await.expect("tenants"),
        vec![first.clone()]
    );
    assert_eq!(
        store.tenant(&scope, first.id).await.expect("tenant"),
        first,
        "reads back exactly"
    );
}

pub async fn concurrent_ensure_provider_makes_one_provider(db: &dyn ContractDatabase) {
    let store = open(db, &MasterKey::generate()).await;
    let calls = (0..8).map(|i| {
        let store = store.clone();
        tokio::spawn(async move { store.ensure_provider(&format!("Provider {i}"), t0()).await })
    });
    let mut providers = Vec::new();
    for call in calls {
        providers.push(call.await.expect("task").expect("provider"));
    }
    assert!(providers.windows(2).all(|w| w[0] == w[1]), "{providers:?}");
    let scope = scope_of(&store, providers[0].id).await;
    assert_eq!(store.tenants(&scope).await.expect("tenants").len(), 1);
    let events = store
        .audit_events(&scope, providers[0].id, 0, 100)
        .await
        .expect("events");
    assert_eq!(events.len(), 1, "one creation, one event");
}

pub async fn children_form_a_subtree(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let b = reseller(&s.store, &s.operator, s.provider.id, "B").await;
    assert_eq!(a.parent, Some(s.provider.id));
    assert_eq!(a.kind, TenantKind::Reseller);
    let a_scope = scope_of(&s.store, a.id).await;
    let a1 = reseller(&s.store, &a_scope, a.id, "A1").await;

    let whole = s.store.subtree(s.provider.id).await.expect("subtree");
    assert_eq!(
        whole.first(),
        Some(&s.provider.id),
        "the tenant itself comes first"
    );
    assert_eq!(
        sorted(whole),
        sorted(vec![s.provider.id, a.id, b.id, a1.id])
    );
    assert_eq!(
        s.store.subtree(a.id).await.expect("subtree"),
        vec![a.id, a1.id]
    );
    assert_eq!(s.store.subtree(b.id).await.expect("subtree"), vec![b.id]);
    assert!(matches!(
        s.store.subtree(TenantId::new()).await,
        Err(StoreError::NotFound { .. })
    ));

    let everyone = scope_of(&s.store, s.provider.id).await;
    assert_eq!(
        s.store.tenant(&everyone, a1.id).await.expect("a1"),
        a1,
        "reads back exactly"
    );
}

pub async fn a_child_sees_neither_its_parent_nor_its_siblings(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let b = reseller(&s.store, &s.operator, s.provider.id, "B").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let a1 = reseller(&s.store, &a_scope, a.id, "A1").await;
    let a_scope = scope_of(&s.store, a.id).await;

    for hidden in [s.provider.id, b.id, TenantId::new()] {
        let err = s.store.tenant(&a_scope, hidden).await.expect_err("hidden");
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    }
    assert_eq!(
        s.store.tenant(&a_scope, a1.id).await.expect("own child"),
        a1
    );
    assert_eq!(
        ids(&s.store.tenants(&a_scope).await.expect("tenants")),
        sorted(vec![a.id, a1.id])
    );
    let err = s
        .store
        .create_tenant(
            &a_scope,
            b.id,
            "under a sibling",
            TenantKind::Reseller,
            t0(),
        )
        .await;
    assert!(matches!(err, Err(StoreError::NotFound { .. })), "{err:?}");
    let err = s
        .store
        .create_tenant(
            &a_scope,
            s.provider.id,
            "under the parent",
            TenantKind::Reseller,
            t0(),
        )
        .await;
    assert!(matches!(err, Err(StoreError::NotFound { .. })), "{err:?}");
    let whole = scope_of(&s.store, s.provider.id).await;
    assert_eq!(
        s.store.tenants(&whole).await.expect("tenants").len(),
        4,
        "nothing was created"
    );
}

pub async fn an_ancestor_sees_its_descendants(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let a1 = reseller(&s.store, &a_scope, a.id, "A1").await;
    let whole = scope_of(&s.store, s.provider.id).await;
    assert_eq!(s.store.tenant(&whole, a1.id).await.expect("grandchild"), a1);
    let listed = s.store.tenants(&whole).await.expect("tenants");
    assert_eq!(ids(&listed), sorted(vec![s.provider.id, a.id, a1.id]));
    // A scope is what the subtree was when it was built: a tenant made later is not in it.
    let late = reseller(&s.store, &whole, s.provider.id, "late").await;
    assert!(matches!(
        s.store.tenant(&s.operator, late.id).await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn a_provider_cannot_be_created_below_another_tenant(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let err = s
        .store
        .create_tenant(
            &s.operator,
            s.provider.id,
            "second root",
            TenantKind::Provider,
            t0(),
        )
        .await;
    assert!(matches!(err, Err(StoreError::Conflict(_))), "{err:?}");
    // A scope over a tenant that does not exist (built by hand) finds no parent there.
    let ghost = TenantId::new();
    let ghost_scope = TenantScope::operator(ghost, vec![]);
    let err = s
        .store
        .create_tenant(&ghost_scope, ghost, "orphan", TenantKind::Reseller, t0())
        .await;
    assert!(matches!(err, Err(StoreError::NotFound { .. })), "{err:?}");
    assert_eq!(
        s.store.tenants(&s.operator).await.expect("tenants").len(),
        1
    );
}
