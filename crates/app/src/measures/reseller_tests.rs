//! Resellers under special measures, on SQLite: a measure on a registered reseller's country
//! raises a reseller case and acts on the reseller's customers; a prohibition in force refuses
//! registering one.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone};
use cloudkyc_domain::cases::{CaseKind, Subject as CaseSubject, SubjectRef};
use cloudkyc_domain::cip::{CountryCode, CustomerDraft};
use cloudkyc_domain::measures::{MeasureKindName, MeasureTarget, NamedPerson};
use cloudkyc_domain::reseller::AgreementKind;
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::CaseFilter;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::customers::AccountAccess;
use cloudkyc_store::measures::{ActionKind, ActionState};
use cloudkyc_store_sqlite::SqliteStore;
use serde_json::json;

use crate::jobs::JobRunner;
use crate::measures::MeasureRequest;
use crate::resellers::RegisterReseller;
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

fn reseller(name: &str, country: &str) -> RegisterReseller {
    RegisterReseller {
        name: name.into(),
        country: country.into(),
        cip_agreement: AgreementKind::AdoptsProviderCip,
    }
}

fn prohibit(country: &str, effective: NaiveDate) -> MeasureRequest {
    MeasureRequest {
        target: MeasureTarget::Jurisdiction {
            country: CountryCode::parse(country).unwrap_or_else(|e| panic!("{e}")),
        },
        kind: MeasureKindName::Prohibit,
        condition: None,
        determined: date(2026, 11, 1),
        effective,
        expiry: None,
        reference: "example determination".into(),
    }
}

async fn measure_cases(app: &App, scope: &TenantScope) -> Vec<(CaseSubject, String)> {
    let filter = CaseFilter {
        kind: Some(CaseKind::SpecialMeasure),
        limit: 50,
        ..CaseFilter::default()
    };
    app.cases(scope, &filter)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|c| (c.case.subject().clone(), c.case.summary().to_string()))
        .collect()
}

async fn drain(app: &App) {
    let report = JobRunner::new(app.clone())
        .drain()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.dead + report.retried, 0, "{report:?}");
}

