//! Ownership structures end to end on a real (in-memory SQLite) store: five levels of holding
//! companies, cross-holdings, refused structures, derived hits and the aggregate rule.

use std::sync::Arc;

use chrono::TimeZone;
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_screening::Index;
use cloudkyc_store::TenantScope;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::customers::{AccountAccess, CustomerId};
use cloudkyc_store_sqlite::SqliteStore;
use serde_json::{Value, json};

use super::StructureDraft;
use crate::customers::{Redecision, ScreenedSubject, ScreeningStatus};
use crate::{App, AppError, ManualClock};

async fn app(index: Index) -> (App, TenantScope) {
    let store = SqliteStore::open("sqlite::memory:", &MasterKey::generate())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap_or_else(|| panic!("bundled pack"));
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 11, 1, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let app = App::new(
        Arc::new(store),
        Arc::new(ManualClock::new(start)),
        Arc::new(pack),
    )
    .with_screening_index(index);
    let scope = app
        .operator_scope("Ownership Cloud")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (app, scope)
}

async fn entity_customer(app: &App, scope: &TenantScope) -> CustomerId {
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
    .unwrap_or_else(|e| panic!("{e}"));
    app.onboard_customer(scope, draft, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .customer
        .id
}

fn person(id: &str, name: &str, nationality: &str) -> Value {
    json!({"id": id, "kind": "individual", "person": {
        "name": {"full": name}, "date_of_birth": "1979-02-03", "nationalities": [nationality],
        "addresses": [{"line1": "8 Jianguo Road", "city": "Beijing", "country": nationality}]
    }})
}

fn entity(id: &str, name: &str, country: &str) -> Value {
    json!({"id": id, "kind": "entity", "name": name, "jurisdiction": country})
}

fn owns(from: &str, to: &str, percent: f64) -> Value {
    json!({"from": from, "to": to, "type": "ownership", "percent": percent})
}

fn draft(parties: Value, edges: Value) -> StructureDraft {
    serde_json::from_value(json!({"parties": parties, "edges": edges}))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Li Wei holds the customer through five holding companies (33.6 %), Ana Lima joins the chain
/// half-way (22.4 %, below the threshold), Bob Stone owns 30 % directly and Omar Haddad
/// manages the first holding company, which controls the customer by its majority.
fn five_levels() -> StructureDraft {
    draft(
        json!([
            entity("h1", "Helios Holdings 1 Ltd", "AE"),
            entity("h2", "Helios Holdings 2 Ltd", "CY"),
            entity("h3", "Helios Holdings 3 Ltd", "NL"),
            entity("h4", "Helios Holdings 4 Ltd", "KY"),
            entity("h5", "Helios Holdings 5 Ltd", "VG"),
            person("li", "Li Wei", "CN"),
            person("ana", "Ana Lima", "BR"),
            person("bob", "Bob Stone", "GB"),
            person("omar", "Omar Haddad", "AE"),
        ]),
        json!([
            owns("h1", "customer", 70.0),
            owns("bob", "customer", 30.0),
            owns("h2", "h1", 100.0),
            owns("h3", "h2", 80.0),
            owns("h4", "h3", 60.0),
            owns("ana", "h3", 40.0),
            owns("h5", "h4", 100.0),
            owns("li", "h5", 100.0),
            {"from": "omar", "to": "h1", "type": "control", "control": "management"},
            {"from": "omar", "to": "h2", "type": "directorship"},
        ]),
    )
}

#[tokio::test]
async fn five_levels_of_holding_companies_make_the_top_individual_a_beneficial_owner() {
    let (app, scope) = app(Index::build(&[])).await;
    let id = entity_customer(&app, &scope).await;
    let submitted = app
        .submit_ownership(&scope, id, &five_levels())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let view = &submitted.ownership;
    assert_eq!(view.version, 1);
    let owners: Vec<(&str, &str, bool, bool)> = view
        .beneficial_owners
        .iter()
        .map(|o| {
            (
                o.party.as_str(),
                o.effective_percent.as_str(),
                o.by_ownership,
                o.by_control,
            )
        })
        .collect();
    assert_eq!(
        owners,
        vec![
            // Li's majorities run all the way down: control as well as ownership.
            ("li", "33.6", true, true),
            ("bob", "30", true, false),
            ("omar", "0", false, true),
        ]
    );
    let li = &view.beneficial_owners[0];
    assert_eq!(li.effective_share, "42/125");
    assert_eq!(
        li.paths,
        vec![
            "li -[owns 100 %]-> h5 -[owns 100 %]-> h4 -[owns 60 %]-> h3 -[owns 80 %]-> h2 \
             -[owns 100 %]-> h1 -[owns 70 %]-> customer (33.6 %)"
        ]
    );
    assert!(
        view.beneficial_owners[2]
            .basis
            .contains("management control of h1")
    );
    let ana = view.holders.iter().find(|h| h.party == "ana");
    assert_eq!(ana.map(|h| h.effective_percent.as_str()), Some("22.4"));
    // 20 % of h2 has no recorded owner: 20 % of 70 % of the customer.
    assert_eq!(view.unrecorded_percent, "14");
    // The computed owners are the customer's owners now, decided again with them.
    let customer = &submitted.customer;
    let names: Vec<String> = customer
        .customer
        .beneficial_owners
        .iter()
        .map(|o| o.name.full().as_str().to_owned())
        .collect();
    assert_eq!(names, ["Li Wei", "Bob Stone", "Omar Haddad"]);
    assert_eq!(submitted.diff.added.len(), 3);
    assert!(
        customer.decision.reasons[0].contains("3 added"),
        "{:?}",
        customer.decision.reasons
    );
    // Read back: the same computation from the stored structure.
    let read = app
        .ownership(&scope, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&read, view);

    // Ana's stake grows past the threshold: she becomes an owner, Li's share falls.
    let mut changed = five_levels();
    changed.expected_version = Some(1);
    for edge in &mut changed.edges {
        if edge.from == "h4" {
            edge.percent = Some(super::PercentDraft::Text("50".into()));
        }
        if edge.from == "ana" {
            edge.percent = Some(super::PercentDraft::Number(50.0));
        }
    }
    let second = app
        .submit_ownership(&scope, id, &changed)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let shares: Vec<(&str, &str)> = second
        .ownership
        .beneficial_owners
        .iter()
        .map(|o| (o.party.as_str(), o.effective_percent.as_str()))
        .collect();
    assert_eq!(
        shares,
        vec![("bob", "30"), ("ana", "28"), ("li", "28"), ("omar", "0")]
    );
    assert_eq!(second.ownership.version, 2);
    // A submitter that read version 1 is refused now.
    let stale = app.submit_ownership(&scope, id, &changed).await;
    assert!(matches!(stale, Err(AppError::Conflict(_))), "{stale:?}");
}

#[tokio::test]
async fn cross_holdings_are_summed_exactly_over_every_walk() {
    let (app, scope) = app(Index::build(&[])).await;
    let id = entity_customer(&app, &scope).await;
    // A and B hold half of each other; Li holds the other half of A, Ana of B.
    let structure = draft(
        json!([
            entity("a", "Alpha Holdings", "CY"),
            entity("b", "Beta Holdings", "MT"),
            person("li", "Li Wei", "CN"),
            person("ana", "Ana Lima", "BR"),
        ]),
        json!([
            owns("a", "customer", 100.0),
            owns("li", "a", 50.0),
            owns("b", "a", 50.0),
            owns("a", "b", 50.0),
            owns("ana", "b", 50.0),
        ]),
    );
    let view = app
        .submit_ownership(&scope, id, &structure)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .ownership;
    let exact: Vec<(&str, &str, Option<&str>)> = view
        .holders
        .iter()
        .map(|h| {
            (
                h.party.as_str(),
                h.effective_share.as_str(),
                h.cycle_factor.as_deref(),
            )
        })
        .collect();
    // 1/2 + 1/2·1/4 + … = 2/3 for Li; 1/3 for Ana: together exactly the whole customer.
    assert_eq!(
        exact,
        vec![("li", "2/3", Some("4/3")), ("ana", "1/3", Some("4/3"))]
    );
    assert_eq!(
        view.cross_holdings,
        vec![vec!["a".to_owned(), "b".to_owned()]]
    );
    assert_eq!(view.beneficial_owners.len(), 2);
    assert_eq!(view.unrecorded_percent, "0");
}

#[tokio::test]
async fn broken_structures_are_refused_with_every_problem_and_store_nothing() {
    let (app, scope) = app(Index::build(&[])).await;
    let id = entity_customer(&app, &scope).await;
    let closed = draft(
        json!([entity("a", "Alpha", "CY"), entity("b", "Beta", "MT")]),
        json!([
            owns("a", "customer", 100.0),
            owns("a", "b", 100.0),
            owns("b", "a", 100.0)
        ]),
    );
    let Err(AppError::Invalid(errors)) = app.submit_ownership(&scope, id, &closed).await else {
        panic!("a closed loop is refused");
    };
    assert!(
        errors[0].message.contains("own each other entirely"),
        "{errors:?}"
    );
    let bad = draft(
        json!([
            entity("customer", "Itself", "AE"),
            {"id": "x", "kind": "individual"},
            entity("h", "", "ZZ"),
        ]),
        json!([
            owns("ghost", "customer", 60.0),
            owns("h", "customer", 0.0),
            {"from": "h", "to": "customer", "type": "control"},
        ]),
    );
    let Err(AppError::Invalid(errors)) = app.submit_ownership(&scope, id, &bad).await else {
        panic!("refused");
    };
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    for expected in [
        "/parties/0/id",
        "/parties/1/person",
        "/parties/2/name",
        "/parties/2/jurisdiction",
        "/edges/1/percent",
        "/edges/2/control",
    ] {
        assert!(paths.contains(&expected), "{expected} in {paths:?}");
    }
    let over = draft(
        json!([
            person("li", "Li Wei", "CN"),
            person("ana", "Ana Lima", "BR")
        ]),
        json!([owns("li", "customer", 60.0), owns("ana", "customer", 50.0)]),
    );
    let Err(AppError::Invalid(errors)) = app.submit_ownership(&scope, id, &over).await else {
        panic!("over-ownership is refused");
    };
    assert!(errors[0].message.contains("more than 100 %"), "{errors:?}");
    assert!(matches!(
        app.ownership(&scope, id).await,
        Err(AppError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_listed_holding_company_is_raised_on_the_customer_with_its_path() {
    let index = crate::screening::bundled_index().unwrap_or_else(|e| panic!("{e}"));
    let (app, scope) = app(index).await;
    let id = entity_customer(&app, &scope).await;
    // A sanctioned bank wholly owns the holding company that owns 60 % of the customer.
    let structure = draft(
        json!([
            entity("h1", "Helios Holdings 1 Ltd", "AE"),
            entity("kkbc", "Korea Kwangson Banking Corp", "KP"),
            person("bob", "Bob Stone", "GB"),
        ]),
        json!([
            owns("h1", "customer", 60.0),
            owns("kkbc", "h1", 100.0),
            owns("bob", "customer", 40.0),
        ]),
    );
    let submitted = app
        .submit_ownership(&scope, id, &structure)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let hits = &submitted.ownership.derived_hits;
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h.party == "kkbc"), "{hits:?}");
    assert_eq!(
        hits[0].paths,
        vec!["kkbc -[owns 100 %]-> h1 -[owns 60 %]-> customer (60 %)"]
    );
    assert_eq!(hits[0].effective_percent, "60");
    let aggregate = submitted.ownership.aggregate.as_ref();
    assert_eq!(aggregate.map(|a| a.meets), Some(true), "{aggregate:?}");

    // Raised on the customer: its screening names the party with the path, access restricted.
    let customer = &submitted.customer;
    let screening = customer
        .screening
        .as_ref()
        .unwrap_or_else(|| panic!("screened"));
    assert_eq!(screening.status, ScreeningStatus::PotentialMatch);
    let raised = screening
        .hits
        .iter()
        .find(|h| h.subject == ScreenedSubject::OwnershipParty)
        .unwrap_or_else(|| panic!("derived hit raised"));
    assert_eq!(raised.subject_name, "Korea Kwangson Banking Corp");
    assert_eq!(raised.ownership_paths, hits[0].paths);
    assert_ne!(customer.decision.account_access, AccountAccess::Full);
    let reasons = customer.decision.reasons.join("\n");
    assert!(reasons.contains("via kkbc -[owns 100 %]-> h1"), "{reasons}");
    assert!(
        reasons.contains("treated as listed") || reasons.contains("in aggregate"),
        "{reasons}"
    );

    // Any later redecision keeps the derived hit (the structure is read again).
    let current = app
        .customer(&scope, id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let again = app
        .redecide(
            &scope,
            current,
            Redecision::new("customer.test", "officer asked"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(again.decision.reasons.join("\n").contains("via kkbc"));
}

#[tokio::test]
async fn an_individual_customer_has_no_structure() {
    let (app, scope) = app(Index::build(&[])).await;
    let draft_customer = serde_json::from_value(json!({
        "kind": "individual", "name": {"full": "Jo Example"}, "date_of_birth": "1980-01-01",
        "nationalities": ["DE"],
        "addresses": [{"line1": "1 Main St", "city": "Berlin", "country": "DE"}],
        "emails": ["jo@example.com"], "phones": ["+49 30 901820"],
        "accounts": [], "beneficial_owners": []
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    let id = app
        .onboard_customer(&scope, draft_customer, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .customer
        .id;
    let refused = app.submit_ownership(&scope, id, &five_levels()).await;
    assert!(matches!(refused, Err(AppError::Invalid(_))), "{refused:?}");
    let unknown = app
        .submit_ownership(&scope, CustomerId::new(), &five_levels())
        .await;
    assert!(matches!(unknown, Err(AppError::NotFound(_))), "{unknown:?}");
}
