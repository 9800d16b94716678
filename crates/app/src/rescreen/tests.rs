//! Continuous screening against a real (in-memory SQLite) store: a list change re-screens the
//! customers it touches and no others, removed entities clear their hits, and a disposition
//! suppresses a hit until the entity's record changes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::TimeZone;
use cloudkyc_domain::cases::{CaseKind, SubjectRef};
use cloudkyc_domain::cip::{BeneficialOwnerDraft, CustomerDraft};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_screening::ListFormat;
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::CaseFilter;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::jobs::JobCounts;
use cloudkyc_store::screening_dispositions::DispositionDecision;
use cloudkyc_store_sqlite::SqliteStore;
use serde_json::json;

use super::*;
use crate::customers::{CustomerRecord, ScreeningStatus};
use crate::jobs::JobRunner;
use crate::lists::{ImportList, ListFiles};
use crate::{App, AppError, ManualClock};

const W1: &str = r#"{"id":"w1","schema":"Person","properties":{"name":["Zoltan Krasnapolsky"]}}"#;
const W1_MOVED: &str = r#"{"id":"w1","schema":"Person","properties":{"name":["Zoltan Krasnapolsky"],"address":["4 Quay Street, Valletta"]}}"#;
const W2: &str =
    r#"{"id":"w2","schema":"Person","properties":{"name":["Maribel Quintanilla Ortega"]}}"#;
const W3: &str = r#"{"id":"w3","schema":"Person","properties":{"name":["Henrietta Vulpius"]}}"#;

pub(super) async fn app() -> (App, TenantScope) {
    let store = SqliteStore::open("sqlite::memory:", &MasterKey::generate())
        .await
        .unwrap();
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 11, 1, 9, 0, 0)
        .single()
        .unwrap();
    let app = App::new(
        Arc::new(store),
        Arc::new(ManualClock::new(start)),
        Arc::new(RulePack::bundled(DEFAULT_PACK_ID).unwrap()),
    );
    let scope = app.operator_scope("Rescreen Cloud").await.unwrap();
    (app, scope)
}

async fn onboard(app: &App, scope: &TenantScope, name: &str, account: &str) -> CustomerRecord {
    let draft: CustomerDraft = serde_json::from_value(json!({
        "kind": "individual",
        "name": {"full": name},
        "date_of_birth": "1980-01-01",
        "nationalities": ["DE"],
        "addresses": [{"line1": "1 Main St", "city": "Berlin", "country": "DE"}],
        "emails": [format!("{account}@example.com")],
        "phones": ["+49 30 901820"],
        "accounts": [{"external_id": account, "payment_methods": [{"type": "card",
            "brand": "visa", "last4": "4242", "bin_country": "DE", "source": "customer"}]}],
        "beneficial_owners": []
    }))
    .unwrap();
    app.onboard_customer(scope, draft, None)
        .await
        .unwrap()
        .customer
}

/// Imports the `watch` list with `lines`; returns whether it changed the lists in force.
pub(super) async fn import(app: &App, scope: &TenantScope, lines: &[&str]) -> bool {
    let outcome = app
        .import_list(
            scope,
            ImportList {
                list: Some("watch".into()),
                format: ListFormat::FtmJsonl,
                files: ListFiles::Single(lines.join("\n").into_bytes()),
            },
        )
        .await
        .unwrap();
    !outcome.unchanged
}

pub(super) async fn drain(app: &App) {
    let report = JobRunner::new(app.clone()).drain().await.unwrap();
    assert_eq!((report.retried, report.dead), (0, 0), "{report:?}");
}

pub(super) async fn reread(
    app: &App,
    scope: &TenantScope,
    customer: &CustomerRecord,
) -> CustomerRecord {
    app.customer(scope, customer.id).await.unwrap()
}

pub(super) fn keys(customer: &CustomerRecord) -> BTreeSet<EntityKey> {
    hit_keys(customer.screening.as_ref())
}

