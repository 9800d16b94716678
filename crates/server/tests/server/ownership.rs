//! `PUT`/`GET /v1/customers/{id}/ownership`: the documented example is accepted as written and
//! its computed owners become the customer's; bad structures are 422 with every path; another
//! tenant's customer is 404; a stale version is 409; every replacement is audited.

use axum::http::{Method, StatusCode};
use cloudkyc_domain::Role;
use cloudkyc_store::AuditStore;
use serde_json::{Value, json};

use super::support::{TestApp, TestResponse};

fn helios() -> Value {
    json!({
      "kind": "entity",
      "name": {"full": "Helios Compute FZ-LLC"},
      "incorporation": {"country": "AE", "date": "2024-03-01", "registration_number": "DMCC-102938"},
      "addresses": [{"line1": "Unit 4, Cluster X", "city": "Dubai", "country": "AE"}],
      "emails": ["ops@helioscompute.example"],
      "phones": ["+971 4 555 0199"],
      "accounts": [{"external_id": "acct-2001",
                    "payment_methods": [{"type": "bank_account", "country": "AE", "source": "customer"}]}],
      "beneficial_owners": []
    })
}

async fn customer(t: &TestApp, key: &str) -> String {
    let created = t
        .post("/v1/customers", Some(key), &helios())
        .await
        .ok(StatusCode::CREATED);
    created["id"].as_str().unwrap().to_owned()
}

async fn put(t: &TestApp, key: &str, id: &str, body: &Value) -> TestResponse {
    let path = format!("/v1/customers/{id}/ownership");
    t.call(Method::PUT, &path, Some(key), Some(body)).await
}

/// The example the OpenAPI document shows for a submission.
async fn documented_example(t: &TestApp) -> Value {
    let doc = t.get("/openapi.json", None).await.ok(StatusCode::OK);
    doc["components"]["schemas"]["OwnershipSubmission"]["example"].clone()
}

