//! Owner groups that change with the CIP data (issue 5 item 5, issue 6 item 4): a merge is
//! withdrawn when its evidence goes, holding companies of ownership structures link their
//! customers with the path as evidence, declared models and shell indicators reach the flags,
//! and a loaded engine repairs assessments lost after a commit.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use cloudkyc_app::jobs::JobRunner;
use cloudkyc_app::ownership::StructureDraft;
use cloudkyc_app::{App, ManualClock};
use cloudkyc_compute::{FlagId, LinkKind};
use cloudkyc_domain::cip::{BeneficialOwnerDraft, CustomerDraft};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_store::TenantScope;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store_sqlite::SqliteStore;
use tempfile::TempDir;

async fn app_at(url: &str, key: &MasterKey) -> (App, Arc<ManualClock>) {
    let store = Arc::new(SqliteStore::open(url, key).await.unwrap());
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).single().unwrap(),
    ));
    let policy = Arc::new(RulePack::bundled(DEFAULT_PACK_ID).unwrap());
    (App::new(store, clock.clone(), policy), clock)
}

async fn app() -> (App, Arc<ManualClock>, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cloudkyc.db").display());
    let (app, clock) = app_at(&url, &MasterKey::generate()).await;
    (app, clock, dir)
}

fn owner(name: &str, born: &str) -> serde_json::Value {
    serde_json::json!({"name": {"full": name}, "date_of_birth": born, "nationalities": ["SG"],
        "addresses": [{"line1": "2 Hill Street", "city": "Singapore", "country": "SG"}],
        "ownership_percent": 60})
}

/// A Singapore entity with one account and the given owners.
async fn entity(
    app: &App,
    scope: &TenantScope,
    name: &str,
    account: &str,
    owners: serde_json::Value,
) -> CustomerId {
    let body = serde_json::json!({"kind": "entity", "name": {"full": name},
        "incorporation": {"country": "SG", "date": "2019-03-01"},
        "addresses": [{"line1": "1 Harbour Road", "city": "Singapore", "country": "SG"}],
        "accounts": [{"external_id": account, "payment_methods": [
            {"type": "bank_account", "country": "SG", "source": "customer"}]}],
        "beneficial_owners": owners});
    let draft: CustomerDraft = serde_json::from_value(body).unwrap();
    app.onboard_customer(scope, draft, Some(name.to_owned()))
        .await
        .unwrap()
        .customer
        .id
}

async fn usage(app: &App, scope: &TenantScope, accounts: &[&str]) {
    let body: Vec<String> = accounts
        .iter()
        .map(|a| {
            format!(
                r#"{{"id": "u-{a}", "account": "{a}", "accelerator": "H100", "count": 512, "start": "2026-10-01T00:00:00Z", "end": "2026-10-11T00:00:00Z", "cluster": "pg-1", "datacenter": "dc1", "fabric_gbps": 3200}}"#
            )
        })
        .collect();
    let report = app
        .ingest_usage(scope, body.join("\n").as_bytes())
        .await
        .unwrap();
    assert_eq!(report.accepted, accounts.len(), "{report:?}");
}

/// Lets the customer sync run (every few minutes) and every job it queues.
async fn sync(app: &App, clock: &ManualClock) {
    clock.advance(Duration::minutes(6));
    let report = JobRunner::new(app.clone()).drain().await.unwrap();
    assert_eq!(report.dead + report.retried, 0, "{report:?}");
}

