//! Issue 6's part of `serve --demo` (`demo::seed_oversight`): the ownership structure with its
//! chain and cross-holding, the registered resellers (one under a termination clock) and the
//! special measure added after the customers, checked after the queued jobs ran, and a second
//! seed adding nothing.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use cloudkyc_app::demo::{self, DemoCounts, OversightDemo};
use cloudkyc_app::jobs::JobRunner;
use cloudkyc_app::{App, ManualClock};
use cloudkyc_domain::cases::{CaseKind, Subject, SubjectRef};
use cloudkyc_domain::reseller::StatusName;
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::{CaseFilter, CaseRecord};
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::documents::MediaType;
use cloudkyc_store::measures::{ActionKind, ActionState};
use cloudkyc_store_sqlite::SqliteStore;
use tempfile::TempDir;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

async fn app() -> (App, TempDir) {
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
    (App::new(store, clock, policy), dir)
}

async fn drain(app: &App) {
    let report = JobRunner::new(app.clone()).drain().await.unwrap();
    assert_eq!(report.dead + report.retried, 0, "{report:?}");
}

async fn cases(app: &App, scope: &TenantScope, kind: CaseKind) -> Vec<CaseRecord> {
    let filter = CaseFilter {
        kind: Some(kind),
        limit: 500,
        ..CaseFilter::default()
    };
    app.cases(scope, &filter).await.unwrap()
}

async fn check_ownership(app: &App, scope: &TenantScope, o: &OversightDemo) {
    let id = o.ownership.customer.parse().unwrap();
    let view = app.ownership(scope, id).await.unwrap();
    let owners: Vec<(&str, &str, bool)> = view
        .beneficial_owners
        .iter()
        .map(|b| (b.party.as_str(), b.effective_percent.as_str(), b.by_control))
        .collect();
    assert_eq!(
        owners,
        [
            ("elena-marsh", "48", true),
            ("priya-nair", "30", false),
            ("tom-reed", "0", true),
        ],
        "{:#?}",
        view.beneficial_owners
    );
    // Three holding companies between Elena Marsh and the customer.
    assert_eq!(
        view.beneficial_owners[0].paths,
        [
            "elena-marsh -[owns 100 %]-> corvid-group -[owns 100 %]-> corvid-intermediate \
          -[owns 80 %]-> corvid-holdings -[owns 60 %]-> customer (48 %)"
        ]
    );
    // The Tern pair hold each other; the loop lifts Priya Nair's 24 % by simple path to 30 %.
    assert_eq!(view.cross_holdings.len(), 1, "{:?}", view.cross_holdings);
    let mut cycle = view.cross_holdings[0].clone();
    cycle.sort();
    assert_eq!(cycle, ["tern-capital", "tern-partners"]);
    assert!(!view.beneficial_owners[1].paths.is_empty());
    let kenji = view
        .holders
        .iter()
        .find(|h| h.party == "kenji-sato")
        .unwrap();
    assert_eq!(kenji.effective_percent, "10");
    assert_eq!(view.unrecorded_percent, "12");
    let customer = app.customer(scope, id).await.unwrap();
    assert_eq!(customer.customer.beneficial_owners.len(), 3);
}

async fn check_resellers(app: &App, scope: &TenantScope) {
    let resellers = app.resellers(scope).await.unwrap();
    assert_eq!(resellers.len(), 2);
    let lumen = resellers
        .iter()
        .find(|r| r.record.name == demo::ACTIVE_RESELLER)
        .unwrap();
    assert_eq!(lumen.record.status.name(), StatusName::Active);
    assert_eq!(lumen.record.attestations.len(), 1);
    let agreement = app
        .reseller_agreement(scope, lumen.record.id)
        .await
        .unwrap();
    assert_eq!(agreement.document.media_type, MediaType::Pdf);
    assert!(agreement.content.starts_with(b"%PDF-"));
    let orchid = resellers
        .iter()
        .find(|r| r.record.name == demo::NON_COMPLIANT_RESELLER)
        .unwrap();
    assert_eq!(orchid.record.status.name(), StatusName::NonCompliant);
    let deadline = today() + Duration::days(30);
    assert_eq!(orchid.record.termination_due, Some(deadline));
    assert!(!orchid.reminders.is_empty());
    let case = cases(app, scope, CaseKind::Reseller).await;
    assert_eq!(case.len(), 1);
    assert_eq!(case[0].case.due(), Some(deadline));
    assert_eq!(
        case[0].case.subject(),
        &Subject::Reseller(SubjectRef::parse(&orchid.record.id.to_string()).unwrap())
    );
}

/// Returns the number of actions the measure scheduled.
async fn check_measure(app: &App, scope: &TenantScope) -> usize {
    let measures = app.measures(scope).await.unwrap();
    assert_eq!(measures.len(), 1);
    let measure = &measures[0];
    assert!(measure.warnings.is_empty(), "{:?}", measure.warnings);
    let effective = today() + Duration::days(30);
    assert_eq!(measure.measure.effective_date(), effective);
    let detail = app.measure_detail(scope, measure.id).await.unwrap();
    // The six generated customers whose home the generator drew in Belarus (high-risk
    // residents and forged-zone failures), found by address, nationality and card or bank
    // account.
    assert_eq!(detail.actions.len(), 6, "{:#?}", detail.actions);
    for action in &detail.actions {
        assert_eq!(action.kind, ActionKind::Close);
        assert_eq!(action.state, ActionState::Scheduled);
        assert_eq!(action.due, effective);
    }
    let reviews = cases(app, scope, CaseKind::SpecialMeasure).await;
    assert_eq!(reviews.len(), detail.actions.len());
    detail.actions.len()
}

#[tokio::test]
async fn the_demo_shows_ownership_resellers_and_a_measure_and_a_second_run_adds_nothing() {
    let (app, _dir) = app().await;
    let first = demo::seed(&app).await.unwrap();
    let oversight = first.oversight.clone().unwrap();
    assert!(oversight.ownership.submitted);
    assert!(oversight.resellers.iter().all(|r| r.registered));
    assert!(oversight.measure.registered);
    drain(&app).await;
    let scope = app.operator_scope(demo::DEMO_PROVIDER).await.unwrap();
    check_ownership(&app, &scope, &oversight).await;
    check_resellers(&app, &scope).await;
    let actions = check_measure(&app, &scope).await;

    let second = demo::seed(&app).await.unwrap();
    drain(&app).await;
    let again = second.oversight.clone().unwrap();
    assert!(!again.ownership.submitted);
    assert!(again.resellers.iter().all(|r| !r.registered));
    assert!(!again.measure.registered);
    assert_eq!(again.measure.id, oversight.measure.id);
    assert_eq!(second.counts.created, 0);
    // The measure takes effect in 30 days: nobody's decision changed yet.
    assert_eq!(
        DemoCounts {
            created: first.counts.created,
            ..second.counts.clone()
        },
        first.counts
    );
    check_ownership(&app, &scope, &again).await;
    check_resellers(&app, &scope).await;
    assert_eq!(check_measure(&app, &scope).await, actions);
    let version = app
        .ownership(&scope, again.ownership.customer.parse().unwrap())
        .await
        .unwrap()
        .version;
    assert_eq!(version, 1);
}
