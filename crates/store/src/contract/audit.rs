//! The audit chain as the store writes it: one event per state change, per-tenant chains that
//! verify, pages in order, and nothing for refused writes.

use chrono::Duration;
use cloudkyc_domain::{Role, TenantKind};

use super::ContractDatabase;
use super::support::{key, reseller, scope_of, setup, t0};
use crate::api_key::NewKey;
use crate::audit::{GENESIS_HASH, state_digest};
use crate::backend::{actions, subjects};
use crate::{StoreError, TenantScope};

pub async fn every_write_appends_one_event(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let whole = scope_of(&s.store, s.provider.id).await;
    let created = key(&s.store, &whole, a.id, Role::Reseller, "k").await;
    let revoked = s
        .store
        .revoke_key(&whole, created.key.id, t0())
        .await
        .expect("revoked");

    let provider_chain = s
        .store
        .audit_events(&whole, s.provider.id, 0, 100)
        .await
        .expect("events");
    let summary: Vec<(i64, &str, &str)> = provider_chain
        .iter()
        .map(|e| (e.seq, e.action.as_str(), e.subject_kind.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, actions::TENANT_CREATE, subjects::TENANT),
            (2, actions::TENANT_CREATE, subjects::TENANT)
        ],
        "the provider's creation, then its child's"
    );
    assert_eq!(provider_chain[0].prev_hash, GENESIS_HASH);
    assert_eq!(provider_chain[1].prev_hash, provider_chain[0].hash);
    assert_eq!(provider_chain[1].subject_id, a.id.to_string());
    assert_eq!(provider_chain[1].after_digest, Some(state_digest(&a)));
    assert_eq!(provider_chain[1].before_digest, None);
    assert_eq!(provider_chain[1].actor, "operator");

    let a_chain = s
        .store
        .audit_events(&whole, a.id, 0, 100)
        .await
        .expect("events");
    let actions: Vec<&str> = a_chain.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec![actions::KEY_CREATE, actions::KEY_REVOKE]);
    assert!(
        a_chain
            .iter()
            .all(|e| e.tenant == a.id && e.subject_id == created.key.id.to_string())
    );
    assert_eq!(a_chain[0].after_digest, Some(state_digest(&created.key)));
    assert_eq!(a_chain[1].before_digest, Some(state_digest(&created.key)));
    assert_eq!(a_chain[1].after_digest, Some(state_digest(&revoked)));
    assert_eq!(a_chain[0].at, crate::audit::truncate_to_micros(t0()));

    let report = s.store.verify_audit().await.expect("verify");
    assert!(report.intact(), "{report:?}");
    let a_report = report
        .chains
        .iter()
        .find(|c| c.tenant == a.id)
        .expect("a's chain");
    assert_eq!(a_report.entries, 2);
    assert_eq!(a_report.head_hash, a_chain[1].hash);
}

pub async fn events_record_the_acting_key(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let admin = key(&s.store, &s.operator, s.provider.id, Role::Admin, "admin").await;
    let scope = s
        .store
        .authenticate(admin.secret.expose(), t0())
        .await
        .expect("store")
        .expect("accepted");
    let child = s
        .store
        .create_tenant(&scope, s.provider.id, "via key", TenantKind::Reseller, t0())
        .await
        .expect("child");
    let events = s
        .store
        .audit_events(&scope, s.provider.id, 0, 100)
        .await
        .expect("events");
    let last = events.last().expect("an event");
    assert_eq!(last.subject_id, child.id.to_string());
    assert_eq!(last.actor, format!("key:{}", admin.key.id));
}

pub async fn events_are_read_per_tenant_in_pages(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    for i in 0..7 {
        let at = t0() + Duration::seconds(i);
        let new = NewKey {
            tenant: s.provider.id,
            role: Role::Officer,
            name: format!("k{i}"),
            expires_at: None,
        };
        s.store.create_key(&s.operator, new, at).await.expect("key");
    }
    let whole = scope_of(&s.store, s.provider.id).await;
    // 1 provider creation + 1 child creation + 7 keys.
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = s
            .store
            .audit_events(&whole, s.provider.id, after, 4)
            .await
            .expect("page");
        assert!(page.len() <= 4);
        let Some(last) = page.last() else { break };
        after = last.seq;
        seen.extend(page.into_iter().map(|e| e.seq));
    }
    assert_eq!(seen, (1..=9).collect::<Vec<i64>>());
    let tail = s
        .store
        .audit_events(&whole, s.provider.id, 7, 100)
        .await
        .expect("tail");
    assert_eq!(tail.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![8, 9]);

    let a_scope = scope_of(&s.store, a.id).await;
    let err = s
        .store
        .audit_events(&a_scope, s.provider.id, 0, 10)
        .await
        .expect_err("the parent's chain is hidden");
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert!(
        s.store
            .audit_events(&a_scope, a.id, 0, 10)
            .await
            .expect("own chain")
            .is_empty()
    );
}

pub async fn chains_verify_across_many_writes(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let mut scopes: Vec<TenantScope> = vec![s.operator.clone()];
    for i in 0..3 {
        let child = reseller(&s.store, &s.operator, s.provider.id, &format!("R{i}")).await;
        scopes.push(scope_of(&s.store, child.id).await);
    }
    // Writes to several chains from concurrent tasks: each chain stays a chain.
    let tasks = scopes.into_iter().map(|scope| {
        let store = s.store.clone();
        tokio::spawn(async move {
            for i in 0..10 {
                let new = NewKey {
                    tenant: scope.tenant(),
                    role: Role::Integration,
                    name: format!("k{i}"),
                    expires_at: None,
                };
                let created = store.create_key(&scope, new, t0()).await.expect("key");
                store
                    .revoke_key(&scope, created.key.id, t0())
                    .await
                    .expect("revoke");
            }
        })
    });
    for task in tasks {
        task.await.expect("task");
    }
    let report = s.store.verify_audit().await.expect("verify");
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.chains.len(), 4);
    let provider = report
        .chains
        .iter()
        .find(|c| c.tenant == s.provider.id)
        .expect("provider chain");
    assert_eq!(provider.entries, 1 + 3 + 20);
}

pub async fn refused_writes_append_nothing(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let whole = scope_of(&s.store, s.provider.id).await;
    let before = s
        .store
        .audit_events(&whole, s.provider.id, 0, 100)
        .await
        .expect("events");
    let refused = s
        .store
        .create_tenant(
            &s.operator,
            s.provider.id,
            "root",
            TenantKind::Provider,
            t0(),
        )
        .await;
    assert!(refused.is_err());
    let refused = s
        .store
        .create_tenant(&a_scope, s.provider.id, "x", TenantKind::Reseller, t0())
        .await;
    assert!(refused.is_err());
    let new = NewKey {
        tenant: s.provider.id,
        role: Role::Admin,
        name: "x".into(),
        expires_at: None,
    };
    assert!(s.store.create_key(&a_scope, new, t0()).await.is_err());
    assert_eq!(
        s.store
            .audit_events(&whole, s.provider.id, 0, 100)
            .await
            .expect("events"),
        before
    );
    assert!(
        s.store
            .audit_events(&whole, a.id, 0, 100)
            .await
            .expect("events")
            .is_empty()
    );
}
