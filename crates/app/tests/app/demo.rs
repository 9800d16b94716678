//! `serve --demo`'s data set, seeded through `App::onboard_customer` into SQLite.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use cloudkyc_app::customers::{AccountAccess, CipStatus, CustomerRecord, ScreeningStatus};
use cloudkyc_app::demo::{self, DemoCounts, DemoSpec};
use cloudkyc_app::{App, ManualClock};
use cloudkyc_domain::cip::PersonStatus;
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store_sqlite::SqliteStore;
use tempfile::TempDir;

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

/// Every customer the operator can see (provider and reseller).
async fn every_customer(app: &App) -> Vec<CustomerRecord> {
    let scope = app.operator_scope(demo::DEMO_PROVIDER).await.unwrap();
    let mut out: Vec<CustomerRecord> = Vec::new();
    loop {
        let page = app
            .list_customers(&scope, out.last().map(|c| c.id), 500)
            .await
            .unwrap();
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

#[tokio::test]
async fn the_default_set_onboards_every_case_and_a_second_run_adds_nothing() {
    let (app, _dir) = app().await;
    let first = demo::seed(&app).await.unwrap();
    let c = &first.counts;
    // 300 generated customers and the 3 documented bodies.
    assert_eq!((c.customers, c.created, first.customers), (303, 303, 303));
    assert_eq!(c.reseller, 75);
    assert_eq!((c.individuals, c.entities), (224, 79));
    // Foreign (24), layered (12), third-party-paid (12) and half the missing-information (6)
    // entities have two owners, and so does the documented Helios body; 9 of the 24 U.S.
    // entities drew a second owner.
    assert_eq!(c.entities_with_two_or_more_owners, 64, "{c:?}");
    // High-risk residents (12), third-party-paid entities (12), the forged zones of high-risk
    // residents (6) and the wallet payers who came through the reseller (3).
    assert_eq!(c.high_risk_tier, 33, "{c:?}");
    assert_eq!((c.us, c.foreign, c.undetermined), (109, 176, 18), "{c:?}");
    // No foreign customer is verified at onboarding: every foreign one is at least at the
    // medium tier, whose access-IP check needs access events.
    assert_eq!(
        (c.not_required, c.verified, c.pending, c.failed),
        (109, 0, 158, 36),
        "{c:?}"
    );
    assert_eq!((c.access_closed, c.access_none), (36, 13), "{c:?}");
    assert_eq!(c.access_full + c.access_restricted, 303 - 36 - 13, "{c:?}");

    let stored = every_customer(&app).await;
    // Plus the compute demo's four customers and the ownership demo's one (not part of the
    // onboarding counts).
    let compute = demo::COMPUTE_CUSTOMERS.len() + 1;
    assert_eq!(stored.len(), 303 + compute);
    assert_eq!(
        stored
            .iter()
            .filter(|r| r.tenant.to_string() == first.reseller_tenant)
            .count(),
        75
    );
    for record in &stored {
        // A U.S. customer has full access unless screening found a potential match.
        if record.decision.cip_status == CipStatus::NotRequired {
            let matched = record
                .screening
                .as_ref()
                .is_some_and(|s| s.status == ScreeningStatus::PotentialMatch);
            let expected = if matched {
                AccountAccess::Restricted
            } else {
                AccountAccess::Full
            };
            assert_eq!(record.decision.account_access, expected);
            assert_eq!(record.decision.person_status, PersonStatus::Us);
        }
    }
    let failed_reasons: Vec<&String> = stored
        .iter()
        .filter(|r| r.decision.cip_status == CipStatus::Failed)
        .flat_map(|r| &r.decision.reasons)
        .filter(|reason| reason.contains("failed"))
        .collect();
    for check in [
        "document_data_match",
        "payment_country",
        "phone_country",
        "email_domain",
        "document_number_pattern",
    ] {
        assert!(
            failed_reasons
                .iter()
                .any(|r| r.starts_with(&format!("check {check} failed"))),
            "no customer fails {check}: {failed_reasons:#?}"
        );
    }

    let second = demo::seed(&app).await.unwrap();
    assert_eq!(second.counts.created, 0);
    assert_eq!(
        DemoCounts {
            created: 303,
            ..second.counts.clone()
        },
        first.counts,
        "a second run finds the same customers with the same decisions"
    );
    assert_eq!(every_customer(&app).await.len(), 303 + compute);
}

#[tokio::test]
async fn another_seed_on_a_fresh_database_gives_other_customers_of_the_same_mix() {
    let (app, _dir) = app().await;
    let spec = DemoSpec {
        seed: 99,
        count: 50,
        year: 2026,
    };
    let summary = demo::seed_with(&app, &spec).await.unwrap();
    let c = &summary.counts;
    // Two full cycles of the 25-slot schedule plus the 3 documented bodies.
    assert_eq!((c.customers, c.created, c.reseller), (53, 53, 12));
    assert_eq!(
        (c.not_required, c.verified, c.pending, c.failed),
        (19, 0, 28, 6),
        "{c:?}"
    );
    let default_names: Vec<String> = demo::generate(&DemoSpec {
        seed: demo::DEFAULT_SEED,
        ..spec
    })
    .into_iter()
    .map(|c| c.draft.name.full)
    .collect();
    let names: Vec<String> = demo::generate(&spec)
        .into_iter()
        .map(|c| c.draft.name.full)
        .collect();
    assert_ne!(names, default_names);
}
