//! Moving a customer into an ancestor tenant: everything of it moves in one transaction and
//! opens under the new tenant, both chains record the move and still verify; a collision in the
//! target, or a target that is not an ancestor in scope, is refused with nothing written.

use chrono::Duration;
use cloudkyc_domain::cases::CaseKind;
use cloudkyc_domain::cip::{CustomerKind, IpAddress, PersonStatus};
use cloudkyc_domain::rule_pack::RiskTier;
use cloudkyc_domain::{Tenant, TenantId};
use serde_json::json;

use super::ContractDatabase;
use super::cases::{day, opened};
use super::support::{Setup, reseller, scope_of, setup, t0};
use crate::access::{AccessAction, AccessEvent};
use crate::audit::truncate_to_micros;
use crate::customer_migration::{MIGRATED_IN, MIGRATED_OUT};
use crate::customers::{
    AccountAccess, CipStatus, CustomerDecision, CustomerId, Lookup, LookupKind, NewCustomer,
};
use crate::documents::{EvidenceKind, MediaType, NewDocument};
use crate::usage::{ComputeRecord, ComputeRecordKind};
use crate::{StoreError, TenantScope};

const NAME: &str = "Migrating Subject";
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4];

fn decision() -> CustomerDecision {
    CustomerDecision {
        person_status: PersonStatus::Foreign,
        cip_status: CipStatus::Verified,
        account_access: AccountAccess::Full,
        risk_tier: RiskTier::Medium,
        policy_id: "bis-cip".into(),
        policy_version: "2024.1".into(),
        reasons: vec![format!("verified {NAME}")],
    }
}

fn email(account: &str) -> Lookup {
    Lookup::new(LookupKind::Email, format!("{account}@example.org"))
}

/// A customer of `scope`'s tenant holding `account`, with idempotency key `idem`.
async fn customer(s: &Setup, scope: &TenantScope, account: &str, idem: &str) -> CustomerId {
    let new = NewCustomer {
        tenant: scope.tenant(),
        idempotency_key: Some(idem.to_owned()),
        kind: CustomerKind::Individual,
        decision: decision(),
        personal: json!({"name": {"full": NAME}}),
        lookups: vec![email(account)],
        accounts: vec![account.to_owned()],
    };
    let created = s.store.create_customer(scope, new, t0()).await;
    created.expect("customer created").customer.id
}

async fn access(s: &Setup, scope: &TenantScope, id: &str, account: &str) {
    let event = AccessEvent {
        id: id.to_owned(),
        account: account.to_owned(),
        ip: IpAddress::parse("102.89.34.10").expect("an address"),
        at: truncate_to_micros(t0()),
        action: AccessAction::Login,
        country: None,
    };
    let inserted = s
        .store
        .insert_access_events(scope, &[event], &[], t0())
        .await;
    inserted.expect("access recorded");
}

async fn usage(s: &Setup, scope: &TenantScope, id: &str, account: &str) {
    let record = ComputeRecord {
        id: id.to_owned(),
        account: account.to_owned(),
        accelerator: "H100".to_owned(),
        accelerator_resolved: "H100 SXM5 80GB".to_owned(),
        count: Some(64),
        start: truncate_to_micros(t0()),
        end: truncate_to_micros(t0() + Duration::days(2)),
        cluster: None,
        datacenter: None,
        fabric_gbps: None,
        details: None,
    };
    let inserted = s
        .store
        .insert_compute_records(scope, ComputeRecordKind::Usage, &[record], t0())
        .await;
    inserted.expect("usage recorded");
}

/// A reseller below the provider, with the reseller's own scope and the provider's scope over
/// the subtree as it is now (the reseller included).
async fn with_reseller(s: &Setup) -> (Tenant, TenantScope, TenantScope) {
    let r = reseller(&s.store, &s.operator, s.provider.id, "Reseller").await;
    let scope = scope_of(&s.store, r.id).await;
    (r, scope, scope_of(&s.store, s.provider.id).await)
}

