//! Screening dispositions: recorded with one audit event, replaced per (customer, list, entity),
//! scoped to the customer's tenant subtree, and the officer's note sealed.

use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::{CustomerKind, PersonStatus};
use cloudkyc_domain::rule_pack::RiskTier;
use serde_json::json;

use super::ContractDatabase;
use super::support::{reseller, scope_of, setup, t0};
use crate::StoreError;
use crate::audit::state_digest;
use crate::customers::{AccountAccess, CipStatus, CustomerDecision, CustomerId, NewCustomer};
use crate::screening_dispositions::{
    DISPOSITION_SUBJECT, DispositionDecision, NewDisposition, SCREENING_DISPOSITION,
};

const NOTE: &str = "Born 1961, our customer born 1990 in Lagos";

fn customer(tenant: TenantId, account: &str) -> NewCustomer {
    NewCustomer {
        tenant,
        idempotency_key: None,
        kind: CustomerKind::Individual,
        decision: CustomerDecision {
            person_status: PersonStatus::Foreign,
            cip_status: CipStatus::Verified,
            account_access: AccountAccess::Restricted,
            risk_tier: RiskTier::Medium,
            policy_id: "bis-cip".into(),
            policy_version: "2024.1".into(),
            reasons: vec!["screening: potential match".into()],
        },
        personal: json!({"name": {"full": "Ali Hassan"}}),
        lookups: Vec::new(),
        accounts: vec![account.to_owned()],
    }
}

fn disposition(customer: CustomerId, entity: &str, hash: &str, note: &str) -> NewDisposition {
    NewDisposition {
        customer,
        list: "ofac_sdn".into(),
        entity_id: entity.into(),
        entity_hash: hash.into(),
        decision: DispositionDecision::NotThisEntity,
        note: note.into(),
    }
}

pub async fn dispositions_are_recorded_replaced_and_audited(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let stored = s
        .store
        .create_customer(&a_scope, customer(a.id, "acct-1"), t0())
        .await
        .expect("customer")
        .customer;
    assert!(
        s.store
            .screening_dispositions(&a_scope, stored.id)
            .await
            .expect("none yet")
            .is_empty()
    );

    let first = s
        .store
        .record_screening_disposition(&a_scope, disposition(stored.id, "306", "h1", NOTE), t0())
        .await
        .expect("recorded");
    assert_eq!(first.tenant, a.id);
    assert_eq!(first.note, NOTE);
    assert_eq!(first.decided_by, a_scope.actor().audit_name());
    assert!(first.covers("ofac_sdn", "306", "h1"));
    assert!(!first.covers("ofac_sdn", "306", "h2"));
    let other = s
        .store
        .record_screening_disposition(&a_scope, disposition(stored.id, "7", "x", "n"), t0())
        .await
        .expect("second entity");
    let replaced = s
        .store
        .record_screening_disposition(
            &a_scope,
            disposition(stored.id, "306", "h2", "record changed; still not him"),
            t0() + chrono::Duration::seconds(5),
        )
        .await
        .expect("replaced");
    let read = s
        .store
        .screening_dispositions(&a_scope, stored.id)
        .await
        .expect("read");
    assert_eq!(read, vec![replaced.clone(), other], "one per entity");

    let events = s
        .store
        .audit_events(&a_scope, a.id, 0, 100)
        .await
        .expect("events");
    let ours: Vec<_> = events
        .iter()
        .filter(|e| e.subject_kind == DISPOSITION_SUBJECT)
        .collect();
    assert_eq!(ours.len(), 3, "one event per recorded disposition");
    assert!(ours.iter().all(|e| e.action == SCREENING_DISPOSITION));
    let last = ours.last().expect("last");
    assert_eq!(last.before_digest, Some(state_digest(&first)));
    assert_eq!(last.after_digest, Some(state_digest(&replaced)));
    assert!(!db.raw_contains(NOTE).await, "the note is sealed");
}

pub async fn dispositions_are_scoped_to_the_customers_tenant(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let b = reseller(&s.store, &s.operator, s.provider.id, "B").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let b_scope = scope_of(&s.store, b.id).await;
    let whole = scope_of(&s.store, s.provider.id).await;
    let stored = s
        .store
        .create_customer(&a_scope, customer(a.id, "acct-1"), t0())
        .await
        .expect("customer")
        .customer;
    assert!(matches!(
        s.store
            .record_screening_disposition(&b_scope, disposition(stored.id, "306", "h", "n"), t0())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.store.screening_dispositions(&b_scope, stored.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.store
            .record_screening_disposition(
                &a_scope,
                disposition(CustomerId::new(), "306", "h", "n"),
                t0()
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let by_provider = s
        .store
        .record_screening_disposition(&whole, disposition(stored.id, "306", "h", "n"), t0())
        .await
        .expect("an ancestor decides");
    assert_eq!(
        by_provider.tenant, a.id,
        "stored under the customer's tenant"
    );
    assert_eq!(
        s.store
            .screening_dispositions(&a_scope, stored.id)
            .await
            .expect("read"),
        vec![by_provider]
    );
}
