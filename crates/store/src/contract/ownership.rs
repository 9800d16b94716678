//! Ownership structures: replaced whole under optimistic concurrency with one audit event,
//! scoped to the customer's tenant subtree, and sealed.

use std::sync::Arc;

use chrono::Duration;
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::{CustomerKind, PersonStatus};
use cloudkyc_domain::ownership::{Edge, PartyKind, PartyRef, Share};
use cloudkyc_domain::rule_pack::{ControlKind, RiskTier};
use serde_json::json;

use super::ContractDatabase;
use super::support::{reseller, scope_of, setup, t0};
use crate::customer_updates::CustomerChange;
use crate::customers::{AccountAccess, CipStatus, CustomerDecision, CustomerId, NewCustomer};
use crate::ownership::{
    OWNERSHIP_REPLACE, OwnershipParty, OwnershipReplacement, OwnershipStructure,
};
use crate::{Store, StoreError, TenantScope};

/// The action the application records for an owner change.
const OWNERS_CHANGED: &str = "customer.owners_changed";

async fn entity_customer(
    store: &Arc<dyn Store>,
    scope: &TenantScope,
    tenant: TenantId,
) -> CustomerId {
    let new = NewCustomer {
        tenant,
        idempotency_key: None,
        kind: CustomerKind::Entity,
        decision: CustomerDecision {
            person_status: PersonStatus::Foreign,
            cip_status: CipStatus::Pending,
            account_access: AccountAccess::Restricted,
            risk_tier: RiskTier::High,
            policy_id: "bis-cip".into(),
            policy_version: "2024.1".into(),
            reasons: Vec::new(),
        },
        personal: json!({"name": {"full": "Helios Compute FZ-LLC"}}),
        lookups: Vec::new(),
        accounts: Vec::new(),
    };
    store
        .create_customer(scope, new, t0())
        .await
        .expect("customer created")
        .customer
        .id
}

fn reference(text: &str) -> PartyRef {
    PartyRef::new(text).expect("a valid reference")
}

/// Li Wei owns 60 % of Cedar Holdings, which owns the customer; Omar Haddad manages it.
fn structure(percent: &str) -> OwnershipStructure {
    let person = |name: &str| {
        serde_json::from_value(json!({"name": {"full": name}, "date_of_birth": "1979-02-03"}))
            .expect("a person draft")
    };
    OwnershipStructure {
        parties: vec![
            OwnershipParty {
                reference: reference("cedar"),
                kind: PartyKind::Entity,
                name: "Cedar Holdings Ltd".into(),
                jurisdiction: Some("KY".into()),
                person: None,
            },
            OwnershipParty {
                reference: reference("li"),
                kind: PartyKind::Individual,
                name: "Li Wei".into(),
                jurisdiction: None,
                person: Some(person("Li Wei")),
            },
            OwnershipParty {
                reference: reference("omar"),
                kind: PartyKind::Individual,
                name: "Omar Haddad".into(),
                jurisdiction: None,
                person: Some(person("Omar Haddad")),
            },
        ],
        edges: vec![
            Edge::ownership(
                reference("li"),
                reference("cedar"),
                Share::from_percent_str(percent).expect("a share"),
            ),
            Edge::ownership(reference("cedar"), reference("customer"), Share::one()),
            Edge::control(
                reference("omar"),
                reference("customer"),
                ControlKind::Management,
            ),
        ],
    }
}

