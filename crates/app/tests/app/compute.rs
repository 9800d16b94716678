//! Compute monitoring with CIP (issue 5, items 5, 7, 8, 9): accounts linked from the customers
//! holding them, the owner group's status from their determinations, and the report and review
//! cases the `compute.assess` job opens.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use cloudkyc_app::jobs::JobRunner;
use cloudkyc_app::{App, ManualClock};
use cloudkyc_domain::cases::{CaseEvent, CaseKind, Subject};
use cloudkyc_domain::cip::{CustomerDraft, PersonStatus};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::{CaseFilter, CaseRecord};
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store_sqlite::SqliteStore;
use tempfile::TempDir;

async fn app() -> (App, Arc<ManualClock>, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cloudkyc.db").display());
    let store = Arc::new(
        SqliteStore::open(&url, &MasterKey::generate())
            .await
            .unwrap(),
    );
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).single().unwrap(),
    ));
    let policy = Arc::new(RulePack::bundled(DEFAULT_PACK_ID).unwrap());
    (App::new(store, clock.clone(), policy), clock, dir)
}

/// An entity incorporated in `country` with one account and one 60 % owner.
fn entity(name: &str, country: &str, account: &str, owner: &str, born: &str) -> String {
    format!(
        r#"{{"kind": "entity", "name": {{"full": "{name}"}},
            "incorporation": {{"country": "{country}", "date": "2019-03-01"}},
            "addresses": [{{"line1": "1 Harbour Road", "city": "Capital", "country": "{country}"}}],
            "emails": ["ops@{account}.example"],
            "accounts": [{{"external_id": "{account}",
                "payment_methods": [{{"type": "bank_account", "country": "{country}", "source": "customer"}}]}}],
            "beneficial_owners": [{{"name": {{"full": "{owner}"}}, "date_of_birth": "{born}",
                "nationalities": ["{country}"],
                "addresses": [{{"line1": "2 Hill Street", "city": "Capital", "country": "{country}"}}],
                "ownership_percent": 60}}]}}"#
    )
}

async fn onboard(app: &App, scope: &TenantScope, body: &str, key: &str) -> PersonStatus {
    let draft: CustomerDraft = serde_json::from_str(body).unwrap();
    let onboarded = app
        .onboard_customer(scope, draft, Some(key.to_owned()))
        .await
        .unwrap();
    onboarded.customer.decision.person_status
}

/// 16,384 H100 for 100 days on fast fabric in one cluster: under 1e26 alone, over it twice.
fn frontier_half(id: &str, account: &str) -> String {
    h100s(id, account, "2026-07-01", "2026-10-09")
}

fn h100s(id: &str, account: &str, start: &str, end: &str) -> String {
    format!(
        r#"{{"id": "{id}", "account": "{account}", "accelerator": "H100", "count": 16384, "start": "{start}T00:00:00Z", "end": "{end}T00:00:00Z", "cluster": "pg-1", "datacenter": "dc1", "fabric_gbps": 3200}}"#
    )
}

async fn cases(app: &App, scope: &TenantScope, kind: CaseKind) -> Vec<CaseRecord> {
    let filter = CaseFilter {
        kind: Some(kind),
        limit: 100,
        ..CaseFilter::default()
    };
    app.cases(scope, &filter).await.unwrap()
}

async fn drain(app: &App) {
    let report = JobRunner::new(app.clone()).drain().await.unwrap();
    assert_eq!(report.dead + report.retried, 0, "{report:?}");
}

async fn two_linked_accounts(app: &App, scope: &TenantScope, country: &str) {
    let a = entity(
        "Aurora Frontier Labs",
        country,
        "acct-a",
        "Chen Jun",
        "1975-05-05",
    );
    let b = entity(
        "Aurora Research Compute",
        country,
        "acct-b",
        "Chen Jun",
        "1975-05-05",
    );
    onboard(app, scope, &a, "aurora-a").await;
    onboard(app, scope, &b, "aurora-b").await;
    let body = format!(
        "{}\n{}",
        frontier_half("u-a", "acct-a"),
        frontier_half("u-b", "acct-b")
    );
    let report = app.ingest_usage(scope, body.as_bytes()).await.unwrap();
    assert_eq!(report.accepted, 2, "{report:?}");
}