#[tokio::test]
async fn a_removed_owner_withdraws_the_merge_and_keeps_it_as_history() {
    let (app, clock, _dir) = app().await;
    let scope = app.operator_scope("Test Cloud").await.unwrap();
    let shared = owner("Chen Jun", "1975-05-05");
    entity(
        &app,
        &scope,
        "Aurora A",
        "acct-a",
        serde_json::json!([shared]),
    )
    .await;
    let b = entity(
        &app,
        &scope,
        "Aurora B",
        "acct-b",
        serde_json::json!([shared]),
    )
    .await;
    usage(&app, &scope, &["acct-a", "acct-b"]).await;
    let a = app
        .assess_account(&scope, "acct-a", app.now())
        .await
        .unwrap();
    assert_eq!(a.accounts, ["acct-a", "acct-b"]);

    // B's owner changes: nothing links the accounts any more.
    let other: BeneficialOwnerDraft =
        serde_json::from_value(owner("Lim Mei Ling", "1980-02-02")).unwrap();
    app.change_beneficial_owners(&scope, b, &[other])
        .await
        .unwrap();
    sync(&app, &clock).await;
    let a = app
        .assess_account(&scope, "acct-a", app.now())
        .await
        .unwrap();
    assert_eq!(a.accounts, ["acct-a"]);
    assert!(a.merges.is_empty());
    assert_eq!(a.withdrawn_merges.len(), 1, "{:#?}", a.withdrawn_merges);
    let withdrawn = &a.withdrawn_merges[0];
    assert_eq!(withdrawn.withdrawn[0].kind, LinkKind::BeneficialOwner);
    assert!(withdrawn.withdrawn[0].detail.contains("fingerprint"));
    let b = app
        .assess_account(&scope, "acct-b", app.now())
        .await
        .unwrap();
    assert_eq!(b.accounts, ["acct-b"]);
}

/// Holdco (in `jurisdiction`) owns 80 % of an intermediate company that owns the customer.
fn holding_structure(jurisdiction: &str, intermediate: &str) -> StructureDraft {
    serde_json::from_value(serde_json::json!({
        "parties": [
            {"id": "holdco", "kind": "entity", "name": "Aurora Holdings Ltd",
             "jurisdiction": jurisdiction},
            {"id": "midco", "kind": "entity", "name": intermediate, "jurisdiction": "SG"}],
        "edges": [
            {"from": "holdco", "to": "midco", "type": "ownership", "percent": 80},
            {"from": "midco", "to": "customer", "type": "ownership", "percent": 100}]
    }))
    .unwrap()
}

#[tokio::test]
async fn customers_under_one_holding_company_are_one_owner_group() {
    let (app, clock, _dir) = app().await;
    let scope = app.operator_scope("Test Cloud").await.unwrap();
    let a = entity(
        &app,
        &scope,
        "Aurora A",
        "acct-a",
        serde_json::json!([owner("Li Wei", "1970-01-01")]),
    )
    .await;
    let b = entity(
        &app,
        &scope,
        "Aurora B",
        "acct-b",
        serde_json::json!([owner("Zhang Min", "1972-03-03")]),
    )
    .await;
    usage(&app, &scope, &["acct-a", "acct-b"]).await;
    let alone = app
        .assess_account(&scope, "acct-a", app.now())
        .await
        .unwrap();
    assert_eq!(alone.accounts, ["acct-a"]);

    app.submit_ownership(
        &scope,
        a,
        &holding_structure("KY", "Aurora Intermediate Pte Ltd"),
    )
    .await
    .unwrap();
    app.submit_ownership(
        &scope,
        b,
        &holding_structure("KY", "Aurora Intermediate Pte Ltd"),
    )
    .await
    .unwrap();
    sync(&app, &clock).await;
    let group = app
        .assess_account(&scope, "acct-b", app.now())
        .await
        .unwrap();
    assert_eq!(group.accounts, ["acct-a", "acct-b"]);
    let evidence: Vec<&str> = group
        .merges
        .iter()
        .flat_map(|m| m.evidence.iter())
        .filter(|l| l.kind == LinkKind::ParentEntity)
        .map(|l| l.detail.as_str())
        .collect();
    // Both holding companies are shared; keys are indexed by kind and evidence text, never by
    // their blind index, so the first one (by name) joins the accounts, whatever the key ring.
    assert_eq!(evidence.len(), 1, "{evidence:#?}");
    assert!(
        evidence[0].starts_with("shared holding company Aurora Holdings Ltd (KY)")
            && evidence[0].contains(
                "Aurora Holdings Ltd -[owns 80 %]-> Aurora Intermediate Pte Ltd -[owns 100 %]-> customer"
            ),
        "{evidence:#?}"
    );
    // Nobody is recorded above the holding company: an owner nobody can verify (K1).
    assert!(group.facts.unverifiable_owner);

    // B's structure moves to another holding company: the link goes with it.
    app.submit_ownership(
        &scope,
        b,
        &holding_structure("BM", "Borealis Intermediate Pte Ltd"),
    )
    .await
    .unwrap();
    sync(&app, &clock).await;
    let split = app
        .assess_account(&scope, "acct-b", app.now())
        .await
        .unwrap();
    assert_eq!(split.accounts, ["acct-b"]);
    assert!(!split.withdrawn_merges.is_empty());
}

