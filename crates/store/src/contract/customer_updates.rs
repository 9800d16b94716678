//! Customer changes after onboarding and the verification history: one transaction with one
//! audit event and its jobs, optimistic concurrency, scoping, four-eyes requests, vendor event
//! deduplication, and sealed evidence.

use std::sync::Arc;

use chrono::Duration;
use cloudkyc_domain::cip::{CustomerKind, PersonStatus};
use cloudkyc_domain::rule_pack::RiskTier;
use cloudkyc_domain::{Role, TenantId};
use serde_json::json;

use super::ContractDatabase;
use super::support::{key, reseller, scope_of, setup, t0};
use crate::customer_updates::CustomerChange;
use crate::customers::{
    AccountAccess, CUSTOMER_SUBJECT, CipStatus, Customer, CustomerDecision, Lookup, LookupKind,
    NewCustomer,
};
use crate::jobs::NewJob;
use crate::verifications::{
    Evidence, NewVerification, OfficerDecision, VERIFICATION_REJECT, VERIFICATION_REQUEST,
    VendorVerdict, VerificationState,
};
use crate::{Store, StoreError, TenantScope};

const OVERRIDE: &str = "customer.override";
const REASON: &str = "passport seen in person by Officer Ngozi Adeyemi";

fn decision(cip_status: CipStatus, account_access: AccountAccess) -> CustomerDecision {
    CustomerDecision {
        person_status: PersonStatus::Foreign,
        cip_status,
        account_access,
        risk_tier: RiskTier::High,
        policy_id: "bis-cip".into(),
        policy_version: "2024.1".into(),
        reasons: vec!["check vendor_verdict could not run".into()],
    }
}

async fn pending_customer(
    store: &Arc<dyn Store>,
    scope: &TenantScope,
    tenant: TenantId,
) -> Customer {
    let new = NewCustomer {
        tenant,
        idempotency_key: None,
        kind: CustomerKind::Individual,
        decision: decision(CipStatus::Pending, AccountAccess::Restricted),
        personal: json!({"name": {"full": "Chidi Eze"}, "emails": ["chidi@example.ng"]}),
        lookups: vec![Lookup::new(LookupKind::Email, "chidi@example.ng")],
        accounts: vec!["acct-1".into()],
    };
    store
        .create_customer(scope, new, t0())
        .await
        .expect("created")
        .customer
}

fn verified_change(before: &Customer) -> CustomerChange {
    let mut after = decision(CipStatus::Verified, AccountAccess::Full);
    after.reasons = vec![format!("verified by override: {REASON}")];
    let mut change = CustomerChange::new(
        OVERRIDE,
        after,
        json!({"name": {"full": "Chidi Eze"}, "emails": ["chidi.eze@example.ng"]}),
        vec![Lookup::new(LookupKind::Email, "chidi.eze@example.ng")],
        before.updated_at,
    );
    change.jobs = vec![NewJob {
        kind: "webhook.account_access".into(),
        payload: json!({"customer": before.id.to_string()}),
        run_at: t0(),
        dedupe_key: None,
        queued_key: None,
    }];
    change
}

fn override_evidence(customer: &Customer, decision: OfficerDecision) -> NewVerification {
    NewVerification {
        customer: customer.id,
        evidence: Evidence::Override {
            decision,
            reason: REASON.into(),
        },
        state: VerificationState::Applied,
        event_id: None,
    }
}

