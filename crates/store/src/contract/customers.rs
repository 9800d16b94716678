//! Customers: idempotent creation with one audit event, scoped reads, pages, blind-index and
//! account lookups, and personal data that never reaches the database in plaintext.

use cloudkyc_domain::cip::{CustomerKind, PersonStatus};
use cloudkyc_domain::rule_pack::RiskTier;
use serde_json::json;

use super::ContractDatabase;
use super::support::{reseller, scope_of, setup, t0};
use crate::StoreError;
use crate::audit::state_digest;
use crate::customers::{
    AccountAccess, CUSTOMER_CREATE, CUSTOMER_SUBJECT, CipStatus, CustomerDecision, CustomerId,
    Lookup, LookupKind, NewCustomer,
};
use cloudkyc_domain::TenantId;

const NAME: &str = "Amara Okafor";
const EMAIL: &str = "amara.okafor@example.ng";
const PHONE: &str = "+2348035550142";

fn new_customer(tenant: TenantId, key: Option<&str>, account: &str) -> NewCustomer {
    NewCustomer {
        tenant,
        idempotency_key: key.map(str::to_owned),
        kind: CustomerKind::Individual,
        decision: CustomerDecision {
            person_status: PersonStatus::Foreign,
            cip_status: CipStatus::Verified,
            account_access: AccountAccess::Full,
            risk_tier: RiskTier::Medium,
            policy_id: "bis-cip".into(),
            policy_version: "2024.1".into(),
            reasons: vec!["nationality NG is not U.S.".into()],
        },
        personal: json!({"name": {"full": NAME}, "emails": [EMAIL], "phones": [PHONE]}),
        lookups: vec![
            Lookup::new(LookupKind::Email, EMAIL),
            Lookup::new(LookupKind::Phone, PHONE),
            Lookup::new(LookupKind::Document, "A07314252"),
        ],
        accounts: vec![account.to_owned()],
    }
}

pub async fn customers_are_created_once_per_idempotency_key_with_one_event(
    db: &dyn ContractDatabase,
) {
    let s = setup(db).await;
    let tenant = s.provider.id;
    let first = s
        .store
        .create_customer(
            &s.operator,
            new_customer(tenant, Some("k-1"), "acct-1"),
            t0(),
        )
        .await
        .expect("created");
    assert!(!first.replayed);
    assert_eq!(first.customer.accounts, vec!["acct-1".to_owned()]);
    assert_eq!(first.customer.decision.cip_status, CipStatus::Verified);

    let replay = s
        .store
        .create_customer(
            &s.operator,
            new_customer(tenant, Some("k-1"), "acct-other"),
            t0(),
        )
        .await
        .expect("replayed");
    assert!(replay.replayed);
    assert_eq!(
        replay.customer, first.customer,
        "the first customer, exactly"
    );

    let read = s
        .store
        .customer(&s.operator, first.customer.id)
        .await
        .expect("read");
    assert_eq!(read, first.customer);

    let events = s
        .store
        .audit_events(&s.operator, tenant, 0, 100)
        .await
        .expect("events");
    let customer_events: Vec<_> = events
        .iter()
        .filter(|e| e.action == CUSTOMER_CREATE)
        .collect();
    assert_eq!(customer_events.len(), 1, "a replay appends nothing");
    let event = customer_events.first().expect("one event");
    assert_eq!(event.subject_kind, CUSTOMER_SUBJECT);
    assert_eq!(event.subject_id, first.customer.id.to_string());
    assert_eq!(
        event.after_digest.as_deref(),
        Some(state_digest(&first.customer).as_str())
    );

    let other_key = s
        .store
        .create_customer(
            &s.operator,
            new_customer(tenant, Some("k-2"), "acct-2"),
            t0(),
        )
        .await
        .expect("another key makes another customer");
    assert_ne!(other_key.customer.id, first.customer.id);
}

