//! Special measures: a sealed registry with audited creation and changes, guarded against stale
//! writes; actions kept once per live (measure, customer), scoped to the customer's tenant,
//! applied and lifted with their events.

use chrono::{Duration, NaiveDate};
use cloudkyc_domain::cip::{CustomerKind, PersonStatus};
use cloudkyc_domain::rule_pack::RiskTier;
use serde_json::json;

use super::ContractDatabase;
use super::support::{reseller, scope_of, setup, t0};
use crate::customers::{AccountAccess, CipStatus, CustomerDecision, CustomerId, NewCustomer};
use crate::measures::{
    ACTION_APPLY, ACTION_LIFT, ACTION_SCHEDULE, ACTION_SUBJECT, ActionFilter, ActionKind,
    ActionState, MEASURE_CREATE, MEASURE_SUBJECT, MeasureChange, NewMeasure, NewMeasureAction,
    SpecialMeasureId,
};
use crate::{Store, StoreError, TenantScope};

const PERSON: &str = "Viktor Contractovich";
const CITY: &str = "Pyongyang-contract";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn new_measure() -> NewMeasure {
    NewMeasure {
        id: SpecialMeasureId::new(),
        target_kind: "person".into(),
        kind: "prohibit".into(),
        effective_date: date(2026, 11, 1),
        expiry_date: date(2027, 11, 1),
        record: json!({"target": {"type": "person", "name": PERSON}}),
        warnings: vec!["effective date earlier than the pack's 180 days".into()],
    }
}

async fn customer(store: &dyn Store, scope: &TenantScope, account: &str) -> CustomerId {
    let new = NewCustomer {
        tenant: scope.tenant(),
        idempotency_key: None,
        kind: CustomerKind::Individual,
        decision: CustomerDecision {
            person_status: PersonStatus::Foreign,
            cip_status: CipStatus::Verified,
            account_access: AccountAccess::Full,
            risk_tier: RiskTier::Medium,
            policy_id: "bis-cip".into(),
            policy_version: "2024.1".into(),
            reasons: Vec::new(),
        },
        personal: json!({"name": {"full": "Someone"}}),
        lookups: Vec::new(),
        accounts: vec![account.to_owned()],
    };
    store
        .create_customer(scope, new, t0())
        .await
        .expect("customer")
        .customer
        .id
}

fn plan(due: NaiveDate) -> NewMeasureAction {
    NewMeasureAction {
        measure: SpecialMeasureId::new(),
        customer: CustomerId::new(),
        kind: ActionKind::Close,
        due,
        plan: json!({"matches": [{"evidence": format!("address in {CITY}")}]}),
    }
}

