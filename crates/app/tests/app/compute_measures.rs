//! Special measures on jurisdictions as compute facts: a measure in force that reaches an owner
//! group's customer or owner is in the assessment's facts with its id and evidence and fires
//! K2; registering, lifting and the expiry of a measure assess the affected groups again, and
//! only them.

use chrono::{Duration, NaiveDate};
use cloudkyc_app::measures::MeasureRequest;
use cloudkyc_compute::{Assessment, FlagId};
use cloudkyc_domain::cases::CaseKind;
use cloudkyc_domain::cip::CountryCode;
use cloudkyc_domain::measures::{Lifting, MeasureKindName, MeasureTarget};
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::CaseFilter;

use super::compute_support::{Assessed, app, onboard, run_jobs, usage};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// An entity of `country` (incorporated, addressed and owned there) holding `account`.
fn entity(name: &str, owner: &str, country: &str, city: &str, account: &str) -> serde_json::Value {
    serde_json::json!({"kind": "entity", "name": {"full": name},
        "incorporation": {"country": country, "date": "2019-03-01"},
        "addresses": [{"line1": "1 Marina Road", "city": city, "country": country}],
        "accounts": [{"external_id": account, "payment_methods": [
            {"type": "bank_account", "country": country, "source": "customer"}]}],
        "beneficial_owners": [{"name": {"full": owner},
            "date_of_birth": "1970-01-01", "nationalities": [country], "ownership_percent": 60,
            "addresses": [{"line1": "2 Hill Street", "city": city, "country": country}]}]})
}

/// A prohibition on Nigeria from 2026-11-01 until `expiry`.
fn on_nigeria(expiry: NaiveDate) -> MeasureRequest {
    MeasureRequest {
        target: MeasureTarget::Jurisdiction {
            country: CountryCode::parse("NG").unwrap(),
        },
        kind: MeasureKindName::Prohibit,
        condition: None,
        determined: date(2026, 11, 1),
        effective: date(2026, 11, 1),
        expiry: Some(expiry),
        reference: "example determination".into(),
    }
}

async fn assess(app: &cloudkyc_app::App, scope: &TenantScope, account: &str) -> Assessment {
    app.assess_account(scope, account, app.now()).await.unwrap()
}

fn k2(a: &Assessment) -> Option<&cloudkyc_compute::FlagFiring> {
    a.flags.iter().find(|f| f.flag == FlagId::K2)
}

#[tokio::test]
async fn a_measure_reaching_a_holder_is_a_fact_and_changes_with_the_registry() {
    let (app, clock, _dir) = app().await;
    let scope = app.operator_scope("Test Cloud").await.unwrap();
    let lagos = onboard(
        &app,
        &scope,
        entity("Lagos Labs Ltd", "Adaeze Okonkwo", "NG", "Lagos", "acct-ng"),
    )
    .await;
    onboard(
        &app,
        &scope,
        entity("Marina Labs", "Tan Wei Ming", "SG", "Singapore", "acct-sg"),
    )
    .await;
    usage(&app, &scope, &["acct-ng", "acct-sg"]).await;
    let assessed = Assessed::default();
    run_jobs(&app, &clock, Duration::minutes(6), &assessed).await;
    assessed.take();
    let before = assess(&app, &scope, "acct-ng").await;
    assert!(before.facts.special_measures.is_empty());
    assert!(k2(&before).is_none(), "{:#?}", before.flags);

    // A measure on Nigeria: the Lagos group is assessed again, the Singapore one is not.
    let measure = app
        .register_measure(&scope, on_nigeria(date(2027, 6, 1)))
        .await
        .unwrap();
    run_jobs(&app, &clock, Duration::zero(), &assessed).await;
    assert_eq!(assessed.take(), ["acct-ng"]);
    let reached = assess(&app, &scope, "acct-ng").await;
    let id = measure.id.to_string();
    let facts = &reached.facts.special_measures;
    assert_eq!(reached.facts.special_measure_jurisdictions, ["NG"]);
    let roles: Vec<&str> = facts.iter().map(|f| f.role.as_str()).collect();
    assert_eq!(roles, ["customer", "owner"], "{facts:#?}");
    assert!(
        facts
            .iter()
            .all(|f| f.measure_id == id && f.jurisdiction == "NG")
    );
    assert_eq!(facts[0].party, lagos.to_string());
    assert!(
        facts[0]
            .evidence
            .contains(&"address in Lagos (NG)".to_owned()),
        "{facts:#?}"
    );
    assert_eq!(facts[1].party, format!("owner 1 of customer {lagos}"));
    let written = serde_json::to_string(&reached.facts).unwrap();
    assert!(!written.contains("Okonkwo"), "no owner's name: {written}");
    let flag = k2(&reached).expect("K2 on the measure");
    assert!(flag.reason.contains(&id), "{}", flag.reason);
    assert_eq!(
        flag.inputs["special_measures"][0]["measure_id"],
        id.as_str()
    );
    // The assessment job raised the review case of the K2 firing.
    let cases = app
        .cases(
            &scope,
            &CaseFilter {
                kind: Some(CaseKind::ComputeReview),
                limit: 50,
                ..CaseFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(cases.len(), 1, "{cases:#?}");
    assert!(
        cases[0].case.summary().as_str().contains("K2"),
        "{cases:#?}"
    );
    let elsewhere = assess(&app, &scope, "acct-sg").await;
    assert!(elsewhere.facts.special_measures.is_empty());
    assert!(k2(&elsewhere).is_none(), "{:#?}", elsewhere.flags);

    // Lifted: assessed again, and the fact is gone.
    app.lift_measure(
        &scope,
        measure.id,
        Lifting {
            on: app.now().date_naive(),
            reference: "example lifting".into(),
        },
    )
    .await
    .unwrap();
    run_jobs(&app, &clock, Duration::zero(), &assessed).await;
    assert_eq!(assessed.take(), ["acct-ng"]);
    let lifted = assess(&app, &scope, "acct-ng").await;
    assert!(lifted.facts.special_measures.is_empty());
    assert!(lifted.facts.special_measure_jurisdictions.is_empty());
    assert!(k2(&lifted).is_none(), "{:#?}", lifted.flags);

    // Another one expiring in ten days: in the facts until the re-check of its expiry date.
    let short = app
        .register_measure(&scope, on_nigeria(date(2026, 11, 11)))
        .await
        .unwrap();
    run_jobs(&app, &clock, Duration::zero(), &assessed).await;
    assert_eq!(assessed.take(), ["acct-ng"]);
    let again = assess(&app, &scope, "acct-ng").await;
    assert_eq!(
        again.facts.special_measures[0].measure_id,
        short.id.to_string()
    );
    run_jobs(&app, &clock, Duration::days(10), &assessed).await;
    assert_eq!(assessed.take(), ["acct-ng"], "the expiry date's re-check");
    let expired = assess(&app, &scope, "acct-ng").await;
    assert!(expired.facts.special_measures.is_empty());
    assert!(k2(&expired).is_none(), "{:#?}", expired.flags);
}