pub async fn a_change_replaces_the_decision_with_one_event_and_its_jobs(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let before = pending_customer(&s.store, &s.operator, s.provider.id).await;
    let mut change = verified_change(&before);
    change.verifications = vec![override_evidence(&before, OfficerDecision::Verified)];
    let later = t0() + Duration::seconds(5);
    let after = s
        .store
        .update_customer(&s.operator, before.id, change, later)
        .await
        .expect("changed");
    assert_eq!(after.decision.cip_status, CipStatus::Verified);
    assert_eq!(after.decision.account_access, AccountAccess::Full);
    assert_eq!(after.accounts, before.accounts, "accounts kept");
    assert_eq!(after.created_at, before.created_at);
    assert!(after.updated_at > before.updated_at);
    let read = s
        .store
        .customer(&s.operator, before.id)
        .await
        .expect("read");
    assert_eq!(read, after);

    // Lookups were replaced: the new email finds the customer, the old one no longer does.
    let by_new = s
        .store
        .find_customers(
            &s.operator,
            &Lookup::new(LookupKind::Email, "chidi.eze@example.ng"),
        )
        .await
        .expect("find");
    assert_eq!(by_new.len(), 1);
    let by_old = s
        .store
        .find_customers(
            &s.operator,
            &Lookup::new(LookupKind::Email, "chidi@example.ng"),
        )
        .await
        .expect("find");
    assert!(by_old.is_empty());

    let events = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events");
    let changes: Vec<_> = events.iter().filter(|e| e.action == OVERRIDE).collect();
    assert_eq!(changes.len(), 1, "one event for the whole change");
    let event = changes.first().expect("one");
    assert_eq!(event.subject_kind, CUSTOMER_SUBJECT);
    assert_eq!(event.subject_id, before.id.to_string());
    assert_eq!(
        event.before_digest.as_deref(),
        Some(crate::audit::state_digest(&before).as_str())
    );
    assert_eq!(
        event.after_digest.as_deref(),
        Some(crate::audit::state_digest(&after).as_str())
    );

    let job = s
        .store
        .claim_job(&["webhook.account_access"], later, Duration::seconds(30))
        .await
        .expect("claim")
        .expect("the change's job was enqueued");
    assert_eq!(job.tenant, s.provider.id);
    assert_eq!(job.payload, json!({"customer": before.id.to_string()}));

    let history = s
        .store
        .verifications(&s.operator, before.id)
        .await
        .expect("history");
    assert_eq!(history.len(), 1);
    let record = history.first().expect("one");
    assert_eq!(record.state, VerificationState::Applied);
    assert_eq!(record.requested_by, "operator");
    assert_eq!(record.decided_by.as_deref(), Some("operator"));
    assert!(matches!(&record.evidence, Evidence::Override { reason, .. } if reason == REASON));

    // Neither the officer's reason nor the new email is stored in plaintext.
    assert!(!db.raw_contains("Ngozi Adeyemi").await);
    assert!(!db.raw_contains("chidi.eze@example.ng").await);
}

