//! Registration checks, the finding's case and termination clock with its reminders, and the
//! downstream rule at termination, on an in-memory store.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use cloudkyc_domain::cases::CaseKind;
use cloudkyc_domain::reseller::{AgreementKind, ResellerEvent, StatusName};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::CaseFilter;
use cloudkyc_store_sqlite::SqliteStore;

use super::*;
use crate::ManualClock;

async fn app() -> (App, Arc<ManualClock>, TenantScope) {
    let store = SqliteStore::open(
        "sqlite::memory:",
        &cloudkyc_store::crypto::MasterKey::generate(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap_or_else(|| panic!("bundled pack"));
    let start = Utc
        .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let clock = Arc::new(ManualClock::new(start));
    let app = App::new(Arc::new(store), clock.clone(), Arc::new(pack))
        .with_screening_index(cloudkyc_screening::Index::build(&[]));
    let scope = app
        .operator_scope("Test Cloud")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (app, clock, scope)
}

fn nimbus() -> RegisterReseller {
    RegisterReseller {
        name: "Nimbus Cloud Pte Ltd".into(),
        country: "SG".into(),
        cip_agreement: AgreementKind::AdoptsProviderCip,
    }
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn registration_checks_every_field_and_refuses_a_us_reseller() {
    let (app, _, scope) = app().await;
    let bad = RegisterReseller {
        name: "  ".into(),
        country: "US".into(),
        cip_agreement: AgreementKind::OwnCip,
    };
    let Err(AppError::Invalid(fields)) = app.register_reseller(&scope, bad).await else {
        panic!("a blank name and a US country are refused");
    };
    let paths: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["/name/full", "/country"]);
    let registered = app
        .register_reseller(&scope, nimbus())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(registered.record.status.name(), StatusName::Active);
    assert_eq!(registered.record.registered_on, day("2026-11-02"));
    assert_eq!(registered.next_review_due, Some(day("2027-11-02")));
    let screening: ResellerScreening =
        serde_json::from_value(registered.record.screening).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(screening.status, ResellerScreeningStatus::Clear);
}

#[tokio::test]
async fn a_finding_raises_a_case_starts_the_clock_and_the_sweep_reminds_once() {
    let (app, clock, scope) = app().await;
    let id = app
        .register_reseller(&scope, nimbus())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .record
        .id;
    let finding = ResellerEvent::FindNonCompliance {
        on: day("2026-11-02"),
        reference: "annual review: no CIP records for 2026".into(),
    };
    let found = app
        .reseller_event(&scope, id, finding)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found.record.termination_due, Some(day("2026-12-02")));
    assert_eq!(found.reminders.len(), 5, "21, 14, 7, 3 and 1 days before");
    let filter = CaseFilter {
        kind: Some(CaseKind::Reseller),
        ..CaseFilter::default()
    };
    let cases = app
        .store()
        .cases(&scope, &filter)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].case.due(), Some(day("2026-12-02")));
    // A second finding is not allowed while one stands.
    let again = ResellerEvent::FindNonCompliance {
        on: day("2026-11-02"),
        reference: "again".into(),
    };
    let refused = app.reseller_event(&scope, id, again).await;
    assert!(matches!(refused, Err(AppError::Conflict(_))), "{refused:?}");

    // Nine days on, the 21-days-before reminder (2026-11-11) is due, once.
    clock.advance(Duration::days(9));
    let report = app
        .sweep_termination_clocks(&scope)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.reminded, report.running, report.overdue), (1, 1, 0));
    let again = app
        .sweep_termination_clocks(&scope)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.reminded, 0);
    let read = app
        .reseller(&scope, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.record.reminded_through, Some(day("2026-11-11")));
    assert_eq!(read.reminders.len(), 4);
    // Past the deadline the sweep reports it overdue.
    clock.advance(Duration::days(22));
    let late = app
        .sweep_termination_clocks(&scope)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(late.overdue, 1);
}

#[tokio::test]
async fn events_in_the_future_or_out_of_order_are_refused() {
    let (app, _, scope) = app().await;
    let id = app
        .register_reseller(&scope, nimbus())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .record
        .id;
    let future = ResellerEvent::StartReview {
        on: day("2026-11-03"),
    };
    let refused = app.reseller_event(&scope, id, future).await;
    assert!(matches!(refused, Err(AppError::Invalid(_))), "{refused:?}");
    let complete = ResellerEvent::CompleteTermination {
        on: day("2026-11-02"),
    };
    let refused = app.reseller_event(&scope, id, complete).await;
    assert!(matches!(refused, Err(AppError::Conflict(_))), "{refused:?}");
}

#[tokio::test]
async fn completing_the_termination_revokes_every_live_key_of_the_reseller() {
    let (app, _, scope) = app().await;
    let registered = app
        .register_reseller(&scope, nimbus())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id = registered.record.id;
    // A scope built after the reseller tenant exists, as a request's scope is.
    let operator = app
        .operator_scope("Test Cloud")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let key = |name: &str| crate::keys::CreateKey {
        role: cloudkyc_domain::Role::Reseller,
        tenant: Some(registered.record.reseller_tenant),
        name: name.into(),
        expires_at: None,
    };
    let live = app
        .create_key(&operator, key("live"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let old = app
        .create_key(&operator, key("old"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.revoke_key(&operator, old.key.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let secret = live.secret.expose().to_owned();
    let before = app
        .authenticate(&secret)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(before.is_some(), "the live key gets in before termination");
    let start = ResellerEvent::StartTermination {
        on: day("2026-11-02"),
        reason: "the reseller ends the agreement".into(),
    };
    app.reseller_event(&operator, id, start)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let complete = ResellerEvent::CompleteTermination {
        on: day("2026-11-02"),
    };
    let done = app
        .reseller_event(&operator, id, complete)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let downstream = done
        .downstream
        .unwrap_or_else(|| panic!("termination reports its downstream"));
    assert_eq!((downstream.keys_revoked, downstream.keys_failed), (1, 0));
    let after = app
        .authenticate(&secret)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(after.is_none(), "the revoked key is refused");
    let keys = app
        .list_keys(&operator)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        keys.iter()
            .filter(|k| k.tenant == registered.record.reseller_tenant)
            .all(|k| k.revoked_at.is_some()),
        "{keys:?}"
    );
}