/// The summaries of the customer's screening-hit cases.
pub(super) async fn hit_cases(
    app: &App,
    scope: &TenantScope,
    customer: &CustomerRecord,
) -> Vec<String> {
    let filter = CaseFilter {
        kind: Some(CaseKind::ScreeningHit),
        subject: Some(SubjectRef::parse(&customer.id.to_string()).unwrap()),
        limit: 100,
        ..CaseFilter::default()
    };
    app.cases(scope, &filter)
        .await
        .unwrap()
        .iter()
        .map(|c| c.case.summary().to_string())
        .collect()
}

pub(super) fn watch(id: &str) -> EntityKey {
    EntityKey::new("watch", id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_change_rescreens_the_customers_it_touches_and_no_others() {
    let (app, scope) = app().await;
    let zoltan = onboard(&app, &scope, "Zoltan Krasnapolsky", "a-1").await;
    let jo = onboard(&app, &scope, "Jo Example", "a-2").await;
    assert!(keys(&zoltan).is_empty(), "on no list yet");

    assert!(import(&app, &scope, &[W1, W2]).await);
    drain(&app).await;

    let zoltan_after = reread(&app, &scope, &zoltan).await;
    assert_eq!(keys(&zoltan_after), BTreeSet::from([watch("w1")]));
    let screening = zoltan_after.screening.as_ref().unwrap();
    assert_eq!(screening.status, ScreeningStatus::PotentialMatch);
    assert!(
        screening
            .list_versions
            .iter()
            .any(|v| v.list.as_str() == "watch"),
        "the result names the new list version"
    );
    assert!(zoltan_after.updated_at > zoltan.updated_at);
    let jo_after = reread(&app, &scope, &jo).await;
    assert_eq!(
        jo_after, jo,
        "a customer the change does not touch is not written"
    );
    let cases = hit_cases(&app, &scope, &zoltan).await;
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert!(cases.iter().all(|c| c.contains("watch w1")), "{cases:?}");
    assert!(hit_cases(&app, &scope, &jo).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_onboarded_customer_on_a_list_gets_a_case() {
    let (app, scope) = app().await;
    assert!(import(&app, &scope, &[W1, W2]).await);
    drain(&app).await;
    let zoltan = onboard(&app, &scope, "Zoltan Krasnapolsky", "a-1").await;
    assert_eq!(keys(&zoltan), BTreeSet::from([watch("w1")]));
    drain(&app).await;
    let cases = hit_cases(&app, &scope, &zoltan).await;
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert!(cases[0].contains("the customer's name"), "{cases:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_change_that_brings_a_hit_raises_it() {
    let (app, scope) = app().await;
    assert!(import(&app, &scope, &[W1, W2]).await);
    drain(&app).await;
    let jo = onboard(&app, &scope, "Jo Example", "a-2").await;
    assert!(keys(&jo).is_empty());
    let owners: Vec<BeneficialOwnerDraft> = serde_json::from_value(json!([{
        "name": {"full": "Maribel Quintanilla Ortega"},
        "date_of_birth": "1975-03-04",
        "nationalities": ["ES"],
        "ownership_percent": 40.0,
    }]))
    .unwrap();
    let changed = app
        .change_beneficial_owners(&scope, jo.id, &owners)
        .await
        .unwrap()
        .customer;
    assert_eq!(keys(&changed), BTreeSet::from([watch("w2")]));
    drain(&app).await;
    let cases = hit_cases(&app, &scope, &jo).await;
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert!(cases[0].contains("beneficial owner"), "{cases:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_entities_do_no_work() {
    let (app, scope) = app().await;
    let zoltan = onboard(&app, &scope, "Zoltan Krasnapolsky", "a-1").await;
    let old = app.screening_index().load().await.unwrap();
    assert!(import(&app, &scope, &[W1, W2]).await);
    drain(&app).await;
    let zoltan = reread(&app, &scope, &zoltan).await;
    assert_eq!(keys(&zoltan), BTreeSet::from([watch("w1")]));
    let with_w1 = app.screening_index().load().await.unwrap();
    assert_eq!(
        ListDelta::between(&old, &with_w1).changed,
        BTreeSet::from([watch("w1"), watch("w2")])
    );

    // The same bytes again change nothing and start no run.
    let before: JobCounts = app.job_counts().await.unwrap();
    assert!(!import(&app, &scope, &[W1, W2]).await);
    assert_eq!(app.job_counts().await.unwrap(), before);

    // A new entry: only it is screened against; the customer hitting an unchanged one is not
    // screened in full, and not written.
    assert!(import(&app, &scope, &[W1, W2, W3]).await);
    let with_w3 = app.screening_index().load().await.unwrap();
    let delta = ListDelta::between(&with_w1, &with_w3);
    assert_eq!(delta.changed, BTreeSet::from([watch("w3")]));
    assert!(delta.removed.is_empty());
    let screen = DeltaScreen::new(delta, &with_w3);
    let queries = customer_queries(app.policy(), &zoltan);
    assert!(!screen.needs_full_screen(&queries, keys(&zoltan).iter()));
    drain(&app).await;
    assert_eq!(reread(&app, &scope, &zoltan).await, zoltan);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removed_entities_clear_their_hits() {
    let (app, scope) = app().await;
    let zoltan = onboard(&app, &scope, "Zoltan Krasnapolsky", "a-1").await;
    assert!(import(&app, &scope, &[W1, W2]).await);
    drain(&app).await;
    assert_eq!(
        keys(&reread(&app, &scope, &zoltan).await),
        BTreeSet::from([watch("w1")])
    );

    assert!(import(&app, &scope, &[W2]).await);
    drain(&app).await;
    let after = reread(&app, &scope, &zoltan).await;
    assert!(keys(&after).is_empty(), "{:?}", after.screening);
    assert_eq!(after.screening.unwrap().status, ScreeningStatus::Clear);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disposition_suppresses_the_hit_until_the_entity_changes() {
    let (app, scope) = app().await;
    let zoltan = onboard(&app, &scope, "Zoltan Krasnapolsky", "a-1").await;
    assert!(import(&app, &scope, &[W1, W2]).await);
    drain(&app).await;
    let zoltan = reread(&app, &scope, &zoltan).await;
    let w1 = BTreeSet::from([watch("w1")]);
    assert_eq!(
        app.raise_screening_hits(&scope, &zoltan, &w1)
            .await
            .unwrap(),
        1
    );

    let request = |entity: &str| DispositionRequest {
        list: "watch".into(),
        entity_id: entity.into(),
        decision: DispositionDecision::NotThisEntity,
        note: "born 1961 in Győr; our customer in 1980 in Berlin".into(),
    };
    let unknown = app
        .record_screening_disposition(&scope, zoltan.id, request("w9"))
        .await;
    assert!(matches!(unknown, Err(AppError::Invalid(_))), "{unknown:?}");
    app.record_screening_disposition(&scope, zoltan.id, request("w1"))
        .await
        .unwrap();
    assert_eq!(
        app.raise_screening_hits(&scope, &zoltan, &w1)
            .await
            .unwrap(),
        0
    );
    let views = app.screening_dispositions(&scope, zoltan.id).await.unwrap();
    assert!(views.len() == 1 && views.iter().all(|v| v.in_force));
    // Another import that leaves w1 alone raises nothing for it either.
    assert!(import(&app, &scope, &[W1, W2, W3]).await);
    drain(&app).await;
    assert_eq!(reread(&app, &scope, &zoltan).await, zoltan);

    // The list publishes a changed record for w1: the decision no longer covers it, and the
    // customer is screened again in full.
    assert!(import(&app, &scope, &[W1_MOVED, W2, W3]).await);
    drain(&app).await;
    let views = app.screening_dispositions(&scope, zoltan.id).await.unwrap();
    assert!(views.iter().all(|v| !v.in_force));
    let again = reread(&app, &scope, &zoltan).await;
    assert!(
        again.updated_at > zoltan.updated_at,
        "redecided for the changed record"
    );
    assert_eq!(
        app.raise_screening_hits(&scope, &again, &w1).await.unwrap(),
        1
    );
}