#[tokio::test]
async fn a_declared_model_reaches_the_cross_check_and_m2() {
    let (app, _clock, _dir) = app().await;
    let scope = app.operator_scope("Test Cloud").await.unwrap();
    usage(&app, &scope, &["acct-m"]).await;
    // 512 H100 for 10 days is ~1e23 at p50; a 1B x 1B model (6e18) is far below a third.
    let reservation = r#"{"id": "r-m", "account": "acct-m", "accelerator": "H100", "count": 512,
        "start": "2026-10-11T00:00:00Z", "end": "2026-10-12T00:00:00Z", "purpose": "training",
        "declared_model": {"parameters": 1e9, "tokens": 1e9}}"#
        .replace('\n', " ");
    let report = app
        .ingest_reservations(&scope, reservation.as_bytes())
        .await
        .unwrap();
    assert_eq!(report.accepted, 1, "{report:?}");
    let a = app
        .assess_account(&scope, "acct-m", app.now())
        .await
        .unwrap();
    let model = a.facts.declared_model.expect("declared on the reservation");
    assert_eq!(model.parameters, 1e9);
    let checked = a
        .view
        .lineages
        .iter()
        .find_map(|l| l.estimate.cross_check.as_ref())
        .expect("the largest lineage is cross-checked");
    assert!(checked.divergent);
    assert!(
        a.flags.iter().any(|f| f.flag == FlagId::M2),
        "{:#?}",
        a.flags
    );

    let bad = r#"{"id": "r-bad", "account": "acct-m", "accelerator": "H100", "count": 8, "start": "2026-10-11T00:00:00Z", "end": "2026-10-12T00:00:00Z", "declared_model": {"parameters": -1, "tokens": 1e9}}"#;
    let report = app
        .ingest_reservations(&scope, bad.as_bytes())
        .await
        .unwrap();
    assert_eq!(report.rejected.len(), 1);
    assert!(
        report.rejected[0].reasons[0].starts_with("declared_model.parameters"),
        "{report:?}"
    );
}

#[tokio::test]
async fn a_restarted_process_queues_the_assessments_a_crash_may_have_lost() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cloudkyc.db").display());
    let key = MasterKey::generate();
    let (first, _clock) = app_at(&url, &key).await;
    let scope = first.operator_scope("Test Cloud").await.unwrap();
    usage(&first, &scope, &["acct-x", "acct-y"]).await;
    // The process stops here: its jobs are dropped as if it crashed before queueing them.
    let mut dropped = 0;
    while let Some(job) = first
        .store()
        .claim_job(&["compute.assess"], first.now(), Duration::seconds(60))
        .await
        .unwrap()
    {
        first
            .store()
            .complete_job(job.id, first.now())
            .await
            .unwrap();
        dropped += 1;
    }
    assert!(dropped >= 2, "both groups had a job");
    drop(first);

    let (second, _clock) = app_at(&url, &key).await;
    let scope = second.operator_scope("Test Cloud").await.unwrap();
    // Any use loads the engine from the store, which queues one job per group.
    second
        .assess_account(&scope, "acct-x", second.now())
        .await
        .unwrap();
    let mut groups = Vec::new();
    while let Some(job) = second
        .store()
        .claim_job(&["compute.assess"], second.now(), Duration::seconds(60))
        .await
        .unwrap()
    {
        groups.push(job.payload["group"].as_str().unwrap().to_owned());
        second
            .store()
            .complete_job(job.id, second.now())
            .await
            .unwrap();
    }
    groups.sort();
    assert_eq!(groups, ["acct-x", "acct-y"]);
}