/// A scope that sees `tenant` alone: what is there, not what is below it.
fn only(tenant: TenantId) -> TenantScope {
    TenantScope::operator(tenant, vec![tenant])
}

async fn actions(s: &Setup, tenant: TenantId) -> Vec<String> {
    let everything = scope_of(&s.store, s.provider.id).await;
    let events = s.store.audit_events(&everything, tenant, 0, 1000).await;
    events
        .expect("events")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

pub async fn a_customer_moves_whole_and_opens_under_the_parent(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let (r, rs, ps) = with_reseller(&s).await;
    let id = customer(&s, &rs, "acct-1", "idem-1").await;
    let document = NewDocument {
        customer: id,
        kind: EvidenceKind::Passport,
        media_type: MediaType::Jpeg,
        content: JPEG.to_vec(),
    };
    let doc = s.store.add_document(&rs, document, t0()).await;
    let doc = doc.expect("document").document.id;
    let hold = s.store.place_legal_hold(&rs, id, "subpoena", t0()).await;
    hold.expect("hold placed");
    access(&s, &rs, "ev-1", "acct-1").await;
    usage(&s, &rs, "u-1", "acct-1").await;
    let case = opened(
        CaseKind::ScreeningHit,
        &id.to_string(),
        "candidate",
        day(2025, 3, 14),
    );
    let case_id = case.case.id();
    let created = s.store.create_case(&rs, &case, Some("sdn:1"), t0()).await;
    created.expect("case opened");

    let receipt = s
        .store
        .migrate_customer(&ps, id, s.provider.id, t0())
        .await
        .expect("moved");
    assert_eq!((receipt.from, receipt.to), (r.id, s.provider.id));
    assert_eq!(receipt.accounts, vec!["acct-1".to_owned()]);
    for table in [
        "customers",
        "customer_accounts",
        "customer_lookups",
        "documents",
        "legal_holds",
        "access_events",
        "usage_records",
        "cases",
        "case_events",
    ] {
        assert!(
            receipt.moved.get(table).copied().unwrap_or(0) >= 1,
            "{table}: {:?}",
            receipt.moved
        );
    }

    // The reseller's tenant holds nothing of it any more.
    let gone = s.store.customer(&rs, id).await;
    assert!(matches!(gone, Err(StoreError::NotFound { .. })), "{gone:?}");
    assert!(
        s.store
            .customers(&rs, None, 10)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(
        s.store
            .access_events(&rs, "acct-1", 10)
            .await
            .expect("ev")
            .is_empty()
    );
    let left = s.store.compute_records(&rs, ComputeRecordKind::Usage).await;
    assert!(left.expect("records").is_empty());

    // The provider's own tenant has it all, and every sealed value opens there.
    let p = only(s.provider.id);
    let moved = s
        .store
        .customer(&p, id)
        .await
        .expect("visible to the provider");
    assert_eq!(moved.tenant, s.provider.id);
    assert_eq!(moved.personal["name"]["full"], NAME);
    assert_eq!(moved.decision.reasons, decision().reasons);
    let found = s.store.find_customers(&p, &email("acct-1")).await;
    assert_eq!(found.expect("found").len(), 1);
    let held = s
        .store
        .customer_by_account(&p, s.provider.id, "acct-1")
        .await;
    assert_eq!(held.expect("by account").id, id);
    let content = s.store.document_content(&p, id, doc, t0()).await;
    assert_eq!(content.expect("document opens").content, JPEG);
    let retention = s.store.customer_retention(&p, id).await.expect("retention");
    assert_eq!(retention.hold.expect("hold moved").reason, "subpoena");
    let events = s
        .store
        .access_events(&p, "acct-1", 10)
        .await
        .expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].ip.to_string(), "102.89.34.10");
    let records = s.store.compute_records(&p, ComputeRecordKind::Usage).await;
    let records = records.expect("records");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].tenant, s.provider.id);
    let case = s.store.case(&p, case_id).await.expect("case moved");
    assert_eq!(case.tenant, s.provider.id);
    assert!(!case.case.timeline().is_empty(), "the timeline opens");

    // One event on each chain (the provider's chain has the document read after it), and both
    // chains still verify.
    let count = |actions: &[String], action: &str| actions.iter().filter(|a| *a == action).count();
    assert_eq!(count(&actions(&s, r.id).await, MIGRATED_OUT), 1);
    assert_eq!(count(&actions(&s, s.provider.id).await, MIGRATED_IN), 1);
    assert!(s.store.verify_audit().await.expect("verified").intact());
}

