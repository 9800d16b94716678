//! The special-measure use cases end to end on SQLite, with a clock moved by hand.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone};
use cloudkyc_domain::cases::{CaseKind, SubjectRef};
use cloudkyc_domain::cip::{CountryCode, CustomerDraft};
use cloudkyc_domain::measures::{MeasureKindName, MeasureStatus, MeasureTarget, NamedPerson};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::CaseFilter;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::customers::AccountAccess;
use cloudkyc_store::measures::{ActionKind, ActionState};
use cloudkyc_store_sqlite::SqliteStore;
use serde_json::json;

use super::MeasureRequest;
use crate::jobs::JobRunner;
use crate::{App, AppError, ManualClock};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

async fn app() -> (App, Arc<ManualClock>, TenantScope) {
    let store = SqliteStore::open("sqlite::memory:", &MasterKey::generate())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap_or_else(|| panic!("bundled pack"));
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 11, 1, 9, 0, 0)
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

fn person(name: &str, country: &str, city: &str, phone: &str, account: &str) -> CustomerDraft {
    serde_json::from_value(json!({
        "kind": "individual",
        "name": {"full": name},
        "date_of_birth": "1988-04-12",
        "nationalities": [country],
        "addresses": [{"line1": "12 Main Road", "city": city, "country": country}],
        "emails": [format!("{account}@example.com")],
        "phones": [phone],
        "accounts": [{"external_id": account, "payment_methods": [{"type": "card",
            "brand": "visa", "last4": "4242", "bin_country": country, "source": "customer"}]}],
        "beneficial_owners": []
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn jurisdiction(code: &str, effective: NaiveDate, expiry: Option<NaiveDate>) -> MeasureRequest {
    MeasureRequest {
        target: MeasureTarget::Jurisdiction {
            country: CountryCode::parse(code).unwrap_or_else(|e| panic!("{e}")),
        },
        kind: MeasureKindName::Prohibit,
        condition: None,
        determined: date(2026, 11, 1),
        effective,
        expiry,
        reference: "example determination".into(),
    }
}

async fn drain(app: &App) {
    let report = JobRunner::new(app.clone())
        .drain()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.dead + report.retried, 0, "{report:?}");
}

#[tokio::test]
async fn the_interface_request_is_accepted_with_a_warning_and_bad_ones_are_refused() {
    let (app, _, scope) = app().await;
    let measure = app
        .register_measure(&scope, jurisdiction("KP", date(2026, 11, 1), None))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(measure.status, MeasureStatus::InForce);
    assert_eq!(measure.measure.expiry(), date(2027, 11, 1));
    assert_eq!(measure.warnings.len(), 1, "{:?}", measure.warnings);
    assert!(
        measure.warnings[0].contains("180 days"),
        "{:?}",
        measure.warnings
    );
    let mut bad = jurisdiction("KP", date(2026, 11, 1), Some(date(2026, 10, 1)));
    bad.reference = " ".into();
    match app.register_measure(&scope, bad).await {
        Err(AppError::Invalid(fields)) => {
            let paths: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
            assert_eq!(paths, vec!["/reference", "/expiry"]);
        }
        other => panic!("expected 422, got {other:?}"),
    }
    let listed = app.measures(&scope).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn a_prohibited_applicant_is_refused_with_the_measure_and_evidence_as_reason() {
    let (app, _, scope) = app().await;
    let measure = app
        .register_measure(&scope, jurisdiction("KP", date(2026, 11, 1), None))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = app
        .onboard_customer(
            &scope,
            person("Ri Example", "KP", "Pyongyang", "+49 30 901820", "kp-1"),
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .customer;
    assert_eq!(refused.decision.account_access, AccountAccess::Closed);
    let first = refused
        .decision
        .reasons
        .first()
        .cloned()
        .unwrap_or_default();
    assert!(first.starts_with("onboarding refused"), "{first}");
    assert!(first.contains("Pyongyang"), "{first}");
    let detail = app
        .measure_detail(&scope, measure.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let action = detail
        .actions
        .first()
        .unwrap_or_else(|| panic!("an action"));
    assert_eq!(
        (action.customer, action.kind, action.state),
        (refused.id, ActionKind::Refuse, ActionState::Applied)
    );
    // A later decision (an officer's, a re-check) cannot reopen the account.
    drain(&app).await;
    let after = app
        .customer(&scope, refused.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after.decision.account_access, AccountAccess::Closed);
    let fine = app
        .onboard_customer(
            &scope,
            person("Jo Example", "DE", "Berlin", "+49 30 901821", "de-1"),
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .customer;
    assert_ne!(fine.decision.account_access, AccountAccess::Closed);
}

#[tokio::test]
async fn a_measure_added_after_customers_exist_acts_by_its_effective_date_and_lifts_on_expiry() {
    let (app, clock, scope) = app().await;
    let reached = app
        .onboard_customer(
            &scope,
            person("Amara Okafor", "NG", "Lagos", "+234 803 555 0142", "ng-1"),
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .customer;
    let spared = app
        .onboard_customer(
            &scope,
            person("Jo Example", "DE", "Berlin", "+49 30 901820", "de-1"),
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .customer;
    let before = reached.decision.account_access;
    assert_ne!(before, AccountAccess::Closed);
    let measure = app
        .register_measure(
            &scope,
            jurisdiction("NG", date(2026, 12, 1), Some(date(2027, 1, 1))),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(measure.status, MeasureStatus::Pending);
    drain(&app).await;

    let detail = app
        .measure_detail(&scope, measure.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(detail.actions.len(), 1, "only the Nigerian customer");
    let action = &detail.actions[0];
    assert_eq!(
        (action.customer, action.kind, action.due, action.state),
        (
            reached.id,
            ActionKind::Close,
            date(2026, 12, 1),
            ActionState::Scheduled
        )
    );
    let evidence = serde_json::to_string(&action.plan.matches).unwrap_or_default();
    assert!(
        evidence.contains("nationality") && evidence.contains("payment_instrument"),
        "{evidence}"
    );
    let cases = app
        .cases(
            &scope,
            &CaseFilter {
                kind: Some(CaseKind::SpecialMeasure),
                limit: 50,
                ..CaseFilter::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let subject = SubjectRef::parse(&reached.id.to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cases.len(), 1, "one review item");
    assert_eq!(cases[0].case.subject().reference(), &subject);
    let now = app
        .customer(&scope, reached.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        now.decision.account_access, before,
        "nothing happens before the date"
    );

    // The effective date: the account is closed (a redecision, so the webhook notice goes out).
    clock.advance(Duration::days(30) + Duration::hours(1));
    drain(&app).await;
    let closed = app
        .customer(&scope, reached.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(closed.decision.account_access, AccountAccess::Closed);
    assert!(
        closed
            .decision
            .reasons
            .iter()
            .any(|r| r.contains("under a special measure")),
        "{:?}",
        closed.decision.reasons
    );
    let untouched = app
        .customer(&scope, spared.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(untouched.updated_at, spared.updated_at);

    // Expiry lifts the action and gives the access back.
    clock.advance(Duration::days(31));
    drain(&app).await;
    let detail = app
        .measure_detail(&scope, measure.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(detail.measure.status, MeasureStatus::Expired);
    assert_eq!(detail.actions[0].state, ActionState::Lifted);
    assert!(
        detail.actions[0]
            .lift_reason
            .as_deref()
            .is_some_and(|r| r.contains("expired")),
        "{:?}",
        detail.actions[0].lift_reason
    );
    let reopened = app
        .customer(&scope, reached.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reopened.decision.account_access, before);
}

#[tokio::test]
async fn a_named_person_is_matched_by_the_screening_engine_with_an_explanation() {
    let (app, _, scope) = app().await;
    let customer = app
        .onboard_customer(
            &scope,
            person("Amara Okafor", "NG", "Lagos", "+234 803 555 0142", "ng-1"),
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .customer;
    let request = MeasureRequest {
        target: MeasureTarget::Person(NamedPerson {
            name: "Amarah Okafor".into(),
            aliases: Vec::new(),
            country: CountryCode::parse("NG").ok(),
            date_of_birth: None,
            identifiers: Vec::new(),
        }),
        ..jurisdiction("NG", date(2027, 5, 1), None)
    };
    let measure = app
        .register_measure(&scope, request)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(measure.warnings.is_empty(), "{:?}", measure.warnings);
    drain(&app).await;
    let detail = app
        .measure_detail(&scope, measure.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let action = detail.actions.first().unwrap_or_else(|| panic!("a match"));
    assert_eq!(action.customer, customer.id);
    let basis = serde_json::to_value(&action.plan.matches).unwrap_or_default();
    assert_eq!(basis[0]["basis"], "person", "{basis}");
    let explanation = basis[0]["explanation"].as_str().unwrap_or_default();
    assert!(explanation.contains("okafor"), "{explanation}");
}

#[tokio::test]
async fn an_owner_located_in_the_jurisdiction_brings_the_measure_to_the_company() {
    let (app, _, scope) = app().await;
    let draft: CustomerDraft = serde_json::from_value(json!({
      "kind": "entity",
      "name": {"full": "Helios Compute FZ-LLC"},
      "incorporation": {"country": "AE", "date": "2024-03-01", "registration_number": "DMCC-102938"},
      "addresses": [{"line1": "Unit 4, Cluster X", "city": "Dubai", "country": "AE"}],
      "emails": ["ops@helioscompute.example"],
      "phones": ["+971 4 555 0199"],
      "accounts": [{"external_id": "acct-2001",
                    "payment_methods": [{"type": "bank_account", "country": "AE", "source": "customer"}]}],
      "beneficial_owners": [
        {"name": {"full": "Li Wei"}, "date_of_birth": "1979-02-03", "nationalities": ["CN"],
         "addresses": [{"line1": "8 Jianguo Road", "city": "Beijing", "country": "CN"}],
         "ownership_percent": 60}
      ]
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    let company = app
        .onboard_customer(&scope, draft, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .customer;
    let measure = app
        .register_measure(&scope, jurisdiction("CN", date(2027, 5, 1), None))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    drain(&app).await;
    let detail = app
        .measure_detail(&scope, measure.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let action = detail
        .actions
        .first()
        .unwrap_or_else(|| panic!("an action"));
    assert_eq!(action.customer, company.id);
    let matches = serde_json::to_value(&action.plan.matches).unwrap_or_default();
    assert_eq!(matches.as_array().map(Vec::len), Some(1), "{matches}");
    assert_eq!(matches[0]["role"], "owner", "{matches}");
    assert!(
        matches[0]["party"]
            .as_str()
            .is_some_and(|p| p.contains("Li Wei")),
        "{matches}"
    );
    let reason = action.plan.reasons.join("; ");
    assert!(reason.contains("Beijing"), "{reason}");
}