#[tokio::test]
async fn the_documented_structure_makes_its_computed_owners_the_customers() {
    let t = TestApp::new().await;
    let id = customer(&t, &t.admin).await;
    let path = format!("/v1/customers/{id}/ownership");
    t.get(&path, Some(&t.admin))
        .await
        .problem(StatusCode::NOT_FOUND);
    let example = documented_example(&t).await;
    assert!(example["parties"].is_array(), "{example}");
    let answer = put(&t, &t.admin, &id, &example).await.ok(StatusCode::OK);
    let ownership = &answer["ownership"];
    assert_eq!(ownership["version"], 1);
    let owners = ownership["beneficial_owners"].as_array().unwrap();
    let summary: Vec<(&str, &str)> = owners
        .iter()
        .map(|o| {
            (
                o["party"].as_str().unwrap(),
                o["effective_percent"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(summary, vec![("li", "60"), ("omar", "0")]);
    assert_eq!(
        owners[0]["paths"][0],
        "li -[owns 60 %]-> cedar -[owns 100 %]-> customer (60 %)"
    );
    assert!(
        owners[1]["basis"]
            .as_str()
            .unwrap()
            .contains("management control of customer"),
        "{owners:?}"
    );
    // Cedar's other 40 % has no recorded owner.
    assert_eq!(ownership["unrecorded_percent"], "40");
    let customer = &answer["customer"];
    let names: Vec<&str> = customer["beneficial_owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"]["full"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Li Wei", "Omar Haddad"]);
    assert_eq!(customer["person_status"], "foreign");

    // Read back as computed today; readers without write rights may read it.
    let auditor = t.key(Role::Auditor).await;
    let read = t.get(&path, Some(&auditor)).await.ok(StatusCode::OK);
    assert_eq!(read, answer["ownership"]);
    let events = t
        .store
        .audit_events(&t.operator, t.provider, 0, 500)
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "customer.ownership_replace" && e.subject_id == id)
            .count(),
        1
    );

    // A submitter that read no structure is refused now that one exists.
    let mut stale = example.clone();
    stale["expected_version"] = json!(0);
    put(&t, &t.admin, &id, &stale)
        .await
        .problem(StatusCode::CONFLICT);
    stale["expected_version"] = json!(1);
    let second = put(&t, &t.admin, &id, &stale).await.ok(StatusCode::OK);
    assert_eq!(second["ownership"]["version"], 2);
}

#[tokio::test]
async fn bad_structures_are_422_with_every_path_and_nothing_is_stored() {
    let t = TestApp::new().await;
    let id = customer(&t, &t.admin).await;
    let bad = json!({
        "parties": [
            {"id": "h", "kind": "entity", "name": "Holding", "jurisdiction": "ZZ"},
            {"id": "li", "kind": "individual", "person": {"name": {"full": ""}}}
        ],
        "edges": [
            {"from": "h", "to": "customer", "type": "ownership", "percent": 150},
            {"from": "li", "to": "h", "type": "control"}
        ]
    });
    let paths = put(&t, &t.admin, &id, &bad).await.invalid_paths();
    for expected in [
        "/parties/0/jurisdiction",
        "/parties/1/person/name/full",
        "/edges/0/percent",
        "/edges/1/control",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} in {paths:?}"
        );
    }
    // Structure-level problems: a party nobody listed, owners above 100 %, a closed loop.
    let inconsistent = json!({
        "parties": [
            {"id": "a", "kind": "entity", "name": "Alpha"},
            {"id": "b", "kind": "entity", "name": "Beta"}
        ],
        "edges": [
            {"from": "ghost", "to": "customer", "type": "ownership", "percent": 10},
            {"from": "a", "to": "b", "type": "ownership", "percent": 100},
            {"from": "b", "to": "a", "type": "ownership", "percent": 100}
        ]
    });
    let problem = put(&t, &t.admin, &id, &inconsistent)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem.to_string().contains("ghost"), "{problem}");
    // Unknown fields and enum values are 4xx, never 500.
    for body in [
        json!({"parties": [], "edges": [], "owners": []}),
        json!({"parties": [{"id": "x", "kind": "trust"}], "edges": []}),
        json!({"parties": [], "edges": [{"from": "a", "to": "b", "type": "friendship"}]}),
        json!({"parties": "none", "edges": []}),
    ] {
        let status = put(&t, &t.admin, &id, &body).await.status;
        assert!(status.is_client_error(), "{body}: {status}");
    }
    t.get(&format!("/v1/customers/{id}/ownership"), Some(&t.admin))
        .await
        .problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn another_tenants_customer_is_404_and_roles_are_checked() {
    let t = TestApp::new().await;
    let id = customer(&t, &t.admin).await;
    let example = documented_example(&t).await;
    let reseller = t.key(Role::Reseller).await;
    put(&t, &reseller, &id, &example)
        .await
        .problem(StatusCode::NOT_FOUND);
    t.get(&format!("/v1/customers/{id}/ownership"), Some(&reseller))
        .await
        .problem(StatusCode::NOT_FOUND);
    let auditor = t.key(Role::Auditor).await;
    put(&t, &auditor, &id, &example)
        .await
        .problem(StatusCode::FORBIDDEN);
    // An individual customer has no ownership structure.
    let individual = json!({
        "kind": "individual", "name": {"full": "Jo Example"}, "date_of_birth": "1980-01-01",
        "nationalities": ["DE"],
        "addresses": [{"line1": "1 Main St", "city": "Berlin", "country": "DE"}],
        "emails": ["jo@example.com"], "phones": ["+49 30 901820"],
        "accounts": [], "beneficial_owners": []
    });
    let person = t
        .post("/v1/customers", Some(&t.admin), &individual)
        .await
        .ok(StatusCode::CREATED);
    let person_id = person["id"].as_str().unwrap();
    put(&t, &t.admin, person_id, &example)
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
}