pub async fn a_stale_change_is_refused_and_writes_nothing(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let before = pending_customer(&s.store, &s.operator, s.provider.id).await;
    // Two officers read the same customer; the first change wins, even at the same instant.
    let first = s
        .store
        .update_customer(&s.operator, before.id, verified_change(&before), t0())
        .await
        .expect("first change");
    assert!(first.updated_at > before.updated_at);
    let mut second = verified_change(&before);
    second.decision = decision(CipStatus::Failed, AccountAccess::Closed);
    second.verifications = vec![override_evidence(&before, OfficerDecision::Failed)];
    assert!(matches!(
        s.store
            .update_customer(&s.operator, before.id, second, t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    let read = s
        .store
        .customer(&s.operator, before.id)
        .await
        .expect("read");
    assert_eq!(read, first);
    assert!(
        s.store
            .verifications(&s.operator, before.id)
            .await
            .expect("history")
            .is_empty()
    );
    let events = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events");
    assert_eq!(events.iter().filter(|e| e.action == OVERRIDE).count(), 1);
    assert_eq!(s.store.job_counts().await.expect("counts").queued, 1);
}

pub async fn changes_are_scoped_and_accounts_stay_unique(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let b = reseller(&s.store, &s.operator, s.provider.id, "B").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let b_scope = scope_of(&s.store, b.id).await;
    let mine = pending_customer(&s.store, &a_scope, a.id).await;
    assert!(matches!(
        s.store
            .update_customer(&b_scope, mine.id, verified_change(&mine), t0())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.store.verifications(&b_scope, mine.id).await,
        Err(StoreError::NotFound { .. })
    ));

    let other = NewCustomer {
        tenant: a.id,
        idempotency_key: None,
        kind: CustomerKind::Individual,
        decision: decision(CipStatus::Pending, AccountAccess::Restricted),
        personal: json!({}),
        lookups: Vec::new(),
        accounts: vec!["acct-2".into()],
    };
    s.store
        .create_customer(&a_scope, other, t0())
        .await
        .expect("other");
    let mut taking = verified_change(&mine);
    taking.accounts = Some(vec!["acct-1".into(), "acct-2".into()]);
    assert!(matches!(
        s.store
            .update_customer(&a_scope, mine.id, taking, t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.store.customer(&a_scope, mine.id).await.expect("read"),
        mine
    );

    let mut adding = verified_change(&mine);
    adding.accounts = Some(vec!["acct-1".into(), "acct-3".into()]);
    let after = s
        .store
        .update_customer(&a_scope, mine.id, adding, t0())
        .await
        .expect("own accounts");
    assert_eq!(
        after.accounts,
        vec!["acct-1".to_owned(), "acct-3".to_owned()]
    );
    let found = s
        .store
        .customer_by_account(&a_scope, a.id, "acct-3")
        .await
        .expect("by new account");
    assert_eq!(found.id, mine.id);
}

pub async fn a_four_eyes_request_is_decided_by_another_actor(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let officer = |name: &'static str| {
        let store = Arc::clone(&s.store);
        let operator = s.operator.clone();
        let tenant = s.provider.id;
        async move {
            let created = key(&store, &operator, tenant, Role::Officer, name).await;
            store
                .authenticate(created.secret.expose(), t0())
                .await
                .expect("authenticate")
                .expect("a live key")
        }
    };
    let first = officer("first").await;
    let second = officer("second").await;
    let customer = pending_customer(&s.store, &s.operator, s.provider.id).await;
    let mut request = override_evidence(&customer, OfficerDecision::Verified);
    request.state = VerificationState::Pending;
    let pending = s
        .store
        .record_verification(&first, request.clone(), t0())
        .await
        .expect("requested");
    assert_eq!(pending.state, VerificationState::Pending);
    assert_eq!(pending.decided_by, None);

    // The requester cannot apply their own request; nothing changes.
    let mut own = verified_change(&customer);
    own.applies = Some(pending.id);
    assert!(matches!(
        s.store
            .update_customer(&first, customer.id, own, t0())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    assert_eq!(
        s.store.customer(&first, customer.id).await.expect("read"),
        customer
    );

    let mut approved = verified_change(&customer);
    approved.applies = Some(pending.id);
    s.store
        .update_customer(&second, customer.id, approved, t0())
        .await
        .expect("a second officer applies it");
    let applied = s
        .store
        .verification(&first, customer.id, pending.id)
        .await
        .expect("read");
    assert_eq!(applied.state, VerificationState::Applied);
    assert_eq!(applied.requested_by, first.actor().audit_name());
    assert_eq!(applied.decided_by, Some(second.actor().audit_name()));
    assert_eq!(applied.decided_at.map(|_| ()), Some(()));
    assert!(matches!(
        s.store
            .reject_verification(&second, customer.id, pending.id, t0())
            .await,
        Err(StoreError::Conflict(_))
    ));

    // Another request, rejected by the second officer.
    let again = s
        .store
        .record_verification(&first, request, t0())
        .await
        .expect("requested");
    assert!(matches!(
        s.store
            .reject_verification(&first, customer.id, again.id, t0())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    let rejected = s
        .store
        .reject_verification(&second, customer.id, again.id, t0())
        .await
        .expect("rejected");
    assert_eq!(rejected.state, VerificationState::Rejected);
    let events = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events");
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == VERIFICATION_REQUEST)
            .count(),
        2
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == VERIFICATION_REJECT)
            .count(),
        1
    );
    let history = s
        .store
        .verifications(&s.operator, customer.id)
        .await
        .expect("history");
    let states: Vec<_> = history.iter().map(|v| v.state).collect();
    assert_eq!(
        states,
        vec![VerificationState::Applied, VerificationState::Rejected]
    );
}

pub async fn vendor_event_ids_are_recorded_once(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let customer = pending_customer(&s.store, &s.operator, s.provider.id).await;
    let verdict = NewVerification {
        customer: customer.id,
        evidence: Evidence::Vendor {
            vendor: "acme-idv".into(),
            verdict: VendorVerdict::Pass,
            reference: "ref-77/passport".into(),
        },
        state: VerificationState::Recorded,
        event_id: Some("evt-1".into()),
    };
    let recorded = s
        .store
        .record_verification(&s.operator, verdict.clone(), t0())
        .await
        .expect("recorded");
    assert!(matches!(
        s.store
            .record_verification(&s.operator, verdict.clone(), t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    // Nor inside a change: the whole change is refused.
    let mut change = verified_change(&customer);
    change.verifications = vec![verdict];
    assert!(matches!(
        s.store
            .update_customer(&s.operator, customer.id, change, t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.store
            .customer(&s.operator, customer.id)
            .await
            .expect("read"),
        customer
    );
    let found = s
        .store
        .verification_by_event(&s.operator, "evt-1")
        .await
        .expect("by event");
    assert_eq!(found, Some(recorded));
    assert_eq!(
        s.store
            .verification_by_event(&s.operator, "evt-2")
            .await
            .expect("none"),
        None
    );
    assert!(!db.raw_contains("ref-77/passport").await);
    assert!(
        db.raw_contains("evt-1").await,
        "event ids are plaintext by design"
    );
}