#[tokio::test]
async fn a_measure_on_a_registered_resellers_country_raises_a_reseller_case() {
    let (app, _, scope) = app().await;
    let reached = app
        .register_reseller(&scope, reseller("Lagos Cloud Services Ltd", "NG"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.register_reseller(&scope, reseller("Nimbus Cloud Pte Ltd", "SG"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(measure_cases(&app, &scope).await.is_empty());
    app.register_measure(&scope, prohibit("NG", date(2026, 12, 1)))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    drain(&app).await;
    let cases = measure_cases(&app, &scope).await;
    assert_eq!(cases.len(), 1, "only the Nigerian reseller: {cases:?}");
    let id = SubjectRef::parse(&reached.record.id.to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cases[0].0, CaseSubject::Reseller(id));
    let summary = &cases[0].1;
    for part in [
        "Lagos Cloud Services Ltd",
        "place of organization",
        "(NG)",
        "2026-12-01",
    ] {
        assert!(summary.contains(part), "{part} in {summary}");
    }
    // Re-checking again finds the same and opens nothing new.
    let report = app
        .recheck_special_measures(&scope)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.resellers, report.reviews), (2, 0), "{report:?}");
    assert_eq!(measure_cases(&app, &scope).await.len(), 1);
}

#[tokio::test]
async fn registering_a_reseller_is_refused_while_a_prohibition_is_in_force() {
    let (app, _, scope) = app().await;
    app.register_measure(&scope, prohibit("KP", date(2026, 11, 1)))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = app
        .register_reseller(&scope, reseller("Chosun Compute Co", "KP"))
        .await;
    let Err(AppError::Invalid(fields)) = refused else {
        panic!("a reseller in a prohibited jurisdiction is refused: {refused:?}");
    };
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert_eq!(fields[0].path, "/country");
    assert!(fields[0].message.contains("prohibited"), "{fields:?}");
    assert!(fields[0].message.contains("KP"), "{fields:?}");
    assert!(
        app.resellers(&scope)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .is_empty()
    );

    // A prohibition naming the reseller itself refuses it by name, wherever it is.
    let named = MeasureRequest {
        target: MeasureTarget::Person(NamedPerson {
            name: "Nimbus Cloud Pte Ltd".into(),
            aliases: Vec::new(),
            country: None,
            date_of_birth: None,
            identifiers: Vec::new(),
        }),
        ..prohibit("SG", date(2026, 11, 1))
    };
    app.register_measure(&scope, named)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let refused = app
        .register_reseller(&scope, reseller("Nimbus Cloud Pte Ltd", "SG"))
        .await;
    let Err(AppError::Invalid(fields)) = refused else {
        panic!("a named reseller is refused: {refused:?}");
    };
    assert_eq!(fields[0].path, "/name/full", "{fields:?}");

    // A prohibition not yet in force lets the reseller register, with a case due by its date.
    app.register_measure(&scope, prohibit("IR", date(2027, 1, 15)))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let registered = app
        .register_reseller(&scope, reseller("Tehran Hosting Co", "IR"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cases = measure_cases(&app, &scope).await;
    let id = SubjectRef::parse(&registered.record.id.to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert_eq!(cases[0].0, CaseSubject::Reseller(id));
    assert!(cases[0].1.contains("2027-01-15"), "{}", cases[0].1);
}

fn person(name: &str, account: &str) -> CustomerDraft {
    serde_json::from_value(json!({
        "kind": "individual",
        "name": {"full": name},
        "date_of_birth": "1988-04-12",
        "nationalities": ["DE"],
        "addresses": [{"line1": "12 Main Road", "city": "Berlin", "country": "DE"}],
        "emails": [format!("{account}@example.com")],
        "phones": ["+49 30 901820"],
        "accounts": [{"external_id": account, "payment_methods": [{"type": "card",
            "brand": "visa", "last4": "4242", "bin_country": "DE", "source": "customer"}]}],
        "beneficial_owners": []
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The scope of a fresh key of the reseller's own tenant, as a request would carry it.
async fn reseller_scope(app: &App, tenant: cloudkyc_domain::TenantId) -> TenantScope {
    let operator = app
        .operator_scope("Test Cloud")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let key = crate::keys::CreateKey {
        role: cloudkyc_domain::Role::Reseller,
        tenant: Some(tenant),
        name: "reseller key".into(),
        expires_at: None,
    };
    let created = app
        .create_key(&operator, key)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.authenticate(created.secret.expose())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the new key gets in"))
}

#[tokio::test]
async fn a_measure_on_a_reseller_acts_on_its_customers_accounts() {
    let (app, clock, scope) = app().await;
    let lagos = app
        .register_reseller(&scope, reseller("Lagos Cloud Services Ltd", "NG"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let channel = reseller_scope(&app, lagos.record.reseller_tenant).await;
    // The operator's scope as a request made now would carry it, with the reseller's tenant.
    let scope = app
        .operator_scope("Test Cloud")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let through = app
        .onboard_customer(&channel, person("Anna Example", "de-1"), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .customer;
    let direct = app
        .onboard_customer(&scope, person("Berta Example", "de-2"), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .customer;
    let access_before = through.decision.account_access;
    assert_ne!(access_before, AccountAccess::Closed);

    // A prohibition on the reseller's country, effective in a month: the customer who came
    // through it gets a closure scheduled by that date and a review case; the direct one none.
    let measure = app
        .register_measure(&scope, prohibit("NG", date(2026, 12, 1)))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    drain(&app).await;
    let detail = app
        .measure_detail(&scope, measure.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let actions: Vec<_> = detail
        .actions
        .iter()
        .map(|a| (a.customer, a.kind, a.due, a.state))
        .collect();
    assert_eq!(
        actions,
        [(
            through.id,
            ActionKind::Close,
            date(2026, 12, 1),
            ActionState::Scheduled
        )]
    );
    let customer_ref = SubjectRef::parse(&through.id.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let cases = measure_cases(&app, &scope).await;
    assert!(
        cases.iter().any(|(subject, summary)| *subject
            == CaseSubject::Customer(customer_ref.clone())
            && summary.contains("2026-12-01")),
        "{cases:?}"
    );
    let direct_ref = SubjectRef::parse(&direct.id.to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        cases
            .iter()
            .all(|(subject, _)| *subject != CaseSubject::Customer(direct_ref.clone())),
        "{cases:?}"
    );

    // On the effective date the customer's account is closed, the reason naming the reseller.
    clock.advance(Duration::days(30));
    drain(&app).await;
    let closed = app
        .customer(&scope, through.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(closed.decision.account_access, AccountAccess::Closed);
    let reasons = closed.decision.reasons.join(" | ");
    assert!(
        reasons.contains("reseller Lagos Cloud Services Ltd") && reasons.contains("(NG)"),
        "{reasons}"
    );
    let untouched = app
        .customer(&scope, direct.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        untouched.decision.account_access,
        direct.decision.account_access
    );

    // With the prohibition in force, a new applicant through the reseller is refused.
    let refused = app
        .onboard_customer(&channel, person("Carla Example", "de-3"), None)
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
    assert!(
        first.starts_with("onboarding refused") && first.contains("Lagos Cloud Services Ltd"),
        "{first}"
    );
}