pub async fn measures_are_created_read_and_changed_with_events(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let r = reseller(&s.store, &s.operator, s.provider.id, "R").await;
    let r_scope = scope_of(&s.store, r.id).await;
    let created = s
        .store
        .create_measure(&s.operator, new_measure(), t0())
        .await
        .expect("created");
    assert_eq!(created.tenant, s.provider.id);
    assert_eq!(created.lifted_on, None);
    assert_eq!(
        s.store
            .measure(&s.operator, created.id)
            .await
            .expect("read"),
        created,
        "read back exactly"
    );
    assert!(matches!(
        s.store.measure(&r_scope, created.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(s.store.measures(&r_scope).await.expect("list").is_empty());
    let second = s
        .store
        .create_measure(&s.operator, new_measure(), t0() + Duration::seconds(1))
        .await
        .expect("second");
    let listed: Vec<SpecialMeasureId> = s
        .store
        .measures(&s.operator)
        .await
        .expect("list")
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(listed, vec![second.id, created.id], "newest first");

    let change = |expected| MeasureChange {
        action: "special_measure.extend".into(),
        expiry_date: date(2028, 6, 1),
        lifted_on: Some(date(2027, 1, 1)),
        record: json!({"extended": true}),
        expected_updated_at: expected,
    };
    let changed = s
        .store
        .update_measure(&s.operator, created.id, change(created.updated_at), t0())
        .await
        .expect("changed");
    assert_eq!(changed.expiry_date, date(2028, 6, 1));
    assert_eq!(changed.lifted_on, Some(date(2027, 1, 1)));
    assert!(changed.updated_at > created.updated_at);
    assert_eq!(
        s.store
            .measure(&s.operator, created.id)
            .await
            .expect("read"),
        changed
    );
    assert!(matches!(
        s.store
            .update_measure(&s.operator, created.id, change(created.updated_at), t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.store
            .update_measure(&r_scope, created.id, change(changed.updated_at), t0())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let events = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events");
    let actions: Vec<&str> = events
        .iter()
        .filter(|e| e.subject_kind == MEASURE_SUBJECT)
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        vec![MEASURE_CREATE, MEASURE_CREATE, "special_measure.extend"]
    );
    assert!(!db.raw_contains(PERSON).await, "the record is sealed");
}

pub async fn actions_are_kept_once_per_customer_and_lifted(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let r = reseller(&s.store, &s.operator, s.provider.id, "R").await;
    let r_scope = scope_of(&s.store, r.id).await;
    let other = reseller(&s.store, &s.operator, s.provider.id, "O").await;
    let other_scope = scope_of(&s.store, other.id).await;
    let whole = scope_of(&s.store, s.provider.id).await;
    let measure = s
        .store
        .create_measure(&whole, new_measure(), t0())
        .await
        .expect("measure");
    let id = customer(s.store.as_ref(), &r_scope, "acct-r").await;
    let new = NewMeasureAction {
        measure: measure.id,
        customer: id,
        ..plan(date(2026, 11, 1))
    };
    let (first, written) = s
        .store
        .schedule_measure_action(&whole, new.clone(), t0())
        .await
        .expect("scheduled");
    assert!(written);
    assert_eq!(
        (first.tenant, first.state, first.kind),
        (r.id, ActionState::Scheduled, ActionKind::Close)
    );
    let (again, written) = s
        .store
        .schedule_measure_action(&whole, new.clone(), t0())
        .await
        .expect("again");
    assert!(!written, "the same plan writes nothing");
    assert_eq!(again, first);
    let moved = NewMeasureAction {
        due: date(2026, 12, 1),
        kind: ActionKind::Restrict,
        ..new.clone()
    };
    let (updated, written) = s
        .store
        .schedule_measure_action(&whole, moved, t0())
        .await
        .expect("moved");
    assert!(written);
    assert_eq!(
        (updated.id, updated.due, updated.kind),
        (first.id, date(2026, 12, 1), ActionKind::Restrict)
    );
    assert!(matches!(
        s.store
            .schedule_measure_action(&other_scope, new.clone(), t0())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let filter = ActionFilter {
        customer: Some(id),
        ..ActionFilter::default()
    };
    assert_eq!(
        s.store
            .measure_actions(&r_scope, &filter)
            .await
            .expect("list"),
        vec![updated.clone()]
    );
    assert!(
        s.store
            .measure_actions(&other_scope, &ActionFilter::default())
            .await
            .expect("list")
            .is_empty()
    );

    let applied = s
        .store
        .set_measure_action_state(&whole, first.id, ActionState::Applied, None, t0())
        .await
        .expect("applied");
    assert_eq!(applied.state, ActionState::Applied);
    let lifted = s
        .store
        .set_measure_action_state(
            &whole,
            first.id,
            ActionState::Lifted,
            Some("measure expired".into()),
            t0(),
        )
        .await
        .expect("lifted");
    assert_eq!(lifted.lift_reason.as_deref(), Some("measure expired"));
    assert!(matches!(
        s.store
            .set_measure_action_state(&whole, first.id, ActionState::Applied, None, t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    let live = ActionFilter {
        measure: Some(measure.id),
        live_only: true,
        ..ActionFilter::default()
    };
    assert!(
        s.store
            .measure_actions(&whole, &live)
            .await
            .expect("live")
            .is_empty()
    );
    // Once lifted, the measure may act on the customer again with a new action.
    let (fresh, written) = s
        .store
        .schedule_measure_action(&whole, new, t0())
        .await
        .expect("fresh");
    assert!(written && fresh.id != first.id);
    let events = s
        .store
        .audit_events(&whole, r.id, 0, 100)
        .await
        .expect("events");
    let actions: Vec<&str> = events
        .iter()
        .filter(|e| e.subject_kind == ACTION_SUBJECT)
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        vec![
            ACTION_SCHEDULE,
            ACTION_SCHEDULE,
            ACTION_APPLY,
            ACTION_LIFT,
            ACTION_SCHEDULE
        ]
    );
    assert!(!db.raw_contains(CITY).await, "the plan is sealed");
}
