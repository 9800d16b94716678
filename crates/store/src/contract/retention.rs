//! Records retention: closed customers expire by closure and last access, legal holds stop the
//! purge, a purge shreds every trace of the personal data and the audit chains still verify.

use chrono::{DateTime, Duration, Utc};
use cloudkyc_domain::cip::{CustomerKind, IpAddress, PersonStatus};
use cloudkyc_domain::rule_pack::RiskTier;
use serde_json::json;

use super::ContractDatabase;
use super::support::{Setup, reseller, scope_of, setup, t0};
use crate::StoreError;
use crate::access::{AccessAction, AccessEvent};
use crate::audit::{state_digest, truncate_to_micros};
use crate::customer_updates::CustomerChange;
use crate::customers::{
    AccountAccess, CipStatus, CustomerDecision, CustomerId, Lookup, LookupKind, NewCustomer,
};
use crate::documents::{EvidenceKind, MediaType, NewDocument};
use crate::retention::{CUSTOMER_PURGE, LEGAL_HOLD_PLACE, LEGAL_HOLD_RELEASE, RetentionQuery};

fn day(n: i64) -> DateTime<Utc> {
    truncate_to_micros(t0() + Duration::days(n))
}

fn decision(access: AccountAccess) -> CustomerDecision {
    CustomerDecision {
        person_status: PersonStatus::Foreign,
        cip_status: CipStatus::Failed,
        account_access: access,
        risk_tier: RiskTier::High,
        policy_id: "bis-cip".into(),
        policy_version: "2024.1".into(),
        reasons: vec!["a reason naming Retention Subject".into()],
    }
}

/// A customer created at `at` with `access`, account `account`, an email lookup and an
/// idempotency key.
async fn customer(
    s: &Setup,
    access: AccountAccess,
    account: &str,
    at: DateTime<Utc>,
) -> CustomerId {
    let new = NewCustomer {
        tenant: s.provider.id,
        idempotency_key: Some(format!("idem-{account}")),
        kind: CustomerKind::Individual,
        decision: decision(access),
        personal: json!({"name": {"full": "Retention Subject"}}),
        lookups: vec![email(account)],
        accounts: vec![account.to_owned()],
    };
    let created = s.store.create_customer(&s.operator, new, at).await;
    created.expect("customer created").customer.id
}

fn email(account: &str) -> Lookup {
    Lookup::new(LookupKind::Email, format!("{account}@example.org"))
}

async fn access(s: &Setup, account: &str, at: DateTime<Utc>) {
    let event = AccessEvent {
        id: format!("ev-{account}-{}", at.timestamp()),
        account: account.to_owned(),
        ip: IpAddress::parse("102.89.34.10").expect("an address"),
        at,
        action: AccessAction::Login,
        country: None,
    };
    let inserted = s
        .store
        .insert_access_events(&s.operator, &[event], &[], at)
        .await;
    inserted.expect("access recorded");
}

fn later(cutoff: DateTime<Utc>) -> RetentionQuery {
    RetentionQuery {
        closed_before: Some(cutoff),
        last_access_before: Some(cutoff),
    }
}

async fn expired(s: &Setup, query: RetentionQuery) -> Vec<CustomerId> {
    let found = s
        .store
        .expired_customers(&s.operator, query, None, 100)
        .await;
    found.expect("expired").iter().map(|e| e.id).collect()
}

pub async fn customers_expire_by_closure_and_last_access(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let closed = customer(&s, AccountAccess::Closed, "acct-closed", day(0)).await;
    let open = customer(&s, AccountAccess::Full, "acct-open", day(0)).await;
    let used = customer(&s, AccountAccess::Closed, "acct-used", day(0)).await;
    access(&s, "acct-used", day(20)).await;
    // Closed by a change on day 10: the database stamps the closure from the row's clock.
    let current = s.store.customer(&s.operator, open).await.expect("read");
    let change = CustomerChange::new(
        "customer.close",
        decision(AccountAccess::Closed),
        current.personal,
        vec![],
        current.updated_at,
    );
    let changed = s
        .store
        .update_customer(&s.operator, open, change, day(10))
        .await;
    changed.expect("closed");
    let state = s.store.customer_retention(&s.operator, open).await;
    assert_eq!(state.expect("state").closed_at, Some(day(10)));

    assert_eq!(expired(&s, later(day(5))).await, vec![closed]);
    // `used` was closed on day 0 but accessed on day 20: the later of the two counts.
    let mut both = vec![closed, open];
    both.sort();
    assert_eq!(expired(&s, later(day(15))).await, both);
    let closure_only = RetentionQuery {
        closed_before: Some(day(15)),
        last_access_before: None,
    };
    assert_eq!(expired(&s, closure_only).await.len(), 3);
    assert_eq!(expired(&s, later(day(21))).await.len(), 3);
    let used_state = s.store.customer_retention(&s.operator, used).await;
    assert_eq!(used_state.expect("state").last_access, Some(day(20)));
    let counts = s.store.retention_counts(&s.operator, later(day(15))).await;
    assert_eq!(counts.expect("counts").due, 2);

    // Another tenant's scope sees none of them.
    let other = reseller(&s.store, &s.operator, s.provider.id, "Elsewhere").await;
    let other_scope = scope_of(&s.store, other.id).await;
    let found = s
        .store
        .expired_customers(&other_scope, later(day(21)), None, 100)
        .await;
    assert!(found.expect("expired").is_empty());
    let purge = s
        .store
        .purge_customer(&other_scope, closed, later(day(21)), day(21))
        .await;
    assert!(
        matches!(purge, Err(StoreError::NotFound { .. })),
        "{purge:?}"
    );
}

