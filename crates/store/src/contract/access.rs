//! The access IP log: idempotent on (tenant, id) with one audit event per batch and the batch's
//! jobs in the same transaction; summaries and countries per account; the holders of accounts;
//! retention purges with their audit event; addresses never stored in plaintext.

use chrono::{DateTime, Duration, Utc};
use cloudkyc_domain::cip::{CountryCode, CustomerKind, IpAddress, PersonStatus};
use cloudkyc_domain::rule_pack::RiskTier;
use serde_json::json;

use super::ContractDatabase;
use super::support::{reseller, scope_of, setup, t0};
use crate::StoreError;
use crate::access::{ACCESS_BATCH_SUBJECT, ACCESS_INGEST, ACCESS_PURGE, AccessAction, AccessEvent};
use crate::audit::{state_digest, truncate_to_micros};
use crate::customers::{AccountAccess, CipStatus, CustomerDecision, NewCustomer};
use crate::jobs::NewJob;

fn at(minutes: i64) -> DateTime<Utc> {
    truncate_to_micros(t0() + Duration::minutes(minutes))
}

fn event(id: &str, account: &str, ip: &str, country: Option<&str>, minutes: i64) -> AccessEvent {
    AccessEvent {
        id: id.to_owned(),
        account: account.to_owned(),
        ip: IpAddress::parse(ip).expect("an address"),
        at: at(minutes),
        action: AccessAction::Login,
        country: country.map(|c| CountryCode::parse(c).expect("a country")),
    }
}

