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