pub async fn customers_are_scoped_to_the_tenant_subtree(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let b = reseller(&s.store, &s.operator, s.provider.id, "B").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let b_scope = scope_of(&s.store, b.id).await;
    let whole = scope_of(&s.store, s.provider.id).await;
    let created = s
        .store
        .create_customer(&a_scope, new_customer(a.id, None, "acct-1"), t0())
        .await
        .expect("created")
        .customer;

    assert!(matches!(
        s.store.customer(&b_scope, created.id).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.store
            .create_customer(&b_scope, new_customer(a.id, None, "acct-9"), t0())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        s.store
            .customer(&whole, created.id)
            .await
            .expect("ancestor sees it"),
        created
    );
    assert!(
        s.store
            .customers(&b_scope, None, 10)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(
        s.store
            .find_customers(&b_scope, &Lookup::new(LookupKind::Email, EMAIL))
            .await
            .expect("find")
            .is_empty()
    );
    assert!(matches!(
        s.store.customer_by_account(&b_scope, a.id, "acct-1").await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.store.customer(&whole, CustomerId::new()).await,
        Err(StoreError::NotFound { .. })
    ));
    // Account ids are unique per tenant, not across tenants.
    let in_b = s
        .store
        .create_customer(&b_scope, new_customer(b.id, None, "acct-1"), t0())
        .await
        .expect("account ids are unique per tenant only");
    assert_ne!(in_b.customer.id, created.id);
}

pub async fn customers_are_listed_newest_first_in_pages(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let mut made = Vec::new();
    for i in 0..5 {
        let account = format!("acct-{i}");
        let created = s
            .store
            .create_customer(
                &s.operator,
                new_customer(s.provider.id, None, &account),
                t0(),
            )
            .await
            .expect("created");
        made.push(created.customer.id);
    }
    made.reverse();
    let first = s.store.customers(&s.operator, None, 2).await.expect("page");
    let after = first.last().map(|c| c.id);
    let second = s
        .store
        .customers(&s.operator, after, 10)
        .await
        .expect("page");
    let listed: Vec<CustomerId> = first.iter().chain(&second).map(|c| c.id).collect();
    assert_eq!(first.len(), 2);
    assert_eq!(listed, made, "newest first, no overlap, nothing lost");
}

pub async fn customers_are_found_by_blind_index_and_account(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let created = s
        .store
        .create_customer(
            &s.operator,
            new_customer(s.provider.id, None, "acct-1"),
            t0(),
        )
        .await
        .expect("created")
        .customer;
    for lookup in [
        Lookup::new(LookupKind::Email, EMAIL),
        Lookup::new(LookupKind::Phone, PHONE),
        Lookup::new(LookupKind::Document, "A07314252"),
    ] {
        let found = s
            .store
            .find_customers(&s.operator, &lookup)
            .await
            .expect("find");
        assert_eq!(found, vec![created.clone()], "{lookup:?}");
    }
    // Index spaces are separate: the email's text is no phone.
    assert!(
        s.store
            .find_customers(&s.operator, &Lookup::new(LookupKind::Phone, EMAIL))
            .await
            .expect("find")
            .is_empty()
    );
    let by_account = s
        .store
        .customer_by_account(&s.operator, s.provider.id, "acct-1")
        .await
        .expect("by account");
    assert_eq!(by_account, created);

    let taken = s
        .store
        .create_customer(
            &s.operator,
            new_customer(s.provider.id, None, "acct-1"),
            t0(),
        )
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    assert_eq!(
        s.store
            .customers(&s.operator, None, 10)
            .await
            .expect("list")
            .len(),
        1,
        "nothing half-written"
    );
}

pub async fn personal_data_is_never_stored_in_plaintext(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    s.store
        .create_customer(
            &s.operator,
            new_customer(s.provider.id, Some("idem-key-77"), "acct-plain-1"),
            t0(),
        )
        .await
        .expect("created");
    assert!(
        db.raw_contains("acct-plain-1").await,
        "the search sees what is stored in plaintext"
    );
    for secret in [
        NAME,
        "Okafor",
        EMAIL,
        PHONE,
        "A07314252",
        "idem-key-77",
        "nationality NG",
    ] {
        assert!(
            !db.raw_contains(secret).await,
            "{secret:?} found in plaintext"
        );
    }
}

fn created_ids(
    results: &[crate::StoreResult<crate::customers::CreatedCustomer>],
) -> Vec<CustomerId> {
    results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .filter(|c| !c.replayed)
        .map(|c| c.customer.id)
        .collect()
}

pub async fn batches_replay_keys_within_and_across_batches(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let tenant = s.provider.id;
    let first = s
        .store
        .create_customers(
            &s.operator,
            vec![
                new_customer(tenant, Some("k-a"), "acct-a"),
                new_customer(tenant, Some("k-b"), "acct-b"),
                // The same key again in the same batch: the first one, not a second customer
                // (nor a conflict on its different account).
                new_customer(tenant, Some("k-a"), "acct-a2"),
                new_customer(tenant, None, "acct-n"),
            ],
            t0(),
        )
        .await
        .expect("batch written");
    assert_eq!(first.len(), 4, "one answer per customer");
    let [a, b, a_again, n] = [0, 1, 2, 3].map(|i| {
        first
            .get(i)
            .and_then(|r| r.as_ref().ok())
            .expect("every customer answered")
            .clone()
    });
    assert!(!a.replayed && !b.replayed && !n.replayed);
    assert!(a_again.replayed);
    assert_eq!(
        a_again.customer, a.customer,
        "the batch's first customer, exactly"
    );
    assert_ne!(a.customer.id, b.customer.id);
    assert!(matches!(
        s.store
            .customer_by_account(&s.operator, tenant, "acct-a2")
            .await,
        Err(StoreError::NotFound { .. })
    ));

    let second = s
        .store
        .create_customers(
            &s.operator,
            vec![
                new_customer(tenant, Some("k-b"), "acct-other"),
                new_customer(tenant, Some("k-c"), "acct-c"),
            ],
            t0(),
        )
        .await
        .expect("second batch written");
    let replay = second
        .first()
        .and_then(|r| r.as_ref().ok())
        .expect("replayed");
    assert!(replay.replayed);
    assert_eq!(replay.customer, b.customer, "the stored customer, exactly");
    assert_eq!(created_ids(&second).len(), 1);
    // A single create sees keys stored by a batch, and a batch sees a single create's.
    let single = s
        .store
        .create_customer(&s.operator, new_customer(tenant, Some("k-c"), "x"), t0())
        .await
        .expect("replayed");
    assert!(single.replayed);

    let events = s
        .store
        .audit_events(&s.operator, tenant, 0, 100)
        .await
        .expect("events");
    let subjects: Vec<String> = events
        .iter()
        .filter(|e| e.action == CUSTOMER_CREATE)
        .map(|e| e.subject_id.clone())
        .collect();
    let mut expected: Vec<String> = created_ids(&first)
        .into_iter()
        .chain(created_ids(&second))
        .map(|id| id.to_string())
        .collect();
    assert_eq!(expected.len(), 4);
    assert_eq!(
        subjects, expected,
        "one event per created customer, in batch order"
    );
    expected.dedup();
    assert_eq!(expected.len(), 4);
    assert!(s.store.verify_audit().await.expect("verify").intact());
}

pub async fn a_refused_customer_leaves_the_rest_of_its_batch_alone(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let tenant = s.provider.id;
    let a = reseller(&s.store, &s.operator, tenant, "A").await;
    let b = reseller(&s.store, &s.operator, tenant, "B").await;
    let a_scope = scope_of(&s.store, a.id).await;
    s.store
        .create_customer(&a_scope, new_customer(a.id, None, "acct-1"), t0())
        .await
        .expect("created");
    let mut twice = new_customer(a.id, Some("k-twice"), "acct-3");
    twice.accounts.push("acct-3".into());
    let results = s
        .store
        .create_customers(
            &a_scope,
            vec![
                new_customer(a.id, Some("k-taken"), "acct-1"),
                new_customer(a.id, None, "acct-2"),
                new_customer(a.id, None, "acct-2"),
                twice,
                new_customer(b.id, None, "acct-b"),
                new_customer(a.id, Some("k-taken"), "acct-4"),
            ],
            t0(),
        )
        .await
        .expect("batch written");
    let conflict = |i: usize| matches!(results.get(i), Some(Err(StoreError::Conflict(_))));
    assert!(conflict(0), "account taken before the batch");
    assert!(conflict(2), "account taken earlier in the batch");
    assert!(conflict(3), "account listed twice by the customer");
    assert!(
        matches!(results.get(4), Some(Err(StoreError::NotFound { .. }))),
        "a sibling's tenant is not visible"
    );
    let second = results
        .get(1)
        .and_then(|r| r.as_ref().ok())
        .expect("created");
    // The key of a refused customer was not used: a later customer with it is new.
    let retried = results
        .get(5)
        .and_then(|r| r.as_ref().ok())
        .expect("created");
    assert!(!second.replayed && !retried.replayed);
    assert_eq!(
        s.store
            .customer_by_account(&a_scope, a.id, "acct-2")
            .await
            .expect("found")
            .id,
        second.customer.id
    );
    assert_eq!(
        s.store
            .customer(&a_scope, retried.customer.id)
            .await
            .expect("read"),
        retried.customer
    );
    for absent in ["acct-3", "acct-b"] {
        assert!(
            s.store
                .customer_by_account(&s.operator, a.id, absent)
                .await
                .is_err()
        );
    }
    assert!(
        s.store
            .customers(&scope_of(&s.store, b.id).await, None, 10)
            .await
            .expect("list")
            .is_empty()
    );
    let events = s
        .store
        .audit_events(&a_scope, a.id, 0, 100)
        .await
        .expect("events");
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == CUSTOMER_CREATE)
            .count(),
        3,
        "the earlier customer and the batch's two"
    );
    // A batch whose every customer is refused writes nothing.
    let refused = s
        .store
        .create_customers(&a_scope, vec![new_customer(a.id, None, "acct-1")], t0())
        .await
        .expect("answered");
    assert!(matches!(
        refused.first(),
        Some(Err(StoreError::Conflict(_)))
    ));
    let after = s
        .store
        .audit_events(&a_scope, a.id, 0, 100)
        .await
        .expect("events");
    assert_eq!(after.len(), events.len());
}