#[tokio::test]
async fn a_foreign_frontier_run_split_over_two_linked_accounts_opens_one_report_case() {
    let (app, _clock, _dir) = app().await;
    let scope = app.operator_scope("Test Cloud").await.unwrap();
    two_linked_accounts(&app, &scope, "SG").await;
    drain(&app).await;

    let found = cases(&app, &scope, CaseKind::AiTrainingReport).await;
    assert_eq!(found.len(), 1);
    let case = app.case(&scope, found[0].case.id()).await.unwrap();
    let c = &case.case;
    assert!(matches!(c.subject(), Subject::Customer(_)));
    assert_eq!(c.knowledge_date(), app.now().date_naive());
    assert_eq!(c.due(), Some(c.knowledge_date() + Duration::days(15)));
    let evidence: Vec<String> = c
        .timeline()
        .iter()
        .filter_map(|e| match &e.event {
            CaseEvent::EvidenceAdded { evidence } => Some(format!(
                "{} | {}",
                evidence
                    .reference
                    .as_ref()
                    .map(|r| r.as_str())
                    .unwrap_or(""),
                evidence.description
            )),
            _ => None,
        })
        .collect();
    assert!(
        evidence.iter().any(|e| e.starts_with("customer:")),
        "{evidence:#?}"
    );
    assert!(
        evidence.iter().any(|e| e.contains("T1 (report_case)")),
        "{evidence:#?}"
    );
    assert!(
        evidence
            .iter()
            .any(|e| e.starts_with("compute-assessment:acct-a@"))
    );
    let summary = evidence
        .iter()
        .find(|e| e.starts_with("compute-summary:"))
        .unwrap();
    assert!(summary.contains("shared beneficial owner"), "{summary}");
    assert!(summary.contains("fingerprint"), "{summary}");
    // The evidence names no owner: a fingerprint, not the name.
    assert!(evidence.iter().all(|e| !e.contains("Chen Jun")));

    // The assessment the API shows has the CIP status.
    let a = app
        .assess_account(&scope, "acct-b", app.now())
        .await
        .unwrap();
    assert_eq!(a.accounts, ["acct-a", "acct-b"]);
    assert!(a.report_cases().count() >= 1);

    // More usage of the group raises the same case again: still one.
    let more = h100s("u-a2", "acct-a", "2026-10-09", "2026-10-20");
    let report = app.ingest_usage(&scope, more.as_bytes()).await.unwrap();
    assert_eq!(report.accepted, 1, "{report:?}");
    drain(&app).await;
    assert_eq!(
        cases(&app, &scope, CaseKind::AiTrainingReport).await.len(),
        1
    );
}

#[tokio::test]
async fn the_same_run_by_a_us_customer_opens_no_report_case() {
    let (app, _clock, _dir) = app().await;
    let scope = app.operator_scope("Test Cloud").await.unwrap();
    two_linked_accounts(&app, &scope, "US").await;
    drain(&app).await;
    assert!(
        cases(&app, &scope, CaseKind::AiTrainingReport)
            .await
            .is_empty()
    );
    // The bundled pack sets `review_us_persons`: an analyst confirms the U.S. status.
    assert_eq!(cases(&app, &scope, CaseKind::ComputeReview).await.len(), 1);
    let a = app
        .assess_account(&scope, "acct-a", app.now())
        .await
        .unwrap();
    assert_eq!(a.report_cases().count(), 0);
}

#[tokio::test]
async fn unlinked_accounts_are_linked_when_their_customers_are_onboarded_later() {
    let (app, clock, _dir) = app().await;
    let scope = app.operator_scope("Test Cloud").await.unwrap();
    let body = format!(
        "{}\n{}",
        frontier_half("u-a", "acct-a"),
        frontier_half("u-b", "acct-b")
    );
    app.ingest_usage(&scope, body.as_bytes()).await.unwrap();
    drain(&app).await;
    // Nobody holds the accounts yet: separate groups, no status, no report case.
    assert!(
        cases(&app, &scope, CaseKind::AiTrainingReport)
            .await
            .is_empty()
    );

    let a = entity(
        "Aurora Frontier Labs",
        "SG",
        "acct-a",
        "Chen Jun",
        "1975-05-05",
    );
    let b = entity(
        "Aurora Research Compute",
        "SG",
        "acct-b",
        "Chen Jun",
        "1975-05-05",
    );
    onboard(&app, &scope, &a, "aurora-a").await;
    onboard(&app, &scope, &b, "aurora-b").await;
    // The customer sync runs every few minutes.
    clock.advance(Duration::minutes(6));
    drain(&app).await;
    assert_eq!(
        cases(&app, &scope, CaseKind::AiTrainingReport).await.len(),
        1
    );
}