pub async fn a_held_customer_is_never_purged(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let id = customer(&s, AccountAccess::Closed, "acct-held", day(0)).await;
    let hold = s
        .store
        .place_legal_hold(
            &s.operator,
            id,
            "subpoena 24-117 names Vera Holdfast",
            day(1),
        )
        .await
        .expect("held");
    assert_eq!(hold.reason, "subpoena 24-117 names Vera Holdfast");
    let again = s
        .store
        .place_legal_hold(&s.operator, id, "twice", day(1))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");

    let query = later(day(800));
    assert!(expired(&s, query).await.is_empty());
    let refused = s
        .store
        .purge_customer(&s.operator, id, query, day(800))
        .await;
    assert!(matches!(&refused, Err(StoreError::Conflict(m)) if m.contains("legal hold")));
    let counts = s
        .store
        .retention_counts(&s.operator, query)
        .await
        .expect("counts");
    assert_eq!((counts.due, counts.held, counts.purged), (0, 1, 0));
    assert!(
        !db.raw_contains("Vera Holdfast").await,
        "the reason is sealed"
    );

    let released = s
        .store
        .release_legal_hold(&s.operator, id, "case settled", day(799))
        .await
        .expect("released");
    assert_eq!(released.released_at, Some(day(799)));
    assert_eq!(released.release_reason.as_deref(), Some("case settled"));
    let none = s
        .store
        .release_legal_hold(&s.operator, id, "again", day(799))
        .await;
    assert!(matches!(none, Err(StoreError::NotFound { .. })), "{none:?}");
    assert_eq!(expired(&s, query).await, vec![id]);
    s.store
        .purge_customer(&s.operator, id, query, day(800))
        .await
        .expect("purged once released");
    let late = s
        .store
        .place_legal_hold(&s.operator, id, "too late", day(801))
        .await;
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");

    let events = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 1000)
        .await;
    let actions: Vec<String> = events
        .expect("events")
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [LEGAL_HOLD_PLACE, LEGAL_HOLD_RELEASE, CUSTOMER_PURGE] {
        assert_eq!(
            actions.iter().filter(|a| *a == action).count(),
            1,
            "{action}"
        );
    }
}

pub async fn a_purge_shreds_personal_data_and_keeps_the_chain(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let id = customer(&s, AccountAccess::Closed, "acct-gone", day(0)).await;
    let kept = customer(&s, AccountAccess::Closed, "acct-kept", day(600)).await;
    access(&s, "acct-gone", day(1)).await;
    let document = NewDocument {
        customer: id,
        kind: EvidenceKind::Passport,
        media_type: MediaType::Png,
        content: b"\x89PNG\r\n\x1a\nP<UTORETENTION<<SUBJECT".to_vec(),
    };
    let doc = s.store.add_document(&s.operator, document, day(1)).await;
    let doc = doc.expect("document stored").document;
    let lookup_index = email("acct-gone").blind_index(s.store.key_ring());
    assert!(db.raw_contains(&doc.sha256).await && db.raw_contains(&lookup_index).await);

    let query = later(day(500));
    let receipt = s
        .store
        .purge_customer(&s.operator, id, query, day(731))
        .await;
    let receipt = receipt.expect("purged");
    s.store
        .reclaim_purged_space()
        .await
        .expect("old row versions reclaimed");
    assert_eq!(receipt.documents, vec![doc.id.to_string()]);
    assert_eq!((receipt.lookups, receipt.access_events), (1, 1));

    // The row and its id stay, the personal data does not.
    let state = s
        .store
        .customer_retention(&s.operator, id)
        .await
        .expect("state");
    assert_eq!(state.purged_at, Some(day(731)));
    let read = s.store.customer(&s.operator, id).await;
    assert!(
        matches!(&read, Err(StoreError::Conflict(m)) if m.contains("purged")),
        "{read:?}"
    );
    let found = s
        .store
        .find_customers(&s.operator, &email("acct-gone"))
        .await;
    assert!(found.expect("search").is_empty());
    // Listings (and the sweeps that page through them) skip it instead of failing on it.
    let listed = s.store.customers(&s.operator, None, 100).await;
    let listed: Vec<_> = listed.expect("listing").iter().map(|c| c.id).collect();
    assert_eq!(listed, vec![kept]);
    let docs = s.store.documents(&s.operator, id).await.expect("documents");
    assert!(docs.is_empty());
    assert!(!db.raw_contains(&doc.sha256).await, "the document remains");
    assert!(!db.raw_contains(&lookup_index).await, "the lookup remains");
    let again = s
        .store
        .purge_customer(&s.operator, id, query, day(732))
        .await;
    assert!(matches!(&again, Err(StoreError::Conflict(m)) if m.contains("already")));

    // The other customer is untouched and the chain verifies with the purge in it.
    let other = s.store.customer(&s.operator, kept).await.expect("kept");
    assert_eq!(
        other.personal,
        json!({"name": {"full": "Retention Subject"}})
    );
    let report = s.store.verify_audit().await.expect("verified");
    assert!(report.first_break().is_none(), "{report:?}");
    let events = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 1000)
        .await;
    let purge = events
        .expect("events")
        .into_iter()
        .find(|e| e.action == CUSTOMER_PURGE)
        .expect("a purge event");
    assert_eq!(purge.subject_id, id.to_string());
    assert_eq!(purge.after_digest, Some(state_digest(&receipt)));
    let counts = s
        .store
        .retention_counts(&s.operator, query)
        .await
        .expect("counts");
    assert_eq!((counts.due, counts.purged), (0, 1));
}