pub async fn concurrent_batches_chain_one_event_per_customer(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let tenant = s.provider.id;
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let (store, scope) = (s.store.clone(), s.operator.clone());
            tokio::spawn(async move {
                let mut made = Vec::new();
                for round in 0..3 {
                    let batch = (0..5)
                        .map(|i| {
                            let account = format!("acct-{t}-{round}-{i}");
                            new_customer(tenant, Some(&account), &account)
                        })
                        .collect();
                    let results = store
                        .create_customers(&scope, batch, t0())
                        .await
                        .expect("batch written");
                    for result in results {
                        made.push(result.expect("created").customer);
                    }
                    let single = format!("acct-{t}-{round}-single");
                    made.push(
                        store
                            .create_customer(&scope, new_customer(tenant, None, &single), t0())
                            .await
                            .expect("created")
                            .customer,
                    );
                }
                made
            })
        })
        .collect();
    let mut made = Vec::new();
    for task in tasks {
        made.extend(task.await.expect("task"));
    }
    assert_eq!(made.len(), 4 * 3 * 6);
    let events = s
        .store
        .audit_events(&s.operator, tenant, 0, 1000)
        .await
        .expect("events");
    let creates: Vec<_> = events
        .iter()
        .filter(|e| e.action == CUSTOMER_CREATE)
        .collect();
    assert_eq!(creates.len(), made.len(), "exactly one event per customer");
    for customer in &made {
        let event = creates
            .iter()
            .find(|e| e.subject_id == customer.id.to_string())
            .expect("the customer's event");
        assert_eq!(
            event.after_digest.as_deref(),
            Some(state_digest(customer).as_str())
        );
    }
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=events.len() as i64).collect::<Vec<_>>());
    assert!(s.store.verify_audit().await.expect("verify").intact());
}