fn countries(codes: &[&str]) -> Vec<CountryCode> {
    codes
        .iter()
        .map(|c| CountryCode::parse(c).expect("a country"))
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

pub async fn access_batches_are_idempotent_with_one_audit_event(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let before = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events")
        .len();
    let mut admin = event("ev-2", "acct-1", "2001:4860:4860::8888", Some("US"), 5);
    admin.action = AccessAction::Admin;
    let batch = vec![
        event("ev-1", "acct-1", "102.89.34.10", Some("NG"), 0),
        admin,
        event("ev-1", "acct-1", "102.89.34.10", Some("NG"), 0),
    ];
    let first = s
        .store
        .insert_access_events(&s.operator, &batch, &[], t0())
        .await
        .expect("inserted");
    assert_eq!(first.accepted, strings(&["ev-1", "ev-2"]));
    assert_eq!(
        first.duplicate,
        strings(&["ev-1"]),
        "a repeat inside the batch"
    );
    let replay = s
        .store
        .insert_access_events(&s.operator, &batch, &[], t0())
        .await
        .expect("replayed");
    assert!(replay.accepted.is_empty());
    assert_eq!(replay.duplicate.len(), 3);

    let events = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events");
    assert_eq!(events.len(), before + 1, "one event, none for the replay");
    let last = events.last().expect("an event");
    assert_eq!(last.action, ACCESS_INGEST);
    assert_eq!(last.subject_kind, ACCESS_BATCH_SUBJECT);
    assert_eq!(last.after_digest, Some(state_digest(&first.accepted)));

    let stored = s
        .store
        .access_events(&s.operator, "acct-1", 10)
        .await
        .expect("listed");
    assert_eq!(
        stored,
        vec![batch[1].clone(), batch[0].clone()],
        "newest first, every field (the opened address too) as written"
    );
}

pub async fn a_batch_larger_than_one_statement_commits_whole(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let batch: Vec<AccessEvent> = (0..2_345)
        .map(|i| {
            let ip = format!("102.89.{}.{}", i / 250, i % 250 + 1);
            event(&format!("ev-{i}"), "acct-big", &ip, Some("NG"), i)
        })
        .collect();
    let out = s
        .store
        .insert_access_events(&s.operator, &batch, &[], t0())
        .await
        .expect("inserted");
    assert_eq!(out.accepted.len(), 2_345);
    assert_eq!(out.accepted.first().map(String::as_str), Some("ev-0"));
    let summary = s
        .store
        .access_summary(&s.operator, "acct-big")
        .await
        .expect("summary");
    assert_eq!((summary.events, summary.distinct_ips), (2_345, 2_345));
}

pub async fn summaries_count_addresses_countries_and_times(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let batch = vec![
        event("ev-1", "acct-1", "102.89.34.10", Some("NG"), 10),
        event("ev-2", "acct-1", "102.89.34.10", Some("NG"), 20),
        event("ev-3", "acct-1", "8.8.8.8", Some("US"), 30),
        event("ev-4", "acct-1", "10.0.0.1", None, 5),
        event("ev-5", "acct-2", "193.0.6.139", Some("NL"), 40),
    ];
    s.store
        .insert_access_events(&s.operator, &batch, &[], t0())
        .await
        .expect("inserted");
    let summary = s
        .store
        .access_summary(&s.operator, "acct-1")
        .await
        .expect("summary");
    assert_eq!(summary.account, "acct-1");
    assert_eq!(summary.events, 4);
    assert_eq!(summary.distinct_ips, 3);
    assert_eq!(summary.countries, countries(&["NG", "US"]));
    assert_eq!(summary.unplaced_events, 1);
    assert_eq!(summary.first_seen, Some(at(5)));
    assert_eq!(summary.last_seen, Some(at(30)));

    let none = s
        .store
        .access_summary(&s.operator, "acct-unused")
        .await
        .expect("summary");
    assert_eq!((none.events, none.distinct_ips), (0, 0));
    assert_eq!((none.first_seen, none.last_seen), (None, None));
    assert!(none.countries.is_empty());

    let both = s
        .store
        .access_countries(
            &s.operator,
            s.provider.id,
            &strings(&["acct-1", "acct-2", "acct-x"]),
        )
        .await
        .expect("countries");
    assert_eq!(both, countries(&["NG", "NL", "US"]));
}

pub async fn tenants_do_not_share_access_events(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let b = reseller(&s.store, &s.operator, s.provider.id, "B").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let b_scope = scope_of(&s.store, b.id).await;
    let batch = vec![event("ev-1", "acct-1", "102.89.34.10", Some("NG"), 0)];
    let in_a = s
        .store
        .insert_access_events(&a_scope, &batch, &[], t0())
        .await
        .expect("a");
    let in_b = s
        .store
        .insert_access_events(&b_scope, &batch, &[], t0())
        .await
        .expect("b");
    assert_eq!(in_a.accepted, in_b.accepted, "ids are unique per tenant");
    let summary_b = s.store.access_summary(&b_scope, "acct-1").await.expect("b");
    assert_eq!(summary_b.events, 1);
    let refused = s
        .store
        .access_countries(&b_scope, a.id, &strings(&["acct-1"]))
        .await;
    assert!(
        matches!(refused, Err(StoreError::NotFound { .. })),
        "{refused:?}"
    );
    let whole = scope_of(&s.store, s.provider.id).await;
    let from_provider = s
        .store
        .access_countries(&whole, a.id, &strings(&["acct-1"]))
        .await
        .expect("an ancestor sees its descendants");
    assert_eq!(from_provider, countries(&["NG"]));
}

pub async fn account_holders_are_the_tenants_customers(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let created = s
        .store
        .create_customer(
            &s.operator,
            NewCustomer {
                tenant: s.provider.id,
                idempotency_key: None,
                kind: CustomerKind::Individual,
                decision: CustomerDecision {
                    person_status: PersonStatus::Us,
                    cip_status: CipStatus::NotRequired,
                    account_access: AccountAccess::Full,
                    risk_tier: RiskTier::Low,
                    policy_id: "bis-cip".into(),
                    policy_version: "2024.1".into(),
                    reasons: vec!["U.S. citizen".into()],
                },
                personal: json!({"name": {"full": "Jo Example"}}),
                lookups: Vec::new(),
                accounts: strings(&["acct-1", "acct-2"]),
            },
            t0(),
        )
        .await
        .expect("created");
    let mut holders = s
        .store
        .account_holders(&s.operator, &strings(&["acct-2", "acct-1", "acct-none"]))
        .await
        .expect("holders");
    holders.sort_by(|x, y| x.account.cmp(&y.account));
    assert_eq!(holders.len(), 2, "an unknown account is absent");
    assert!(holders.iter().all(|h| h.customer == created.customer.id));
    assert!(holders.iter().all(|h| h.person_status == PersonStatus::Us));
    assert_eq!(holders[0].account, "acct-1");

    let other = reseller(&s.store, &s.operator, s.provider.id, "R").await;
    let other_scope = scope_of(&s.store, other.id).await;
    let seen = s
        .store
        .account_holders(&other_scope, &strings(&["acct-1"]))
        .await
        .expect("holders");
    assert!(seen.is_empty(), "another tenant's account is not its own");
}

pub async fn jobs_are_enqueued_with_the_batch(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let job = NewJob {
        kind: "customer.redetermine".into(),
        payload: json!({"customer": "c-1", "reason": "foreign access"}),
        run_at: t0(),
        dedupe_key: Some("c-1".into()),
        queued_key: None,
    };
    let batch = vec![event("ev-1", "acct-1", "102.89.34.10", Some("NG"), 0)];
    s.store
        .insert_access_events(&s.operator, &batch, std::slice::from_ref(&job), t0())
        .await
        .expect("inserted");
    let again = vec![event("ev-2", "acct-1", "102.89.34.11", Some("NG"), 1)];
    s.store
        .insert_access_events(&s.operator, &again, &[job], t0())
        .await
        .expect("a waiting job is deduplicated, not an error");
    let claimed = s
        .store
        .claim_job(&["customer.redetermine"], t0(), Duration::minutes(5))
        .await
        .expect("claim")
        .expect("the job was enqueued");
    assert_eq!(claimed.payload["customer"], "c-1");
    assert_eq!(claimed.tenant, s.provider.id);
    let second = s
        .store
        .claim_job(&["customer.redetermine"], t0(), Duration::minutes(5))
        .await
        .expect("claim");
    assert!(second.is_none(), "one job per waiting dedupe key");
}

pub async fn purges_remove_stale_accounts_with_an_audit_event(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let child = reseller(&s.store, &s.operator, s.provider.id, "R").await;
    let whole = scope_of(&s.store, s.provider.id).await;
    let child_scope = scope_of(&s.store, child.id).await;
    let batch = vec![
        event("ev-1", "acct-old", "102.89.34.10", Some("NG"), 0),
        event("ev-2", "acct-old", "102.89.34.11", Some("NG"), 10),
        event("ev-3", "acct-live", "8.8.8.8", Some("US"), 0),
        event("ev-4", "acct-live", "8.8.4.4", Some("US"), 100),
    ];
    s.store
        .insert_access_events(&s.operator, &batch, &[], t0())
        .await
        .expect("provider's");
    s.store
        .insert_access_events(&child_scope, &batch[..1], &[], t0())
        .await
        .expect("reseller's");

    let purged = s
        .store
        .purge_access_events(&whole, at(50), t0())
        .await
        .expect("purged");
    assert_eq!(
        (purged.accounts, purged.events),
        (2, 3),
        "acct-old in both tenants; acct-live was used after the cut-off and keeps every event"
    );
    let old = s
        .store
        .access_summary(&s.operator, "acct-old")
        .await
        .expect("summary");
    assert_eq!(old.events, 0);
    let live = s
        .store
        .access_summary(&s.operator, "acct-live")
        .await
        .expect("summary");
    assert_eq!(live.events, 2);
    for tenant in [s.provider.id, child.id] {
        let events = s
            .store
            .audit_events(&whole, tenant, 0, 100)
            .await
            .expect("events");
        let last = events.last().expect("an event");
        assert_eq!(last.action, ACCESS_PURGE, "one purge event per tenant");
    }
    let again = s
        .store
        .purge_access_events(&whole, at(50), t0())
        .await
        .expect("purged again");
    assert_eq!((again.accounts, again.events), (0, 0));
    let report = s.store.verify_audit().await.expect("verified");
    assert!(report.intact(), "{report:?}");
}

pub async fn addresses_are_never_stored_in_plaintext(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let batch = vec![event(
        "ev-plain",
        "acct-visible-9",
        "102.89.34.10",
        Some("NG"),
        0,
    )];
    s.store
        .insert_access_events(&s.operator, &batch, &[], t0())
        .await
        .expect("inserted");
    assert!(db.raw_contains("acct-visible-9").await, "the search works");
    assert!(
        !db.raw_contains("102.89.34.10").await,
        "the address is sealed"
    );
}