pub async fn structures_are_replaced_whole_with_versions_and_events(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let customer = entity_customer(&s.store, &s.operator, s.provider.id).await;
    let events_before = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events")
        .len();
    assert_eq!(
        s.store
            .ownership(&s.operator, customer)
            .await
            .expect("read"),
        None
    );
    let first = s
        .store
        .replace_ownership(&s.operator, customer, structure("60"), 0, t0())
        .await
        .expect("first structure");
    assert_eq!((first.version, first.customer), (1, customer));
    assert_eq!(first.tenant, s.provider.id);
    let read = s
        .store
        .ownership(&s.operator, customer)
        .await
        .expect("read");
    assert_eq!(
        read.as_ref(),
        Some(&first),
        "read back exactly, shares exact"
    );

    let later = t0() + Duration::seconds(3);
    let second = s
        .store
        .replace_ownership(&s.operator, customer, structure("33.3333"), 1, later)
        .await
        .expect("replaced");
    assert_eq!(second.version, 2);
    assert!(second.updated_at > first.updated_at);
    assert_eq!(second.structure, structure("33.3333"));

    // A writer that read version 1 (or believed there was none) is refused and writes nothing.
    for stale in [0, 1, 3] {
        let refused = s
            .store
            .replace_ownership(&s.operator, customer, structure("10"), stale, later)
            .await;
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{refused:?}"
        );
    }
    let read = s
        .store
        .ownership(&s.operator, customer)
        .await
        .expect("read");
    assert_eq!(read, Some(second));
    let events = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events");
    let replaced: Vec<_> = events
        .iter()
        .skip(events_before)
        .map(|e| (e.action.as_str(), e.subject_id.clone()))
        .collect();
    assert_eq!(
        replaced,
        vec![
            (OWNERSHIP_REPLACE, customer.to_string()),
            (OWNERSHIP_REPLACE, customer.to_string())
        ],
        "one event per replacement, none for refused writes"
    );
    let (first_event, second_event) = (&events[events_before], &events[events_before + 1]);
    assert_eq!(first_event.before_digest, None);
    assert_eq!(second_event.before_digest, first_event.after_digest);
}

pub async fn structures_are_scoped_to_the_customers_tenant(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let nimbus = reseller(&s.store, &s.operator, s.provider.id, "Nimbus").await;
    let other = reseller(&s.store, &s.operator, s.provider.id, "Other").await;
    let nimbus_scope = scope_of(&s.store, nimbus.id).await;
    // The provider's scope as it is now, with its new resellers.
    let operator = scope_of(&s.store, s.provider.id).await;
    let other_scope = scope_of(&s.store, other.id).await;
    let customer = entity_customer(&s.store, &nimbus_scope, nimbus.id).await;
    let stored = s
        .store
        .replace_ownership(&nimbus_scope, customer, structure("60"), 0, t0())
        .await
        .expect("the reseller writes its customer's structure");
    assert_eq!(stored.tenant, nimbus.id);
    // The provider sees its reseller's customers; a sibling reseller sees nothing.
    let seen = s.store.ownership(&operator, customer).await.expect("read");
    assert_eq!(seen, Some(stored));
    assert!(matches!(
        s.store.ownership(&other_scope, customer).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.store
            .replace_ownership(&other_scope, customer, structure("10"), 1, t0())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.store.ownership(&s.operator, CustomerId::new()).await,
        Err(StoreError::NotFound { .. })
    ));
    let events = s
        .store
        .audit_events(&operator, nimbus.id, 0, 100)
        .await
        .expect("events");
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == OWNERSHIP_REPLACE)
            .count(),
        1,
        "the event is in the customer's tenant chain"
    );
}

pub async fn structures_are_never_stored_in_plaintext(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let customer = entity_customer(&s.store, &s.operator, s.provider.id).await;
    s.store
        .replace_ownership(&s.operator, customer, structure("60"), 0, t0())
        .await
        .expect("stored");
    for needle in ["Li Wei", "Omar Haddad", "Cedar Holdings", "1979-02-03"] {
        assert!(!db.raw_contains(needle).await, "{needle} stored in clear");
    }
}