/// The OpenB pod trace (8,000 pods over ~149 days), every GPU an H100, on four accounts of one
/// foreign customer: a busy shared cluster, nothing like a frontier run.
fn openb_background() -> String {
    let path = format!(
        "{}/../../../shared/data/telemetry/openb_pod_list_default.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let epoch = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap();
    let mut lines = Vec::new();
    for (i, row) in text.lines().skip(1).enumerate() {
        let cols: Vec<&str> = row.split(',').collect();
        let (Ok(gpus), Ok(start), Ok(end)) = (
            cols[3].parse::<i64>(),
            cols[8].parse::<i64>(),
            cols[9].parse::<i64>(),
        ) else {
            continue;
        };
        if gpus == 0 || end <= start {
            continue;
        }
        let at = |s: i64| (epoch + Duration::seconds(s)).to_rfc3339();
        lines.push(format!(
            r#"{{"id": "{}", "account": "openb-{}", "accelerator": "H100", "count": {gpus}, "start": "{}", "end": "{}", "cluster": "openb", "fabric_gbps": 100}}"#,
            cols[0],
            i % 4,
            at(start),
            at(end)
        ));
    }
    lines.join("\n")
}

#[tokio::test]
async fn background_load_of_a_foreign_customer_opens_no_report_case() {
    let (app, _clock, _dir) = app().await;
    let scope = app.operator_scope("Test Cloud").await.unwrap();
    let body = r#"{"kind": "entity", "name": {"full": "Busy Shared Cluster Ltd"},
        "incorporation": {"country": "SG", "date": "2015-01-01"},
        "addresses": [{"line1": "3 Science Park", "city": "Singapore", "country": "SG"}],
        "accounts": [
            {"external_id": "openb-0", "payment_methods": [{"type": "bank_account", "country": "SG", "source": "customer"}]},
            {"external_id": "openb-1", "payment_methods": [{"type": "bank_account", "country": "SG", "source": "customer"}]},
            {"external_id": "openb-2", "payment_methods": [{"type": "bank_account", "country": "SG", "source": "customer"}]},
            {"external_id": "openb-3", "payment_methods": [{"type": "bank_account", "country": "SG", "source": "customer"}]}],
        "beneficial_owners": [{"name": {"full": "Tan Mei Ling"}, "date_of_birth": "1970-01-01",
            "nationalities": ["SG"], "addresses": [{"line1": "4 Orchard", "city": "Singapore", "country": "SG"}],
            "ownership_percent": 100}]}"#;
    assert_eq!(
        onboard(&app, &scope, body, "openb").await,
        PersonStatus::Foreign
    );
    let trace = openb_background();
    let report = app.ingest_usage(&scope, trace.as_bytes()).await.unwrap();
    assert!(report.accepted > 6_000, "{report:?}");
    drain(&app).await;
    assert!(
        cases(&app, &scope, CaseKind::AiTrainingReport)
            .await
            .is_empty()
    );
    // One owner group (the same customer's accounts), assessed as foreign.
    let a = app
        .assess_account(&scope, "openb-3", app.now())
        .await
        .unwrap();
    assert_eq!(a.accounts.len(), 4);
    assert_eq!(a.report_cases().count(), 0);
}

#[tokio::test]
async fn the_demo_opens_one_report_case_for_the_foreign_group_and_none_for_the_us_lab() {
    let (app, _clock, _dir) = app().await;
    cloudkyc_app::demo::seed(&app).await.unwrap();
    drain(&app).await;
    let scope = app
        .operator_scope(cloudkyc_app::demo::DEMO_PROVIDER)
        .await
        .unwrap();
    let holder = |account: &str| {
        let app = app.clone();
        let scope = scope.clone();
        let account = account.to_owned();
        async move {
            let tenant = scope.tenant();
            app.store()
                .account_holders(&scope, &[account])
                .await
                .unwrap()
                .first()
                .map(|h| (tenant, h.customer.to_string()))
                .unwrap()
                .1
        }
    };
    let reports = cases(&app, &scope, CaseKind::AiTrainingReport).await;
    assert_eq!(reports.len(), 1);
    let aurora = [holder("gpu-9101").await, holder("gpu-9102").await];
    assert!(aurora.contains(&reports[0].case.subject().reference().as_str().to_owned()));
    let a = app
        .assess_account(&scope, "gpu-9102", app.now())
        .await
        .unwrap();
    assert_eq!(a.accounts, ["gpu-9101", "gpu-9102"]);
    assert!(a.report_cases().any(|f| format!("{:?}", f.flag) == "T2"));
    // The usage so far is far under: the case comes from the projected reservations.
    assert!(a.view.lineages.iter().all(|l| l.estimate.ops_p50 < 1e26));
    let kestrel = app
        .assess_account(&scope, "gpu-9201", app.now())
        .await
        .unwrap();
    assert!(kestrel.flags.is_empty(), "{:?}", kestrel.flags);
    let meridian = holder("gpu-9301").await;
    let reviews = cases(&app, &scope, CaseKind::ComputeReview).await;
    assert!(
        reviews
            .iter()
            .any(|c| c.case.subject().reference().as_str() == meridian)
    );

    // Idempotent: a second run adds no record and no case.
    cloudkyc_app::demo::seed(&app).await.unwrap();
    drain(&app).await;
    assert_eq!(
        cases(&app, &scope, CaseKind::AiTrainingReport).await.len(),
        1
    );
}
