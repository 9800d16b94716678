//! Continuous screening of ownership structures: a list entry naming a holding company two
//! levels above a customer is found by the run's second walk and raised on the customer with
//! its ownership path; removing the entry clears the derived hit.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use serde_json::json;

use super::structures::party_queries;
use super::tests::{app, drain, hit_cases, import, keys, reread, watch};
use super::*;
use crate::App;
use crate::customers::{CustomerRecord, ScreenedSubject, ScreeningStatus};
use crate::ownership::StructureDraft;
use cloudkyc_store::TenantScope;

const W1: &str = r#"{"id":"w1","schema":"Person","properties":{"name":["Zoltan Krasnapolsky"]}}"#;
const W4: &str = r#"{"id":"w4","schema":"Organization","properties":{"name":["Tarkovian Maritime Holdings Ltd"]}}"#;
const HOLDING: &str = "Tarkovian Maritime Holdings Ltd";

/// Helios Compute, owned 70 % by Helios Holdings, which Tarkovian Maritime Holdings owns
/// wholly, which Li Wei owns wholly; Bob Stone owns the other 30 % directly.
async fn customer_with_structure(app: &App, scope: &TenantScope) -> CustomerRecord {
    let draft = serde_json::from_value(json!({
        "kind": "entity",
        "name": {"full": "Helios Compute FZ-LLC"},
        "incorporation": {"country": "AE", "date": "2024-03-01", "registration_number": "DMCC-102938"},
        "addresses": [{"line1": "Unit 4, Cluster X", "city": "Dubai", "country": "AE"}],
        "emails": ["ops@helioscompute.example"],
        "phones": ["+971 4 555 0199"],
        "accounts": [{"external_id": "acct-2001",
                      "payment_methods": [{"type": "bank_account", "country": "AE", "source": "customer"}]}],
        "beneficial_owners": []
    }))
    .unwrap();
    let id = app
        .onboard_customer(scope, draft, None)
        .await
        .unwrap()
        .customer
        .id;
    let person = |id: &str, name: &str, country: &str| {
        json!({"id": id, "kind": "individual", "person": {
            "name": {"full": name}, "date_of_birth": "1979-02-03", "nationalities": [country],
            "addresses": [{"line1": "8 Jianguo Road", "city": "Beijing", "country": country}]
        }})
    };
    let structure: StructureDraft = serde_json::from_value(json!({
        "parties": [
            {"id": "h1", "kind": "entity", "name": "Helios Holdings Ltd", "jurisdiction": "AE"},
            {"id": "h2", "kind": "entity", "name": HOLDING, "jurisdiction": "CY"},
            person("li", "Li Wei", "CN"),
            person("bob", "Bob Stone", "GB"),
        ],
        "edges": [
            {"from": "h1", "to": "customer", "type": "ownership", "percent": 70},
            {"from": "bob", "to": "customer", "type": "ownership", "percent": 30},
            {"from": "h2", "to": "h1", "type": "ownership", "percent": 100},
            {"from": "li", "to": "h2", "type": "ownership", "percent": 100},
        ]
    }))
    .unwrap();
    app.submit_ownership(scope, id, &structure)
        .await
        .unwrap()
        .customer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_entry_naming_a_holding_company_two_levels_up_is_raised_on_the_customer() {
    let (app, scope) = app().await;
    assert!(import(&app, &scope, &[W1]).await);
    drain(&app).await;
    let customer = customer_with_structure(&app, &scope).await;
    assert!(keys(&customer).is_empty(), "on no list yet");
    let before = app.screening_index().load().await.unwrap();

    assert!(import(&app, &scope, &[W1, W4]).await);
    let after = app.screening_index().load().await.unwrap();
    let delta = ListDelta::between(&before, &after);
    assert_eq!(delta.changed, BTreeSet::from([watch("w4")]));
    // The customer walk alone would not find it: neither the customer's name nor its
    // beneficial owners' resemble the new entry; the holding company's does.
    let screen = DeltaScreen::new(delta.clone(), &after);
    let pack = app.policy();
    assert!(!screen.needs_full_screen(&customer_queries(pack, &customer), keys(&customer).iter()));
    let structure = app
        .store()
        .ownership(&scope, customer.id)
        .await
        .unwrap()
        .unwrap()
        .structure;
    assert!(screen.needs_full_screen(&party_queries(pack, &structure), std::iter::empty()));

    drain(&app).await;
    let raised = reread(&app, &scope, &customer).await;
    assert_eq!(keys(&raised), BTreeSet::from([watch("w4")]));
    let screening = raised.screening.as_ref().unwrap();
    assert_eq!(screening.status, ScreeningStatus::PotentialMatch);
    let derived = screening
        .hits
        .iter()
        .find(|h| h.subject == ScreenedSubject::OwnershipParty)
        .expect("a derived hit");
    assert_eq!(derived.subject_name, HOLDING);
    assert!(
        derived
            .ownership_paths
            .iter()
            .any(|p| p.starts_with("h2 -[owns 100 %]-> h1 -[owns 70 %]-> customer")),
        "{:?}",
        derived.ownership_paths
    );
    let cases = hit_cases(&app, &scope, &customer).await;
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert!(
        cases[0].contains("party in its ownership structure") && cases[0].contains("watch w4"),
        "{cases:?}"
    );

    // The customer walk hands over to the structure walk; a structure page run again leaves a
    // customer decided against the lists in force alone.
    let page = RescreenPage {
        run: "again".into(),
        delta: Some(delta),
        phase: RescreenPhase::Customers,
        after: None,
    };
    let (next, _) = app.rescreen_page(&scope, &page).await.unwrap();
    let next = next.expect("the structure walk follows");
    assert_eq!((next.phase, next.after), (RescreenPhase::Structures, None));
    let decided = reread(&app, &scope, &customer).await;
    assert_eq!(keys(&decided), keys(&raised));
    assert_eq!(app.rescreen_page(&scope, &next).await.unwrap(), (None, 0));
    assert_eq!(reread(&app, &scope, &customer).await, decided);

    // The entry leaves the list: the stored derived hit is on a removed entity and clears.
    assert!(import(&app, &scope, &[W1]).await);
    drain(&app).await;
    let cleared = reread(&app, &scope, &customer).await;
    assert!(keys(&cleared).is_empty(), "{:?}", cleared.screening);
    assert_eq!(cleared.screening.unwrap().status, ScreeningStatus::Clear);
}