pub async fn structures_are_paged_by_customer_within_scope(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let nimbus = reseller(&s.store, &s.operator, s.provider.id, "Nimbus").await;
    let other = reseller(&s.store, &s.operator, s.provider.id, "Other").await;
    let operator = scope_of(&s.store, s.provider.id).await;
    let nimbus_scope = scope_of(&s.store, nimbus.id).await;
    let other_scope = scope_of(&s.store, other.id).await;
    let mut with_structure = Vec::new();
    for (scope, tenant) in [
        (&operator, s.provider.id),
        (&nimbus_scope, nimbus.id),
        (&operator, s.provider.id),
    ] {
        let customer = entity_customer(&s.store, scope, tenant).await;
        s.store
            .replace_ownership(scope, customer, structure("60"), 0, t0())
            .await
            .expect("stored");
        with_structure.push(customer);
    }
    // A customer without a structure is not listed.
    entity_customer(&s.store, &operator, s.provider.id).await;
    // The latest version is listed, once.
    let first = with_structure[0];
    s.store
        .replace_ownership(&operator, first, structure("25"), 1, t0())
        .await
        .expect("replaced");
    with_structure.sort();

    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .store
            .ownership_structures(&operator, after, 2)
            .await
            .expect("a page");
        assert!(page.len() <= 2);
        walked.extend(page.iter().cloned());
        match page.last() {
            Some(last) if page.len() == 2 => after = Some(last.customer),
            _ => break,
        }
    }
    let ids: Vec<CustomerId> = walked.iter().map(|o| o.customer).collect();
    assert_eq!(ids, with_structure, "every structure once, by customer id");
    let replaced = walked.iter().find(|o| o.customer == first).expect("listed");
    assert_eq!(
        (replaced.version, &replaced.structure),
        (2, &structure("25"))
    );
    assert_eq!(
        walked
            .iter()
            .find(|o| o.tenant == nimbus.id)
            .map(|o| o.structure.clone()),
        Some(structure("60")),
        "structures open (unsealed) as written"
    );

    // A reseller sees its own customers' structures; a sibling sees none.
    let nimbus_page = s
        .store
        .ownership_structures(&nimbus_scope, None, 10)
        .await
        .expect("a page");
    assert_eq!(nimbus_page.len(), 1);
    assert_eq!(nimbus_page[0].tenant, nimbus.id);
    let other_page = s
        .store
        .ownership_structures(&other_scope, None, 10)
        .await
        .expect("a page");
    assert!(other_page.is_empty());
    let past_the_end = s
        .store
        .ownership_structures(&operator, with_structure.last().copied(), 10)
        .await
        .expect("a page");
    assert!(past_the_end.is_empty());
}

/// A customer change carrying a structure writes the structure, the customer and both audit
/// events in one transaction; a stale structure version refuses the whole change, and a stale
/// customer refuses the structure too.
pub async fn a_structure_is_written_with_its_customer_change_or_not_at_all(
    db: &dyn ContractDatabase,
) {
    let s = setup(db).await;
    let customer = entity_customer(&s.store, &s.operator, s.provider.id).await;
    let stored = s
        .store
        .customer(&s.operator, customer)
        .await
        .expect("customer");
    let events_before = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events")
        .len();
    let change = |expected_version: u32, expected_updated_at| {
        let mut decision = stored.decision.clone();
        decision.reasons = vec!["beneficial owners changed: Li Wei added".into()];
        let mut change = CustomerChange::new(
            OWNERS_CHANGED,
            decision,
            json!({"name": {"full": "Helios Compute FZ-LLC"}, "owners": ["Li Wei"]}),
            Vec::new(),
            expected_updated_at,
        );
        change.ownership = Some(OwnershipReplacement {
            structure: structure("60"),
            expected_version,
        });
        change
    };
    let later = t0() + Duration::seconds(2);
    // A stale structure version: nothing is written, not even the customer change.
    let refused = s
        .store
        .update_customer(&s.operator, customer, change(1, stored.updated_at), later)
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    let unchanged = s
        .store
        .customer(&s.operator, customer)
        .await
        .expect("customer");
    assert_eq!(unchanged, stored, "the customer change was rolled back");
    // A stale customer: the structure is not written either.
    let stale_customer = t0() - Duration::seconds(30);
    let refused = s
        .store
        .update_customer(&s.operator, customer, change(0, stale_customer), later)
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(
        s.store
            .ownership(&s.operator, customer)
            .await
            .expect("read"),
        None
    );
    let events = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events");
    assert_eq!(
        events.len(),
        events_before,
        "refused changes leave no event"
    );

    let after = s
        .store
        .update_customer(&s.operator, customer, change(0, stored.updated_at), later)
        .await
        .expect("structure and owners together");
    assert_eq!(after.personal["owners"], json!(["Li Wei"]));
    let written = s
        .store
        .ownership(&s.operator, customer)
        .await
        .expect("read")
        .expect("the structure was written with the change");
    assert_eq!((written.version, &written.structure), (1, &structure("60")));
    let events = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events");
    let actions: Vec<&str> = events
        .iter()
        .skip(events_before)
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(actions, [OWNERSHIP_REPLACE, OWNERS_CHANGED]);
}
