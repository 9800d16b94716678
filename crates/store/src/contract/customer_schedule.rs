//! The schedule of the ongoing duties: customers due for re-verification per tier, customers
//! pending too long, and how changes move both (the database keeps the instants itself).

use chrono::{DateTime, Duration, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::{CustomerKind, PersonStatus};
use cloudkyc_domain::rule_pack::RiskTier;
use serde_json::json;

use super::ContractDatabase;
use super::support::{reseller, scope_of, setup, t0};
use crate::TenantScope;
use crate::customer_schedule::{DueCustomer, DueQuery, Duty};
use crate::customer_updates::CustomerChange;
use crate::customers::{AccountAccess, CipStatus, CustomerDecision, CustomerId, NewCustomer};

fn decision(cip_status: CipStatus, risk_tier: RiskTier) -> CustomerDecision {
    CustomerDecision {
        person_status: PersonStatus::Foreign,
        cip_status,
        account_access: match cip_status {
            CipStatus::Verified | CipStatus::NotRequired => AccountAccess::Full,
            CipStatus::Pending => AccountAccess::Restricted,
            CipStatus::Failed => AccountAccess::Closed,
        },
        risk_tier,
        policy_id: "bis-cip".into(),
        policy_version: "2024.1".into(),
        reasons: vec!["a reason".into()],
    }
}

async fn create(
    s: &super::support::Setup,
    scope: &TenantScope,
    tenant: TenantId,
    status: CipStatus,
    tier: RiskTier,
    at: DateTime<Utc>,
) -> CustomerId {
    let new = NewCustomer {
        tenant,
        idempotency_key: None,
        kind: CustomerKind::Individual,
        decision: decision(status, tier),
        personal: json!({"name": "Schedule Test"}),
        lookups: Vec::new(),
        accounts: Vec::new(),
    };
    s.store
        .create_customer(scope, new, at)
        .await
        .expect("created")
        .customer
        .id
}

async fn change(
    s: &super::support::Setup,
    id: CustomerId,
    status: CipStatus,
    tier: RiskTier,
    at: DateTime<Utc>,
) {
    let current = s.store.customer(&s.operator, id).await.expect("read");
    let change = CustomerChange::new(
        "customer.redecide",
        decision(status, tier),
        current.personal,
        Vec::new(),
        current.updated_at,
    );
    s.store
        .update_customer(&s.operator, id, change, at)
        .await
        .expect("changed");
}

fn query(
    verified_before: &[(RiskTier, DateTime<Utc>)],
    pending_before: Option<DateTime<Utc>>,
) -> DueQuery {
    DueQuery {
        verified_before: verified_before.to_vec(),
        pending_before,
        after: None,
        limit: 100,
    }
}

async fn due(s: &super::support::Setup, scope: &TenantScope, q: &DueQuery) -> Vec<DueCustomer> {
    s.store.customers_due(scope, q).await.expect("due")
}

fn ids(found: &[DueCustomer]) -> Vec<CustomerId> {
    found.iter().map(|d| d.id).collect()
}

pub async fn customers_are_due_by_tier_cutoff_and_pending_age(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let p = s.provider.id;
    let op = &s.operator;
    let low = create(&s, op, p, CipStatus::Verified, RiskTier::Low, t0()).await;
    let high = create(&s, op, p, CipStatus::Verified, RiskTier::High, t0()).await;
    let pending = create(&s, op, p, CipStatus::Pending, RiskTier::Medium, t0()).await;
    create(&s, op, p, CipStatus::Failed, RiskTier::High, t0()).await;
    create(&s, op, p, CipStatus::NotRequired, RiskTier::Low, t0()).await;
    let later = t0() + Duration::days(1);
    let high_later = create(&s, op, p, CipStatus::Verified, RiskTier::High, later).await;

    // The cutoff is inclusive and per tier; a tier not asked for is never due.
    let found = due(&s, op, &query(&[(RiskTier::High, t0())], None)).await;
    assert_eq!(ids(&found), vec![high]);
    let stored_t0 = crate::audit::truncate_to_micros(t0());
    assert_eq!(
        found[0].duty,
        Duty::Reverify {
            tier: RiskTier::High,
            verified_at: stored_t0
        }
    );
    assert_eq!(found[0].tenant, p);
    let just_before = t0() - Duration::microseconds(1);
    assert!(
        due(&s, op, &query(&[(RiskTier::High, just_before)], None))
            .await
            .is_empty()
    );

    let all = query(
        &[(RiskTier::Low, later), (RiskTier::High, later)],
        Some(t0()),
    );
    let found = due(&s, op, &all).await;
    let mut expected = vec![low, high, pending, high_later];
    expected.sort();
    assert_eq!(
        ids(&found),
        expected,
        "in id order, failed and not-required never"
    );
    let pending_duty = found.iter().find(|d| d.id == pending).map(|d| d.duty);
    assert_eq!(
        pending_duty,
        Some(Duty::PendingTooLong { since: stored_t0 })
    );

    // Pages: the cursor and the limit.
    let first = due(
        &s,
        op,
        &DueQuery {
            limit: 2,
            ..all.clone()
        },
    )
    .await;
    assert_eq!(ids(&first), expected[..2].to_vec());
    let rest = due(
        &s,
        op,
        &DueQuery {
            after: Some(expected[1]),
            ..all.clone()
        },
    )
    .await;
    assert_eq!(ids(&rest), expected[2..].to_vec());

    // A reseller sees only its own subtree's customers.
    let child = reseller(&s.store, op, p, "Schedule Reseller").await;
    let child_scope = scope_of(&s.store, child.id).await;
    let own = create(
        &s,
        &child_scope,
        child.id,
        CipStatus::Pending,
        RiskTier::Low,
        t0(),
    )
    .await;
    assert_eq!(ids(&due(&s, &child_scope, &all).await), vec![own]);
    let op = scope_of(&s.store, p).await;
    assert!(
        ids(&due(&s, &op, &all).await).contains(&own),
        "the operator sees it"
    );
}

pub async fn changes_move_the_schedule(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let op = &s.operator;
    let id = create(
        &s,
        op,
        s.provider.id,
        CipStatus::Pending,
        RiskTier::Medium,
        t0(),
    )
    .await;
    let day = |n: i64| crate::audit::truncate_to_micros(t0() + Duration::days(n));
    let pending_at = |at| query(&[], Some(at));
    let verified_at = |at| query(&[(RiskTier::Medium, at), (RiskTier::High, at)], None);

    // Still pending after a new decision: the clock of the pending run does not restart.
    change(&s, id, CipStatus::Pending, RiskTier::Medium, day(5)).await;
    let found = due(&s, op, &pending_at(day(0))).await;
    assert_eq!(ids(&found), vec![id]);
    assert_eq!(
        found[0].duty,
        Duty::PendingTooLong {
            since: crate::audit::truncate_to_micros(t0())
        }
    );

    // Verified on day 10: no longer pending, verified from then on.
    change(&s, id, CipStatus::Verified, RiskTier::Medium, day(10)).await;
    assert!(due(&s, op, &pending_at(day(100))).await.is_empty());
    assert!(
        due(&s, op, &verified_at(day(10) - Duration::microseconds(1)))
            .await
            .is_empty()
    );
    assert_eq!(ids(&due(&s, op, &verified_at(day(10))).await), vec![id]);

    // Verified again on day 20 (a re-verification), now at the high tier: the clock restarts.
    change(&s, id, CipStatus::Verified, RiskTier::High, day(20)).await;
    assert!(due(&s, op, &verified_at(day(19))).await.is_empty());
    let found = due(&s, op, &verified_at(day(20))).await;
    assert_eq!(
        found.first().map(|d| d.duty),
        Some(Duty::Reverify {
            tier: RiskTier::High,
            verified_at: day(20)
        })
    );

    // Pending again on day 30: a new pending run starts then; failed ends both.
    change(&s, id, CipStatus::Pending, RiskTier::High, day(30)).await;
    assert!(due(&s, op, &pending_at(day(29))).await.is_empty());
    assert!(due(&s, op, &verified_at(day(100))).await.is_empty());
    assert_eq!(ids(&due(&s, op, &pending_at(day(30))).await), vec![id]);
    change(&s, id, CipStatus::Failed, RiskTier::High, day(40)).await;
    let everything = query(
        &[
            (RiskTier::Low, day(100)),
            (RiskTier::Medium, day(100)),
            (RiskTier::High, day(100)),
        ],
        Some(day(100)),
    );
    assert!(due(&s, op, &everything).await.is_empty());
}