pub async fn a_collision_in_the_target_refuses_the_move_and_writes_nothing(
    db: &dyn ContractDatabase,
) {
    let s = setup(db).await;
    let (r, rs, ps) = with_reseller(&s).await;
    customer(&s, &s.operator, "acct-shared", "idem-p").await;
    let by_account = customer(&s, &rs, "acct-shared", "idem-r1").await;
    let by_key = customer(&s, &rs, "acct-r2", "idem-p").await;
    let by_event = customer(&s, &rs, "acct-r3", "idem-r3").await;
    access(&s, &rs, "ev-same", "acct-r3").await;
    access(&s, &only(s.provider.id), "ev-same", "acct-other").await;

    let before_r = actions(&s, r.id).await.len();
    let before_p = actions(&s, s.provider.id).await.len();
    for (id, named) in [
        (by_account, "acct-shared"),
        (by_key, "idempotency key"),
        (by_event, "ev-same"),
    ] {
        let refused = s.store.migrate_customer(&ps, id, s.provider.id, t0()).await;
        match refused {
            Err(StoreError::Conflict(why)) => assert!(why.contains(named), "{why}"),
            other => panic!("expected a conflict naming {named}: {other:?}"),
        }
        let stayed = s
            .store
            .customer(&rs, id)
            .await
            .expect("still the reseller's");
        assert_eq!(stayed.tenant, r.id);
        assert_eq!(
            stayed.personal["name"]["full"], NAME,
            "still opens where it is"
        );
    }
    assert_eq!(actions(&s, r.id).await.len(), before_r);
    assert_eq!(actions(&s, s.provider.id).await.len(), before_p);
    let events = s
        .store
        .access_events(&rs, "acct-r3", 10)
        .await
        .expect("events");
    assert_eq!(events.len(), 1, "the event stayed with its customer");
}

pub async fn only_an_ancestor_in_scope_is_a_target(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let r = reseller(&s.store, &s.operator, s.provider.id, "Reseller").await;
    let sibling = reseller(&s.store, &s.operator, s.provider.id, "Sibling").await;
    let with_r = scope_of(&s.store, s.provider.id).await;
    let sub = reseller(&s.store, &with_r, r.id, "Sub-reseller").await;
    let sub_scope = scope_of(&s.store, sub.id).await;
    // The reseller's scope over its subtree as it is now, sub-reseller included.
    let rs = scope_of(&s.store, r.id).await;
    let id = customer(&s, &sub_scope, "acct-sub", "idem-sub").await;

    let ps = scope_of(&s.store, s.provider.id).await;
    for (scope, to) in [(&ps, sibling.id), (&ps, sub.id), (&rs, s.provider.id)] {
        let refused = s.store.migrate_customer(scope, id, to, t0()).await;
        assert!(
            matches!(refused, Err(StoreError::Forbidden(_))),
            "to {to}: {refused:?}"
        );
    }
    let unknown = s
        .store
        .migrate_customer(&ps, CustomerId::new(), s.provider.id, t0())
        .await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound { .. })),
        "{unknown:?}"
    );

    // A sub-reseller's customer moves to the reseller above it, seen by the reseller's scope.
    let moved = s.store.migrate_customer(&rs, id, r.id, t0()).await;
    assert_eq!(moved.expect("moved up one level").to, r.id);
    assert_eq!(
        s.store
            .customer(&only(r.id), id)
            .await
            .expect("there")
            .tenant,
        r.id
    );
    assert!(
        s.store
            .customers(&sub_scope, None, 10)
            .await
            .expect("list")
            .is_empty()
    );
}
